"""What a plain GLB holds, read independently of the code under test: its default scene's
triangles in world space (to measure surface error) and the bytes of its embedded images.

The container is split by the one GLB reader (scenes.gltf.glb); the accessors and node
transforms are decoded here on purpose, apart from scenes.gltf, to check our outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.scenes.gltf.glb import read_glb
from museion.tools.surface_error import Mesh

__all__ = ["image_bytes", "read_glb_mesh"]

_COMPONENTS = {5120: "i1", 5121: "u1", 5122: "i2", 5123: "u2", 5125: "u4", 5126: "f4"}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


def _accessor(document: dict[str, Any], binary: bytes, index: int) -> npt.NDArray[Any]:
    accessor = document["accessors"][index]
    view = document["bufferViews"][accessor["bufferView"]]
    dtype = np.dtype("<" + _COMPONENTS[accessor["componentType"]])
    width = _WIDTH[accessor["type"]]
    count = accessor["count"]
    start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
    stride = view.get("byteStride") or dtype.itemsize * width
    raw = (
        np.frombuffer(
            binary, np.uint8, count=(count - 1) * stride + dtype.itemsize * width, offset=start
        )
        if count
        else np.zeros(0, np.uint8)
    )
    rows = np.lib.stride_tricks.as_strided(raw, (count, dtype.itemsize * width), (stride, 1))
    values = np.ascontiguousarray(rows).view(dtype).reshape(count, width).astype(np.float64)
    if accessor.get("normalized"):
        values /= float(np.iinfo(dtype).max)
        values = np.maximum(values, -1.0)
    return values


def _local(node: dict[str, Any]) -> npt.NDArray[np.float64]:
    if "matrix" in node:
        return np.array(node["matrix"], np.float64).reshape(4, 4).T
    x, y, z, w = node.get("rotation", (0.0, 0.0, 0.0, 1.0))
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    matrix = np.eye(4)
    matrix[:3, :3] = rotation * np.array(node.get("scale", (1.0, 1.0, 1.0)))
    matrix[:3, 3] = node.get("translation", (0.0, 0.0, 0.0))
    return matrix


def read_glb_mesh(path: Path) -> Mesh:
    """Every triangle of a plain GLB's default scene, in world space."""
    chunks = read_glb(path.read_bytes(), path.name)
    document = json.loads(chunks.json)
    binary = chunks.bin or b""
    positions: list[npt.NDArray[Any]] = []
    triangles: list[npt.NDArray[Any]] = []
    base = 0
    scene = document.get("scenes", [{}])[document.get("scene", 0)]
    stack = [(n, np.eye(4)) for n in scene.get("nodes", [])]
    while stack:
        index, parent = stack.pop()
        node = document["nodes"][index]
        world = parent @ _local(node)
        stack.extend((child, world) for child in node.get("children", []))
        if "mesh" not in node:
            continue
        for primitive in document["meshes"][node["mesh"]]["primitives"]:
            if primitive.get("mode", 4) != 4:
                continue
            p = _accessor(document, binary, primitive["attributes"]["POSITION"])
            p = p @ world[:3, :3].T + world[:3, 3]
            if "indices" in primitive:
                t = _accessor(document, binary, primitive["indices"]).astype(np.int64)
            else:
                t = np.arange(len(p), dtype=np.int64)
            positions.append(p)
            triangles.append(t.reshape(-1, 3) + base)
            base += len(p)
    if not positions:
        raise ValueError(f"{path.name} has no triangles")
    return Mesh(np.concatenate(positions), np.concatenate(triangles))


def image_bytes(path: Path) -> int:
    """Bytes of the images embedded in a GLB (buffer views referenced by images)."""
    document = json.loads(read_glb(path.read_bytes(), path.name).json)
    views = {i["bufferView"] for i in document.get("images", []) if "bufferView" in i}
    return sum(int(document["bufferViews"][v]["byteLength"]) for v in views)
