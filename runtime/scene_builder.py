"""Placing a scene document's venue, pedestals and exhibits in a Panda3D scene graph.

Scene coordinates are glTF's (metres, Y up); Panda3D's are Z up: (x, y, z) -> (x, -z, y),
and a yaw about Y is a heading about Z with the same sign.  Every exhibit's node carries
the tag ``exhibit`` with its id, which picking reads back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.runtime.errors import AssetLoadFailed
from museion.scenes.checked_scene import CheckedScene
from museion.scenes.document.model import Exhibit, Transform
from museion.scenes.gltf.gate import CheckedGltf

__all__ = [
    "EXHIBIT_TAG",
    "BoundsCache",
    "anchor_node",
    "build_exhibition",
    "pedestal_height",
    "place",
    "scene_boxes",
    "scene_triangles",
    "to_panda",
    "triangle_indices",
    "vertex_positions",
]

EXHIBIT_TAG = "exhibit"
logger = logging.getLogger(__name__)
Vec3 = tuple[float, float, float]


def to_panda(point: Vec3) -> Vec3:
    """A scene-coordinate point in Panda3D's axes."""
    x, y, z = point
    return (x, -z, y)


def place(node: Any, transform: Transform, lift: float = 0.0) -> None:
    """Put an exhibit's node where ``transform`` says, ``lift`` metres higher (a pedestal's
    height: a document's exhibit stands on the pedestal, its translation is the floor's)."""
    x, y, z = transform.translation
    node.set_pos(*to_panda((x, y + lift, z)))
    yaw, pitch, roll = transform.rotation
    node.set_hpr(yaw, pitch, roll)
    node.set_scale(transform.scale)


def pedestal_height(pedestal: Any) -> float:
    """Where an exhibit stands on ``pedestal``: its ``exhibit_anchor`` node, else 1 m."""
    anchor = pedestal.find("**/exhibit_anchor")
    return float(anchor.get_z(pedestal)) if not anchor.is_empty() else 1.0


def build_exhibition(
    root: Any, scene: CheckedScene, load: Callable[[CheckedGltf], Any]
) -> tuple[Any, dict[str, Any], tuple[AssetLoadFailed, ...]]:
    """Load the venue and every exhibit under ``root``.

    Returns (venue, {exhibit id: node}, the models that failed to load).  ``load`` turns a
    checked model into a NodePath (the engine's loader) or raises
    :class:`AssetLoadFailed`.  Models used more than once are loaded once and instanced.
    A venue that fails fails the scene; an exhibit or pedestal model that fails is left out
    (logged, and returned) while its exhibit keeps its empty, placed node, so children,
    labels and hotspots stay where the document puts them.
    """
    cache: dict[str, Any] = {}
    failures: dict[str, AssetLoadFailed] = {}

    def model(name: str) -> Any:
        """The model's NodePath, or None when it failed to load (see ``failures``)."""
        if name not in cache:
            try:
                cache[name] = load(scene.model(name))
            except AssetLoadFailed as exc:
                failures[name] = exc
                cache[name] = None
        return cache[name]

    document = scene.document
    cache[document.venue] = load(scene.model(document.venue))  # its failure fails the scene
    venue = cache[document.venue].copy_to(root)
    lift_height = 0.0
    pedestal = None
    if any(e.pedestal for e in document.exhibits):
        pedestal = model(document.pedestal_asset)
        if pedestal is None:
            failed = failures[document.pedestal_asset]
            logger.error("pedestals are left out: %s: %s", failed.code, failed)
        else:
            lift_height = pedestal_height(pedestal)
    nodes: dict[str, Any] = {}
    for exhibit in _parents_first(document.exhibits):
        parent = nodes[exhibit.parent] if exhibit.parent else anchor_node(venue, exhibit, root)
        holder = parent.attach_new_node(f"exhibit-{exhibit.id}")
        holder.set_tag(EXHIBIT_TAG, exhibit.id)
        lift = lift_height if exhibit.pedestal and not exhibit.parent else 0.0
        place(holder, exhibit.transform, lift)
        relic = model(exhibit.asset)
        if relic is None:
            failed = failures[exhibit.asset]
            logger.error("exhibit %r is left out: %s: %s", exhibit.id, failed.code, failed)
        else:
            relic.instance_to(holder)
        if lift and pedestal is not None:
            x, _, z = exhibit.transform.translation
            stand = root.attach_new_node(f"pedestal-{exhibit.id}")
            stand.set_pos(*to_panda((x, 0.0, z)))
            pedestal.instance_to(stand)
        nodes[exhibit.id] = holder
    return venue, nodes, tuple(failures.values())


def anchor_node(venue: Any, exhibit: Exhibit, root: Any) -> Any:
    """The venue node the exhibit stands on (its ``anchor``), else the scene root."""
    if exhibit.anchor is None:
        return root
    found = venue.find(f"**/{exhibit.anchor}")
    if found.is_empty():
        logger.warning("venue has no node %r for exhibit %r", exhibit.anchor, exhibit.id)
        return root
    return found


