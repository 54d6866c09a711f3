"""Rule checks on a glTF's JSON: the glTF 2.0 schema and the spec's JSON-only rules.

The gate runs these first, on the parsed JSON, before anything reads a buffer.  Codes,
severities and JSON pointers (RFC 6901) follow the Khronos glTF-Validator where the two
overlap (``TYPE_MISMATCH``, ``UNDEFINED_PROPERTY``, ``UNRESOLVED_REFERENCE``,
``MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT``...), so a technician can compare
our report with theirs.

The document may be hostile: any property can hold any JSON value.  The schema lives in
:mod:`.schema_table` as data; :class:`_Walk` visits each JSON object once with an
explicit stack (no recursion on the document's depth) and the semantic checks below use
sets and one tree traversal, so the cost stays linear in the size of the document.
Checks that read binary data (ranges, alignment, values) are :mod:`.accessors`'s;
children of nodes and roots of scenes are resolved by :mod:`.structure`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.schema_table import (
    ACCESSOR_TYPES,
    COMPONENT_TYPES,
    EXTENSIONS,
    SHAPES,
    Spec,
)

__all__ = ["check_rules"]

BYTE, UBYTE, SHORT, USHORT, UINT, FLOAT = 5120, 5121, 5122, 5123, 5125, 5126
_MUST_BE_REQUIRED = frozenset({"KHR_mesh_quantization"})
_TRS = ("translation", "rotation", "scale")
_UNIT_QUATERNION_TOLERANCE = 0.00769  # the Khronos validator's threshold for 4-vectors


# --- small helpers, total on any JSON value -------------------------------------------


def _escape(key: str) -> str:
    """One reference token of a JSON pointer (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def _show(value: Any) -> str:
    """A short rendering of a JSON value for a message, whatever its size."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a very large integer"
    if isinstance(value, float):
        return (
            "Infinity" if value == math.inf else "-Infinity" if value == -math.inf else repr(value)
        )
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    """``value`` as an integer when JSON means one (``2.0`` is written by some exporters)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _positive(value: Any) -> int | None:
    """A count: a positive integer, or ``None`` (the schema walk reports anything else)."""
    number = _as_int(value)
    return number if number is not None and number > 0 else None


def _finite_numbers(value: Any, length: int) -> list[float] | None:
    if not isinstance(value, list) or len(value) != length:
        return None
    if not all(_is_number(v) and math.isfinite(v) for v in value):
        return None
    return [float(v) for v in value]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _in_range(value: int | float, spec: Spec) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if spec.or_zero and value == 0:
        return True
    if spec.low is not None and (value < spec.low or (spec.exclusive_low and value == spec.low)):
        return False
    return spec.high is None or value <= spec.high


# --- the schema walk ----------------------------------------------------------------


@dataclass
class _Found:
    """An extension object met on the walk, for the semantic checks."""

    kind: str
    pointer: str
    value: dict[str, Any]
    siblings: dict[str, Any]


@dataclass
class _Walk:
    """Checks every object of the document against its table, one object at a time."""

    document: dict[str, Any]
    report: Reporter
    used: dict[str, str] = field(default_factory=dict)  # extension -> first pointer
    found: dict[str, list[_Found]] = field(default_factory=dict)
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
            where = f"{pointer}/{_escape(key)}"
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
            where = f"{pointer}/{_escape(name)}"
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
            self.found.setdefault(name, []).append(_Found(kind, where, element, value))
            nested.append((element, shape, where))

    def mismatch(self, value: Any, expected: str, pointer: str) -> None:
        self.report.error(
            "TYPE_MISMATCH",
            pointer,
            f"Type mismatch. Property value {_show(value)} is not {_article(expected)}.",
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
                    f"Value {_show(value)} does not match regexp pattern '{spec.pattern}'.",
                )
        elif kind in ("int", "index"):
            self.integer(value, spec, pointer)
        elif kind == "num":
            if not _is_number(value):
                self.mismatch(value, "number", pointer)
            elif not _in_range(value, spec):
                report.error(
                    "VALUE_NOT_IN_RANGE", pointer, f"Value {_show(value)} is out of range."
                )
        elif kind == "map":
            if not isinstance(value, dict):
                self.mismatch(value, "object", pointer)
            elif not value:
                report.error("EMPTY_ENTITY", pointer, "Entity cannot be empty.")
            else:
                assert spec.item is not None
                for key, element in value.items():
                    self.value(element, spec.item, f"{pointer}/{_escape(key)}", nested)
        elif kind == "array":
            self.array(value, spec, pointer, nested)

    def integer(self, value: Any, spec: Spec, pointer: str) -> None:
        report = self.report
        number = _as_int(value)
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
                    f"Unresolved reference: {_show(number)} (there is no "
                    f"{'/'.join(spec.target)} entry {_show(number)}).",
                )
        elif spec.choices:
            if number not in spec.choices:
                self.not_in_list(value, spec, pointer)
        elif not _in_range(number, spec):
            self.out_of_range(value, pointer)
        elif spec.multiple_of and number % spec.multiple_of:
            report.error(
                "VALUE_MULTIPLE_OF",
                pointer,
                f"Value {_show(value)} is not a multiple of {spec.multiple_of}.",
            )

    def out_of_range(self, value: Any, pointer: str) -> None:
        self.report.error("VALUE_NOT_IN_RANGE", pointer, f"Value {_show(value)} is out of range.")

    def not_in_list(self, value: Any, spec: Spec, pointer: str) -> None:
        valid = ", ".join(_show(c) for c in spec.choices)
        message = f"Invalid value {_show(value)}. Valid values are ({valid})."
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
                        f"Type mismatch. Array element {_show(element)} is not an object.",
                    )
                continue
            if item.kind == "num" and not _is_number(element):
                report.error(
                    "ARRAY_TYPE_MISMATCH",
                    where,
                    f"Type mismatch. Array element {_show(element)} is not a number.",
                )
                continue
            self.value(element, item, where, nested)
            if spec.unique and isinstance(element, str | int | float):
                if element in seen:
                    report.error("DUPLICATE_ELEMENTS", where, "Duplicate element.")
                seen.add(element)


