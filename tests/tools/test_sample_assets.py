"""The sample assets: reproducible, small, complete and loadable glTF."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gl
import pytest
from PIL import Image

from museion.tools.sample_assets import (
    build_relic,
    main,
    relic_for_triangles,
    sample_builders,
    write_samples,
)
from museion.tools.sample_relics import RELICS

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


def _node_bounds(doc: gl.GLTF2, name: str) -> tuple[Any, Any]:
    """(min, max) corners of the named node's mesh (its nodes carry no transform)."""
    node = next(n for n in doc.nodes if n.name == name)
    assert node.translation is None and node.rotation is None and node.scale is None
    accessors = [doc.accessors[p.attributes.POSITION] for p in doc.meshes[node.mesh].primitives]
    low = np.min([a.min for a in accessors], axis=0)
    high = np.max([a.max for a in accessors], axis=0)
    return low, high


def _image_sizes(doc: gl.GLTF2) -> list[tuple[int, int]]:
    blob = doc.binary_blob()
    sizes = []
    for image in doc.images:
        view = doc.bufferViews[image.bufferView]
        data = blob[view.byteOffset : view.byteOffset + view.byteLength]
        sizes.append(Image.open(io.BytesIO(data)).size)
    return sizes


ALL_FILES = list(sample_builders())


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert [p.name for p in written] == ALL_FILES
    assert ALL_FILES[:4] == ["relic.glb", "venue.glb", "pedestal.glb", "hall.glb"]
    assert len(ALL_FILES) >= 9  # five relics or more
    for path in written:
        assert path.read_bytes() == (ASSETS / path.name).read_bytes(), path.name


def test_main_writes_into_the_given_folder(tmp_path: Path) -> None:
    assert main([str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(ALL_FILES)


@pytest.mark.parametrize("name", ALL_FILES)
def test_committed_files_are_small_and_labelled(name: str) -> None:
    limit = 2 * 1024 * 1024 if name == "relic.glb" else 1024 * 1024
    assert (ASSETS / name).stat().st_size <= limit
    doc = _load(ASSETS / name)
    assert doc.asset.version == "2.0"
    assert doc.asset.generator == "museion sample_assets"


def test_the_assets_folder_stays_small() -> None:
    assert sum(p.stat().st_size for p in ASSETS.iterdir()) < 8 * 1024 * 1024


@pytest.mark.parametrize("name", list(RELICS))
def test_each_relic_is_a_textured_object_of_real_size(name: str) -> None:
    assert name.startswith("relic-") and name.endswith(".glb")
    doc = _load(ASSETS / name)
    assert 3_000 <= _triangles(doc) <= 40_000
    sizes = _image_sizes(doc)
    assert sizes and all(w <= 512 and h <= 512 for w, h in sizes)
    textured = [
        m
        for m in doc.materials
        if m.pbrMetallicRoughness.baseColorTexture is not None
        and m.pbrMetallicRoughness.metallicRoughnessTexture is not None
    ]
    assert textured
    points = np.concatenate(
        [_array(doc, p.attributes.POSITION) for m in doc.meshes for p in m.primitives]
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
    doc = _load(ASSETS / name)
    for mesh in doc.meshes:
        for primitive in mesh.primitives:
            attributes = primitive.attributes
            triangles = _array(doc, primitive.indices).reshape(-1, 3)
            p = _array(doc, attributes.POSITION)[triangles]
            n = _array(doc, attributes.NORMAL)[triangles].mean(axis=1)
            e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
            assert (np.einsum("ij,ij->i", np.cross(e1, e2), n) > 0).all(), mesh.name
            if attributes.TANGENT is None:
                continue
            material = doc.materials[primitive.material]
            assert material.normalTexture is not None
            tangent = _array(doc, attributes.TANGENT)
            uv = _array(doc, attributes.TEXCOORD_0)[triangles]
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


def test_pedestal_is_a_metre_high_plinth_with_its_anchor_on_top() -> None:
    doc = _load(ASSETS / "pedestal.glb")
    anchor = next(n for n in doc.nodes if n.name == "exhibit_anchor")
    np.testing.assert_allclose(anchor.translation, [0.0, 1.0, 0.0], atol=1e-6)
    bounds = [doc.accessors[p.attributes.POSITION] for m in doc.meshes for p in m.primitives]
    np.testing.assert_allclose(np.min([a.min for a in bounds], axis=0), [-0.3, 0.0, -0.3])
    np.testing.assert_allclose(np.max([a.max for a in bounds], axis=0), [0.3, 1.0, 0.3])


def test_hall_has_thick_walls_round_its_interior_a_partition_and_one_key_light() -> None:
    doc = _load(ASSETS / "hall.glb")
    names = {n.name for n in doc.nodes}
    assert not {"exhibit_anchor", "pedestal"} & names  # the scene places pedestals
    low, high = _node_bounds(doc, "floor")
    assert low[1] == high[1] == 0.0
    assert low[0] <= -9.0 and high[0] >= 9.0 and low[2] <= -6.0 and high[2] >= 6.0
    assert _node_bounds(doc, "ceiling")[0][1] == pytest.approx(4.5, abs=1e-5)
    inner = {"wall_west": (0, -9.0, -1), "wall_east": (0, 9.0, 1)}
    inner |= {"wall_north": (2, -6.0, -1), "wall_south": (2, 6.0, 1)}
    for name, (axis, face, outwards) in inner.items():
        low, high = _node_bounds(doc, name)
        near, far = (high, low) if outwards < 0 else (low, high)
        assert near[axis] == pytest.approx(face, abs=1e-5), name  # the inner face
        assert abs(far[axis] - near[axis]) == pytest.approx(0.2, abs=1e-5), name  # 0.2 m thick
        assert low[1] == pytest.approx(0.0) and high[1] == pytest.approx(4.5, abs=1e-5), name
    low, high = _node_bounds(doc, "partition")
    np.testing.assert_allclose(low, [-2.5, 0.0, -4.15], atol=1e-6)
    np.testing.assert_allclose(high, [2.5, 3.0, -3.85], atol=1e-6)
    lights = doc.extensions["KHR_lights_punctual"]["lights"]
    assert [light["type"] for light in lights] == ["directional"]
    floor = next(m for m in doc.materials if m.name == "limestone floor")
    assert floor.normalTexture is not None
    assert floor.pbrMetallicRoughness.baseColorTexture is not None


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

    hall = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "hall.glb"))))
    assert hall.find_all_matches("**/+DirectionalLight").get_num_paths() == 1
    pedestal = NodePath(gltf.load_model(Filename.from_os_specific(str(ASSETS / "pedestal.glb"))))
    assert pedestal.find("**/exhibit_anchor").get_z(pedestal) == pytest.approx(1.0)
