"""A procedural heavy twin: a scan-like stone of a million triangles with 8 large textures.

Issue 19 asks that a 1,000,000-triangle scan with 8 textures at 4096² open fast; no such
scan ships with the repository, so this one is made: a lumpy sphere (a UV grid, displaced
by a few sines and seeded noise, so it has a scan's silhouette and vertex density) in two
halves, each with its own material of base colour, normal, occlusion-roughness-metal and
emissive maps as JPEG (what the gate accepts and a scan usually carries).  Deterministic,
and kept on disk under ``build/twins/`` since writing eight 4096² JPEGs takes seconds.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.scenes.gltf.glb import write_glb
from museion.scenes.gltf.pack import ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER, BufferPacker

__all__ = ["CACHE", "RADIUS", "Twin", "twin_glb"]

CACHE = Path(__file__).resolve().parents[1] / "build" / "twins"
RADIUS = 0.25
"""Metres: about the sample relic's size, so the venue's pedestal and home view suit it."""
_VERSION = 1  # bump when what is written changes


@dataclass(frozen=True)
class Twin:
    path: Path
    triangles: int
    textures: int
    texture_side: int


def _grid(triangles: int) -> tuple[int, int]:
    """(rows, columns) of a latitude-longitude grid with ``triangles`` triangles or just
    over: 2 * columns * (rows - 1), with twice as many columns as bands."""
    bands = max(2, round((triangles / 4) ** 0.5))
    columns = max(3, -(-triangles // (2 * bands)))
    return bands + 1, columns


def _mesh(
    triangles: int,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32], list[Any]]:
    """Positions, normals, UVs and the two halves' index arrays of the displaced sphere."""
    rows, columns = _grid(triangles)
    v, u = np.meshgrid(np.linspace(0, 1, rows), np.linspace(0, 1, columns + 1), indexing="ij")
    theta, phi = np.pi * v, 2 * np.pi * u
    rng = np.random.default_rng(19)
    coarse = rng.standard_normal((rows // 8 + 2, columns // 8 + 2))
    lumps = np.kron(coarse, np.ones((8, 8)))[:rows, : columns + 1]
    lumps[:, -1] = lumps[:, 0]  # the seam's two copies of a vertex stay together
    radius = RADIUS * (
        1
        + 0.08 * np.sin(3 * theta) * np.cos(5 * phi)
        + 0.03 * np.sin(23 * theta + 3 * phi)
        + 0.01 * lumps
        + 0.002 * np.sin(160 * theta) * np.sin(170 * phi)
    )
    radius[0, :], radius[-1, :] = radius[0, 0], radius[-1, 0]  # one point at each pole
    ring = radius * np.sin(theta)
    positions = np.stack([ring * np.cos(phi), radius * np.cos(theta), ring * np.sin(phi)], -1)
    positions = positions.reshape(-1, 3)
    positions[:, 1] += RADIUS * 1.1  # stands on its lowest point, roughly
    grid = np.arange(rows * (columns + 1), dtype=np.uint32).reshape(rows, columns + 1)
    a, b = grid[:-1, :-1], grid[:-1, 1:]
    c, d = grid[1:, :-1], grid[1:, 1:]
    faces = np.stack([np.stack([a, c, b], -1), np.stack([b, c, d], -1)], 2).reshape(rows - 1, -1, 3)
    half = (rows - 1) // 2
    halves = [faces[:half].reshape(-1, 3), faces[half:].reshape(-1, 3)]
    every = faces.reshape(-1, 3)
    p = positions.astype(np.float64)
    face = np.cross(p[every[:, 1]] - p[every[:, 0]], p[every[:, 2]] - p[every[:, 0]])
    normals = np.zeros_like(p)
    for k in range(3):
        for axis in range(3):
            normals[:, axis] += np.bincount(every[:, k], face[:, axis], minlength=len(p))
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.where(length > 0, normals / np.maximum(length, 1e-30), [0.0, 1.0, 0.0])
    uvs = np.stack([u, v], -1).reshape(-1, 2)
    return positions.astype(np.float32), normals.astype(np.float32), uvs.astype(np.float32), halves


def _jpeg(side: int, seed: int, kind: str) -> bytes:
    """One ``side``² JPEG map of ``kind``: large blotches, fine grain and stripes."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    cell = max(1, side // 64)
    blotch = np.kron(rng.random((side // cell + 1, side // cell + 1, 3)), np.ones((cell, cell, 1)))
    blotch = blotch[:side, :side].astype(np.float32)
    ramp = np.linspace(0, 40 * np.pi, side, dtype=np.float32)
    stripes = 0.5 + 0.5 * np.sin(ramp[:, None] + 0.5 * ramp[None, :])
    grain = rng.random((side, side), dtype=np.float32)
    if kind == "base":
        tone = np.array([0.55, 0.45, 0.35], np.float32)
        rgb = tone * (0.6 + 0.3 * blotch + 0.1 * stripes[..., None]) + 0.08 * grain[..., None]
    elif kind == "normal":
        tilt = 0.15 * (blotch[..., :2] - 0.5) + 0.05 * (grain[..., None] - 0.5)
        z = np.sqrt(np.clip(1 - (tilt**2).sum(-1, keepdims=True), 0, 1))
        rgb = 0.5 + 0.5 * np.concatenate([tilt, z], -1)
    elif kind == "orm":  # occlusion, roughness, metalness
        rgb = np.stack([0.8 + 0.2 * blotch[..., 0], 0.6 + 0.3 * grain, 0.05 * stripes], -1)
    else:  # emissive: a faint glow in the stripes' crests
        rgb = (0.1 * (stripes > 0.97))[..., None] * np.ones(3, np.float32)
    pixels = (np.clip(rgb, 0, 1) * 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


def _write(path: Path, triangles: int, side: int) -> None:
    positions, normals, uvs, halves = _mesh(triangles)
    packer = BufferPacker()
    attributes = {
        "POSITION": packer.add_accessor(positions, target=ARRAY_BUFFER, with_bounds=True),
        "NORMAL": packer.add_accessor(normals, target=ARRAY_BUFFER),
        "TEXCOORD_0": packer.add_accessor(uvs, target=ARRAY_BUFFER),
    }
    primitives, materials, textures = [], [], []
    for n, half in enumerate(halves):
        maps = {}
        for kind in ("base", "normal", "orm", "emissive"):
            image = packer.add_image(_jpeg(side, 10 * n + len(maps), kind), "image/jpeg")
            textures.append({"source": image})
            maps[kind] = {"index": len(textures) - 1}
        materials.append(
            {
                "name": f"scan-{n}",
                "pbrMetallicRoughness": {
                    "baseColorTexture": maps["base"],
                    "metallicRoughnessTexture": maps["orm"],
                },
                "normalTexture": maps["normal"],
                "occlusionTexture": maps["orm"],
                "emissiveTexture": maps["emissive"],
                "emissiveFactor": [1.0, 1.0, 1.0],
            }
        )
        indices = packer.add_accessor(half.reshape(-1), target=ELEMENT_ARRAY_BUFFER)
        primitives.append({"attributes": attributes, "indices": indices, "material": n})
    document: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "museion tests/twins.py"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0, "name": "heavy twin"}],
        "meshes": [{"primitives": primitives}],
        "materials": materials,
        "textures": textures,
    }
    binary = packer.finish(document)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_bytes(write_glb(document, binary))
    temporary.replace(path)  # another run reading the cache never sees half a file


def twin_glb(triangles: int = 1_000_000, texture_side: int = 4096, folder: Path = CACHE) -> Twin:
    """The twin's GLB, written once per (triangles, texture side) and then reused."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"twin-v{_VERSION}-{triangles}-{texture_side}.glb"
    if not path.is_file():
        _write(path, triangles, texture_side)
    rows, columns = _grid(triangles)
    return Twin(path, 2 * columns * (rows - 1), 8, texture_side)