def _article(noun: str) -> str:
    return f"an '{noun}'" if noun[0] in "aeiou" else f"a '{noun}'"


# --- the document, read safely for the semantic checks ------------------------------


@dataclass(frozen=True)
class _Accessor:
    type: str | None
    component: int | None
    normalized: bool
    count: int | None
    bounded: bool
    view: int | None

    def format(self) -> str:
        component = COMPONENT_TYPES.get(self.component or 0, str(self.component))
        return f"{{{self.type}, {component}{' normalized' if self.normalized else ''}}}"


def _read_accessor(value: Any) -> _Accessor:
    entry = _dict(value)
    kind = entry.get("type")
    return _Accessor(
        kind if isinstance(kind, str) and kind in ACCESSOR_TYPES else None,
        _as_int(entry.get("componentType")),
        entry.get("normalized") is True,
        _positive(entry.get("count")),
        isinstance(entry.get("min"), list) and isinstance(entry.get("max"), list),
        _as_int(entry.get("bufferView")),
    )


class _Doc:
    """Typed, total access to the parts of the document the semantic checks read."""

    def __init__(self, document: dict[str, Any], walk: _Walk) -> None:
        self.document = document
        self.walk = walk
        self.accessors = [_read_accessor(a) for a in _list(document.get("accessors"))]
        self.used = {e for e in _list(document.get("extensionsUsed")) if isinstance(e, str)}
        self._meshes: dict[int, tuple[int, bool]] = {}
        self._images: dict[int, str | None] = {}

    def entries(self, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, entry in enumerate(_list(self.document.get(key))):
            if isinstance(entry, dict):
                yield i, entry

    def get(self, key: str, ref: Any) -> dict[str, Any] | None:
        items = _list(self.document.get(key))
        n = _as_int(ref)
        if n is None or not 0 <= n < len(items) or not isinstance(items[n], dict):
            return None
        entry: dict[str, Any] = items[n]
        return entry

    def mesh(self, ref: Any) -> tuple[int, bool] | None:
        """The mesh's morph target count and whether it is skinned; cached, as a hostile
        file can point many nodes at one mesh with many primitives."""
        mesh = self.get("meshes", ref)
        if mesh is None:
            return None
        n = _as_int(ref) or 0
        if n not in self._meshes:
            self._meshes[n] = (_targets(mesh), _skinned(mesh))
        return self._meshes[n]

    def image_type(self, ref: Any) -> str | None:
        """The media type image ``ref`` declares (cached: its URI may be long)."""
        image = self.get("images", ref)
        if image is None:
            return None
        n = _as_int(ref) or 0
        if n not in self._images:
            self._images[n] = _image_type(image)
        return self._images[n]

    def accessor(self, ref: Any) -> _Accessor | None:
        n = _as_int(ref)
        if n is None or not 0 <= n < len(self.accessors):
            return None
        return self.accessors[n]


def _target_count(primitive: Any) -> int | None:
    """How many morph targets a primitive has; ``None`` when its ``targets`` is malformed
    (the schema walk reports it)."""
    targets = _dict(primitive).get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
        return None
    return len(targets)


def _targets(mesh: dict[str, Any] | None) -> int:
    """How many morph targets ``mesh`` has (its first primitive's, as the spec says)."""
    primitives = _list(_dict(mesh).get("primitives"))
    return (_target_count(primitives[0]) or 0) if primitives else 0


def _skinned(mesh: dict[str, Any]) -> bool:
    return any(
        "JOINTS_0" in _dict(_dict(p).get("attributes"))
        and "WEIGHTS_0" in _dict(_dict(p).get("attributes"))
        for p in _list(mesh.get("primitives"))
    )


# --- semantic checks ----------------------------------------------------------------

Check = Callable[[_Doc, Reporter], None]


def _check_extension_lists(doc: _Doc, report: Reporter) -> None:
    required = _list(doc.document.get("extensionsRequired"))
    for i, name in enumerate(required):
        if isinstance(name, str) and name not in doc.used:
            report.error(
                "UNUSED_EXTENSION_REQUIRED",
                f"/extensionsRequired/{i}",
                f"Unused extension {_show(name)} cannot be required; list it in extensionsUsed.",
            )
    for i, name in enumerate(_list(doc.document.get("extensionsUsed"))):
        if isinstance(name, str) and name in _MUST_BE_REQUIRED and name not in required:
            report.error(
                "NON_REQUIRED_EXTENSION",
                f"/extensionsUsed/{i}",
                f"Extension {_show(name)} cannot be optional; list it in extensionsRequired.",
            )
    for name, where in doc.walk.used.items():
        if name not in doc.used:
            report.error(
                "UNDECLARED_EXTENSION",
                where,
                f"Extension {_show(name)} is used but not declared in extensionsUsed.",
            )


def _check_asset(doc: _Doc, report: Reporter) -> None:
    asset = _dict(doc.document.get("asset"))
    pattern = re.compile(r"^([0-9]+)\.([0-9]+)$")
    version = asset.get("version")
    found = pattern.match(version) if isinstance(version, str) and len(version) <= 20 else None
    if found is None:
        return
    major, minor = int(found[1]), int(found[2])
    if major != 2:
        report.error(
            "UNKNOWN_ASSET_MAJOR_VERSION",
            "/asset/version",
            f"Unknown glTF major asset version: {major}; convert it to glTF 2.0.",
        )
    elif minor > 0:
        report.warning(
            "UNKNOWN_ASSET_MINOR_VERSION",
            "/asset/version",
            f"Unknown glTF minor asset version: {minor}.",
        )
    least = asset.get("minVersion")
    found_min = pattern.match(least) if isinstance(least, str) and len(least) <= 20 else None
    if found_min and (int(found_min[1]), int(found_min[2])) > (major, minor):
        report.error(
            "ASSET_MIN_VERSION_GREATER_THAN_VERSION",
            "/asset/minVersion",
            f"Asset minVersion {_show(least)} is greater than version {_show(version)}.",
        )


def _check_accessors(doc: _Doc, report: Reporter) -> None:
    for i, entry in doc.entries("accessors"):
        accessor = doc.accessors[i]
        base = f"/accessors/{i}"
        if accessor.normalized and accessor.component in (FLOAT, UINT):
            report.error(
                "ACCESSOR_NORMALIZED_INVALID",
                f"{base}/normalized",
                "Only (u)byte and (u)short accessors can be normalized.",
            )
        width = ACCESSOR_TYPES.get(accessor.type or "")
        for bound in ("min", "max"):
            values = entry.get(bound)
            if (
                width
                and isinstance(values, list)
                and 0 < len(values) <= 16
                and len(values) != width
            ):
                report.error(
                    "ARRAY_LENGTH_NOT_IN_LIST",
                    f"{base}/{bound}",
                    f"Invalid array length {len(values)}. Valid lengths are: ({width}), "
                    f"the components of a {accessor.type}.",
                )
        sparse = _as_int(_dict(entry.get("sparse")).get("count"))
        if sparse is not None and accessor.count is not None and sparse > accessor.count > 0:
            report.error(
                "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE",
                f"{base}/sparse",
                f"Sparse accessor overrides more elements ({_show(sparse)}) than the base accessor "
                f"contains ({_show(accessor.count)}).",
            )


def _check_buffer_views(doc: _Doc, report: Reporter) -> None:
    for i, view in doc.entries("bufferViews"):
        if "byteStride" in view and _as_int(view.get("target")) == 34963:
            report.error(
                "BUFFER_VIEW_INVALID_BYTE_STRIDE",
                f"/bufferViews/{i}/byteStride",
                "Only buffer views with raw vertex data can have byteStride.",
            )


def _check_cameras(doc: _Doc, report: Reporter) -> None:
    for i, camera in doc.entries("cameras"):
        base = f"/cameras/{i}"
        kind = camera.get("type")
        if kind in ("perspective", "orthographic"):
            other = "orthographic" if kind == "perspective" else "perspective"
            if kind not in camera:
                report.error("UNDEFINED_PROPERTY", base, f"Property '{kind}' must be defined.")
            elif other in camera:
                report.error(
                    "ONE_OF_MISMATCH",
                    base,
                    "Exactly one of ('orthographic', 'perspective') properties must be defined.",
                )
        ortho = _dict(camera.get("orthographic"))
        for side in ("xmag", "ymag"):
            value = ortho.get(side)
            if _is_number(value) and value == 0:
                report.error(
                    "CAMERA_XMAG_YMAG_ZERO",
                    f"{base}/orthographic/{side}",
                    "xmag and ymag must not be zero.",
                )
            elif _is_number(value) and value < 0:
                report.warning(
                    "CAMERA_XMAG_YMAG_NEGATIVE",
                    f"{base}/orthographic/{side}",
                    "xmag and ymag should not be negative.",
                )
        for projection in ("orthographic", "perspective"):
            section = _dict(camera.get(projection))
            near, far = section.get("znear"), section.get("zfar")
            if _is_number(near) and _is_number(far) and far <= near:
                report.error(
                    "CAMERA_ZFAR_LEQUAL_ZNEAR",
                    f"{base}/{projection}",
                    f"zfar must be greater than znear ({_show(far)} <= {_show(near)}).",
                )
        yfov = _dict(camera.get("perspective")).get("yfov")
        if _is_number(yfov) and yfov >= math.pi:
            report.warning(
                "CAMERA_YFOV_GEQUAL_PI", f"{base}/perspective/yfov", "yfov should be less than Pi."
            )


def _check_materials(doc: _Doc, report: Reporter) -> None:
    for i, material in doc.entries("materials"):
        if "alphaCutoff" in material and material.get("alphaMode") != "MASK":
            report.warning(
                "MATERIAL_ALPHA_CUTOFF_INVALID_MODE",
                f"/materials/{i}/alphaCutoff",
                "Alpha cutoff is supported only for 'MASK' alpha mode.",
            )


# Allowed accessor formats per attribute semantic: (type, componentType, normalized).
Format = tuple[str, int, bool]
_NORMALIZED_UNSIGNED = ((UBYTE, True), (USHORT, True))
_ATTRIBUTE_FORMATS: dict[str, set[Format]] = {
    "POSITION": {("VEC3", FLOAT, False)},
    "NORMAL": {("VEC3", FLOAT, False)},
    "TANGENT": {("VEC4", FLOAT, False)},
    "TEXCOORD": {("VEC2", FLOAT, False)} | {("VEC2", c, n) for c, n in _NORMALIZED_UNSIGNED},
    "COLOR": {(t, FLOAT, False) for t in ("VEC3", "VEC4")}
    | {(t, c, n) for t in ("VEC3", "VEC4") for c, n in _NORMALIZED_UNSIGNED},
    "JOINTS": {("VEC4", UBYTE, False), ("VEC4", USHORT, False)},
    "WEIGHTS": {("VEC4", FLOAT, False)} | {("VEC4", c, n) for c, n in _NORMALIZED_UNSIGNED},
}
_INTEGERS = {(c, n) for c in (BYTE, UBYTE, SHORT, USHORT) for n in (False, True)}
_QUANTIZED: dict[str, set[Format]] = {
    "POSITION": {("VEC3", c, n) for c, n in _INTEGERS},
    "NORMAL": {("VEC3", BYTE, True), ("VEC3", SHORT, True)},
    "TANGENT": {("VEC4", BYTE, True), ("VEC4", SHORT, True)},
    "TEXCOORD": {("VEC2", c, n) for c, n in _INTEGERS},
}
_SIGNED_NORMALIZED = {(BYTE, True), (SHORT, True)}
_MORPH_FORMATS: dict[str, set[Format]] = {
    "POSITION": {("VEC3", FLOAT, False)},
    "NORMAL": {("VEC3", FLOAT, False)},
    "TANGENT": {("VEC3", FLOAT, False)},
    "TEXCOORD": {("VEC2", c, n) for c, n in {(FLOAT, False), *_SIGNED_NORMALIZED}}
    | {("VEC2", c, n) for c, n in _NORMALIZED_UNSIGNED},
    "COLOR": {(t, c, n) for t in ("VEC3", "VEC4") for c, n in {(FLOAT, False), *_INTEGERS}},
}
_MORPH_QUANTIZED: dict[str, set[Format]] = {
    "POSITION": {("VEC3", c, n) for c in (BYTE, SHORT) for n in (False, True)},
    "NORMAL": {("VEC3", c, n) for c, n in _SIGNED_NORMALIZED},
    "TANGENT": {("VEC3", c, n) for c, n in _SIGNED_NORMALIZED},
    "TEXCOORD": {("VEC2", c, n) for c, n in _INTEGERS},
}
_SEMANTIC = re.compile(
    r"(POSITION|NORMAL|TANGENT|(TEXCOORD|COLOR|JOINTS|WEIGHTS)_(0|[1-9]\d{0,8}))"
)
_MORPH_SEMANTIC = re.compile(r"(POSITION|NORMAL|TANGENT|(TEXCOORD|COLOR)_(0|[1-9]\d{0,8}))")
_INDEX_FORMATS = {("SCALAR", c, False) for c in (UBYTE, USHORT, UINT)}


def _allowed(semantic: str, table: dict[str, set[Format]], extra: dict[str, set[Format]]) -> str:
    return ", ".join(
        sorted(
            f"{{{t}, {COMPONENT_TYPES[c]}{' normalized' if n else ''}}}"
            for t, c, n in table[semantic] | extra.get(semantic, set())
        )
    )


@dataclass
class _Primitive:
    """What the mesh checks need to share across one primitive's attributes."""

    doc: _Doc
    report: Reporter
    usage: dict[int, str]
    quantized: bool

    def use(self, accessor: _Accessor, kind: str, where: str) -> None:
        """Record ``kind`` use of the accessor's buffer view; a second kind is an error."""
        view = accessor.view
        if view is None:
            return
        before = self.usage.setdefault(view, kind)
        if before != kind:
            self.report.error(
                "BUFFER_VIEW_TARGET_OVERRIDE",
                where,
                "Override of previously set bufferView target or usage. "
                f"Initial: '{before}', new: '{kind}'.",
            )

    def attribute(self, name: str, accessor: _Accessor, where: str, *, morph: bool) -> None:
        report = self.report
        if name.startswith("_"):
            if accessor.component == UINT:
                report.error(
                    "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_UNSIGNED_INT",
                    where,
                    "Mesh attributes cannot use UNSIGNED_INT component type.",
                )
            return
        semantic = name.split("_")[0]
        table, extra = (
            (_MORPH_FORMATS, _MORPH_QUANTIZED) if morph else (_ATTRIBUTE_FORMATS, _QUANTIZED)
        )
        allowed = table[semantic] | (extra.get(semantic, set()) if self.quantized else set())
        if accessor.type is None or accessor.component is None:
            return  # the accessor's own schema errors say why
        if (accessor.type, accessor.component, accessor.normalized) not in allowed:
            shown = _allowed(semantic, table, extra if self.quantized else {})
            report.error(
                "MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT",
                where,
                f"Invalid accessor format '{accessor.format()}' for this attribute semantic. "
                f"Must be one of ({shown}).",
            )


def _check_attribute_sets(attributes: dict[str, Any], base: str, report: Reporter) -> None:
    """Continuity of TEXCOORD_n and friends, JOINTS against WEIGHTS, POSITION and NORMAL."""
    sets: dict[str, set[int]] = {}
    for name in attributes:
        found = _SEMANTIC.fullmatch(name)
        if found and found[2]:
            sets.setdefault(found[2], set()).add(int(found[3]))
    for semantic, numbers in sets.items():
        if numbers != set(range(len(numbers))):
            report.error(
                "MESH_PRIMITIVE_INDEXED_SEMANTIC_CONTINUITY",
                f"{base}/attributes",
                f"Indices for indexed attribute semantic '{semantic}' must start with 0 and be "
                f"continuous. Total expected indices: {max(numbers) + 1}, "
                f"total provided indices: {len(numbers)}.",
            )
    joints, weights = len(sets.get("JOINTS", ())), len(sets.get("WEIGHTS", ()))
    if joints != weights:
        report.error(
            "MESH_PRIMITIVE_JOINTS_WEIGHTS_MISMATCH",
            f"{base}/attributes",
            f"Number of JOINTS attribute semantics ({joints}) does not match the number of "
            f"WEIGHTS ({weights}).",
        )
    if "POSITION" not in attributes:
        report.warning(
            "MESH_PRIMITIVE_NO_POSITION", f"{base}/attributes", "No POSITION attribute found."
        )
    if "TANGENT" in attributes and "NORMAL" not in attributes:
        report.warning(
            "MESH_PRIMITIVE_TANGENT_WITHOUT_NORMAL",
            f"{base}/attributes/TANGENT",
            "TANGENT attribute without NORMAL found.",
        )


def _check_primitive(check: _Primitive, primitive: dict[str, Any], base: str) -> None:
    doc, report = check.doc, check.report
    attributes = _dict(primitive.get("attributes"))
    counts: dict[str, int | None] = {}
    first_count: int | None = None
    for name, ref in attributes.items():
        where = f"{base}/attributes/{_escape(name)}"
        if not name.startswith("_") and not _SEMANTIC.fullmatch(name):
            report.error("MESH_PRIMITIVE_INVALID_ATTRIBUTE", where, "Invalid attribute name.")
            continue
        accessor = doc.accessor(ref)
        if accessor is None:
            continue
        check.attribute(name, accessor, where, morph=False)
        counts[name] = accessor.count
        if first_count is None:
            first_count = accessor.count
        elif accessor.count is not None and accessor.count != first_count:
            report.error(
                "MESH_PRIMITIVE_UNEQUAL_ACCESSOR_COUNT",
                where,
                "All accessors of the same primitive must have the same count "
                f"({_show(accessor.count)} here, {_show(first_count)} before).",
            )
        check.use(accessor, "VertexBuffer", where)
    if attributes:
        _check_attribute_sets(attributes, base, report)
    indices = doc.accessor(primitive.get("indices"))
    if indices is not None:
        where = f"{base}/indices"
        shape = (indices.type, indices.component, indices.normalized)
        if None not in shape[:2] and shape not in _INDEX_FORMATS:
            report.error(
                "MESH_PRIMITIVE_INDICES_ACCESSOR_INVALID_FORMAT",
                where,
                f"Invalid indices accessor format '{indices.format()}'. Must be one of "
                "('{SCALAR, UNSIGNED_BYTE}', '{SCALAR, UNSIGNED_SHORT}', "
                "'{SCALAR, UNSIGNED_INT}').",
            )
        check.use(indices, "IndexBuffer", where)
    for t, target in enumerate(_list(primitive.get("targets"))):
        for name, ref in _dict(target).items():
            where = f"{base}/targets/{t}/{_escape(name)}"
            if not name.startswith("_") and not _MORPH_SEMANTIC.fullmatch(name):
                report.error("MESH_PRIMITIVE_INVALID_ATTRIBUTE", where, "Invalid attribute name.")
                continue
            accessor = doc.accessor(ref)
            if accessor is None:
                continue
            check.attribute(name, accessor, where, morph=True)
            if name not in attributes:
                report.error(
                    "MESH_PRIMITIVE_MORPH_TARGET_NO_BASE_ACCESSOR",
                    where,
                    "The mesh primitive does not define this attribute semantic.",
                )
            elif None not in (counts.get(name), accessor.count) and (
                counts.get(name) != accessor.count
            ):
                report.error(
                    "MESH_PRIMITIVE_MORPH_TARGET_INVALID_ATTRIBUTE_COUNT",
                    where,
                    f"Base accessor has different count ({_show(counts.get(name))}, "
                    f"the target's is {_show(accessor.count)}).",
                )
            check.use(accessor, "VertexBuffer", where)


def _check_tangent_space(doc: _Doc, primitive: dict[str, Any], base: str, report: Reporter) -> None:
    """Anisotropy and a clearcoat normal map need a tangent space: TANGENT data, or a
    normal map whose texture coordinates can generate one (MikkTSpace)."""
    material = doc.get("materials", primitive.get("material"))
    if material is None or "TANGENT" in _dict(primitive.get("attributes")):
        return
    extensions = _dict(material.get("extensions"))
    needs = "KHR_materials_anisotropy" in extensions or "clearcoatNormalTexture" in _dict(
        extensions.get("KHR_materials_clearcoat")
    )
    if needs and "normalTexture" not in material:
        report.error(
            "MESH_PRIMITIVE_NO_TANGENT_SPACE",
            f"{base}/material",
            "Material requires a tangent space but the mesh primitive does not provide it "
            "and the material does not contain a normal map to generate it.",
        )


def _check_meshes(doc: _Doc, report: Reporter) -> None:
    usage: dict[int, str] = {}
    for i, view in doc.entries("bufferViews"):
        target = _as_int(view.get("target"))
        if target in (34962, 34963):
            usage[i] = "VertexBuffer" if target == 34962 else "IndexBuffer"
    check = _Primitive(doc, report, usage, "KHR_mesh_quantization" in doc.used)
    for m, mesh in doc.entries("meshes"):
        primitives = _list(mesh.get("primitives"))
        expected = _target_count(primitives[0]) if primitives else None
        for p, primitive in enumerate(primitives):
            if not isinstance(primitive, dict):
                continue
            base = f"/meshes/{m}/primitives/{p}"
            _check_primitive(check, primitive, base)
            _check_tangent_space(doc, primitive, base, report)
            count = _target_count(primitive)
            if p > 0 and None not in (count, expected) and count != expected:
                report.error(
                    "MESH_PRIMITIVES_UNEQUAL_TARGETS_COUNT",
                    f"{base}/targets" if "targets" in primitive else base,
                    "All primitives must have the same number of morph targets "
                    f"({count} here, {expected} in the first).",
                )
        weights = mesh.get("weights")
        if (
            isinstance(weights, list)
            and weights
            and expected is not None
            and (len(weights) != expected)
        ):
            report.error(
                "MESH_INVALID_WEIGHTS_COUNT",
                f"/meshes/{m}/weights",
                f"The length of weights array ({len(weights)}) does not match the number of "
                f"morph targets ({expected}).",
            )


def _decomposable(m: list[float]) -> bool:
    """Whether a column-major 4x4 matrix is a translation, rotation and scale (no skew,
    no projection)."""
    if (m[3], m[7], m[11], m[15]) != (0.0, 0.0, 0.0, 1.0):
        return False
    columns = (m[0:3], m[4:7], m[8:11])
    lengths = [math.hypot(*c) for c in columns]
    for a, b in ((0, 1), (0, 2), (1, 2)):
        dot = sum(x * y for x, y in zip(columns[a], columns[b], strict=True))
        if abs(dot) > 1e-3 * lengths[a] * lengths[b]:
            return False
    return True


_IDENTITY = [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0]


def _check_nodes(doc: _Doc, report: Reporter) -> None:
    for i, node in doc.entries("nodes"):
        base = f"/nodes/{i}"
        if "matrix" in node and any(k in node for k in _TRS):
            report.error(
                "NODE_MATRIX_TRS",
                f"{base}/matrix",
                "A node can have either a matrix or any combination of "
                "translation/rotation/scale (TRS) properties.",
            )
        matrix = _finite_numbers(node.get("matrix"), 16)
        if matrix == _IDENTITY:
            report.info(
                "NODE_MATRIX_DEFAULT", f"{base}/matrix", "Do not specify default transform matrix."
            )
        elif matrix is not None and not _decomposable(matrix):
            report.error(
                "NODE_MATRIX_NON_TRS", f"{base}/matrix", "Matrix must be decomposable to TRS."
            )
        rotation = _finite_numbers(node.get("rotation"), 4)
        if rotation and abs(math.hypot(*rotation) - 1.0) > _UNIT_QUATERNION_TOLERANCE:
            report.error(
                "ROTATION_NON_UNIT",
                f"{base}/rotation",
                "Rotation quaternion must be normalized "
                f"(its length is {math.hypot(*rotation):.4g}).",
            )
        facts = doc.mesh(node.get("mesh"))
        if facts is None:
            continue
        targets, skinned = facts
        if "skin" in node and not skinned:
            report.error(
                "NODE_SKIN_WITH_NON_SKINNED_MESH",
                base,
                "Node has skin defined, but mesh has no joints data.",
            )
        elif skinned and "skin" not in node:
            report.warning(
                "NODE_SKINNED_MESH_WITHOUT_SKIN",
                base,
                "Node uses skinned mesh, but has no skin defined.",
            )
        weights = node.get("weights")
        if isinstance(weights, list) and weights and len(weights) != targets:
            report.error(
                "NODE_WEIGHTS_INVALID",
                f"{base}/weights",
                f"The length of weights array ({len(weights)}) does not match the number of "
                f"morph targets ({targets}).",
            )


@dataclass(frozen=True)
class _Forest:
    """The node trees (each node's first parent), with entry and exit times of one
    depth-first traversal, so 'is an ancestor of' costs O(1); nodes in loops have none."""

    tree: list[int]
    enter: list[int]
    leave: list[int]

    @classmethod
    def of(cls, nodes: list[Any]) -> _Forest:
        n = len(nodes)
        parent = [-1] * n
        children: list[list[int]] = [[] for _ in range(n)]
        for i, node in enumerate(nodes):
            for ref in _list(_dict(node).get("children")):
                child = _as_int(ref)
                if child is not None and 0 <= child < n and child != i and parent[child] < 0:
                    parent[child] = i
                    children[i].append(child)
        tree, enter, leave = [-1] * n, [-1] * n, [-1] * n
        clock = 0
        for root in (i for i in range(n) if parent[i] < 0):
            tree[root], enter[root] = root, clock
            clock += 1
            stack = [(root, 0)]
            while stack:
                node, k = stack[-1]
                if k < len(children[node]):
                    stack[-1] = (node, k + 1)
                    child = children[node][k]
                    tree[child], enter[child] = root, clock
                    clock += 1
                    stack.append((child, 0))
                else:
                    stack.pop()
                    leave[node] = clock
                    clock += 1
        return cls(tree, enter, leave)

    def contains(self, ancestor: int, node: int) -> bool:
        return (
            self.enter[ancestor] >= 0
            and self.enter[ancestor] <= self.enter[node]
            and self.leave[node] <= self.leave[ancestor]
        )


def _check_skins(doc: _Doc, report: Reporter) -> None:
    nodes = _list(doc.document.get("nodes"))
    forest: _Forest | None = None
    for i, skin in doc.entries("skins"):
        base = f"/skins/{i}"
        joints = _list(skin.get("joints"))
        ibm = doc.accessor(skin.get("inverseBindMatrices"))
        if ibm is not None:
            where = f"{base}/inverseBindMatrices"
            if (
                ibm.type is not None
                and ibm.component is not None
                and ((ibm.type, ibm.component, ibm.normalized) != ("MAT4", FLOAT, False))
            ):
                report.error(
                    "SKIN_IBM_INVALID_FORMAT",
                    where,
                    f"Invalid IBM accessor format '{ibm.format()}'. Must be one of "
                    "('{MAT4, FLOAT}').",
                )
            if ibm.count is not None and ibm.count < len(joints):
                report.error(
                    "INVALID_IBM_ACCESSOR_COUNT",
                    where,
                    f"IBM accessor must have at least {len(joints)} elements. "
                    f"Found {_show(ibm.count)}.",
                )
        if not joints:
            continue
        forest = forest or _Forest.of(nodes)
        refs = [_as_int(j) for j in joints]
        found = [j for j in refs if j is not None and 0 <= j < len(nodes)]
        trees = {forest.tree[j] for j in found}
        if len(found) < len(refs) or len(trees) != 1 or -1 in trees:
            report.error(
                "SKIN_NO_COMMON_ROOT", f"{base}/joints", "Joints do not have a common root."
            )
            continue
        skeleton = _as_int(skin.get("skeleton"))
        if (
            skeleton is not None
            and 0 <= skeleton < len(nodes)
            and not all(forest.contains(skeleton, j) for j in found)
        ):
            report.error(
                "SKIN_SKELETON_INVALID",
                f"{base}/skeleton",
                "Skeleton node is not a common root of the joints.",
            )


_INTEGER_TYPES = (BYTE, UBYTE, SHORT, USHORT)
_OUTPUT_FORMATS: dict[str, set[Format]] = {
    "translation": {("VEC3", FLOAT, False)},
    "scale": {("VEC3", FLOAT, False)},
    "rotation": {("VEC4", FLOAT, False)}
    | {("VEC4", c, True) for c in (BYTE, UBYTE, SHORT, USHORT)},
    "weights": {("SCALAR", FLOAT, False)}
    | {("SCALAR", c, True) for c in (BYTE, UBYTE, SHORT, USHORT)},
}


def _check_sampler(doc: _Doc, sampler: dict[str, Any], base: str, report: Reporter) -> None:
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
            f"at least 2 elements. Got {_show(source.count)}.",
        )


