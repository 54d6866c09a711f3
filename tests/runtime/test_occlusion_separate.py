"""An occlusion map apart from the metallic-roughness texture (common in scans) is drawn:
the gate's decoder packs it into that texture's red channel, where the lean shader reads
it (:mod:`museion.scenes.gltf.decode.occlusion`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from museion.scenes.gltf.glb import write_glb
from tests.gltf_fixtures import halves_png, textured_floor
from tests.runtime.test_lights_occlusion import AMBIENT_ONLY, halves

pytestmark = pytest.mark.render


def floor_glb(occluded: bool) -> bytes:
    """A 4 m rough floor; with ``occluded``, an occlusion image of its own (black on the
    left half, -x, white on the right) beside its uniform metallic-roughness image."""
    rough = halves_png((255, 255, 0), (255, 255, 0))  # R 255: a packed path sees no occlusion
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
    return write_glb(*textured_floor(material, [rough, halves_png((0, 0, 0), (255, 255, 255))]))


def test_a_separate_occlusion_map_darkens_its_black_half(tmp_path: Path) -> None:
    occluded, open_ = halves(tmp_path / "occluded", AMBIENT_ONLY, floor_glb(occluded=True))
    assert occluded < open_ - 40, (occluded, open_)
    left, right = halves(tmp_path / "plain", AMBIENT_ONLY, floor_glb(occluded=False))
    assert abs(left - right) < 3, (left, right)
    assert abs(right - open_) < 3, (right, open_)  # the white half is as the unoccluded floor
