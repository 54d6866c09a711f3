"""``simplify``: fewer triangles, the surface kept as close as two simplifiers can.

Two collapse simplifiers, because neither wins on every scan (measured in
``bench/optimize.py``): meshoptimizer's (the one gltfpack uses: it keeps a subset of the
original vertices, so every attribute stays exact, and it is attribute- and seam-aware)
and fast-simplification's quadric collapse (it moves the kept vertices to the quadric
optimum, which fits smooth range scans more tightly).  ``method="best"`` runs both and
keeps whichever lies closer to the original surface by one measure,
:func:`surface_deviation`, the same measure ``--error`` is held to.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np

from museion.tools.gltf_document import Array, GltfDocument, TransformStats
from museion.tools.transform_geometry import _groups, _index_array, _indices

__all__ = ["Deviation", "SimplifyOptions", "simplify", "surface_deviation"]

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
Method = Literal["best", "meshopt", "quadric"]

_NEIGHBOURS = 12  # kept places whose triangles are searched for an original vertex
_CHUNK = 65_536  # original vertices measured at a time (bounds the working memory)
_BISECTIONS = 7
_REACHED = 1.05  # a simplifier within 5% of the target triangle count has reached it


@dataclass(frozen=True)
class SimplifyOptions:
    """Keep ``ratio`` of the triangles, or (with ``error``) as few as keep every original
    vertex within ``error`` of the mesh extent from the simplified surface (as gltfpack's
    ``-se``).  ``lock_border`` keeps open borders in place, so separate pieces do not crack
    apart; UV and normal seams stay closed either way.  ``normal_weight`` is how much
    meshoptimizer's collapse cost counts shading (normals) against position;
    ``aggressiveness`` is fast-simplification's ``agg``."""

    ratio: float = 1.0
    error: float | None = None
    method: Method = "best"
    lock_border: bool = True
    normal_weight: float = 0.1
    aggressiveness: float = 7.0
    min_triangles: int = 64


class Deviation(NamedTuple):
    """Distances of the original vertices from the simplified surface, over the extent."""

    max: float
    rms: float


class _Candidate(NamedTuple):
    """A simplified primitive: its points, triangles, and for each point the original
    vertex whose attributes it keeps."""

    points: Array
    faces: Array
    origin: Array
    method: str


# -- the measure -------------------------------------------------------------------------------


def _extent(positions: Array) -> float:
    return float(np.ptp(positions, axis=0).max()) if len(positions) else 0.0


def _fraction(values: Array) -> Array:
    """A parameter along an edge, 0 where the edge is degenerate (0/0)."""
    finite: Array = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    return np.clip(finite, 0.0, 1.0)


def _point_triangle(p: Array, a: Array, b: Array, c: Array) -> Array:
    """Distance from each point to its triangle (Ericson, Real-Time Collision Detection
    5.1.5, vectorised); degenerate triangles measure to their nearest corner or edge."""
    ab, ac, ap = b - a, c - a, p - a
    d1 = np.einsum("ij,ij->i", ab, ap)
    d2 = np.einsum("ij,ij->i", ac, ap)
    bp = p - b
    d3 = np.einsum("ij,ij->i", ab, bp)
    d4 = np.einsum("ij,ij->i", ac, bp)
    cp = p - c
    d5 = np.einsum("ij,ij->i", ab, cp)
    d6 = np.einsum("ij,ij->i", ac, cp)
    va = d3 * d6 - d5 * d4
    vb = d5 * d2 - d1 * d6
    vc = d1 * d4 - d3 * d2
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = va + vb + vc
        v = np.where(denominator != 0, vb / denominator, 0.0)
        w = np.where(denominator != 0, vc / denominator, 0.0)
        closest = a + ab * v[:, None] + ac * w[:, None]
        # Ericson's regions from the last to the first: a later np.where has the final say,
        # so the first region of his order (vertex a) is applied last.
        t_bc = _fraction((d4 - d3) / ((d4 - d3) + (d5 - d6)))
        on_bc = (va <= 0) & (d4 - d3 >= 0) & (d5 - d6 >= 0)
        closest = np.where(on_bc[:, None], b + (c - b) * t_bc[:, None], closest)
        t_ac = _fraction(d2 / (d2 - d6))
        on_ac = (vb <= 0) & (d2 >= 0) & (d6 <= 0)
        closest = np.where(on_ac[:, None], a + ac * t_ac[:, None], closest)
        closest = np.where(((d6 >= 0) & (d5 <= d6))[:, None], c, closest)
        t_ab = _fraction(d1 / (d1 - d3))
        on_ab = (vc <= 0) & (d1 >= 0) & (d3 <= 0)
        closest = np.where(on_ab[:, None], a + ab * t_ab[:, None], closest)
    closest = np.where(((d3 >= 0) & (d4 <= d3))[:, None], b, closest)
    closest = np.where(((d1 <= 0) & (d2 <= 0))[:, None], a, closest)
    distance: Array = np.linalg.norm(p - closest, axis=1)
    return distance