def _check_channel_output(
    doc: _Doc,
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
        targets = (doc.mesh(_dict(node).get("mesh")) or (0, False))[0]
        if not targets:
            return
        expected *= targets
    if output.count != expected:
        report.error(
            "ANIMATION_SAMPLER_OUTPUT_ACCESSOR_INVALID_COUNT",
            where[0],
            f"Animation sampler output accessor of count {_show(expected)} expected. "
            f"Found {_show(output.count)}.",
        )


def _check_animations(doc: _Doc, report: Reporter) -> None:
    for a, animation in doc.entries("animations"):
        samplers = _list(animation.get("samplers"))
        for n, sampler in enumerate(samplers):
            if isinstance(sampler, dict):
                _check_sampler(doc, sampler, f"/animations/{a}/samplers/{n}", report)
        targets: dict[tuple[Any, str], int] = {}
        for c, channel in enumerate(_list(animation.get("channels"))):
            base = f"/animations/{a}/channels/{c}"
            channel = _dict(channel)
            s = _as_int(channel.get("sampler"))
            if s is not None and s < 0:
                report.error(
                    "INVALID_INDEX", f"{base}/sampler", "Index must be a non-negative integer."
                )
            elif s is not None and s >= len(samplers):
                report.error(
                    "UNRESOLVED_REFERENCE",
                    f"{base}/sampler",
                    f"Unresolved reference: {_show(s)} (the animation has {len(samplers)} "
                    "samplers).",
                )
            target = _dict(channel.get("target"))
            path = target.get("path")
            pointer = _dict(_dict(target.get("extensions")).get("KHR_animation_pointer"))
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
            node_ref = _as_int(target.get("node"))
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
            if node is not None and path in _TRS and "matrix" in node:
                report.error(
                    "ANIMATION_CHANNEL_TARGET_NODE_MATRIX",
                    f"{base}/target/path",
                    "Animation channel cannot target TRS properties of a node with defined matrix.",
                )
            sampler = _dict(samplers[s]) if s is not None and 0 <= s < len(samplers) else None
            if sampler and isinstance(path, str) and path in _OUTPUT_FORMATS and not pointer:
                where = (f"{base}/sampler", f"/animations/{a}/samplers/{s}/output")
                _check_channel_output(doc, sampler, path, node, where, report)


_SUFFIX_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ktx2": "image/ktx2",
}


