"""The committed example exhibition: a complete, bilingual, well-placed scene document.

What a visitor would meet: seven relics on pedestals in one hall, every label in Chinese and
English, hotspots that sit on the relics' surfaces, tours that show different things, and
pedestals that leave room to walk and can all be seen from the entrance.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from functools import cache
from typing import Any

import numpy as np
import pygltflib as gl
import pytest

from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import Exhibit, SceneDocument, TourStep
from tests.conftest import ASSETS

LANGUAGES = {"zh", "en"}
PEDESTAL = 0.6  # footprint of pedestal.glb (m)
CLEARANCE = 1.5  # free floor round every pedestal (m)
HALL = ((-9.0, 9.0), (-6.0, 6.0))
PARTITION = ((-2.5, 2.5), (-4.15, -3.85), 3.0)
SURFACE_TOLERANCE = 0.01  # a hotspot lies on its relic within 1 cm

_DTYPES = {gl.FLOAT: np.float32, gl.UNSIGNED_SHORT: np.uint16, gl.UNSIGNED_INT: np.uint32}
_WIDTHS = {gl.SCALAR: 1, gl.VEC2: 2, gl.VEC3: 3, gl.VEC4: 4}


@pytest.fixture(scope="module")
def document() -> SceneDocument:
    return load_scene((ASSETS / "example.scene.json").read_bytes(), asset_root=ASSETS)


@cache
def _triangles(asset: str) -> Any:
    """Every triangle of a GLB as an (N, 3, 3) array in its own coordinates."""
    doc = gl.GLTF2().load(str(ASSETS / asset))
    blob = doc.binary_blob()

    def read(index: int) -> Any:
        accessor = doc.accessors[index]
        view = doc.bufferViews[accessor.bufferView]
        width = _WIDTHS[accessor.type]
        offset = view.byteOffset + (accessor.byteOffset or 0)
        data = np.frombuffer(blob, _DTYPES[accessor.componentType], accessor.count * width, offset)
        return data.reshape(-1, width) if width > 1 else data

    chunks = []
    for node in doc.nodes:
        if node.mesh is None:
            continue
        assert node.rotation is None and node.scale is None
        shift = np.array(node.translation or (0.0, 0.0, 0.0))
        for primitive in doc.meshes[node.mesh].primitives:
            points = read(primitive.attributes.POSITION).astype(np.float64) + shift
            chunks.append(points[read(primitive.indices).astype(np.int64).reshape(-1, 3)])
    return np.concatenate(chunks)


def _distance_to_mesh(triangles: Any, point: tuple[float, float, float]) -> float:
    """Distance from ``point`` to the nearest of ``triangles`` (exact, vectorised)."""
    p = np.asarray(point, np.float64)
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    ab, ac, ap = b - a, c - a, p - a
    normal = np.cross(ab, ac)
    area2 = np.einsum("ij,ij->i", normal, normal)
    safe = np.maximum(area2, 1e-30)
    v = np.einsum("ij,ij->i", np.cross(ap, ac), normal) / safe
    w = np.einsum("ij,ij->i", np.cross(ab, ap), normal) / safe
    inside = (v >= 0) & (w >= 0) & (v + w <= 1) & (area2 > 1e-30)
    plane = np.abs(np.einsum("ij,ij->i", ap, normal)) / np.sqrt(safe)

    def segment(p0: Any, p1: Any) -> Any:
        d = p1 - p0
        t = np.einsum("ij,ij->i", p - p0, d) / np.maximum(np.einsum("ij,ij->i", d, d), 1e-30)
        return np.linalg.norm(p - (p0 + d * np.clip(t, 0, 1)[:, None]), axis=1)

    edges = np.minimum.reduce([segment(a, b), segment(b, c), segment(c, a)])
    return float(np.min(np.where(inside, plane, edges)))


def _texts(value: Any, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every language map (Text) in a document, with where it is."""
    found: list[tuple[str, dict[str, str]]] = []
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            found += _texts(getattr(value, field.name), f"{path}/{field.name}")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            found += _texts(item, f"{path}/{index}")
    elif isinstance(value, dict):
        found.append((path, value))
    return found


