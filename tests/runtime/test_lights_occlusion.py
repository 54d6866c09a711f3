"""An occlusion map (packed in the metallic-roughness texture's red channel, as glTF allows)
darkens the ambient light on the occluded texels and leaves direct light alone."""

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

pytestmark = pytest.mark.render

AMBIENT_ONLY = RuntimeSettings(key_light_intensity=0.0)
DIRECT_ONLY = RuntimeSettings(sky_color=(0.0, 0.0, 0.0), ground_color=(0.0, 0.0, 0.0))


def occluded_floor_glb() -> bytes:
    """A 4 m floor whose left half (-x) is fully occluded: its metallic-roughness texture,
    also its occlusion texture, is R 0 on the left and 255 on the right (G 255: rough)."""
    picture = Image.new("RGB", (8, 1))
    for x in range(8):
        picture.putpixel((x, 0), (0 if x < 4 else 255, 255, 0))
    png = io.BytesIO()
    picture.save(png, "PNG")
    h = 2.0
    positions = struct.pack("<12f", -h, 0, -h, h, 0, -h, h, 0, h, -h, 0, h)
    normals = struct.pack("<12f", *(0, 1, 0) * 4)
    uvs = struct.pack("<8f", 0, 0, 1, 0, 1, 1, 0, 1)
    indices = struct.pack("<6H", 0, 2, 1, 0, 3, 2) + bytes(2)
    parts = [positions, normals, uvs, indices, png.getvalue()]
    views, offset = [], 0
    for part in parts:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(part)})
        offset += len(part)
    binary = b"".join(parts)
    binary += bytes(-len(binary) % 4)
    views[3]["byteLength"] = 12
    texture = {"index": 0}
    bounds = {"min": [-h, 0, -h], "max": [h, 0, h]}
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
        "materials": [
            {
                "name": "packed",
                "pbrMetallicRoughness": {
                    "metallicFactor": 0.0,
                    "roughnessFactor": 1.0,
                    "metallicRoughnessTexture": texture,
                },
                "occlusionTexture": {**texture, "strength": 1.0},
            }
        ],
        "textures": [{"source": 0}],
        "images": [{"bufferView": 4, "mimeType": "image/png"}],
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


def halves(folder: Path, settings: RuntimeSettings) -> tuple[float, float]:
    """Mean grey of the floor's left and right quarters seen from above."""
    folder.mkdir()
    (folder / "venue.glb").write_bytes(occluded_floor_glb())
    (folder / "relic.glb").write_bytes(occluded_floor_glb())
    engine = RenderEngine(
        open_showcase(folder), RuntimeSettings(**{**vars(settings), "asset_root": folder})
    )
    try:
        source = engine.open_view(128, 128, preview=False)
        grey = np.asarray(source.frame(ABOVE), float).mean(axis=2)
        return float(grey[40:88, 8:40].mean()), float(grey[40:88, 88:120].mean())
    finally:
        engine.close()


def test_an_occlusion_map_darkens_ambient_light_only(tmp_path: Path) -> None:
    occluded, open_ = halves(tmp_path / "ambient", AMBIENT_ONLY)
    assert occluded < open_ - 40, (occluded, open_)
    occluded, open_ = halves(tmp_path / "direct", DIRECT_ONLY)
    assert open_ > 60, open_  # the key light reaches the floor
    assert abs(occluded - open_) < 3, (occluded, open_)
