"""The example exhibition's relics (one builder each): textured objects of real size,
standing on the origin, their faces agreeing with their normals and tangents."""

from __future__ import annotations

import numpy as np
import pytest

from museion.tools.samples import RELICS
from tests.conftest import ASSETS
from tests.tools.samples.reading import (
    accessor_rows,
    image_sizes,
    load,
    triangle_count,
)


@pytest.mark.parametrize("name", list(RELICS))
def test_each_relic_is_a_textured_object_of_real_size(name: str) -> None:
    assert name.startswith("relic-") and name.endswith(".glb")
    doc = load(ASSETS / name)
    assert 3_000 <= triangle_count(doc) <= 40_000
    sizes = image_sizes(doc)
    assert sizes and all(w <= 512 and h <= 512 for w, h in sizes)
    textured = [
        m
        for m in doc.materials
        if m.pbrMetallicRoughness.baseColorTexture is not None
        and m.pbrMetallicRoughness.metallicRoughnessTexture is not None
    ]
    assert textured
    points = np.concatenate(
        [accessor_rows(doc, p.attributes.POSITION) for m in doc.meshes for p in m.primitives]
    )
    low, high = points.min(axis=0), points.max(axis=0)
    assert abs(low[1]) < 1e-6  # stands on its base at y = 0, Y up
    assert 0.1 < high[1] < 0.7  # between a bi disc on its stand and a stele
    assert np.all(np.abs((low + high)[[0, 2]] / 2) < 0.02)  # centred on the Y axis
    assert np.all((high - low)[[0, 2]] < 0.5)  # fits on the 0.6 m pedestal


@pytest.mark.parametrize("name", ["relic.glb", *RELICS])
def test_relic_faces_agree_with_normals_and_tangents_with_uvs(name: str) -> None:
    """Winding matches the normals everywhere; where there is a TANGENT it is dP/du and
    cross(N, T) * w points to decreasing v, as glTF normal maps expect."""
    doc = load(ASSETS / name)
    for mesh in doc.meshes:
        for primitive in mesh.primitives:
            attributes = primitive.attributes
            triangles = accessor_rows(doc, primitive.indices).reshape(-1, 3)
            p = accessor_rows(doc, attributes.POSITION)[triangles]
            n = accessor_rows(doc, attributes.NORMAL)[triangles].mean(axis=1)
            e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
            assert (np.einsum("ij,ij->i", np.cross(e1, e2), n) > 0).all(), mesh.name
            if attributes.TANGENT is None:
                continue
            material = doc.materials[primitive.material]
            assert material.normalTexture is not None
            tangent = accessor_rows(doc, attributes.TANGENT)
            uv = accessor_rows(doc, attributes.TEXCOORD_0)[triangles]
            d1, d2 = uv[:, 1] - uv[:, 0], uv[:, 2] - uv[:, 0]
            det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
            keep = np.abs(det) > 1e-12
            det = np.where(keep, det, 1.0)
            dp_du = (e1 * d2[:, 1:] - e2 * d1[:, 1:]) / det[:, None]
            dp_dv = (e2 * d1[:, :1] - e1 * d2[:, :1]) / det[:, None]
            t = tangent[triangles][:, :, :3].mean(axis=1)
            b = np.cross(n, t) * tangent[triangles[:, 0], 3][:, None]
            assert (np.einsum("ij,ij->i", t, dp_du)[keep] > 0).all(), mesh.name
            assert (np.einsum("ij,ij->i", b, -dp_dv)[keep] > 0).all(), mesh.name
