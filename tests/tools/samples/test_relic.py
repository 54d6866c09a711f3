"""relic.glb, the bronze vessel: textured PBR, in metres on the origin, faces and tangent
frame right; a heavy one for benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gl
import pytest

from museion.tools.samples import RelicOptions, build_relic, relic_for_triangles
from tests.conftest import ASSETS
from tests.tools.samples.reading import (
    accessor_rows,
    load,
    triangle_count,
)


def test_relic_is_a_textured_pbr_vessel() -> None:
    doc = load(ASSETS / "relic.glb")
    material = doc.materials[0]
    textures = [
        material.pbrMetallicRoughness.baseColorTexture,
        material.normalTexture,
        material.pbrMetallicRoughness.metallicRoughnessTexture,
    ]
    assert all(t is not None for t in textures)
    assert len({t.index for t in textures}) == 3
    for texture in doc.textures:
        sampler = doc.samplers[texture.sampler]
        assert sampler.minFilter == gl.LINEAR_MIPMAP_LINEAR
        assert sampler.wrapS == sampler.wrapT == gl.REPEAT
    attributes = doc.meshes[0].primitives[0].attributes
    for name in ("POSITION", "NORMAL", "TANGENT", "TEXCOORD_0"):
        assert getattr(attributes, name) is not None, name
    assert 40_000 <= triangle_count(doc) <= 60_000


def test_relic_stands_on_the_origin_in_metres() -> None:
    doc = load(ASSETS / "relic.glb")
    accessor = doc.accessors[doc.meshes[0].primitives[0].attributes.POSITION]
    positions = accessor_rows(doc, doc.meshes[0].primitives[0].attributes.POSITION)
    np.testing.assert_allclose(accessor.min, positions.min(axis=0), atol=0)
    np.testing.assert_allclose(accessor.max, positions.max(axis=0), atol=0)
    assert 0.3 < accessor.max[1] - accessor.min[1] < 0.6
    assert abs(accessor.min[1]) < 1e-6  # stands on its base at the origin
    radius = np.hypot(positions[:, 0], positions[:, 2]).max()
    assert 0.1 < radius < 0.25


def test_relic_faces_outwards_and_its_tangent_frame_follows_the_uvs() -> None:
    """Normals agree with the winding; T is dP/du, cross(N, T) * w points to decreasing v."""
    doc = load(ASSETS / "relic.glb")
    attributes = doc.meshes[0].primitives[0].attributes
    triangles = accessor_rows(doc, doc.meshes[0].primitives[0].indices).reshape(-1, 3)
    p = accessor_rows(doc, attributes.POSITION)[triangles]
    n = accessor_rows(doc, attributes.NORMAL)[triangles].mean(axis=1)
    tangent = accessor_rows(doc, attributes.TANGENT)
    uv = accessor_rows(doc, attributes.TEXCOORD_0)[triangles]
    assert set(np.unique(tangent[:, 3])) <= {-1.0, 1.0}
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    face = np.cross(e1, e2)
    assert (np.einsum("ij,ij->i", face, n) > 0).all()
    d1, d2 = uv[:, 1] - uv[:, 0], uv[:, 2] - uv[:, 0]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    dp_du = (e1 * d2[:, 1:] - e2 * d1[:, 1:]) / det[:, None]
    dp_dv = (e2 * d1[:, :1] - e1 * d2[:, :1]) / det[:, None]
    t = tangent[triangles][:, :, :3].mean(axis=1)
    b = np.cross(n, t) * tangent[triangles[:, 0], 3][:, None]
    assert (np.einsum("ij,ij->i", t, dp_du) > 0).all()
    assert (np.einsum("ij,ij->i", b, -dp_dv) > 0).all()


def test_benchmark_relic_reaches_a_hundred_thousand_triangles(tmp_path: Path) -> None:
    path = tmp_path / "heavy.glb"
    path.write_bytes(build_relic(relic_for_triangles(100_000)))
    doc = load(path)
    assert 90_000 <= triangle_count(doc) <= 110_000
    primitive = doc.meshes[0].primitives[0]
    vertices = doc.accessors[primitive.attributes.POSITION].count
    wide = doc.accessors[primitive.indices].componentType == gl.UNSIGNED_INT
    assert wide == (vertices >= 65_536)  # 16-bit indices whenever they fit
    assert accessor_rows(doc, primitive.indices).max() < vertices
    assert np.isfinite(doc.accessors[primitive.attributes.POSITION].max).all()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"segments": 2}, "segments"),
        ({"rings": 1}, "rings"),
        ({"rings": 12.5}, "rings"),
        ({"texture_size": 8}, "texture_size"),
        ({"texture_size": 16_384}, "texture_size"),
        ({"seed": -1}, "seed"),
        ({"segments": True}, "segments"),
    ],
)
def test_relic_options_refuse_values_out_of_range(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"RelicOptions\.{field} must be a whole number"):
        RelicOptions(**fields)


def test_relic_options_take_their_edges_and_what_benchmarks_ask_for() -> None:
    assert RelicOptions(segments=3, rings=2, texture_size=16, seed=0).texture_size == 16
    assert RelicOptions(texture_size=8192).texture_size == 8192
    light = relic_for_triangles(1)  # the smallest the benchmarks can ask for
    assert (light.segments, light.rings) == (8, 8)
