"""An occlusion map apart from the metallic-roughness texture (common in scans) is drawn:
the gate's decoder packs it into that texture's red channel, where the lean shader reads
it (:mod:`museion.scenes.gltf.decode.occlusion`)."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.glb import write_glb
from museion.scenes.showcase import open_showcase
from tests.runtime.test_lights_gltf import ABOVE
from tests.runtime.test_lights_occlusion import AMBIENT_ONLY

pytestmark = pytest.mark.render


def _png(left: tuple[int, int, int], right: tuple[int, int, int]) -> bytes:
    picture = Image.new("RGB", (8, 1))
    for x in range(8):
        picture.putpixel((x, 0), left if x < 4 else right)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def floor_glb(occluded: bool) -> bytes:
    """A 4 m rough floor; with ``occluded``, an occlusion image of its own (black on the
    left half, -x, white on the right) beside its uniform metallic-roughness image."""
    rough = _png((255, 255, 0), (255, 255, 0))  # R 255: the packed path would see no occlusion
    h = 2.0
    positions = struct.pack("<12f", -h, 0, -h, h, 0, -h, h, 0, h, -h, 0, h)
    normals = struct.pack("<12f", *(0, 1, 0) * 4)
    uvs = struct.pack("<8f", 0, 0, 1, 0, 1, 1, 0, 1)
    indices = struct.pack("<6H", 0, 2, 1, 0, 3, 2) + bytes(2)
    parts = [positions, normals, uvs, indices, rough, _png((0, 0, 0), (255, 255, 255))]
    views, offset = [], 0
    for part in parts:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(part)})
        offset += len(part)
    binary = b"".join(parts)
    binary += bytes(-len(binary) % 4)
    views[3]["byteLength"] = 12
    bounds = {"min": [-h, 0, -h], "max": [h, 0, h]}
    material: dict[str, Any] = {
        "name": "scan",
        "pbrMetallicRoughness": {
            "metallicFactor": 0.0,
            "roughnessFactor": 1.0,
            "metallicRoughnessTexture": {"index": 0},
        },
    }
    if occluded:
        material["occlusionTexture"] = {"index": 1, "strength": 1.0}
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ]
            }
        ],
        "materials": [material],
        "textures": [{"source": 0}, {"source": 1}],
        "images": [
            {"bufferView": 4, "mimeType": "image/png"},
            {"bufferView": 5, "mimeType": "image/png"},
        ],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 4, "type": "VEC3", **bounds},
            {"bufferView": 1, "componentType": 5126, "count": 4, "type": "VEC3"},
            {"bufferView": 2, "componentType": 5126, "count": 4, "type": "VEC2"},
            {"bufferView": 3, "componentType": 5123, "count": 6, "type": "SCALAR"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    return write_glb(document, binary)


def halves(folder: Path, occluded: bool) -> tuple[float, float]:
    """Mean grey of the floor's left and right quarters seen from above, ambient only."""
    folder.mkdir()
    (folder / "venue.glb").write_bytes(floor_glb(occluded))
    (folder / "relic.glb").write_bytes(floor_glb(occluded))
    settings = RuntimeSettings(**{**vars(AMBIENT_ONLY), "asset_root": folder})
    engine = RenderEngine(open_showcase(folder), settings)
    try:
        source = engine.open_view(128, 128, preview=False)
        grey = np.asarray(source.frame(ABOVE), float).mean(axis=2)
        return float(grey[40:88, 8:40].mean()), float(grey[40:88, 88:120].mean())
    finally:
        engine.close()


def test_a_separate_occlusion_map_darkens_its_black_half(tmp_path: Path) -> None:
    occluded, open_ = halves(tmp_path / "occluded", occluded=True)
    assert occluded < open_ - 40, (occluded, open_)
    left, right = halves(tmp_path / "plain", occluded=False)
    assert abs(left - right) < 3, (left, right)
    assert abs(right - open_) < 3, (right, open_)  # the white half is as the unoccluded floor
