"""A tangent along its normal shades as if there were none (AnimatedMorphCube's +-X faces
carry such tangents: the shader's tangent frame made NaN there, drawn as speckled noise;
issue 19's reference images)."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from museion.runtime.preview import PreviewOptions, render_thumbnail
from museion.runtime.settings import RuntimeSettings
from tests.gltf_fixtures import write_gltf

pytestmark = pytest.mark.render


def _quad(folder: Path, tangent: tuple[float, float, float]) -> Path:
    """A grey unit quad facing +Z with the given tangent at every corner (w = 1)."""
    positions = struct.pack("<12f", 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0)
    normals = struct.pack("<12f", *(0, 0, 1) * 4)
    tangents = struct.pack("<16f", *(*tangent, 1) * 4)
    indices = struct.pack("<6H", 0, 1, 2, 0, 2, 3)
    parts = [positions, normals, tangents, indices]
    views, offset = [], 0
    for part in parts:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(part)})
        offset += len(part)

    def accessor(view: int, kind: str, **extra: Any) -> dict[str, Any]:
        return {"bufferView": view, "componentType": 5126, "count": 4, "type": kind, **extra}

    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{
            "attributes": {"POSITION": 0, "NORMAL": 1, "TANGENT": 2},
            "indices": 3,
            "material": 0,
        }]}],
        "materials": [{"pbrMetallicRoughness": {
            "baseColorFactor": [0.6, 0.6, 0.6, 1], "metallicFactor": 0, "roughnessFactor": 0.5,
        }}],
        "accessors": [
            accessor(0, "VEC3", min=[0, 0, 0], max=[1, 1, 0]),
            accessor(1, "VEC3"),
            accessor(2, "VEC4"),
            {"bufferView": 3, "componentType": 5123, "count": 6, "type": "SCALAR"},
        ],
        "bufferViews": views,
    }  # fmt: skip
    name = "along" if tangent == (0, 0, 1) else "across"
    return write_gltf(folder, f"{name}.gltf", document, b"".join(parts))


def test_a_tangent_along_the_normal_shades_like_a_good_one(tmp_path: Path) -> None:
    settings = RuntimeSettings(load_cache_dir=tmp_path / "cache")
    options = PreviewOptions(yaw=20, pitch=10)
    good, bad = (
        render_thumbnail(_quad(tmp_path, tangent), (96, 96), options, settings=settings).astype(
            int
        )[30:66, 30:66]
        for tangent in ((1, 0, 0), (0, 0, 1))
    )
    # No speckles: the face is as smooth as the well-formed quad's, and the same grey.
    assert bad.std(axis=(0, 1)).max() <= good.std(axis=(0, 1)).max() + 1.0
    assert np.abs(bad - good).max() <= 2, np.abs(bad - good).max()
    assert good.mean() > 60  # lit, not the background