def _image_type(image: dict[str, Any]) -> str | None:
    """The media type an image declares: its mimeType, or its data URI's, or its suffix."""
    declared = image.get("mimeType")
    if isinstance(declared, str):
        return declared
    uri = image.get("uri")
    if not isinstance(uri, str):
        return None
    if uri[:5].lower() == "data:":
        return uri[5:64].split(";", 1)[0].split(",", 1)[0].strip().lower() or None
    path = uri.split("?", 1)[0].split("#", 1)[0].lower()
    return next((t for s, t in _SUFFIX_TYPES.items() if path.endswith(s)), None)


def _check_textures(doc: _Doc, report: Reporter) -> None:
    for i, texture in doc.entries("textures"):
        extensions = _dict(texture.get("extensions"))
        for where, source, valid in (
            (f"/textures/{i}/source", texture.get("source"), ("image/jpeg", "image/png")),
            (
                f"/textures/{i}/extensions/EXT_texture_webp/source",
                _dict(extensions.get("EXT_texture_webp")).get("source"),
                ("image/webp",),
            ),
            (
                f"/textures/{i}/extensions/KHR_texture_basisu/source",
                _dict(extensions.get("KHR_texture_basisu")).get("source"),
                ("image/ktx2",),
            ),
        ):
            kind = doc.image_type(source)
            if kind is not None and kind not in valid:
                shown = ", ".join(f"'{v}'" for v in valid)
                report.error(
                    "TEXTURE_INVALID_IMAGE_MIME_TYPE",
                    where,
                    f"Invalid MIME type {_show(kind)} for the texture source. "
                    f"Valid MIME types are ({shown}).",
                )


