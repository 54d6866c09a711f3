"""The sample relic and venue: reproducible, small, complete and loadable glTF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gl
import pytest

from museion.tools.sample_assets import build_relic, main, relic_for_triangles, write_samples

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "assets"

_DTYPES = {gl.FLOAT: np.float32, gl.UNSIGNED_SHORT: np.uint16, gl.UNSIGNED_INT: np.uint32}
_WIDTHS = {gl.SCALAR: 1, gl.VEC2: 2, gl.VEC3: 3, gl.VEC4: 4}


def _load(path: Path) -> gl.GLTF2:
    return gl.GLTF2().load(str(path))


def _array(doc: gl.GLTF2, index: int) -> Any:
    """An accessor's data as float64 (N, k) rows, or N values for SCALAR."""
    accessor = doc.accessors[index]
    view = doc.bufferViews[accessor.bufferView]
    width = _WIDTHS[accessor.type]
    offset = view.byteOffset + (accessor.byteOffset or 0)
    assert offset % 4 == 0
    data = np.frombuffer(
        doc.binary_blob(), _DTYPES[accessor.componentType], accessor.count * width, offset
    )
    return data.reshape(-1, width).astype(np.float64) if width > 1 else data.astype(np.int64)


def _triangles(doc: gl.GLTF2) -> int:
    return sum(doc.accessors[p.indices].count // 3 for m in doc.meshes for p in m.primitives)


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert [p.name for p in written] == ["relic.glb", "venue.glb"]
    for path in written:
        assert path.read_bytes() == (ASSETS / path.name).read_bytes(), path.name


def test_main_writes_into_the_given_folder(tmp_path: Path) -> None:
    assert main([str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["relic.glb", "venue.glb"]


@pytest.mark.parametrize("name", ["relic.glb", "venue.glb"])
def test_committed_files_are_small_and_labelled(name: str) -> None:
    assert (ASSETS / name).stat().st_size < 2 * 1024 * 1024
    doc = _load(ASSETS / name)
    assert doc.asset.version == "2.0"
    assert doc.asset.generator == "museion sample_assets"


def test_relic_is_a_textured_pbr_vessel() -> None:
    doc = _load(ASSETS / "relic.glb")
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
    assert 40_000 <= _triangles(doc) <= 60_000


def test_relic_stands_on_the_origin_in_metres() -> None:
    doc = _load(ASSETS / "relic.glb")
    accessor = doc.accessors[doc.meshes[0].primitives[0].attributes.POSITION]
    positions = _array(doc, doc.meshes[0].primitives[0].attributes.POSITION)
    np.testing.assert_allclose(accessor.min, positions.min(axis=0), atol=0)
    np.testing.assert_allclose(accessor.max, positions.max(axis=0), atol=0)
    assert 0.3 < accessor.max[1] - accessor.min[1] < 0.6
    assert abs(accessor.min[1]) < 1e-6  # stands on its base at the origin
    radius = np.hypot(positions[:, 0], positions[:, 2]).max()
    assert 0.1 < radius < 0.25


def test_relic_faces_outwards_and_its_tangent_frame_follows_the_uvs() -> None:
    """Normals agree with the winding; T is dP/du, cross(N, T) * w points to decreasing v."""
    doc = _load(ASSETS / "relic.glb")
    attributes = doc.meshes[0].primitives[0].attributes
    triangles = _array(doc, doc.meshes[0].primitives[0].indices).reshape(-1, 3)
    p = _array(doc, attributes.POSITION)[triangles]
    n = _array(doc, attributes.NORMAL)[triangles].mean(axis=1)
    tangent = _array(doc, attributes.TANGENT)
    uv = _array(doc, attributes.TEXCOORD_0)[triangles]
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


def test_venue_has_lights_and_an_anchor_on_the_pedestal() -> None:
    doc = _load(ASSETS / "venue.glb")
    assert "KHR_lights_punctual" in doc.extensionsUsed
    lights = doc.extensions["KHR_lights_punctual"]["lights"]
    assert any(light["type"] == "directional" for light in lights)
    assert any(light["type"] == "point" for light in lights)
    anchor = next(n for n in doc.nodes if n.name == "exhibit_anchor")
    assert anchor.translation is not None
    np.testing.assert_allclose(anchor.translation, [0.0, 1.0, 0.0], atol=1e-6)
    bounds = [doc.accessors[p.attributes.POSITION] for m in doc.meshes for p in m.primitives]
    assert min(a.min[1] for a in bounds) == 0.0  # the floor
    assert max(a.max[1] for a in bounds) == pytest.approx(3.5)


def test_benchmark_relic_reaches_a_hundred_thousand_triangles(tmp_path: Path) -> None:
    path = tmp_path / "heavy.glb"
    path.write_bytes(build_relic(relic_for_triangles(100_000)))
    doc = _load(path)
    assert 90_000 <= _triangles(doc) <= 110_000
    primitive = doc.meshes[0].primitives[0]
    vertices = doc.accessors[primitive.attributes.POSITION].count
    wide = doc.accessors[primitive.indices].componentType == gl.UNSIGNED_INT
    assert wide == (vertices >= 65_536)  # 16-bit indices whenever they fit
    assert _array(doc, primitive.indices).max() < vertices
    assert np.isfinite(doc.accessors[primitive.attributes.POSITION].max).all()


@pytest.mark.render
def test_panda3d_gltf_loads_both_files() -> None:
    """The runtime's loader converts them (no window or graphics pipe needed to load)."""
    import gltf
    from panda3d.core import Filename, NodePath

    relic = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "relic.glb"))))
    assert relic.find_all_matches("**/+GeomNode").get_num_paths() == 1
    low, high = relic.get_tight_bounds()
    assert high.z - low.z == pytest.approx(0.456, abs=0.01)  # Panda3D is Z-up

    venue = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "venue.glb"))))
    assert not venue.find("**/exhibit_anchor").is_empty()
    assert venue.find_all_matches("**/+DirectionalLight").get_num_paths() == 1
    assert venue.find_all_matches("**/+PointLight").get_num_paths() == 1