def surface_deviation(original: Array, points: Array, faces: Array) -> Deviation:
    """How far the ``original`` vertices lie from the simplified surface, relative to the
    largest side of their bounding box: for each, the distance to the nearest triangle
    around its few nearest kept points.  That is an upper bound of the true distance
    (a subset of the triangles is searched), tight where the simplification is local."""
    from scipy.spatial import cKDTree  # type: ignore[import-untyped]

    extent = _extent(original)
    if not len(faces) or extent == 0 or not len(original):
        return Deviation(0.0, 0.0)
    original = original.astype(np.float64)
    points = points.astype(np.float64)
    # Split vertices (UV and normal seams) are one place: search around places, not points.
    places, place_of = np.unique(points, axis=0, return_inverse=True)
    corners = place_of.reshape(-1)[faces.reshape(-1)]
    triangle_of = np.repeat(np.arange(len(faces)), 3)
    by_place = triangle_of[np.argsort(corners, kind="stable")]
    per_place = np.bincount(corners, minlength=len(places))
    starts = np.concatenate([[0], np.cumsum(per_place)[:-1]])
    used = np.flatnonzero(per_place)
    tree = cKDTree(places[used])
    k = min(_NEIGHBOURS, len(used))
    nearest = np.empty(len(original))
    for first in range(0, len(original), _CHUNK):
        block = original[first : first + _CHUNK]
        _, near = tree.query(block, k=k)
        owners = used[np.asarray(near).reshape(len(block), k)].reshape(-1)
        queried = np.repeat(np.arange(len(block)), k)
        repeats = per_place[owners]
        pair_point = np.repeat(queried, repeats)
        offsets = np.arange(int(repeats.sum())) - np.repeat(np.cumsum(repeats) - repeats, repeats)
        triangle = faces[by_place[np.repeat(starts[owners], repeats) + offsets]]
        distance = _point_triangle(
            block[pair_point],
            points[triangle[:, 0]],
            points[triangle[:, 1]],
            points[triangle[:, 2]],
        )
        found = np.full(len(block), np.inf)
        np.minimum.at(found, pair_point, distance)
        nearest[first : first + len(block)] = found
    nearest = np.where(np.isfinite(nearest), nearest, extent)
    return Deviation(float(nearest.max() / extent), float(np.sqrt(np.mean(nearest**2)) / extent))


# -- meshoptimizer -----------------------------------------------------------------------------

_LOCK_BORDER = 1  # meshopt_SimplifyLockBorder


def _meshopt_simplify() -> Any:
    """meshoptimizer's ``meshopt_simplifyWithAttributes`` from the ``meshoptimizer``
    package's library, declared here: that package's own wrapper passes ``target_error``
    undeclared, which ctypes refuses.  A private handle, so its declarations are ours."""
    from meshoptimizer import _loader  # type: ignore[import-untyped]

    function = ctypes.CDLL(_loader.find_library()).meshopt_simplifyWithAttributes
    pointer, size = ctypes.c_void_p, ctypes.c_size_t
    function.argtypes = [
        pointer, pointer, size, pointer, size, size, pointer, size, pointer, size, pointer,
        size, ctypes.c_float, ctypes.c_uint, pointer,
    ]  # fmt: skip
    function.restype = size
    return function


