"""An exhibit's Dublin Core as a ``KHR_xmp_json_ld`` packet, and that packet in a glTF.

The packet follows the extension's restrictions: every language map becomes an ``rdf:Alt``
of ``{"@language", "@value"}`` pairs (lower-case BCP 47 tags, ``language`` first), arrays
sit under ``@list``/``@set``, no value objects elsewhere.  XMP's ``dc:creator`` is an
ordered list of names, not a language alternative, so it holds the creator in
``language``; ``dc:date`` is an XMP Date, so a free-text date ("c. 5th century BC") goes
to ``dcterms:temporal`` instead.  Medium, dimensions and provenance use DCMI terms
(``dcterms:medium``, ``dcterms:extent``, ``dcterms:provenance``).
"""

from __future__ import annotations

import re
from typing import Any

import pygltflib  # type: ignore[import-untyped]

from museion.scenes.document.model import Metadata, Text
from museion.scenes.exports.text import utf8_text

__all__ = ["EXTENSION", "embed_xmp", "embed_xmp_data", "packet_of", "xmp_json_ld"]

EXTENSION = "KHR_xmp_json_ld"
_CONTEXT = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
# An XMP Date (ISO 16684-1 8.2.1.2): YYYY, YYYY-MM, YYYY-MM-DD, then an optional time.
_XMP_DATE = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


_DCTERMS = (("medium", "medium"), ("dimensions", "extent"), ("provenance", "provenance"))
_TEXTS = ("title", "creator", "date", "medium", "dimensions", "provenance", "rights", "description")


def _alternatives(text: Text, language: str) -> dict[str, Any]:
    """A language alternative, ``language`` first, then the others in the map's order."""
    tags = sorted(text, key=lambda tag: tag != language)
    alt: dict[str, Any] = {"@type": "rdf:Alt"}
    for index, tag in enumerate(tags, start=1):
        alt[f"rdf:_{index}"] = {"@language": utf8_text(tag.lower()), "@value": utf8_text(text[tag])}
    return alt


def _in(text: Text, language: str) -> str:
    """The text in ``language``, else in the first language the map holds."""
    return utf8_text(text.get(language) or next(iter(text.values())))


def xmp_json_ld(metadata: Metadata, language: str) -> dict[str, Any]:
    """The packet for ``metadata``; ``language`` is the document's default language."""
    packet: dict[str, Any] = {"@context": dict(_CONTEXT)}
    packet["dc:title"] = _alternatives(metadata.title, language)
    if metadata.creator:
        packet["dc:creator"] = {"@list": [_in(metadata.creator, language)]}
    if metadata.date:
        date = _in(metadata.date, language).strip()
        if _XMP_DATE.match(date):
            packet["dc:date"] = {"@list": [date]}
        else:
            packet["dcterms:temporal"] = _alternatives(metadata.date, language)
    if metadata.description:
        packet["dc:description"] = _alternatives(metadata.description, language)
    if metadata.rights:
        packet["dc:rights"] = _alternatives(metadata.rights, language)
    if metadata.identifier:
        packet["dc:identifier"] = utf8_text(metadata.identifier)
    packet["dc:format"] = "model/gltf-binary"
    texts = [getattr(metadata, name) for name in _TEXTS]
    tags = {utf8_text(tag.lower()) for text in texts if text for tag in text}
    languages = sorted(tags, key=lambda tag: (tag != language.lower(), tag))
    packet["dc:language"] = {"@set": languages}
    for name, term in _DCTERMS:
        value: Text | None = getattr(metadata, name)
        if value:
            packet[f"dcterms:{term}"] = _alternatives(value, language)
    return packet


def embed_xmp(gltf: pygltflib.GLTF2, packet: dict[str, Any]) -> None:
    """Make ``packet`` the asset-level metadata of ``gltf``: it goes into the root's
    ``packets`` (replacing the packet the asset already names, so embedding again does not
    grow the file) and ``asset.extensions`` points at it; ``extensionsUsed`` lists it.

    Write the result with ``save_binary`` (or ``save(path, asset=gltf.asset)``):
    pygltflib's plain ``save`` replaces the asset, and the packet's reference with it.
    """
    if gltf.extensions is None:
        gltf.extensions = {}
    if gltf.asset.extensions is None:
        gltf.asset.extensions = {}
    if gltf.extensionsUsed is None:
        gltf.extensionsUsed = []
    root = gltf.extensions.setdefault(EXTENSION, {})
    packets: list[dict[str, Any]] = root.setdefault("packets", [])
    current = gltf.asset.extensions.get(EXTENSION, {}).get("packet")
    if isinstance(current, int) and 0 <= current < len(packets):
        packets[current] = packet
    else:
        packets.append(packet)
        current = len(packets) - 1
    gltf.asset.extensions[EXTENSION] = {"packet": current}
    if EXTENSION not in gltf.extensionsUsed:
        gltf.extensionsUsed.append(EXTENSION)


def embed_xmp_data(document: dict[str, Any], packet: dict[str, Any]) -> None:
    """:func:`embed_xmp` on a glTF's JSON as plain data, so a GLB's binary chunk is kept
    byte for byte (a pygltflib round trip of a meshopt-compressed model corrupts it)."""
    extensions = document.setdefault("extensions", {})
    asset = document.setdefault("asset", {"version": "2.0"})
    asset_extensions = asset.setdefault("extensions", {})
    packets: list[Any] = extensions.setdefault(EXTENSION, {}).setdefault("packets", [])
    current = (asset_extensions.get(EXTENSION) or {}).get("packet")
    if isinstance(current, int) and 0 <= current < len(packets):
        packets[current] = packet
    else:
        packets.append(packet)
        current = len(packets) - 1
    asset_extensions[EXTENSION] = {"packet": current}
    used = document.setdefault("extensionsUsed", [])
    if EXTENSION not in used:
        used.append(EXTENSION)


def packet_of(document: dict[str, Any]) -> object:
    """The asset-level packet a glTF's JSON holds now, or None."""
    asset = document.get("asset")
    index = (
        ((asset.get("extensions") or {}).get(EXTENSION) or {}).get("packet")
        if isinstance(asset, dict)
        else None
    )
    packets = ((document.get("extensions") or {}).get(EXTENSION) or {}).get("packets")
    if isinstance(index, int) and isinstance(packets, list) and 0 <= index < len(packets):
        return packets[index]
    return None
