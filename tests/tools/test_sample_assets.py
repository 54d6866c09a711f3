"""The sample relic and venue: reproducible, small, complete glTF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygltflib as gl
import pytest

from museion.tools.sample_assets import build_relic, relic_for_triangles, write_samples
from tests.conftest import ASSETS


def _triangles(doc: gl.GLTF2) -> int:
    return sum(doc.accessors[p.indices].count // 3 for m in doc.meshes for p in m.primitives)


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert [p.name for p in written] == ["relic.glb", "venue.glb"]
    for path in written:
        assert path.read_bytes() == (ASSETS / path.name).read_bytes(), path.name


@pytest.mark.parametrize("name", ["relic.glb", "venue.glb"])
def test_committed_files_are_small(name: str) -> None:
    assert (ASSETS / name).stat().st_size < 2 * 1024 * 1024


def test_relic_is_a_textured_pbr_vessel() -> None:
    doc = gl.GLTF2().load(str(ASSETS / "relic.glb"))
    material = doc.materials[0]
    assert material.pbrMetallicRoughness.baseColorTexture is not None
    assert material.pbrMetallicRoughness.metallicRoughnessTexture is not None
    assert material.normalTexture is not None
    attributes = doc.meshes[0].primitives[0].attributes
    for name in ("POSITION", "NORMAL", "TANGENT", "TEXCOORD_0"):
        assert getattr(attributes, name) is not None, name
    assert 40_000 <= _triangles(doc) <= 60_000
    position = doc.accessors[attributes.POSITION]
    height = position.max[1] - position.min[1]
    assert 0.3 < height < 0.6
    assert abs(position.min[1]) < 1e-6  # stands on its base at the origin


def test_venue_has_lights_and_an_anchor_on_the_pedestal() -> None:
    doc = gl.GLTF2().load(str(ASSETS / "venue.glb"))
    lights = doc.extensions["KHR_lights_punctual"]["lights"]
    assert any(light["type"] == "directional" for light in lights)
    anchor = next(n for n in doc.nodes if n.name == "exhibit_anchor")
    assert anchor.translation is not None
    assert abs(anchor.translation[1] - 1.0) < 1e-6


def test_benchmark_relic_reaches_a_hundred_thousand_triangles(tmp_path: Path) -> None:
    path = tmp_path / "heavy.glb"
    path.write_bytes(build_relic(relic_for_triangles(100_000)))
    doc = gl.GLTF2().load(str(path))
    assert 90_000 <= _triangles(doc) <= 110_000
    primitive = doc.meshes[0].primitives[0]
    vertices = doc.accessors[primitive.attributes.POSITION].count
    wide = doc.accessors[primitive.indices].componentType == gl.UNSIGNED_INT
    assert wide == (vertices >= 65_536)  # 16-bit indices whenever they fit
    assert np.isfinite(doc.accessors[primitive.attributes.POSITION].max).all()