def _by_meshopt(
    positions: Array,
    normals: Array | None,
    triangles: Array,
    ratio: float,
    options: SimplifyOptions,
) -> _Candidate:
    vertices = np.ascontiguousarray(positions, dtype=np.float32)
    indices = np.ascontiguousarray(triangles.reshape(-1), dtype=np.uint32)
    destination = np.empty(len(indices), dtype=np.uint32)
    if normals is not None and options.normal_weight > 0:
        attributes = np.ascontiguousarray(normals, dtype=np.float32)
        weights = np.full(3, options.normal_weight, dtype=np.float32)
        count = 3
    else:
        attributes = np.zeros((len(vertices), 1), dtype=np.float32)
        weights = np.zeros(1, dtype=np.float32)
        count = 0
    target = max(3, int(len(indices) * ratio) // 3 * 3)
    error = ctypes.c_float(0.0)
    written = _meshopt_simplify()(
        destination.ctypes.data, indices.ctypes.data, len(indices),
        vertices.ctypes.data, len(vertices), 12,
        attributes.ctypes.data, attributes.shape[1] * 4, weights.ctypes.data, count,
        None, target, 1.0, _LOCK_BORDER if options.lock_border else 0, ctypes.byref(error),
    )  # fmt: skip
    faces = destination[:written].reshape(-1, 3).astype(np.int64)
    origin, compact = np.unique(faces, return_inverse=True)
    return _Candidate(positions[origin], compact.reshape(-1, 3), origin, "meshopt")


# -- fast-simplification -----------------------------------------------------------------------


def _by_quadric(
    positions: Array, triangles: Array, ratio: float, options: SimplifyOptions
) -> _Candidate:
    """fast-simplification's quadric collapse; each new point keeps the attributes of the
    original vertex it survives as."""
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
    return _Candidate(np.asarray(points), faces.astype(np.int64), survivors, "quadric")


# -- choosing ----------------------------------------------------------------------------------


def _candidates(
    positions: Array,
    normals: Array | None,
    triangles: Array,
    ratio: float,
    options: SimplifyOptions,
) -> list[_Candidate]:
    found = []
    if options.method in ("best", "meshopt"):
        found.append(_by_meshopt(positions, normals, triangles, ratio, options))
    if options.method in ("best", "quadric"):
        try:
            found.append(_by_quadric(positions, triangles, ratio, options))
        except ValueError as exc:
            logger.warning("quadric simplifier skipped: %s", exc)
    return found


def _at_ratio(
    positions: Array,
    normals: Array | None,
    triangles: Array,
    ratio: float,
    options: SimplifyOptions,
) -> tuple[_Candidate, Deviation] | None:
    """The candidate closest to the original (by RMS deviation) among those that reach
    ``ratio`` (a simplifier that stops short, at locked seams say, has an unfair edge in
    error); the one that got furthest when none does."""
    scored = [
        (candidate, surface_deviation(positions, candidate.points, candidate.faces))
        for candidate in _candidates(positions, normals, triangles, ratio, options)
        if len(candidate.faces)
    ]
    if not scored:
        return None
    target = max(1, round(len(triangles) * ratio))
    reached = [s for s in scored if len(s[0].faces) <= target * _REACHED]
    if reached:
        return min(reached, key=lambda s: (s[1].rms, len(s[0].faces)))
    return min(scored, key=lambda s: (len(s[0].faces), s[1].rms))


def _simplified(
    positions: Array, normals: Array | None, triangles: Array, options: SimplifyOptions
) -> tuple[_Candidate, Deviation] | None:
    """One simplification at ``options.ratio``, or the smallest ratio whose largest
    deviation stays within ``options.error`` (a bisection)."""
    if options.error is None:
        return _at_ratio(positions, normals, triangles, options.ratio, options)
    best = None
    low, high = 0.0, 1.0
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2
        scored = [
            (candidate, surface_deviation(positions, candidate.points, candidate.faces))
            for candidate in _candidates(positions, normals, triangles, middle, options)
            if len(candidate.faces)
        ]
        within = [s for s in scored if s[1].max <= options.error]
        if within:
            best, high = min(within, key=lambda s: (len(s[0].faces), s[1].rms)), middle
        else:
            low = middle
    return best


def _positions_in(data: Array, points: Array) -> Array:
    """``points`` stored like ``data``: integer positions (quantized input) rounded and kept
    inside their type, so a point nudged past the range does not wrap around."""
    if data.dtype.kind == "f":
        return points.astype(data.dtype)
    limits = np.iinfo(data.dtype)
    return np.clip(np.round(points), limits.min, limits.max).astype(data.dtype)


def _unit_normals(doc: GltfDocument, attributes: dict[str, Any]) -> Array | None:
    if "NORMAL" not in attributes:
        return None
    normals = doc.array(attributes["NORMAL"]).astype(np.float64)
    if doc.array(attributes["NORMAL"]).dtype.kind != "f":
        normals /= float(np.iinfo(doc.array(attributes["NORMAL"]).dtype).max)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return np.asarray(normals / np.where(length > 0, length, 1.0))


def simplify(
    doc: GltfDocument,
    options: SimplifyOptions = SimplifyOptions(),
    progress: Progress | None = None,
) -> TransformStats:
    """Fewer triangles per triangle-list primitive (morph-targeted primitives are left
    alone).  Each kept point keeps the attributes of the original vertex it stands for."""
    before = after = 0
    worst = 0.0
    methods: dict[str, int] = {}
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
            chosen = _simplified(positions, _unit_normals(doc, attributes), triangles, options)
            if chosen is None:
                logger.warning("simplify: no simplification stays within the error")
                continue
            candidate, deviation = chosen
            if len(candidate.faces) >= len(triangles):
                continue
            before += len(triangles)
            after += len(candidate.faces)
            worst = max(worst, deviation.max)
            methods[candidate.method] = methods.get(candidate.method, 0) + 1
            own = {}
            for key, index in list(attributes.items()):
                data = doc.array(index)[candidate.origin]
                if key == "POSITION":
                    data = _positions_in(data, candidate.points)
                like = doc.list("accessors")[index]
                own[key] = doc.add_accessor(data, like, normalized=bool(like.get("normalized")))
            primitive["attributes"] = own
            like = doc.list("accessors")[primitive["indices"]] if "indices" in primitive else None
            primitive["indices"] = doc.add_accessor(
                _index_array(candidate.faces.reshape(-1), len(candidate.points)), like
            )
    logger.info(
        "simplify: %d triangles -> %d (deviation %.5f; %s)", before, after, worst, methods or "-"
    )
    return TransformStats(
        "simplify",
        {
            "triangles_before": before,
            "triangles_after": after,
            "error_per_million": round(worst * 1e6),
            **{f"primitives_{name}": count for name, count in sorted(methods.items())},
        },
    )
