"""The semantic rules of meshes and their primitives: attribute names and accessor formats
(with ``KHR_mesh_quantization``), equal counts, morph targets, indices, bufferView usage
and the tangent space a material needs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.rules.document import (
    BYTE,
    FLOAT,
    SHORT,
    UBYTE,
    UINT,
    USHORT,
    AccessorFacts,
    Format,
    RuleDocument,
    target_count,
)
from museion.scenes.gltf.rules.schema_table import (
    COMPONENT_TYPES,
)
from museion.scenes.gltf.rules.values import (
    as_dict,
    as_int,
    as_list,
    escape,
    show,
)

__all__ = ["check_meshes"]

# Allowed accessor formats per attribute semantic: (type, componentType, normalized).
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

    doc: RuleDocument
    report: Reporter
    usage: dict[int, str]
    quantized: bool

    def use(self, accessor: AccessorFacts, kind: str, where: str) -> None:
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

    def attribute(self, name: str, accessor: AccessorFacts, where: str, *, morph: bool) -> None:
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


def _attribute(
    check: _Primitive, name: str, ref: Any, where: str, morph: bool
) -> AccessorFacts | None:
    """The accessor of a primitive's (or a morph target's) attribute ``name``, checked;
    None when the name is invalid (reported here) or the accessor is missing."""
    semantic = _MORPH_SEMANTIC if morph else _SEMANTIC
    if not name.startswith("_") and not semantic.fullmatch(name):
        check.report.error("MESH_PRIMITIVE_INVALID_ATTRIBUTE", where, "Invalid attribute name.")
        return None
    accessor = check.doc.accessor(ref)
    if accessor is not None:
        check.attribute(name, accessor, where, morph=morph)
    return accessor


def _check_primitive(check: _Primitive, primitive: dict[str, Any], base: str) -> None:
    doc, report = check.doc, check.report
    attributes = as_dict(primitive.get("attributes"))
    counts: dict[str, int | None] = {}
    first_count: int | None = None
    for name, ref in attributes.items():
        where = f"{base}/attributes/{escape(name)}"
        accessor = _attribute(check, name, ref, where, morph=False)
        if accessor is None:
            continue
        counts[name] = accessor.count
        if first_count is None:
            first_count = accessor.count
        elif accessor.count is not None and accessor.count != first_count:
            report.error(
                "MESH_PRIMITIVE_UNEQUAL_ACCESSOR_COUNT",
                where,
                "All accessors of the same primitive must have the same count "
                f"({show(accessor.count)} here, {show(first_count)} before).",
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
    for t, target in enumerate(as_list(primitive.get("targets"))):
        for name, ref in as_dict(target).items():
            where = f"{base}/targets/{t}/{escape(name)}"
            accessor = _attribute(check, name, ref, where, morph=True)
            if accessor is None:
                continue
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
                    f"Base accessor has different count ({show(counts.get(name))}, "
                    f"the target's is {show(accessor.count)}).",
                )
            check.use(accessor, "VertexBuffer", where)


def _check_tangent_space(
    doc: RuleDocument, primitive: dict[str, Any], base: str, report: Reporter
) -> None:
    """Anisotropy and a clearcoat normal map need a tangent space: TANGENT data, or a
    normal map whose texture coordinates can generate one (MikkTSpace)."""
    material = doc.get("materials", primitive.get("material"))
    if material is None or "TANGENT" in as_dict(primitive.get("attributes")):
        return
    extensions = as_dict(material.get("extensions"))
    needs = "KHR_materials_anisotropy" in extensions or "clearcoatNormalTexture" in as_dict(
        extensions.get("KHR_materials_clearcoat")
    )
    if needs and "normalTexture" not in material:
        report.error(
            "MESH_PRIMITIVE_NO_TANGENT_SPACE",
            f"{base}/material",
            "Material requires a tangent space but the mesh primitive does not provide it "
            "and the material does not contain a normal map to generate it.",
        )


def check_meshes(doc: RuleDocument, report: Reporter) -> None:
    usage: dict[int, str] = {}
    for i, view in doc.entries("bufferViews"):
        target = as_int(view.get("target"))
        if target in (34962, 34963):
            usage[i] = "VertexBuffer" if target == 34962 else "IndexBuffer"
    check = _Primitive(doc, report, usage, "KHR_mesh_quantization" in doc.used)
    for m, mesh in doc.entries("meshes"):
        primitives = as_list(mesh.get("primitives"))
        expected = target_count(primitives[0]) if primitives else None
        for p, primitive in enumerate(primitives):
            if not isinstance(primitive, dict):
                continue
            base = f"/meshes/{m}/primitives/{p}"
            _check_primitive(check, primitive, base)
            _check_tangent_space(doc, primitive, base, report)
            count = target_count(primitive)
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
