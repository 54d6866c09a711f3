"""The glTF 2.0 schema, walked: every JSON object checked against its table in
:mod:`.schema_table` (types, ranges, required and unexpected properties, references,
extension objects in their places).

:class:`SchemaWalk` visits each object once with an explicit stack (no recursion on the
document's depth), so the cost stays linear in the size of the document; it records the
extensions it met for the rules that span objects (:mod:`.assets`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.rules.schema_table import (
    EXTENSIONS,
    SHAPES,
    Spec,
)
from museion.scenes.gltf.rules.values import (
    article,
    as_int,
    escape,
    in_range,
    is_number,
    show,
)

__all__ = ["Found", "SchemaWalk"]


@dataclass
class Found:
    """An extension object met on the walk, for the semantic checks."""

    kind: str
    pointer: str
    value: dict[str, Any]
    siblings: dict[str, Any]


@dataclass
class SchemaWalk:
    """Checks every object of the document against its table, one object at a time."""

    document: dict[str, Any]
    report: Reporter
    used: dict[str, str] = field(default_factory=dict)  # extension -> first pointer
    found: dict[str, list[Found]] = field(default_factory=dict)
    _sizes: dict[tuple[str, ...], int | None] = field(default_factory=dict)

    def run(self) -> None:
        pending: list[tuple[dict[str, Any], str, str]] = [(self.document, "gltf", "")]
        while pending:
            value, shape, pointer = pending.pop()
            nested: list[tuple[dict[str, Any], str, str]] = []
            self.object(value, shape, pointer, nested)
            pending.extend(reversed(nested))  # document order in the report

    def size(self, target: tuple[str, ...]) -> int | None:
        """The length of the array ``target`` names, ``None`` when it is not an array."""
        if target not in self._sizes:
            value: Any = self.document
            for key in target:
                value = value.get(key) if isinstance(value, dict) else None
            self._sizes[target] = len(value) if isinstance(value, list) else None
        return self._sizes[target]

    def object(
        self,
        value: dict[str, Any],
        name: str,
        pointer: str,
        nested: list[tuple[dict[str, Any], str, str]],
    ) -> None:
        shape = SHAPES[name]
        report = self.report
        for prop, spec in shape.props.items():
            if spec.required and prop not in value:
                report.error("UNDEFINED_PROPERTY", pointer, f"Property '{prop}' must be defined.")
        if shape.one_of and sum(prop in value for prop in shape.one_of) != 1:
            choices = ", ".join(f"'{p}'" for p in shape.one_of)
            report.error(
                "ONE_OF_MISMATCH", pointer, f"Exactly one of {choices} properties must be defined."
            )
        for prop, needed in shape.depends.items():
            if prop in value and needed not in value:
                report.error(
                    "UNSATISFIED_DEPENDENCY",
                    f"{pointer}/{prop}",
                    f"Dependency failed. '{needed}' must be defined when '{prop}' is.",
                )
        for key, element in value.items():
            where = f"{pointer}/{escape(key)}"
            spec_or_none = shape.props.get(key)
            if key == "extensions":
                self.extensions(element, shape.kind, where, nested)
            elif key == "extras":
                if not isinstance(element, dict):
                    report.info("NON_OBJECT_EXTRAS", where, "Prefer JSON objects for extras.")
            elif spec_or_none is not None:
                self.value(element, spec_or_none, where, nested)
            else:
                report.warning(
                    "UNEXPECTED_PROPERTY",
                    where,
                    "Unexpected property: the glTF schema has no "
                    f"'{key[:40]}' here, so it is ignored.",
                )

    def extensions(
        self,
        value: Any,
        kind: str,
        pointer: str,
        nested: list[tuple[dict[str, Any], str, str]],
    ) -> None:
        if not isinstance(value, dict):
            self.mismatch(value, "object", pointer)
            return
        for name, element in value.items():
            where = f"{pointer}/{escape(name)}"
            if not isinstance(element, dict):
                self.mismatch(element, "object", where)
                continue
            self.used.setdefault(name, where)
            places = EXTENSIONS.get(name)
            if places is None:
                continue  # an extension these tables do not know: the support policy's
            shape = places.get(kind)
            if shape is None:
                self.report.error(
                    "UNEXPECTED_EXTENSION_OBJECT",
                    where,
                    f"Unexpected location for this extension: {name} does not apply to "
                    f"a {kind} object.",
                )
                continue
            self.found.setdefault(name, []).append(Found(kind, where, element, value))
            nested.append((element, shape, where))

    def mismatch(self, value: Any, expected: str, pointer: str) -> None:
        self.report.error(
            "TYPE_MISMATCH",
            pointer,
            f"Type mismatch. Property value {show(value)} is not {article(expected)}.",
        )

    def value(
        self,
        value: Any,
        spec: Spec,
        pointer: str,
        nested: list[tuple[dict[str, Any], str, str]],
    ) -> None:
        report = self.report
        kind = spec.kind
        if kind == "any":
            return
        if kind == "object":
            if isinstance(value, dict):
                nested.append((value, spec.shape, pointer))
            else:
                self.mismatch(value, "object", pointer)
        elif kind == "bool":
            if not isinstance(value, bool):
                self.mismatch(value, "boolean", pointer)
        elif kind == "str":
            if not isinstance(value, str):
                self.mismatch(value, "string", pointer)
            elif spec.choices and value not in spec.choices:
                self.not_in_list(value, spec, pointer)
            elif spec.pattern and not re.search(spec.pattern, value):
                report.error(
                    "PATTERN_MISMATCH",
                    pointer,
                    f"Value {show(value)} does not match regexp pattern '{spec.pattern}'.",
                )
        elif kind in ("int", "index"):
            self.integer(value, spec, pointer)
        elif kind == "num":
            if not is_number(value):
                self.mismatch(value, "number", pointer)
            elif not in_range(value, spec):
                report.error("VALUE_NOT_IN_RANGE", pointer, f"Value {show(value)} is out of range.")
        elif kind == "map":
            if not isinstance(value, dict):
                self.mismatch(value, "object", pointer)
            elif not value:
                report.error("EMPTY_ENTITY", pointer, "Entity cannot be empty.")
            else:
                assert spec.item is not None
                for key, element in value.items():
                    self.value(element, spec.item, f"{pointer}/{escape(key)}", nested)
        elif kind == "array":
            self.array(value, spec, pointer, nested)

    def integer(self, value: Any, spec: Spec, pointer: str) -> None:
        report = self.report
        number = as_int(value)
        if number is None:
            self.mismatch(value, "integer", pointer)
        elif spec.kind == "index":
            if not spec.target:
                return  # resolved elsewhere (with the node graph, or the animation)
            size = self.size(spec.target)
            if number < 0:
                report.error("INVALID_INDEX", pointer, "Index must be a non-negative integer.")
            elif size is None and len(spec.target) > 1:
                return  # the extension's root object is missing: reported as a dependency
            elif number >= (size or 0):
                report.error(
                    "UNRESOLVED_REFERENCE",
                    pointer,
                    f"Unresolved reference: {show(number)} (there is no "
                    f"{'/'.join(spec.target)} entry {show(number)}).",
                )
        elif spec.choices:
            if number not in spec.choices:
                self.not_in_list(value, spec, pointer)
        elif not in_range(number, spec):
            self.out_of_range(value, pointer)
        elif spec.multiple_of and number % spec.multiple_of:
            report.error(
                "VALUE_MULTIPLE_OF",
                pointer,
                f"Value {show(value)} is not a multiple of {spec.multiple_of}.",
            )

    def out_of_range(self, value: Any, pointer: str) -> None:
        self.report.error("VALUE_NOT_IN_RANGE", pointer, f"Value {show(value)} is out of range.")

    def not_in_list(self, value: Any, spec: Spec, pointer: str) -> None:
        valid = ", ".join(show(c) for c in spec.choices)
        message = f"Invalid value {show(value)}. Valid values are ({valid})."
        if spec.strict:
            self.report.error("VALUE_NOT_IN_LIST", pointer, message)
        else:
            self.report.warning("VALUE_NOT_IN_LIST", pointer, message)

    def array(
        self,
        value: Any,
        spec: Spec,
        pointer: str,
        nested: list[tuple[dict[str, Any], str, str]],
    ) -> None:
        report = self.report
        if not isinstance(value, list):
            self.mismatch(value, "array", pointer)
            return
        if spec.lengths and len(value) not in spec.lengths:
            valid = ", ".join(str(n) for n in spec.lengths)
            report.error(
                "ARRAY_LENGTH_NOT_IN_LIST",
                pointer,
                f"Invalid array length {len(value)}. Valid lengths are: ({valid}).",
            )
            return
        if not value:
            report.error("EMPTY_ENTITY", pointer, "Entity cannot be empty.")
            return
        item = spec.item
        assert item is not None
        seen: set[Any] = set()
        for i, element in enumerate(value):
            where = f"{pointer}/{i}"
            if item.kind in ("object", "map") and not isinstance(element, dict):
                if spec.collection:
                    self.mismatch(element, "object", where)
                else:
                    report.error(
                        "ARRAY_TYPE_MISMATCH",
                        pointer,
                        f"Type mismatch. Array element {show(element)} is not an object.",
                    )
                continue
            if item.kind == "num" and not is_number(element):
                report.error(
                    "ARRAY_TYPE_MISMATCH",
                    where,
                    f"Type mismatch. Array element {show(element)} is not a number.",
                )
                continue
            self.value(element, item, where, nested)
            if spec.unique and isinstance(element, str | int | float):
                if element in seen:
                    report.error("DUPLICATE_ELEMENTS", where, "Duplicate element.")
                seen.add(element)