def _inside(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    x, z = point
    inside = False
    for (x1, z1), (x2, z2) in itertools.pairwise((*polygon, polygon[0])):
        if (z1 > z) != (z2 > z) and x < x1 + (z - z1) * (x2 - x1) / (z2 - z1):
            inside = not inside
    return inside


def _footprint(exhibit: Exhibit) -> tuple[float, float, float, float]:
    """The pedestal's square on the floor: x0, z0, x1, z1."""
    x, _, z = exhibit.transform.translation
    h = PEDESTAL / 2
    return (x - h, z - h, x + h, z + h)


def _gap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Shortest distance between two axis-aligned rectangles (x0, z0, x1, z1)."""
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dz = max(b[1] - a[3], a[1] - b[3], 0.0)
    return math.hypot(dx, dz)


def _relic_box(exhibit: Exhibit) -> tuple[Any, Any]:
    """The relic's bounding box in the hall (standing on its 1 m pedestal; its yaw is
    allowed for by taking the box round all turns about the Y axis)."""
    points = _triangles(exhibit.asset).reshape(-1, 3)
    radius = float(np.hypot(points[:, 0], points[:, 2]).max())
    x, y, z = exhibit.transform.translation
    lift = 1.0 if exhibit.pedestal else 0.0
    low = np.array([x - radius, y + lift + points[:, 1].min(), z - radius])
    high = np.array([x + radius, y + lift + points[:, 1].max(), z + radius])
    return low, high


def _segment_hits_box(start: Any, end: Any, low: Any, high: Any) -> bool:
    """Whether the segment start-end passes through the box (slab test)."""
    direction = end - start
    t0, t1 = 0.0, 1.0
    for axis in range(3):
        if abs(direction[axis]) < 1e-12:
            if not low[axis] <= start[axis] <= high[axis]:
                return False
            continue
        a = (low[axis] - start[axis]) / direction[axis]
        b = (high[axis] - start[axis]) / direction[axis]
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
    return t0 < t1


def _step_view(document: SceneDocument, step: TourStep) -> tuple[str, tuple[float, ...]]:
    """What a tour step shows: an exhibit's own framing, or a camera pose."""
    if step.camera is not None:
        return ("camera", (*step.camera.position, *step.camera.target))
    assert step.exhibit is not None
    return ("exhibit", tuple(document.exhibit(step.exhibit).transform.translation))


# -- the document ---------------------------------------------------------------------------


def test_the_example_validates_with_its_assets_and_is_canonical(document: SceneDocument) -> None:
    raw = (ASSETS / "example.scene.json").read_bytes()
    assert dump_scene(document) == raw
    assert document.venue == "hall.glb" and document.pedestal_asset == "pedestal.glb"
    assert document.default_language == "zh"
    assert set(document.title) == LANGUAGES


def test_the_hu_leads_and_every_exhibit_has_its_own_relic(document: SceneDocument) -> None:
    first = document.exhibits[0]
    assert (first.id, first.asset) == ("bronze-hu", "relic.glb")
    assert first.metadata.title == {"zh": "青铜壶", "en": "Bronze hu vessel"}
    assert first.metadata.date is not None
    assert "东周" in first.metadata.date["zh"] and "Eastern Zhou" in first.metadata.date["en"]
    hotspots = {h.id: h.position for h in first.hotspots}
    assert hotspots == {"zigzag": (0.0, 0.22, 0.18), "rim": (0.0, 0.45, 0.12)}
    assert len(document.exhibits) >= 6
    assets = [e.asset for e in document.exhibits]
    assert len(set(assets)) == len(assets)
    assert all(e.pedestal for e in document.exhibits)
    assert sum(e.access == "restricted" for e in document.exhibits) >= 1


def test_every_text_is_in_chinese_and_english(document: SceneDocument) -> None:
    texts = _texts(document)
    assert len(texts) > 100
    for where, text in texts:
        assert set(text) >= LANGUAGES, where
        assert all(value.strip() for value in text.values()), where


def test_every_exhibit_has_full_dublin_core_metadata(document: SceneDocument) -> None:
    fields = ("title", "creator", "date", "medium", "dimensions", "provenance", "rights")
    identifiers = set()
    for exhibit in document.exhibits:
        for name in fields:
            assert getattr(exhibit.metadata, name) is not None, (exhibit.id, name)
        assert exhibit.metadata.identifier, exhibit.id
        identifiers.add(exhibit.metadata.identifier)
        provenance = exhibit.metadata.provenance
        assert provenance is not None and "replica" in provenance["en"], exhibit.id
        assert "复制" in provenance["zh"], exhibit.id
    assert len(identifiers) == len(document.exhibits)


def test_every_hotspot_lies_on_its_relic(document: SceneDocument) -> None:
    for exhibit in document.exhibits:
        assert exhibit.hotspots, exhibit.id
        triangles = _triangles(exhibit.asset)
        for hotspot in exhibit.hotspots:
            distance = _distance_to_mesh(triangles, hotspot.position)
            assert distance <= SURFACE_TOLERANCE, (exhibit.id, hotspot.id, distance)
            assert set(hotspot.title) >= LANGUAGES and hotspot.text is not None


def test_surface_distance_is_measured_not_assumed() -> None:
    """The distance check itself: a point 5 cm off the hu's belly is not on it."""
    triangles = _triangles("relic.glb")
    assert _distance_to_mesh(triangles, (0.0, 0.22, 0.18)) < SURFACE_TOLERANCE
    assert _distance_to_mesh(triangles, (0.0, 0.22, 0.24)) > 0.04


