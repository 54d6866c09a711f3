"""The values of accessors whose ranges passed: NaN, min/max, indices, skins, keyframes.

Vectorised numpy over the views :mod:`.accessor_read` gives, never a Python loop per
element; the first few findings of each kind are reported one by one and the rest counted.
Codes, severities, pointers and thresholds follow the Khronos glTF-Validator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from museion.scenes.gltf.accessor_layout import (
    COMPONENTS,
    DRACO,
    FLOAT,
    INDEX_TYPES,
    Array,
    Element,
    extension_of,
    json_item,
    json_list,
    json_uint,
    primitives_of,
)
from museion.scenes.gltf.accessor_read import (
    LoadedBuffers,
    Refused,
    as_rows,
    read_sparse_part,
    read_values,
)
from museion.scenes.gltf.report import Reporter

__all__ = ["check_accessor_data"]

# Thresholds of the Khronos validator: a little over the error of 8-bit quantization.
_UNIT_VEC3 = 0.00674
_UNIT_VEC4 = 0.00769
_WEIGHT_STEP = 0.0039216
_SAMPLES = 5  # issues reported one by one per check and accessor; the rest are counted


class _Data:
    """Accessors read once each, and only those that passed the range checks."""

    def __init__(
        self, document: dict[str, Any], buffers: list[bytes | None], readable: set[int]
    ) -> None:
        self.document, self.readable = document, readable
        self.source = LoadedBuffers(document, buffers)
        self._cache: dict[tuple[int, bool], Array | None] = {}

    def get(self, index: Any, *, normalized: bool = False) -> Array | None:
        position = json_uint(index)
        if position is None or position not in self.readable:
            return None
        key = (position, normalized)
        if key not in self._cache:
            try:
                self._cache[key] = read_values(self.document, self.source, position, normalized)
            except Refused:
                self._cache[key] = None
        return self._cache[key]

    def accessor(self, index: Any) -> dict[str, Any]:
        return json_item(self.document, "accessors", index) or {}


def _some(
    report: Reporter,
    code: str,
    where: str,
    positions: Array,
    sentence: Callable[[int], str],
    severity: str = "error",
) -> None:
    """One issue for each of the first few ``positions``, one more that counts the rest."""
    found = np.flatnonzero(positions)
    add = report.warning if severity == "warning" else report.error
    for position in found[:_SAMPLES]:
        add(code, where, sentence(int(position)))
    if len(found) > _SAMPLES:
        add(code, where, f"... and {len(found) - _SAMPLES} more like these")


def _check_values(report: Reporter, index: int, accessor: dict[str, Any], values: Array) -> None:
    where = f"/accessors/{index}"
    flat = as_rows(values)
    finite: Array | None = None
    if flat.dtype.kind == "f":
        finite = np.isfinite(flat)
        if not finite.all():
            bad = ~finite.reshape(-1)
            _some(
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
    data: _Data, report: Reporter, index: int, accessor: dict[str, Any]
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
    _some(
        report,
        "ACCESSOR_SPARSE_INDICES_NON_INCREASING",
        where,
        np.concatenate([[False], values[1:] <= values[:-1]]),
        lambda i: (
            f"sparse index {values[i]} at position {i} does not follow "
            f"{values[i - 1]} in increasing order"
        ),
    )
    _some(
        report,
        "ACCESSOR_SPARSE_INDEX_OOB",
        where,
        values >= (json_uint(accessor["count"]) or 0),
        lambda i: (
            f"sparse index {values[i]} at position {i} is past the accessor's "
            f"{accessor['count']} elements"
        ),
    )


def _check_primitive(data: _Data, report: Reporter, where: str, primitive: dict[str, Any]) -> None:
    attributes = primitive.get("attributes")
    attributes = attributes if isinstance(attributes, dict) else {}
    counts = [json_uint(data.accessor(i).get("count")) for i in attributes.values()]
    known = [c for c in counts if c]
    indices_accessor = data.accessor(primitive.get("indices"))
    indices = data.get(primitive.get("indices"))
    if (
        indices is not None
        and known
        and indices_accessor.get("componentType") in INDEX_TYPES
        and indices.shape[1] == 1
    ):
        _check_indices(
            report, f"{where}/indices", indices[:, 0], min(known), primitive.get("mode", 4)
        )
    for semantic, accessor_index in attributes.items():
        pointer = f"{where}/attributes/{semantic}"
        if semantic == "COLOR_0" and data.accessor(accessor_index).get("componentType") == FLOAT:
            colors = data.get(accessor_index)
            if colors is not None:
                _check_clamped(report, pointer, colors)
        elif semantic in ("NORMAL", "TANGENT"):
            _check_unit_vectors(data, report, pointer, accessor_index, semantic == "TANGENT")


def _check_clamped(report: Reporter, where: str, colors: Array) -> None:
    flat = colors.reshape(-1)
    width = colors.shape[1]
    _some(
        report,
        "ACCESSOR_NON_CLAMPED",
        where,
        (flat < 0) | (flat > 1),
        lambda i: f"colour {i // width} has {flat[i]} in component {i % width}, outside 0..1",
    )


def _check_indices(report: Reporter, where: str, indices: Array, vertices: int, mode: Any) -> None:
    values = indices.astype(np.int64)
    restart = np.iinfo(indices.dtype).max
    _some(
        report,
        "ACCESSOR_INDEX_OOB",
        where,
        values >= vertices,
        lambda i: f"index {values[i]} at position {i} is past the last vertex ({vertices - 1})",
    )
    _some(
        report,
        "ACCESSOR_INDEX_PRIMITIVE_RESTART",
        where,
        values == restart,
        lambda i: f"position {i} holds the primitive restart value {restart}",
    )
    if mode == 4 and len(values) >= 3:
        tris = values[: len(values) // 3 * 3].reshape(-1, 3)
        degenerate = int(
            (
                (tris[:, 0] == tris[:, 1]) | (tris[:, 1] == tris[:, 2]) | (tris[:, 2] == tris[:, 0])
            ).sum()
        )
        if degenerate:
            report.info(
                "ACCESSOR_INDEX_TRIANGLE_DEGENERATE",
                where,
                f"{degenerate} of {len(tris)} triangles are degenerate",
            )


def _check_unit_vectors(
    data: _Data, report: Reporter, where: str, index: Any, tangent: bool
) -> None:
    accessor = data.accessor(index)
    size = 4 if tangent else 3
    if accessor.get("type") != f"VEC{size}":
        return
    if accessor.get("componentType") != FLOAT and accessor.get("normalized") is not True:
        return
    vectors = data.get(index, normalized=True)
    if vectors is None:
        return
    xyz = vectors[:, :3].astype(np.float64)
    lengths = np.sqrt((xyz * xyz).sum(axis=1))
    _some(
        report,
        "ACCESSOR_VECTOR3_NON_UNIT",
        where,
        ~(np.abs(lengths - 1) <= _UNIT_VEC3),
        lambda i: f"vector {i} has length {lengths[i]:.6g}, not 1",
    )
    if tangent:
        w = vectors[:, 3]
        _some(
            report,
            "ACCESSOR_INVALID_SIGN",
            where,
            (w != 1) & (w != -1),
            lambda i: f"tangent {i} has w = {w[i]}; it must be 1 or -1",
        )


def _check_animations(data: _Data, report: Reporter) -> None:
    for a, animation in enumerate(json_list(data.document, "animations")):
        if not isinstance(animation, dict):
            continue
        samplers = animation.get("samplers")
        samplers = samplers if isinstance(samplers, list) else []
        for s, sampler in enumerate(samplers):
            if isinstance(sampler, dict):
                _check_keyframes(
                    data, report, f"/animations/{a}/samplers/{s}/input", sampler.get("input")
                )
        channels = animation.get("channels")
        for c, channel in enumerate(channels if isinstance(channels, list) else []):
            if not isinstance(channel, dict):
                continue
            target = channel.get("target")
            sampler_index = json_uint(channel.get("sampler"))
            if (
                not isinstance(target, dict)
                or target.get("path") != "rotation"
                or sampler_index is None
                or sampler_index >= len(samplers)
                or not isinstance(samplers[sampler_index], dict)
            ):
                continue
            sampler = samplers[sampler_index]
            _check_quaternions(
                data,
                report,
                f"/animations/{a}/channels/{c}/sampler",
                sampler.get("output"),
                sampler.get("interpolation") == "CUBICSPLINE",
            )


def _check_keyframes(data: _Data, report: Reporter, where: str, index: Any) -> None:
    accessor = data.accessor(index)
    if accessor.get("type") != "SCALAR" or accessor.get("componentType") != FLOAT:
        return
    times = data.get(index)
    if times is None:
        return
    values = times[:, 0].astype(np.float64)
    _some(
        report,
        "ACCESSOR_ANIMATION_INPUT_NEGATIVE",
        where,
        values < 0,
        lambda i: f"keyframe time {values[i]} at position {i} is negative",
    )
    # As the Khronos validator: each time must exceed the last non-negative one before it.
    kept = np.flatnonzero(values >= 0)
    previous = np.concatenate([[0.0], values[kept][:-1]])
    late = (values[kept] <= previous) & (kept != 0)
    positions = np.zeros(len(values), dtype=bool)
    positions[kept[late]] = True
    before = dict(zip(kept[1:].tolist(), values[kept][:-1].tolist(), strict=True))
    _some(
        report,
        "ACCESSOR_ANIMATION_INPUT_NON_INCREASING",
        where,
        positions,
        lambda i: (
            f"keyframe time {values[i]} at position {i} is not greater than the one "
            f"before it ({before.get(i, 0.0)})"
        ),
    )


def _check_quaternions(data: _Data, report: Reporter, where: str, index: Any, cubic: bool) -> None:
    accessor = data.accessor(index)
    if accessor.get("type") != "VEC4":
        return
    quaternions = data.get(index, normalized=True)
    if quaternions is None or quaternions.dtype.kind != "f":
        return
    if cubic:  # in-tangent, value, out-tangent: only the values are rotations
        quaternions = quaternions[1::3]
    q = quaternions.astype(np.float64)
    lengths = np.sqrt((q * q).sum(axis=1))
    step = 3 if cubic else 1
    _some(
        report,
        "ACCESSOR_ANIMATION_SAMPLER_OUTPUT_NON_NORMALIZED_QUATERNION",
        where,
        ~(np.abs(lengths - 1) <= _UNIT_VEC4),
        lambda i: (
            f"rotation {i * step + (1 if cubic else 0)} of the output has length "
            f"{lengths[i]:.6g}, not 1"
        ),
    )


def _check_skins(data: _Data, report: Reporter) -> None:
    for s, skin in enumerate(json_list(data.document, "skins")):
        if not isinstance(skin, dict) or "inverseBindMatrices" not in skin:
            continue
        where = f"/skins/{s}/inverseBindMatrices"
        accessor = data.accessor(skin["inverseBindMatrices"])
        joints = skin.get("joints")
        count = json_uint(accessor.get("count"))
        if isinstance(joints, list) and count is not None and count < len(joints):
            report.error(
                "INVALID_IBM_ACCESSOR_COUNT",
                where,
                f"there are {len(joints)} joints but only {count} inverse bind matrices",
            )
        if accessor.get("type") != "MAT4" or accessor.get("componentType") != FLOAT:
            continue
        matrices = data.get(skin["inverseBindMatrices"])
        if matrices is not None:
            _check_matrices(report, where, matrices)


def _check_matrices(report: Reporter, where: str, matrices: Array) -> None:
    """The last row of an inverse bind matrix is 0 0 0 1: it is an affine transform."""
    last_row = as_rows(matrices)[:, [3, 7, 11, 15]]
    bad = (last_row != np.array([0, 0, 0, 1], dtype=last_row.dtype)).reshape(-1)
    _some(
        report,
        "ACCESSOR_INVALID_IBM",
        where,
        bad,
        lambda i: (
            f"matrix {i // 4} has {last_row.reshape(-1)[i]} in its last row "
            f"(component {3 + 4 * (i % 4)}); the last row must be 0 0 0 1"
        ),
    )


def _check_influences(data: _Data, report: Reporter) -> None:
    """JOINTS_n / WEIGHTS_n of skinned meshes, vertex by vertex as the Khronos validator."""
    joint_limits: dict[int, int] = {}
    for node in json_list(data.document, "nodes"):
        if not isinstance(node, dict):
            continue
        mesh, skin = (
            json_uint(node.get("mesh")),
            json_item(data.document, "skins", node.get("skin")),
        )
        joints = skin.get("joints") if skin else None
        if mesh is not None and isinstance(joints, list) and joints:
            joint_limits[mesh] = min(joint_limits.get(mesh, len(joints)), len(joints))
    for where, primitive in primitives_of(data.document):
        mesh = int(where.split("/")[2])
        if mesh in joint_limits and extension_of(primitive, DRACO) is None:
            _check_primitive_influences(data, report, where, primitive, joint_limits[mesh])


def _check_primitive_influences(
    data: _Data, report: Reporter, where: str, primitive: dict[str, Any], joint_count: int
) -> None:
    attributes = primitive.get("attributes")
    if not isinstance(attributes, dict):
        return
    sets = 0
    while f"JOINTS_{sets}" in attributes and f"WEIGHTS_{sets}" in attributes:
        sets += 1
    joints_sets: list[Array] = []
    weight_sets: list[Array] = []
    for n in range(sets):
        joints = data.get(attributes[f"JOINTS_{n}"])
        weights = data.get(attributes[f"WEIGHTS_{n}"], normalized=True)
        if (
            joints is None
            or weights is None
            or joints.shape[1] != 4
            or weights.shape[1] != 4
            or joints.dtype.kind not in "ui"
            or len(joints) != len(weights)
            or (joints_sets and len(joints) != len(joints_sets[0]))
        ):
            return
        joints_sets.append(joints.astype(np.int64))
        weight_sets.append(weights.astype(np.float32))
    if not sets:
        return
    # Entry order as the validator walks them: component by component, set by set.
    joints = np.stack(joints_sets, axis=2).reshape(len(joints_sets[0]), -1)
    weights = np.stack(weight_sets, axis=2).reshape(len(joints), -1)
    owner = np.tile(np.arange(sets), 4)  # which set each entry comes from
    oob = joints >= joint_count
    used = ~oob & (weights != 0)
    keys = np.where(used, joints, -1 - np.arange(joints.shape[1]))
    order = np.argsort(keys, axis=1, kind="stable")
    ranked = np.take_along_axis(keys, order, axis=1)
    duplicate = np.zeros_like(used)
    np.put_along_axis(duplicate, order[:, 1:], ranked[:, 1:] == ranked[:, :-1], axis=1)
    duplicate &= used
    counted = used & ~duplicate & (weights > 0)
    totals = np.where(counted, weights, np.float32(0)).sum(axis=1, dtype=np.float32)
    unique = (used & ~duplicate).sum(axis=1)
    threshold = _WEIGHT_STEP * (((unique + 1) >> 1) - 1)
    unnormalized = np.abs(totals.astype(np.float64) - 1) > threshold
    zero_used = ~oob & (weights == 0) & (joints != 0)
    for n in range(sets):
        mine = owner == n
        jp, wp = f"{where}/attributes/JOINTS_{n}", f"{where}/attributes/WEIGHTS_{n}"

        def entry(i: int, values: Array = joints) -> str:
            row, column = divmod(i, joints.shape[1])
            return f"vertex {row}, component {column // sets}: {values.reshape(-1)[i]}"

        _some(
            report,
            "ACCESSOR_JOINTS_INDEX_OOB",
            jp,
            (oob & mine).reshape(-1),
            lambda i: f"{entry(i)} is past the skin's last joint ({joint_count - 1})",
        )
        _some(
            report,
            "ACCESSOR_JOINTS_INDEX_DUPLICATE",
            jp,
            (duplicate & mine).reshape(-1),
            lambda i: f"{entry(i)} is already used by this vertex",
        )
        _some(
            report,
            "ACCESSOR_JOINTS_USED_ZERO_WEIGHT",
            jp,
            (zero_used & mine).reshape(-1),
            lambda i: f"{entry(i)} has zero weight but a non-zero joint",
            "warning",
        )
        _some(
            report,
            "ACCESSOR_WEIGHTS_NEGATIVE",
            wp,
            (used & (weights < 0) & mine).reshape(-1),
            lambda i: f"{entry(i, weights)} is a negative weight",
        )
        _some(
            report,
            "ACCESSOR_WEIGHTS_NON_NORMALIZED",
            wp,
            unnormalized,
            lambda i: f"the weights of vertex {i} sum to {totals[i]:.6g}, not 1",
        )


def check_accessor_data(
    document: dict[str, Any], buffers: list[bytes | None], readable: set[int], report: Reporter
) -> None:
    """Check the values of the accessors in ``readable`` (their ranges passed) by how the
    document uses them: as vertices, indices, keyframes, rotations, matrices or weights."""
    with np.errstate(all="ignore"):  # hostile bounds may overflow float32; that is a mismatch
        _check_all(_Data(document, buffers, readable), report)


def _check_all(data: _Data, report: Reporter) -> None:
    for index in sorted(data.readable):
        accessor = data.accessor(index)
        _check_sparse_indices(data, report, index, accessor)
        values = data.get(index)
        if values is not None:
            _check_values(report, index, accessor, values)
    for where, primitive in primitives_of(data.document):
        if extension_of(primitive, DRACO) is None:
            _check_primitive(data, report, where, primitive)
    _check_animations(data, report)
    _check_skins(data, report)
    _check_influences(data, report)
