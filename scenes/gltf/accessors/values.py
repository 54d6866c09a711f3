"""The values of accessors whose ranges passed: NaN, min/max, indices, skins, keyframes.

Vectorised numpy over the arrays of the one reader (:mod:`.read`), never a Python
loop per element; the first few findings of each kind are reported one by one and the rest
counted (:mod:`.value_cache`); mesh data is :mod:`.mesh_values`,
animation and skin data :mod:`.animation_values`.
Codes, severities, pointers and thresholds follow the Khronos glTF-Validator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from museion.scenes.gltf.accessors.animation_values import check_animations, check_skins
from museion.scenes.gltf.accessors.layout import (
    COMPONENTS,
    DRACO,
    Array,
    Element,
    extension_of,
    json_uint,
    primitives_of,
)
from museion.scenes.gltf.accessors.mesh_values import check_influences, check_primitive
from museion.scenes.gltf.accessors.read import (
    Refused,
    as_rows,
    read_sparse_part,
)
from museion.scenes.gltf.accessors.value_cache import AccessorData, report_some
from museion.scenes.gltf.report import Reporter

__all__ = ["check_accessor_data"]


def _check_values(report: Reporter, index: int, accessor: dict[str, Any], values: Array) -> None:
    where = f"/accessors/{index}"
    flat = as_rows(values)
    finite: Array | None = None
    if flat.dtype.kind == "f":
        finite = np.isfinite(flat)
        if not finite.all():
            bad = ~finite.reshape(-1)
            report_some(
                report,
                "ACCESSOR_INVALID_FLOAT",
                where,
                bad,
                lambda i: (
                    f"element {i // flat.shape[1]} (component {i % flat.shape[1]}) "
                    f"is {flat.reshape(-1)[i]}, not a finite number"
                ),
            )
    for key, code, bound, name in (
        ("min", "ACCESSOR_MIN_MISMATCH", "ACCESSOR_ELEMENT_OUT_OF_MIN_BOUND", "minimum"),
        ("max", "ACCESSOR_MAX_MISMATCH", "ACCESSOR_ELEMENT_OUT_OF_MAX_BOUND", "maximum"),
    ):
        declared = accessor.get(key)
        if not isinstance(declared, list) or len(declared) != flat.shape[1]:
            continue
        for c, limit in enumerate(declared):
            if not isinstance(limit, int | float) or isinstance(limit, bool):
                continue
            column = flat[:, c] if finite is None else flat[:, c][finite[:, c]]
            if not len(column):
                continue
            actual = column.min() if key == "min" else column.max()
            expected = np.float32(limit) if flat.dtype.kind == "f" else limit
            if actual == expected:
                continue
            report.error(
                code,
                f"{where}/{key}/{c}",
                f"the declared {name} {limit} does not match the data's {actual}",
            )
            outside = int((column < expected).sum() if key == "min" else (column > expected).sum())
            if outside:
                report.error(
                    bound,
                    f"{where}/{key}/{c}",
                    f"{outside} element(s) lie beyond the declared {name} {limit}",
                )


def _check_sparse_indices(
    data: AccessorData, report: Reporter, index: int, accessor: dict[str, Any]
) -> None:
    sparse = accessor.get("sparse")
    if not isinstance(sparse, dict) or not isinstance(sparse.get("indices"), dict):
        return
    part = sparse["indices"]
    count = json_uint(sparse.get("count")) or 0
    try:
        indices = read_sparse_part(
            data.document,
            data.source,
            part,
            "",
            count,
            Element(COMPONENTS[part["componentType"]], 1, 1),
        ).reshape(-1)
    except (Refused, KeyError, TypeError):
        return
    where = f"/accessors/{index}/sparse"
    values = indices.astype(np.int64)
    report_some(
        report,
        "ACCESSOR_SPARSE_INDICES_NON_INCREASING",
        where,
        np.concatenate([[False], values[1:] <= values[:-1]]),
        lambda i: (
            f"sparse index {values[i]} at position {i} does not follow "
            f"{values[i - 1]} in increasing order"
        ),
    )
    report_some(
        report,
        "ACCESSOR_SPARSE_INDEX_OOB",
        where,
        values >= (json_uint(accessor["count"]) or 0),
        lambda i: (
            f"sparse index {values[i]} at position {i} is past the accessor's "
            f"{accessor['count']} elements"
        ),
    )


def check_accessor_data(
    document: dict[str, Any], buffers: list[bytes | None], readable: set[int], report: Reporter
) -> None:
    """Check the values of the accessors in ``readable`` (their ranges passed) by how the
    document uses them: as vertices, indices, keyframes, rotations, matrices or weights."""
    with np.errstate(all="ignore"):  # hostile bounds may overflow float32; that is a mismatch
        _check_all(AccessorData(document, buffers, readable), report)


def _check_all(data: AccessorData, report: Reporter) -> None:
    for index in sorted(data.readable):
        accessor = data.accessor(index)
        _check_sparse_indices(data, report, index, accessor)
        values = data.get(index)
        if values is not None:
            _check_values(report, index, accessor, values)
    for where, primitive in primitives_of(data.document):
        if extension_of(primitive, DRACO) is None:
            check_primitive(data, report, where, primitive)
    check_animations(data, report)
    check_skins(data, report)
    check_influences(data, report)
