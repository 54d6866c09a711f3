"""The semantic rules of animations: sampler input and output formats and counts, channel
targets (duplicates, weights without morph targets, TRS of a matrix node) and
``KHR_animation_pointer``."""

from __future__ import annotations

from typing import Any

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.rules.document import (
    BYTE,
    FLOAT,
    SHORT,
    TRS,
    UBYTE,
    USHORT,
    Format,
    RuleDocument,
)
from museion.scenes.gltf.rules.schema_table import (
    COMPONENT_TYPES,
)
from museion.scenes.gltf.rules.values import (
    as_dict,
    as_int,
    as_list,
    show,
)

__all__ = ["check_animations"]

_INTEGER_TYPES = (BYTE, UBYTE, SHORT, USHORT)
_OUTPUT_FORMATS: dict[str, set[Format]] = {
    "translation": {("VEC3", FLOAT, False)},
    "scale": {("VEC3", FLOAT, False)},
    "rotation": {("VEC4", FLOAT, False)}
    | {("VEC4", c, True) for c in (BYTE, UBYTE, SHORT, USHORT)},
    "weights": {("SCALAR", FLOAT, False)}
    | {("SCALAR", c, True) for c in (BYTE, UBYTE, SHORT, USHORT)},
}


def _check_sampler(doc: RuleDocument, sampler: dict[str, Any], base: str, report: Reporter) -> None:
    source = doc.accessor(sampler.get("input"))
    if source is None:
        return
    where = f"{base}/input"
    if (
        source.type is not None
        and source.component is not None
        and ((source.type, source.component, source.normalized) != ("SCALAR", FLOAT, False))
    ):
        report.error(
            "ANIMATION_SAMPLER_INPUT_ACCESSOR_INVALID_FORMAT",
            where,
            f"Invalid Animation sampler input accessor format '{source.format()}'. "
            "Must be one of ('{SCALAR, FLOAT}').",
        )
    if not source.bounded:
        report.error(
            "ANIMATION_SAMPLER_INPUT_ACCESSOR_WITHOUT_BOUNDS",
            where,
            "accessor.min and accessor.max must be defined for animation input accessor.",
        )
    cubic = sampler.get("interpolation") == "CUBICSPLINE"
    if cubic and source.count is not None and source.count < 2:
        report.error(
            "ANIMATION_SAMPLER_INPUT_ACCESSOR_TOO_FEW_ELEMENTS",
            where,
            "Animation sampler input accessor with 'CUBICSPLINE' interpolation must have "
            f"at least 2 elements. Got {show(source.count)}.",
        )


def _check_channel_output(
    doc: RuleDocument,
    sampler: dict[str, Any],
    path: str,
    node: dict[str, Any] | None,
    where: tuple[str, str],
    report: Reporter,
) -> None:
    """The output accessor's format against the path, its count against the input's."""
    output = doc.accessor(sampler.get("output"))
    source = doc.accessor(sampler.get("input"))
    if output is None:
        return
    shape = (output.type, output.component, output.normalized)
    if None not in shape[:2] and shape not in _OUTPUT_FORMATS[path]:
        shown = ", ".join(
            sorted(
                f"{{{t}, {COMPONENT_TYPES[c]}{' normalized' if n else ''}}}"
                for t, c, n in _OUTPUT_FORMATS[path]
            )
        )
        report.error(
            "ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_FORMAT",
            where[1],
            f"Invalid animation sampler output accessor format '{output.format()}' for "
            f"path '{path}'. Must be one of ({shown}).",
        )
    if source is None or source.count is None or output.count is None:
        return
    expected = source.count * (3 if sampler.get("interpolation") == "CUBICSPLINE" else 1)
    if path == "weights":
        targets = (doc.mesh(as_dict(node).get("mesh")) or (0, False))[0]
        if not targets:
            return
        expected *= targets
    if output.count != expected:
        report.error(
            "ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_COUNT",
            where[0],
            f"Animation sampler output accessor of count {show(expected)} expected. "
            f"Found {show(output.count)}.",
        )


def check_animations(doc: RuleDocument, report: Reporter) -> None:
    for a, animation in doc.entries("animations"):
        samplers = as_list(animation.get("samplers"))
        for n, sampler in enumerate(samplers):
            if isinstance(sampler, dict):
                _check_sampler(doc, sampler, f"/animations/{a}/samplers/{n}", report)
        targets: dict[tuple[Any, str], int] = {}
        for c, channel in enumerate(as_list(animation.get("channels"))):
            base = f"/animations/{a}/channels/{c}"
            channel = as_dict(channel)
            s = as_int(channel.get("sampler"))
            if s is not None and s < 0:
                report.error(
                    "INVALID_INDEX", f"{base}/sampler", "Index must be a non-negative integer."
                )
            elif s is not None and s >= len(samplers):
                report.error(
                    "UNRESOLVED_REFERENCE",
                    f"{base}/sampler",
                    f"Unresolved reference: {show(s)} (the animation has {len(samplers)} "
                    "samplers).",
                )
            target = as_dict(channel.get("target"))
            path = target.get("path")
            pointer = as_dict(as_dict(target.get("extensions")).get("KHR_animation_pointer"))
            key: tuple[Any, str] | None = None
            if pointer:
                if "node" in target:
                    report.error(
                        "KHR_ANIMATION_POINTER_ANIMATION_CHANNEL_TARGET_NODE",
                        f"{base}/target/extensions/KHR_animation_pointer",
                        "This extension requires the animation channel target node to be "
                        "undefined.",
                    )
                if isinstance(pointer.get("pointer"), str):
                    key = ("pointer", pointer["pointer"])
            node_ref = as_int(target.get("node"))
            if key is None and node_ref is not None and isinstance(path, str):
                key = (node_ref, path)
            if key is not None:
                if key in targets:
                    report.error(
                        "ANIMATION_DUPLICATE_TARGETS",
                        f"/animations/{a}/channels/{targets[key]}/target",
                        f"Animation channel has the same target as channel {c}.",
                    )
                else:
                    targets[key] = c
            node = doc.get("nodes", target.get("node"))
            if (
                node is not None
                and path == "weights"
                and not (doc.mesh(node.get("mesh")) or (0, False))[0]
            ):
                report.error(
                    "ANIMATION_CHANNEL_TARGET_NODE_WEIGHTS_NO_MORPHS",
                    f"{base}/target",
                    "Animation channel cannot target WEIGHTS when mesh does not have morph "
                    "targets.",
                )
            if node is not None and path in TRS and "matrix" in node:
                report.error(
                    "ANIMATION_CHANNEL_TARGET_NODE_MATRIX",
                    f"{base}/target/path",
                    "Animation channel cannot target TRS properties of a node with defined matrix.",
                )
            sampler = as_dict(samplers[s]) if s is not None and 0 <= s < len(samplers) else None
            if sampler and isinstance(path, str) and path in _OUTPUT_FORMATS and not pointer:
                where = (f"{base}/sampler", f"/animations/{a}/samplers/{s}/output")
                _check_channel_output(doc, sampler, path, node, where, report)