def _check_extension_objects(doc: _Doc, report: Reporter) -> None:
    """The JSON rules of the KHR_* extensions that span more than one object."""
    found = doc.walk.found
    root = _dict(doc.document.get("extensions"))
    for entry in found.get("KHR_lights_punctual", []):
        if entry.kind == "node" and not isinstance(root.get("KHR_lights_punctual"), dict):
            report.error(
                "UNSATISFIED_DEPENDENCY",
                entry.pointer,
                "Dependency failed. '/extensions/KHR_lights_punctual' must be defined.",
            )
        for n, light in enumerate(_list(entry.value.get("lights")) if entry.kind == "gltf" else []):
            _check_light(_dict(light), f"{entry.pointer}/lights/{n}", report)
    for entry in found.get("KHR_materials_variants", []):
        if entry.kind == "primitive" and not isinstance(root.get("KHR_materials_variants"), dict):
            for n, _ in enumerate(_list(entry.value.get("mappings"))):
                report.error(
                    "UNSATISFIED_DEPENDENCY",
                    f"{entry.pointer}/mappings/{n}",
                    "Dependency failed. '/extensions/KHR_materials_variants' must be defined.",
                )
    for entry in found.get("KHR_materials_volume", []):
        if not any(
            k in entry.siblings
            for k in ("KHR_materials_transmission", "KHR_materials_diffuse_transmission")
        ):
            report.warning(
                "KHR_MATERIALS_VOLUME_NO_TRANSMISSION",
                entry.pointer,
                "The volume extension needs to be combined with an extension that allows light "
                "to transmit through the surface.",
            )


