"""An occlusion map (packed in the metallic-roughness texture's red channel, as glTF allows)
darkens the ambient light on the occluded texels and leaves direct light alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.gltf.glb import write_glb
from museion.scenes.showcase import open_showcase
from tests.gltf_fixtures import halves_png, textured_floor
from tests.runtime.test_lights_gltf import ABOVE

pytestmark = pytest.mark.render

AMBIENT_ONLY = RuntimeSettings(key_light_intensity=0.0)
DIRECT_ONLY = RuntimeSettings(sky_color=(0.0, 0.0, 0.0), ground_color=(0.0, 0.0, 0.0))


def occluded_floor_glb() -> bytes:
    """A 4 m floor whose left half (-x) is fully occluded: its metallic-roughness texture,
    also its occlusion texture, is R 0 on the left and 255 on the right (G 255: rough)."""
    texture = {"index": 0}
    material = {
        "name": "packed",
        "pbrMetallicRoughness": {
            "metallicFactor": 0.0,
            "roughnessFactor": 1.0,
            "metallicRoughnessTexture": texture,
        },
        "occlusionTexture": {**texture, "strength": 1.0},
    }
    return write_glb(*textured_floor(material, [halves_png((0, 255, 0), (255, 255, 0))]))


def halves(
    folder: Path, settings: RuntimeSettings, floor: bytes | None = None
) -> tuple[float, float]:
    """Mean grey of the left and right quarters of ``floor`` (the occluded one when None),
    seen from above."""
    floor = occluded_floor_glb() if floor is None else floor
    folder.mkdir()
    (folder / "venue.glb").write_bytes(floor)
    (folder / "relic.glb").write_bytes(floor)
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
