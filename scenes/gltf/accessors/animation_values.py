"""Value checks of animation and skin data: increasing keyframe times, unit rotation
quaternions, and inverse bind matrices that are affine."""

from __future__ import annotations

from typing import Any

import numpy as np

from museion.scenes.gltf.accessors.layout import (
    FLOAT,
    Array,
    json_list,
    json_uint,
)
from museion.scenes.gltf.accessors.read import (
    as_rows,
)
from museion.scenes.gltf.accessors.value_cache import AccessorData, report_some
from museion.scenes.gltf.report import Reporter

__all__ = ["check_animations", "check_skins"]

_UNIT_VEC4 = 0.00769  # the Khronos validator's threshold for quaternions


def check_animations(data: AccessorData, report: Reporter) -> None:
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


def _check_keyframes(data: AccessorData, report: Reporter, where: str, index: Any) -> None:
    accessor = data.accessor(index)
    if accessor.get("type") != "SCALAR" or accessor.get("componentType") != FLOAT:
        return
    times = data.get(index)
    if times is None:
        return
    values = times[:, 0].astype(np.float64)
    report_some(
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
    report_some(
        report,
        "ACCESSOR_ANIMATION_INPUT_NON_INCREASING",
        where,
        positions,
        lambda i: (
            f"keyframe time {values[i]} at position {i} is not greater than the one "
            f"before it ({before.get(i, 0.0)})"
        ),
    )


def _check_quaternions(
    data: AccessorData, report: Reporter, where: str, index: Any, cubic: bool
) -> None:
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
    report_some(
        report,
        "ACCESSOR_ANIMATION_SAMPLER_OUTPUT_NON_NORMALIZED_QUATERNION",
        where,
        ~(np.abs(lengths - 1) <= _UNIT_VEC4),
        lambda i: (
            f"rotation {i * step + (1 if cubic else 0)} of the output has length "
            f"{lengths[i]:.6g}, not 1"
        ),
    )


def check_skins(data: AccessorData, report: Reporter) -> None:
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
    report_some(
        report,
        "ACCESSOR_INVALID_IBM",
        where,
        bad,
        lambda i: (
            f"matrix {i // 4} has {last_row.reshape(-1)[i]} in its last row "
            f"(component {3 + 4 * (i % 4)}); the last row must be 0 0 0 1"
        ),
    )