def _check_light(light: dict[str, Any], pointer: str, report: Reporter) -> None:
    kind = light.get("type")
    if kind == "spot" and "spot" not in light:
        report.error("UNDEFINED_PROPERTY", pointer, "Property 'spot' must be defined.")
    elif kind in ("directional", "point") and "spot" in light:
        report.info(
            "EXTRA_PROPERTY",
            f"{pointer}/spot",
            "This property should not be defined as it will not be used.",
        )
    spot = _dict(light.get("spot"))
    inner, outer = spot.get("innerConeAngle", 0.0), spot.get("outerConeAngle", math.pi / 4)
    if _is_number(inner) and _is_number(outer) and outer <= inner:
        report.error(
            "KHR_LIGHTS_PUNCTUAL_LIGHT_SPOT_ANGLES",
            f"{pointer}/spot",
            f"outerConeAngle ({_show(outer)}) is less than or equal to innerConeAngle "
            f"({_show(inner)}).",
        )


_SEMANTICS: tuple[Check, ...] = (
    _check_extension_lists,
    _check_asset,
    _check_accessors,
    _check_buffer_views,
    _check_cameras,
    _check_materials,
    _check_meshes,
    _check_nodes,
    _check_skins,
    _check_animations,
    _check_textures,
    _check_extension_objects,
)


def check_rules(document: dict[str, Any], report: Reporter) -> None:
    """Report every rule of the glTF 2.0 schema and spec that ``document`` breaks and
    that can be seen in its JSON alone; never raises, whatever the JSON holds."""
    if not isinstance(document, dict):
        report.error(
            "TYPE_MISMATCH",
            "",
            f"Type mismatch. The glTF JSON is {_show(document)}, not an object.",
        )
        return
    walk = _Walk(document, report)
    walk.run()
    doc = _Doc(document, walk)
    for check in _SEMANTICS:
        check(doc, report)
