"""The document as the semantic rules read it: typed, total access to accessors, meshes
and images, each read once (a hostile file can point many objects at one large entry)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from museion.scenes.gltf.report import Reporter
from museion.scenes.gltf.rules.schema_table import (
    ACCESSOR_TYPES,
    COMPONENT_TYPES,
)
from museion.scenes.gltf.rules.schema_walk import SchemaWalk
from museion.scenes.gltf.rules.values import (
    as_dict,
    as_int,
    as_list,
    positive,
)

__all__ = [
    "BYTE",
    "FLOAT",
    "SHORT",
    "TRS",
    "UBYTE",
    "UINT",
    "USHORT",
    "AccessorFacts",
    "Check",
    "Format",
    "RuleDocument",
    "target_count",
]

BYTE, UBYTE, SHORT, USHORT, UINT, FLOAT = 5120, 5121, 5122, 5123, 5125, 5126
TRS = ("translation", "rotation", "scale")
# An accessor format: (type, componentType, normalized).
Format = tuple[str, int, bool]


@dataclass(frozen=True)
class AccessorFacts:
    type: str | None
    component: int | None
    normalized: bool
    count: int | None
    bounded: bool
    view: int | None

    def format(self) -> str:
        component = COMPONENT_TYPES.get(self.component or 0, str(self.component))
        return f"{{{self.type}, {component}{' normalized' if self.normalized else ''}}}"


def accessor_facts(value: Any) -> AccessorFacts:
    entry = as_dict(value)
    kind = entry.get("type")
    return AccessorFacts(
        kind if isinstance(kind, str) and kind in ACCESSOR_TYPES else None,
        as_int(entry.get("componentType")),
        entry.get("normalized") is True,
        positive(entry.get("count")),
        isinstance(entry.get("min"), list) and isinstance(entry.get("max"), list),
        as_int(entry.get("bufferView")),
    )


class RuleDocument:
    """Typed, total access to the parts of the document the semantic checks read."""

    def __init__(self, document: dict[str, Any], walk: SchemaWalk) -> None:
        self.document = document
        self.walk = walk
        self.accessors = [accessor_facts(a) for a in as_list(document.get("accessors"))]
        self.used = {e for e in as_list(document.get("extensionsUsed")) if isinstance(e, str)}
        self._meshes: dict[int, tuple[int, bool]] = {}
        self._images: dict[int, str | None] = {}

    def entries(self, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, entry in enumerate(as_list(self.document.get(key))):
            if isinstance(entry, dict):
                yield i, entry

    def get(self, key: str, ref: Any) -> dict[str, Any] | None:
        items = as_list(self.document.get(key))
        n = as_int(ref)
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
        n = as_int(ref) or 0
        if n not in self._meshes:
            self._meshes[n] = (_targets(mesh), _skinned(mesh))
        return self._meshes[n]

    def image_type(self, ref: Any) -> str | None:
        """The media type image ``ref`` declares (cached: its URI may be long)."""
        image = self.get("images", ref)
        if image is None:
            return None
        n = as_int(ref) or 0
        if n not in self._images:
            self._images[n] = _image_type(image)
        return self._images[n]

    def accessor(self, ref: Any) -> AccessorFacts | None:
        n = as_int(ref)
        if n is None or not 0 <= n < len(self.accessors):
            return None
        return self.accessors[n]


def target_count(primitive: Any) -> int | None:
    """How many morph targets a primitive has; ``None`` when its ``targets`` is malformed
    (the schema walk reports it)."""
    targets = as_dict(primitive).get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, dict) for t in targets):
        return None
    return len(targets)


def _targets(mesh: dict[str, Any] | None) -> int:
    """How many morph targets ``mesh`` has (its first primitive's, as the spec says)."""
    primitives = as_list(as_dict(mesh).get("primitives"))
    return (target_count(primitives[0]) or 0) if primitives else 0


def _skinned(mesh: dict[str, Any]) -> bool:
    return any(
        "JOINTS_0" in as_dict(as_dict(p).get("attributes"))
        and "WEIGHTS_0" in as_dict(as_dict(p).get("attributes"))
        for p in as_list(mesh.get("primitives"))
    )


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


Check = Callable[[RuleDocument, Reporter], None]
