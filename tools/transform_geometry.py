"""Geometry transforms: ``weld``, ``simplify``, ``reorder`` and ``quantize``.

Each rewrites vertex data into new accessors (copying the old ones' names and extras), so
an accessor shared with something the transform skipped is never changed under it;
``prune`` drops the old ones afterwards.  Primitives that share one set of vertex
attributes (a multi-material mesh) are treated together, so they keep sharing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from museion.tools.gltf_document import Array, GltfDocument, TransformStats

__all__ = [
    "QuantizeOptions",
    "ReorderOptions",
    "SimplifyOptions",
    "WeldOptions",
    "quantize",
    "reorder",
    "simplify",
    "simplify_error",
    "weld",
]

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class WeldOptions:
    """``tolerance``: positions closer than this fraction of the primitive's extent count
    as equal (0: exact); every other attribute must match exactly."""

    tolerance: float = 0.0


@dataclass(frozen=True)
class SimplifyOptions:
    """Keep ``ratio`` of the triangles, or (with ``error``) as few as keep the surface within
    ``error`` of the mesh extent (as gltfpack's ``-se``).  ``lock_border`` keeps open
    borders and UV seams (split vertices are borders to the simplifier) in place, so the
    surface does not crack; ``aggressiveness`` is fast-simplification's ``agg``."""

    ratio: float = 1.0
    error: float | None = None
    lock_border: bool = True
    aggressiveness: float = 7.0
    min_triangles: int = 64


@dataclass(frozen=True)
class ReorderOptions:
    """``optimize_size``: order triangles for a smaller compressed stream rather than the
    GPU's vertex cache."""

    optimize_size: bool = False


@dataclass(frozen=True)
class QuantizeOptions:
    """Bits kept per attribute (gltfpack's defaults); positions as unsigned integers,
    normalized when ``normalized_positions``, the node transform compensating."""

    position_bits: int = 14
    normal_bits: int = 8
    texcoord_bits: int = 12
    color_bits: int = 8
    normalized_positions: bool = False


def _groups(doc: GltfDocument) -> list[list[dict[str, Any]]]:
    """Primitives grouped by the exact vertex attributes (and targets) they share."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for _, primitive in doc.primitives():
        if "KHR_draco_mesh_compression" in primitive.get("extensions", {}):
            continue
        key = repr(
            (
                sorted(primitive.get("attributes", {}).items()),
                [sorted(t.items()) for t in primitive.get("targets", [])],
            )
        )
        groups.setdefault(key, []).append(primitive)
    return list(groups.values())


def _vertex_arrays(doc: GltfDocument, primitive: dict[str, Any]) -> list[tuple[Any, str, Array]]:
    """``(container, key, data)`` of each vertex attribute and morph target of a primitive."""
    found = [(primitive["attributes"], k, doc.array(i)) for k, i in primitive["attributes"].items()]
    for target in primitive.get("targets", []):
        found += [(target, k, doc.array(i)) for k, i in target.items()]
    return found


def _indices(doc: GltfDocument, primitive: dict[str, Any], count: int) -> Array:
    if "indices" in primitive:
        return doc.array(primitive["indices"]).reshape(-1).astype(np.uint32)
    return np.arange(count, dtype=np.uint32)


def _index_array(indices: Array, vertices: int) -> Array:
    return indices.astype(np.uint16 if vertices <= 65535 else np.uint32)


def _rewrite(
    doc: GltfDocument,
    group: list[dict[str, Any]],
    order: Array,
    new_indices: list[Array],
) -> None:
    """New vertex arrays ``old[order]`` for the group and new indices per primitive."""
    accessors = doc.list("accessors")
    first = group[0]
    made: dict[int, int] = {}
    for container, key, data in _vertex_arrays(doc, first):
        old = container[key]
        if old not in made:
            like = accessors[old]
            made[old] = doc.add_accessor(data[order], like, normalized=bool(like.get("normalized")))
    for primitive, indices in zip(group, new_indices, strict=True):
        for container, key, _ in _vertex_arrays(doc, primitive):
            container[key] = made[container[key]]
        like = accessors[primitive["indices"]] if "indices" in primitive else None
        primitive["indices"] = doc.add_accessor(_index_array(indices, len(order)), like)


def weld(doc: GltfDocument, options: WeldOptions = WeldOptions()) -> TransformStats:
    """Merge vertices identical in every attribute; index primitives that had no indices."""
    before = after = 0
    for group in _groups(doc):
        if "POSITION" not in group[0].get("attributes", {}):
            continue
        arrays = _vertex_arrays(doc, group[0])
        count = len(arrays[0][2])
        columns = []
        for _, key, data in arrays:
            if key == "POSITION" and options.tolerance > 0 and data.dtype.kind == "f":
                extent = float(np.ptp(data, axis=0).max()) or 1.0
                data = np.round(data / (extent * options.tolerance)).astype(np.int64)
            columns.append(np.ascontiguousarray(data).view(np.uint8).reshape(count, -1))
        rows = np.ascontiguousarray(np.concatenate(columns, axis=1))
        keys = rows.view(np.dtype((np.void, rows.shape[1]))).reshape(-1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        has_indices = all("indices" in p for p in group)
        before += count
        if len(first) == count and has_indices:
            after += count
            continue
        # Keep the vertices in their first-use order: the order a scanner wrote them.
        rank = np.empty(len(first), dtype=np.int64)
        rank[np.argsort(first)] = np.arange(len(first))
        remap = rank[inverse.reshape(-1)]
        order = np.sort(first)
        after += len(order)
        _rewrite(doc, group, order, [remap[_indices(doc, p, count)] for p in group])
    logger.info("weld: %d vertices -> %d", before, after)
    return TransformStats("weld", {"vertices_before": before, "vertices_after": after})


def _extent(positions: Array) -> float:
    return float(np.ptp(positions, axis=0).max()) if len(positions) else 0.0


def simplify_error(original: Array, faces: Array, points: Array, survivor: Array) -> float:
    """How far the simplified surface strays, relative to the extent of ``original``.

    The largest distance from an original vertex to the nearest plane of the simplified
    triangles around the vertex it collapsed into (``survivor[v]``, an index into
    ``points``), over the largest side of the original bounding box.  A plane, not a
    triangle: a lower bound of the true distance, tight for small collapses.
    """
    extent = _extent(original)
    if not len(faces) or extent == 0:
        return 0.0
    a, b, c = (points[faces[:, k]] for k in range(3))
    normals = np.cross(b - a, c - a)
    lengths = np.linalg.norm(normals, axis=1)
    normals = normals / np.where(lengths > 0, lengths, 1.0)[:, None]
    corners = faces.reshape(-1)
    triangle_of = np.repeat(np.arange(len(faces)), 3)
    by_vertex = np.argsort(corners, kind="stable")
    per_vertex = np.bincount(corners, minlength=len(points))
    starts = np.concatenate([[0], np.cumsum(per_vertex)[:-1]])
    alive = survivor >= 0
    vertices = np.flatnonzero(alive)
    owners = survivor[alive]
    repeats = per_vertex[owners]
    pair_vertex = np.repeat(vertices, repeats)
    offsets = np.arange(int(repeats.sum())) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    pair_triangle = triangle_of[by_vertex[np.repeat(starts[owners], repeats) + offsets]]
    distance = np.abs(
        np.einsum("ij,ij->i", original[pair_vertex] - a[pair_triangle], normals[pair_triangle])
    )
    distance[lengths[pair_triangle] == 0] = np.inf
    nearest = np.full(len(original), np.inf)
    np.minimum.at(nearest, pair_vertex, distance)
    nearest = nearest[vertices]
    finite = nearest[np.isfinite(nearest)]
    return float(finite.max() / extent) if len(finite) else 0.0


def _simplify_once(
    positions: Array, triangles: Array, ratio: float, options: SimplifyOptions
) -> tuple[Array, Array, Array]:
    """fast-simplification's quadric collapse: new points, faces, and for each original
    vertex its survivor's index in the new points (-1 when it left with its triangles)."""
    import fast_simplification  # type: ignore[import-untyped]

    points, faces, collapses = fast_simplification.simplify(
        positions.astype(np.float64),
        triangles.astype(np.int64),
        target_reduction=1.0 - ratio,
        agg=options.aggressiveness,
        return_collapses=True,
        preserve_border=options.lock_border,
    )
    parent = np.arange(len(positions))
    if len(collapses):
        parent[collapses[:, 1]] = collapses[:, 0]
        for _ in range(64):
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    mapped = parent[triangles]
    whole = (
        (mapped[:, 0] != mapped[:, 1])
        & (mapped[:, 1] != mapped[:, 2])
        & (mapped[:, 0] != mapped[:, 2])
    )
    survivors = np.unique(mapped[whole])
    if len(survivors) != len(points):
        raise ValueError("the simplifier's vertices could not be matched to the originals")
    place = np.full(len(positions), -1, dtype=np.int64)
    place[survivors] = np.arange(len(survivors))
    survivor = place[parent]
    return points, faces.astype(np.int64), survivor


def simplify(
    doc: GltfDocument,
    options: SimplifyOptions = SimplifyOptions(),
    progress: Progress | None = None,
) -> TransformStats:
    """Fewer triangles by quadric edge collapse, per triangle-list primitive (morph-targeted
    primitives are left alone).  Each kept vertex keeps its own attributes."""
    before = after = 0
    worst = 0.0
    for group in _groups(doc):
        for primitive in group:
            if progress:
                progress(1)
            if primitive.get("mode", 4) != 4 or primitive.get("targets"):
                continue
            attributes = primitive.get("attributes", {})
            if "POSITION" not in attributes:
                continue
            positions = doc.array(attributes["POSITION"]).astype(np.float64)
            triangles = _indices(doc, primitive, len(positions)).reshape(-1, 3).astype(np.int64)
            if len(triangles) < options.min_triangles:
                continue
            try:
                points, faces, survivor, error = _simplified(positions, triangles, options)
            except ValueError as exc:
                logger.warning("simplify skipped a primitive: %s", exc)
                continue
            if len(faces) >= len(triangles):
                continue
            before += len(triangles)
            after += len(faces)
            worst = max(worst, error)
            # The original index of each new point: the survivor of its own collapse.
            origin = np.full(len(points), -1, dtype=np.int64)
            alive = survivor >= 0
            origin[survivor[alive]] = np.flatnonzero(alive)
            origin = np.where(origin >= 0, origin, 0)
            own = {}
            for key, index in list(attributes.items()):
                data = doc.array(index)[origin]
                if key == "POSITION":
                    data = (
                        points.astype(data.dtype)
                        if data.dtype.kind == "f"
                        else np.round(points).astype(data.dtype)
                    )
                like = doc.list("accessors")[index]
                own[key] = doc.add_accessor(data, like, normalized=bool(like.get("normalized")))
            primitive["attributes"] = own
            like = doc.list("accessors")[primitive["indices"]] if "indices" in primitive else None
            primitive["indices"] = doc.add_accessor(
                _index_array(faces.reshape(-1), len(points)), like
            )
    logger.info("simplify: %d triangles -> %d (error %.4f)", before, after, worst)
    return TransformStats(
        "simplify",
        {
            "triangles_before": before,
            "triangles_after": after,
            "error_per_million": round(worst * 1e6),
        },
    )


def _simplified(
    positions: Array, triangles: Array, options: SimplifyOptions
) -> tuple[Array, Array, Array, float]:
    """One collapse at ``options.ratio``, or the smallest ratio within ``options.error``
    (a bisection, seven collapses)."""
    if options.error is None:
        points, faces, survivor = _simplify_once(positions, triangles, options.ratio, options)
        return points, faces, survivor, simplify_error(positions, faces, points, survivor)
    best: tuple[Array, Array, Array, float] | None = None
    low, high = 0.0, 1.0
    for _ in range(7):
        middle = (low + high) / 2
        points, faces, survivor = _simplify_once(positions, triangles, middle, options)
        error = simplify_error(positions, faces, points, survivor)
        if error <= options.error:
            best, high = (points, faces, survivor, error), middle
        else:
            low = middle
    if best is None:
        raise ValueError("no simplification stays within the error")
    return best


def reorder(doc: GltfDocument, options: ReorderOptions = ReorderOptions()) -> TransformStats:
    """Triangles in vertex-cache order, vertices in first-use order (meshoptimizer), which
    also makes the compressed streams smaller; unused vertices are dropped."""
    import meshopt  # type: ignore[import-untyped]

    done = 0
    for group in _groups(doc):
        if any(p.get("mode", 4) != 4 or "indices" not in p for p in group):
            continue
        arrays = _vertex_arrays(doc, group[0])
        if not arrays:
            continue
        parts = []
        for primitive in group:
            indices = doc.array(primitive["indices"]).reshape(-1).astype(np.uint32)
            if not len(indices):
                parts.append(indices)
                continue
            new, remap, unique = meshopt.reorder_mesh(indices, True, options.optimize_size)
            inverse = np.zeros(unique, dtype=np.uint32)
            used = remap < unique
            inverse[remap[used]] = np.flatnonzero(used)
            parts.append(inverse[new])
        joined = np.concatenate(parts)
        if not len(joined):
            continue
        new, remap, unique = meshopt.reorder_mesh(joined, False, False)
        order = np.zeros(unique, dtype=np.int64)
        used = remap < unique
        order[remap[used]] = np.flatnonzero(used)
        bounds = np.cumsum([0] + [len(p) for p in parts])
        _rewrite(doc, group, order, [new[bounds[i] : bounds[i + 1]] for i in range(len(group))])
        done += len(group)
    logger.info("reorder: %d primitives", done)
    return TransformStats("reorder", {"primitives": done})


# --- quantize --------------------------------------------------------------------------------


def _mesh_users(doc: GltfDocument) -> dict[int, list[int]]:
    users: dict[int, list[int]] = {}
    for index, node in enumerate(doc.list("nodes")):
        if "mesh" in node:
            users.setdefault(node["mesh"], []).append(index)
    return users


def _animated_nodes(doc: GltfDocument) -> set[int]:
    return {
        c["target"]["node"]
        for a in doc.list("animations")
        for c in a.get("channels", [])
        if "node" in c.get("target", {})
    }


def _quat_rotate(q: list[float], v: Array) -> Array:
    x, y, z, w = q
    u = np.array([x, y, z])
    return np.asarray(2 * np.dot(u, v) * u + (w * w - np.dot(u, u)) * v + 2 * w * np.cross(u, v))


def _compensate(
    doc: GltfDocument,
    node_index: int,
    offset: Array,
    scale: float,
    animated: set[int],
    joints: set[int],
) -> bool:
    """Make node ``node_index`` draw its mesh scaled by ``scale`` and moved by ``offset``:
    folded into its own transform when nothing else depends on it, else through a new child
    node that takes the mesh.  Returns whether a node was added."""
    node = doc.list("nodes")[node_index]
    own = not node.get("children") and node_index not in animated and node_index not in joints
    if own and "matrix" in node:
        m = np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
        d = np.eye(4)
        d[:3, :3] *= scale
        d[:3, 3] = offset
        node["matrix"] = [float(v) for v in (m @ d).T.reshape(-1)]
        return False
    if own:
        s = np.array(node.get("scale", [1.0, 1.0, 1.0]), dtype=np.float64)
        t = np.array(node.get("translation", [0.0, 0.0, 0.0]), dtype=np.float64)
        r = node.get("rotation", [0.0, 0.0, 0.0, 1.0])
        node["translation"] = [float(v) for v in t + _quat_rotate(r, s * offset)]
        node["scale"] = [float(v) for v in s * scale]
        return False
    child = {
        "mesh": node.pop("mesh"),
        "translation": [float(v) for v in offset],
        "scale": [scale] * 3,
    }
    doc.json["nodes"].append(child)
    node.setdefault("children", []).append(len(doc.json["nodes"]) - 1)
    return True


def _quantize_unit(data: Array, bits: int) -> Array:
    """Unit vectors (normals, tangents) as signed normalized integers of ``bits``."""
    top = (1 << (bits - 1)) - 1
    dtype = np.int8 if bits <= 8 else np.int16
    scale = 127 if bits <= 8 else 32767
    steps = np.round(np.clip(data, -1.0, 1.0) * top) / top
    return np.round(steps * scale).astype(dtype)


def quantize(doc: GltfDocument, options: QuantizeOptions = QuantizeOptions()) -> TransformStats:
    """Store vertex attributes as small integers (KHR_mesh_quantization).

    Positions: unsigned 16-bit on a grid of ``position_bits``, per mesh, with the offset and
    the (uniform) step moved into the node transform; skinned and morphed meshes keep float
    positions.  Normals and tangents: int8 normalized.  Texture coordinates in [0, 1]:
    uint16 normalized on a grid of ``texcoord_bits``.  Colours: uint8 normalized.
    """
    counts = {"positions": 0, "normals": 0, "tangents": 0, "texcoords": 0, "colors": 0}
    users = _mesh_users(doc)
    animated = _animated_nodes(doc)
    joints = {j for s in doc.list("skins") for j in s.get("joints", [])}
    nodes = doc.list("nodes")
    accessors = doc.list("accessors")
    cache: dict[tuple[int, str, int], int] = {}

    def replace(index: int, data: Array, normalized: bool, kind: str, mesh: int = -1) -> int:
        key = (index, kind, mesh)
        if key not in cache:
            cache[key] = doc.add_accessor(data, accessors[index], normalized=normalized)
            counts[kind] += 1
        return cache[key]

    for mesh_index, mesh in enumerate(doc.list("meshes")):
        primitives = [
            p
            for p in mesh.get("primitives", [])
            if "KHR_draco_mesh_compression" not in p.get("extensions", {})
        ]
        owners = users.get(mesh_index, [])
        movable = (
            owners
            and not any(
                "skin" in nodes[n] or "EXT_mesh_gpu_instancing" in nodes[n].get("extensions", {})
                for n in owners
            )
            and not any(p.get("targets") for p in primitives)
            and all(
                doc.array(p["attributes"]["POSITION"]).dtype.kind == "f"
                for p in primitives
                if "POSITION" in p.get("attributes", {})
            )
        )
        positions = [
            doc.array(p["attributes"]["POSITION"])
            for p in primitives
            if "POSITION" in p.get("attributes", {})
        ]
        if movable and positions:
            stacked = np.concatenate(positions).astype(np.float64)
            low = stacked.min(axis=0)
            steps = (1 << options.position_bits) - 1
            step = float(np.ptp(stacked, axis=0).max()) / steps or 1.0
            scale = step * 65535 if options.normalized_positions else step
            for primitive in primitives:
                index = primitive["attributes"].get("POSITION")
                if index is None:
                    continue
                grid = np.round((doc.array(index) - low) / step).astype(np.uint16)
                primitive["attributes"]["POSITION"] = replace(
                    index, grid, options.normalized_positions, "positions", mesh_index
                )
            for owner in owners:
                _compensate(doc, owner, low, scale, animated, joints)
            nodes = doc.list("nodes")
        for primitive in primitives:
            attributes = primitive.get("attributes", {})
            for key, index in list(attributes.items()):
                data = doc.array(index)
                if data.dtype.kind != "f":
                    continue
                if key in ("NORMAL", "TANGENT"):
                    kind = "normals" if key == "NORMAL" else "tangents"
                    bits = min(options.normal_bits, 8)
                    attributes[key] = replace(index, _quantize_unit(data, bits), True, kind)
                elif (
                    key.startswith("TEXCOORD_")
                    and len(data)
                    and data.min() >= 0
                    and data.max() <= 1
                ):
                    grid = 1 << (16 - options.texcoord_bits)
                    values = np.round(data * 65535 / grid) * grid
                    attributes[key] = replace(
                        index, np.clip(values, 0, 65535).astype(np.uint16), True, "texcoords"
                    )
                elif key.startswith("COLOR_") and len(data) and data.min() >= 0 and data.max() <= 1:
                    values = np.round(data * 255).astype(np.uint8)
                    attributes[key] = replace(index, values, True, "colors")
    if counts["positions"] or counts["normals"] or counts["tangents"]:
        doc.use_extension("KHR_mesh_quantization", required=True)
    logger.info("quantize: %s", counts)
    return TransformStats("quantize", {k: v for k, v in counts.items() if v})
