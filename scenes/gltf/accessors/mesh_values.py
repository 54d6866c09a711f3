"""Value checks of mesh data: indices in range and not degenerate, colours in [0, 1],
unit normals and tangents, and skin influences (joints in range, weights normalized).
Thresholds are the Khronos validator's."""

from __future__ import annotations

from typing import Any

import numpy as np

from museion.scenes.gltf.accessors.layout import (
    DRACO,
    FLOAT,
    INDEX_TYPES,
    Array,
    extension_of,
    json_item,
    json_list,
    json_uint,
    primitives_of,
)
from museion.scenes.gltf.accessors.value_cache import AccessorData, report_some
from museion.scenes.gltf.report import Reporter

__all__ = ["check_influences", "check_primitive"]

# Thresholds of the Khronos validator: a little over the error of 8-bit quantization.
_UNIT_VEC3 = 0.00674
_WEIGHT_STEP = 0.0039216


def check_primitive(
    data: AccessorData, report: Reporter, where: str, primitive: dict[str, Any]
) -> None:
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
    report_some(
        report,
        "ACCESSOR_NON_CLAMPED",
        where,
        (flat < 0) | (flat > 1),
        lambda i: f"colour {i // width} has {flat[i]} in component {i % width}, outside 0..1",
    )


def _check_indices(report: Reporter, where: str, indices: Array, vertices: int, mode: Any) -> None:
    values = indices.astype(np.int64)
    restart = np.iinfo(indices.dtype).max
    report_some(
        report,
        "ACCESSOR_INDEX_OOB",
        where,
        values >= vertices,
        lambda i: f"index {values[i]} at position {i} is past the last vertex ({vertices - 1})",
    )
    report_some(
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
    data: AccessorData, report: Reporter, where: str, index: Any, tangent: bool
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
    report_some(
        report,
        "ACCESSOR_VECTOR3_NON_UNIT",
        where,
        ~(np.abs(lengths - 1) <= _UNIT_VEC3),
        lambda i: f"vector {i} has length {lengths[i]:.6g}, not 1",
    )
    if tangent:
        w = vectors[:, 3]
        report_some(
            report,
            "ACCESSOR_INVALID_SIGN",
            where,
            (w != 1) & (w != -1),
            lambda i: f"tangent {i} has w = {w[i]}; it must be 1 or -1",
        )


def check_influences(data: AccessorData, report: Reporter) -> None:
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
    data: AccessorData, report: Reporter, where: str, primitive: dict[str, Any], joint_count: int
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

        report_some(
            report,
            "ACCESSOR_JOINTS_INDEX_OOB",
            jp,
            (oob & mine).reshape(-1),
            lambda i: f"{entry(i)} is past the skin's last joint ({joint_count - 1})",
        )
        report_some(
            report,
            "ACCESSOR_JOINTS_INDEX_DUPLICATE",
            jp,
            (duplicate & mine).reshape(-1),
            lambda i: f"{entry(i)} is already used by this vertex",
        )
        report_some(
            report,
            "ACCESSOR_JOINTS_USED_ZERO_WEIGHT",
            jp,
            (zero_used & mine).reshape(-1),
            lambda i: f"{entry(i)} has zero weight but a non-zero joint",
            "warning",
        )
        report_some(
            report,
            "ACCESSOR_WEIGHTS_NEGATIVE",
            wp,
            (used & (weights < 0) & mine).reshape(-1),
            lambda i: f"{entry(i, weights)} is a negative weight",
        )
        report_some(
            report,
            "ACCESSOR_WEIGHTS_NON_NORMALIZED",
            wp,
            unnormalized,
            lambda i: f"the weights of vertex {i} sum to {totals[i]:.6g}, not 1",
        )
