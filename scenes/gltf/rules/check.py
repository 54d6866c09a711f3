"""Rule checks on a glTF's JSON: the glTF 2.0 schema and the spec's JSON-only rules.

The gate runs these first, on the parsed JSON, before anything reads a buffer.  Codes,
severities and JSON pointers (RFC 6901) follow the Khronos glTF-Validator where the two
overlap (``TYPE_MISMATCH``, ``UNDEFINED_PROPERTY``, ``UNRESOLVED_REFERENCE``,
``MESH_PRIMITIVE_ATTRIBUTES_ACCESSOR_INVALID_FORMAT``...), so a technician can compare
our report with theirs.

The document may be hostile: any property can hold any JSON value.  The schema walk
(:mod:`.schema_walk`) checks every object against :mod:`.schema_table`; the semantic
rules follow, one module per kind of object (:mod:`.assets`, :mod:`.meshes`,
:mod:`.nodes`, :mod:`.animations`), each using sets and at most one tree traversal, so
the cost stays linear in the size of the document.  Checks that read binary data (ranges,
alignment, values) are :mod:`~museion.scenes.gltf.accessors`'s; children of nodes and
roots of scenes are resolved by :mod:`~museion.scenes.gltf.structure`.
"""

from __future__ import annotations

from typing import Any

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.rules.animations import check_animations
from museion.scenes.gltf.rules.assets import (
    check_accessors,
    check_asset,
    check_buffer_views,
    check_cameras,
    check_extension_lists,
    check_extension_objects,
    check_materials,
    check_textures,
)
from museion.scenes.gltf.rules.document import Check, RuleDocument
from museion.scenes.gltf.rules.meshes import check_meshes
from museion.scenes.gltf.rules.nodes import check_nodes, check_skins
from museion.scenes.gltf.rules.schema_walk import SchemaWalk
from museion.scenes.gltf.rules.values import show

__all__ = ["check_rules"]

_SEMANTICS: tuple[Check, ...] = (
    check_extension_lists,
    check_asset,
    check_accessors,
    check_buffer_views,
    check_cameras,
    check_materials,
    check_meshes,
    check_nodes,
    check_skins,
    check_animations,
    check_textures,
    check_extension_objects,
)


def check_rules(document: dict[str, Any], report: Reporter) -> None:
    """Report every rule of the glTF 2.0 schema and spec that ``document`` breaks and
    that can be seen in its JSON alone; never raises, whatever the JSON holds."""
    if not isinstance(document, dict):
        report.error(
            "TYPE_MISMATCH",
            "",
            f"Type mismatch. The glTF JSON is {show(document)}, not an object.",
        )
        return
    walk = SchemaWalk(document, report)
    walk.run()
    doc = RuleDocument(document, walk)
    for check in _SEMANTICS:
        check(doc, report)