# -- tours ----------------------------------------------------------------------------------


def test_the_highlights_tour_shows_four_different_views(document: SceneDocument) -> None:
    tour = next(t for t in document.tours if t.id == "highlights")
    assert tour.title == {"zh": "精选导览", "en": "Highlights"}
    assert len(tour.steps) == 4
    views = [_step_view(document, step) for step in tour.steps]
    assert len(set(views)) == 4
    for step in tour.steps:
        assert set(step.narration) >= LANGUAGES and step.dwell > 0
    # the second step is the close look at the hu's zig-zag band
    assert tour.steps[1].narration["en"] == "The zig-zag band on the belly."
    assert tour.steps[1].camera is not None
    target = np.array(tour.steps[1].camera.target)
    hu = np.array(document.exhibit("bronze-hu").transform.translation)
    assert np.linalg.norm(target - hu - (0.0, 1.22, 0.0)) < 0.2


def test_a_longer_tour_visits_every_relic_and_a_free_view(document: SceneDocument) -> None:
    longest = max(document.tours, key=lambda t: len(t.steps))
    assert longest.id != "highlights" and len(longest.steps) >= 8
    assert set(longest.title) >= LANGUAGES
    visited = {step.exhibit for step in longest.steps if step.exhibit}
    assert visited == {e.id for e in document.exhibits}
    assert any(step.camera is not None for step in longest.steps)
    for step in longest.steps:
        assert set(step.narration) >= LANGUAGES and step.dwell > 0


# -- the floor plan -------------------------------------------------------------------------


def test_the_spawn_is_at_the_entrance_inside_the_walkable_floor(document: SceneDocument) -> None:
    assert document.spawn is not None
    x, y, z = document.spawn.position
    assert _inside((x, z), document.walkable)
    assert 1.4 < y < 1.8 and z > 3.0 and document.spawn.yaw == 0.0  # looking into the hall
    (x0, x1), (z0, z1) = HALL
    xs = [p[0] for p in document.walkable]
    zs = [p[1] for p in document.walkable]
    assert min(xs) >= x0 + 0.4 - 1e-9 and max(xs) <= x1 - 0.4 + 1e-9
    assert min(zs) >= z0 + 0.4 - 1e-9 and max(zs) <= z1 - 0.4 + 1e-9


def test_pedestals_stand_apart_inside_the_hall_and_clear_of_the_partition(
    document: SceneDocument,
) -> None:
    squares = {e.id: _footprint(e) for e in document.exhibits}
    for square in squares.values():
        for x, z in itertools.product(square[0::2], square[1::2]):
            assert _inside((x, z), document.walkable)
    for (a, sa), (b, sb) in itertools.combinations(squares.items(), 2):
        assert _gap(sa, sb) >= CLEARANCE, (a, b, _gap(sa, sb))
    (px0, px1), (pz0, pz1), _ = PARTITION
    (x0, x1), (z0, z1) = HALL
    for name, square in squares.items():
        assert _gap(square, (px0, pz0, px1, pz1)) >= CLEARANCE, name
        assert square[1] > pz1, name  # on the entrance side of the partition, not behind it
        walls = (square[0] - x0, x1 - square[2], square[1] - z0, z1 - square[3])
        assert min(walls) >= CLEARANCE, name


def test_every_relic_can_be_seen_from_the_spawn(document: SceneDocument) -> None:
    """In the spawn's field of view (45 degrees high, 16:9), with nothing in the way."""
    assert document.spawn is not None
    eye = np.array(document.spawn.position)
    half_width = math.degrees(math.atan(math.tan(math.radians(22.5)) * 16 / 9))
    (px0, px1), (pz0, pz1), height = PARTITION
    blockers = [("partition", np.array([px0, 0.0, pz0]), np.array([px1, height, pz1]))]
    for exhibit in document.exhibits:
        x, _, z = exhibit.transform.translation
        h = PEDESTAL / 2
        blockers.append((exhibit.id, np.array([x - h, 0.0, z - h]), np.array([x + h, 1.0, z + h])))
        blockers.append((exhibit.id, *_relic_box(exhibit)))
    for exhibit in document.exhibits:
        low, high = _relic_box(exhibit)
        centre = (low + high) / 2
        bearing = math.degrees(math.atan2(centre[0] - eye[0], eye[2] - centre[2]))
        assert abs(bearing) < half_width - 3, (exhibit.id, bearing)
        for name, box_low, box_high in blockers:
            if name != exhibit.id:
                assert not _segment_hits_box(eye, centre, box_low, box_high), (exhibit.id, name)