def _parents_first(exhibits: tuple[Exhibit, ...]) -> list[Exhibit]:
    """Exhibits ordered so each comes after its parent (the loader rejected cycles)."""
    placed: list[Exhibit] = []
    done: set[str] = set()
    pending = list(exhibits)
    while pending:
        ready = [e for e in pending if e.parent is None or e.parent in done]
        if not ready:  # cannot happen for a loaded document; do not loop forever
            raise ValueError("exhibit parents form a cycle")
        for exhibit in ready:
            placed.append(exhibit)
            done.add(exhibit.id)
        pending = [e for e in pending if e.id not in done]
    return placed


def scene_triangles(root: Any, space: Any = None) -> npt.NDArray[np.float64]:
    """Every triangle under ``root`` in scene coordinates (of ``space``, default ``root``),
    shape (N, 3, 3).

    Read straight from the vertex and index buffers with numpy (no per-vertex Python), for
    the walk map: it runs once per scene load.
    """
    from panda3d.core import GeomEnums

    space = root if space is None else space
    chunks: list[npt.NDArray[np.float64]] = []
    for path in root.find_all_matches("**/+GeomNode"):
        mat = path.get_mat(space)
        matrix = np.array([[mat.get_cell(r, c) for c in range(4)] for r in range(4)])
        node = path.node()
        for g in range(node.get_num_geoms()):
            geom = node.get_geom(g)
            points = vertex_positions(geom.get_vertex_data())
            if points is None:
                continue
            world = points.astype(np.float64) @ matrix[:3, :3] + matrix[3, :3]
            for p in range(geom.get_num_primitives()):
                primitive = geom.get_primitive(p).decompose()
                if primitive.get_primitive_type() != GeomEnums.PT_polygons:
                    continue
                chunks.append(world[triangle_indices(primitive)].reshape(-1, 3, 3))
    if not chunks:
        return np.zeros((0, 3, 3))
    panda = np.concatenate(chunks)
    return np.stack([panda[..., 0], panda[..., 2], -panda[..., 1]], axis=-1)


class BoundsCache:
    """Tight bounds of instanced models, measured once per model and moved per instance.

    ``get_tight_bounds`` walks every vertex: 200 instances of a 50k-triangle relic took
    1.2 s; this takes each model's own bounds once and transforms its eight corners.
    """

    def __init__(self) -> None:
        self._local: dict[Any, tuple[Any, Any] | None] = {}

    def bounds(self, node: Any, space: Any) -> tuple[Any, Any] | None:
        """``node``'s bounds in ``space`` (Panda3D points), None when it has no geometry."""
        from panda3d.core import Point3

        if node.get_num_children() != 1:
            return node.get_tight_bounds(space)  # type: ignore[no-any-return]
        model = node.get_child(0)
        key = model.node()
        if key not in self._local:
            self._local[key] = model.get_tight_bounds(model)
        local = self._local[key]
        if local is None:
            return None
        low, high = local
        matrix = model.get_mat(space)
        corners = [
            matrix.xform_point(Point3(x, y, z))
            for x in (low.x, high.x)
            for y in (low.y, high.y)
            for z in (low.z, high.z)
        ]
        return (
            Point3(min(c.x for c in corners), min(c.y for c in corners), min(c.z for c in corners)),
            Point3(max(c.x for c in corners), max(c.y for c in corners), max(c.z for c in corners)),
        )


def scene_boxes(nodes: list[Any], space: Any, cache: BoundsCache) -> npt.NDArray[np.float64]:
    """Each node's bounds in scene coordinates (of ``space``), shape (N, 2 corners, 3)."""
    boxes = []
    for node in nodes:
        bounds = cache.bounds(node, space)
        if bounds is None:
            continue
        low, high = bounds
        boxes.append([(low.x, low.z, -high.y), (high.x, high.z, -low.y)])
    return np.array(boxes, np.float64).reshape(-1, 2, 3)


def vertex_positions(data: Any) -> npt.NDArray[np.float32] | None:
    """A GeomVertexData's positions as an (N, 3) float32 copy, None unless 32-bit floats."""
    from panda3d.core import GeomEnums

    layout = data.get_format()
    column = layout.get_column("vertex")
    if column is None or column.get_numeric_type() != GeomEnums.NT_float32:
        return None
    array = layout.get_array_with("vertex")
    stride = layout.get_array(array).get_stride()
    raw = np.frombuffer(memoryview(data.get_array(array)), np.uint8)
    rows = raw.reshape(-1, stride)[:, column.get_start() : column.get_start() + 12]
    return np.ascontiguousarray(rows).view(np.float32).reshape(-1, 3)


def triangle_indices(primitive: Any) -> npt.NDArray[np.int64]:
    """A triangle list's vertex indices (indexed or not)."""
    from panda3d.core import GeomEnums

    if not primitive.is_indexed():
        first = primitive.get_first_vertex()
        return np.arange(first, first + primitive.get_num_vertices(), dtype=np.int64)
    dtype = {
        GeomEnums.NT_uint8: np.uint8,
        GeomEnums.NT_uint16: np.uint16,
        GeomEnums.NT_uint32: np.uint32,
    }[primitive.get_index_type()]
    return np.frombuffer(memoryview(primitive.get_vertices()), dtype).astype(np.int64)
