"""``simplify``: fewer triangles, the surface kept as close as two simplifiers can.

Two collapse simplifiers, because neither wins on every scan (measured in
``bench/optimize.py``): meshoptimizer's (the one gltfpack uses: it keeps a subset of the
original vertices, so every attribute stays exact, and it is attribute- and seam-aware)
and fast-simplification's quadric collapse (it moves the kept vertices to the quadric
optimum, which fits smooth range scans more tightly).  ``method="best"`` runs both and
keeps whichever lies closer to the original surface by one measure,
:func:`museion.tools.surface_error.surface_error` (symmetric, area-sampled RMS), whose
Hausdorff distance is what ``--error`` is held to.
"""

from __future__ import annotations

import ctypes
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, get_args

import numpy as np

from museion.tools.surface_error import Mesh, SurfaceError, surface_error
from museion.tools.transform.checks import check_choice, check_flag, check_number, check_whole
from museion.tools.transform.document import Array, GltfDocument, TransformStats
from museion.tools.transform.geometry import _groups, _index_array, _indices

__all__ = ["SimplifyOptions", "simplify"]

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]
Method = Literal["best", "meshopt", "quadric"]

# Kept places whose triangles are searched for each original vertex: more on a small mesh,
# where a coarse result's right triangle can be far from the nearest kept points.
_SAMPLES = 20_000  # area samples per surface when candidates are measured
_REACHED = 1.05  # a simplifier within 5% of the target triangle count has reached it


@dataclass(frozen=True)
class SimplifyOptions:
    """Keep ``ratio`` of the triangles (the closer of the two simplifiers' results), or
    (with ``error``) as few as keep the surface within ``error`` of the mesh extent by
    meshoptimizer's estimate (gltfpack's ``-se``).  ``lock_border`` keeps open borders (a
    scan's holes, the edges where separate pieces meet) in place, so pieces do not crack
    apart; off by default as in gltfpack and glTF-Transform, since a scan's ragged edge
    costs more error locked.  UV and normal seams stay closed either way.
    ``normal_weight`` is how much meshoptimizer's collapse cost counts shading (normals)
    against position; ``aggressiveness`` is fast-simplification's ``agg``."""

    ratio: float = 1.0
    error: float | None = None
    method: Method = "best"
    lock_border: bool = False
    normal_weight: float = 0.1
    aggressiveness: float = 7.0
    min_triangles: int = 64

    def __post_init__(self) -> None:
        check_number(self, "ratio", 0.0, 1.0, above_low=True)
        if self.error is not None:
            check_number(self, "error", 0.0, 1.0, above_low=True, below_high=True)
        check_choice(self, "method", get_args(Method))
        check_flag(self, "lock_border")
        check_number(self, "normal_weight", 0.0)
        check_number(self, "aggressiveness", 0.0, 10.0)  # fast-simplification's range
        check_whole(self, "min_triangles", 0)


class _Candidate(NamedTuple):
    """A simplified primitive: its points, triangles, and for each point the original
    vertex whose attributes it keeps."""

    points: Array
    faces: Array
    origin: Array
    method: str


# -- the measure -------------------------------------------------------------------------------


def _deviation(positions: Array, triangles: Array, candidate: _Candidate) -> SurfaceError:
    """Symmetric Hausdorff and RMS distance of ``candidate`` from the original surface,
    relative to its bounding-box diagonal (a fixed seed: the same input, the same choice).
    A candidate with no area at all is as far as it can be."""
    try:
        return surface_error(
            Mesh(positions, triangles),
            Mesh(candidate.points.astype(np.float64), candidate.faces),
            samples=_SAMPLES,
        )
    except ValueError:
        return SurfaceError(hausdorff=math.inf, rms=math.inf, diagonal=0.0)


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
    target_error: float = 1.0,
) -> _Candidate:
    """meshoptimizer's collapse down to ``ratio`` of the triangles, stopping early where its
    own error estimate (relative to the mesh extent) would pass ``target_error``."""
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
    target = int(len(indices) * ratio) // 3 * 3
    error = ctypes.c_float(0.0)
    written = _meshopt_simplify()(
        destination.ctypes.data, indices.ctypes.data, len(indices),
        vertices.ctypes.data, len(vertices), 12,
        attributes.ctypes.data, attributes.shape[1] * 4, weights.ctypes.data, count,
        None, target, target_error, _LOCK_BORDER if options.lock_border else 0,
        ctypes.byref(error),
    )  # fmt: skip
    faces = destination[:written].reshape(-1, 3).astype(np.int64)
    origin, compact = np.unique(faces, return_inverse=True)
    return _Candidate(positions[origin], compact.reshape(-1, 3), origin, "meshopt")


# -- fast-simplification -----------------------------------------------------------------------


def _by_quadric(
    positions: Array, triangles: Array, ratio: float, options: SimplifyOptions
) -> _Candidate:
    """fast-simplification's quadric collapse; each new point keeps the attributes of the
    original vertex it survives as.  Its borders are always kept: split vertices (UV and
    normal seams) are borders to it, and moving them would open the seams."""
    import fast_simplification  # type: ignore[import-untyped]

    points, faces, collapses = fast_simplification.simplify(
        positions.astype(np.float64),
        triangles.astype(np.int64),
        target_reduction=1.0 - ratio,
        agg=options.aggressiveness,
        return_collapses=True,
        preserve_border=True,
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
) -> tuple[_Candidate, SurfaceError] | None:
    """The candidate closest to the original (by RMS deviation) among those that reach
    ``ratio`` (a simplifier that stops short, at locked seams say, has an unfair edge in
    error); the one that got furthest when none does."""
    scored = [
        (candidate, _deviation(positions, triangles, candidate))
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
) -> tuple[_Candidate, SurfaceError] | None:
    """One simplification at ``options.ratio`` (the closer of the two simplifiers); or,
    with ``options.error``, meshoptimizer's collapse as far as its own error estimate
    stays within it, as gltfpack's ``-se`` does: one pass, where a search by the exact
    measure would cost a dozen (the exact deviation is still measured and reported)."""
    if options.error is None:
        return _at_ratio(positions, normals, triangles, options.ratio, options)
    found = _by_meshopt(positions, normals, triangles, 0.0, options, target_error=options.error)
    if not len(found.faces):
        return None
    return found, _deviation(positions, triangles, found)


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
            worst = max(worst, deviation.hausdorff)
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
