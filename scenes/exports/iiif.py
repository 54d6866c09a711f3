"""A IIIF Presentation 3 manifest for one exhibition, built with ``iiif-prezi3``.

One Canvas per exhibit.  A Canvas does not paint the relic as a ``Model`` body (which the
Presentation 3 schema would accept): Museion renders on the server and never serves a
model file (issue 18: "the original kept on the server, never served"), so a ``Model``
body would name a URL that answers 404.  Each Canvas instead links, as ``homepage`` and
``rendering`` (``text/html``), to the visitor page that shows the exhibit, and carries the
exhibit's Dublin Core as ``metadata``; its nominal size is the streamed frame's.
Restricted exhibits give their title only, as visitors see them.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

from iiif_prezi3 import (  # type: ignore[import-untyped]
    AnnotationPage,
    Canvas,
    KeyValueString,
    Manifest,
)

from museion.scenes.document.model import Exhibit, Metadata, SceneDocument, Text
from museion.scenes.errors import ExportError
from museion.scenes.exports.text import utf8_text

__all__ = ["CANVAS_SIZE", "iiif_manifest", "language_map"]

CANVAS_SIZE = (1920, 1080)
"""Width and height of every Canvas: the streamed view's frame, which is what a link opens."""

# Labels of the Dublin Core fields, in the languages Museion's studio ships.
_FIELDS: tuple[tuple[str, dict[str, str]], ...] = (
    ("creator", {"en": "Creator", "zh": "作者"}),
    ("date", {"en": "Date", "zh": "年代"}),
    ("medium", {"en": "Medium", "zh": "材质"}),
    ("dimensions", {"en": "Dimensions", "zh": "尺寸"}),
    ("provenance", {"en": "Provenance", "zh": "来源"}),
    ("description", {"en": "Description", "zh": "描述"}),
    ("rights", {"en": "Rights", "zh": "版权"}),
)
_IDENTIFIER = {"en": "Identifier", "zh": "编号"}
# The rights URIs the Presentation 3 schema accepts (http, as the specification writes them).
_RIGHTS = re.compile(
    r"^https?://(creativecommons\.org/(licenses|publicdomain)/|rightsstatements\.org/vocab/)\S*$"
)


def _language(tag: str) -> str:
    """The tag as the schema's language keys allow (letters and hyphens): subtags holding
    digits (``es-419``, ``de-CH-1996``) are dropped, keeping the language itself."""
    kept = [part for part in tag.split("-") if part.isascii() and part.isalpha()]
    return "-".join(kept) if kept else "none"


def _plain(text: str) -> str:
    """IIIF clients read a value that starts with ``<`` and ends with ``>`` as HTML; such a
    text is escaped inside a ``<span>`` so it shows as the words it is, never as markup."""
    text = utf8_text(text)
    if text.startswith("<") and text.endswith(">"):
        return f"<span>{html.escape(text)}</span>"
    return text


def language_map(text: Text) -> dict[str, list[str]]:
    """A Museion language map as a IIIF one: ``{"zh": "…"}`` -> ``{"zh": ["…"]}``; two tags
    that become one key (``es``, ``es-419``) keep both texts."""
    result: dict[str, list[str]] = {}
    for tag, value in text.items():
        result.setdefault(_language(utf8_text(tag)), []).append(_plain(value))
    return result


def _labels(labels: dict[str, str]) -> dict[str, list[str]]:
    return {tag: [value] for tag, value in labels.items()}


def _metadata(metadata: Metadata) -> list[KeyValueString]:
    entries = []
    for name, labels in _FIELDS:
        value: Text | None = getattr(metadata, name)
        if value:
            entries.append(KeyValueString(label=_labels(labels), value=language_map(value)))
    if metadata.identifier:
        entries.append(
            KeyValueString(
                label=_labels(_IDENTIFIER), value={"none": [_plain(metadata.identifier)]}
            )
        )
    return entries


def _rights_uri(metadata: Metadata) -> str | None:
    """The rights as the URI the schema accepts, when a language's text is one."""
    for value in (metadata.rights or {}).values():
        uri = value.strip()
        if _RIGHTS.match(uri):
            return "http://" + uri.split("://", 1)[1]
    return None


def _page_link(url: str, label: Text) -> list[dict[str, Any]]:
    return [{"id": url, "type": "Text", "format": "text/html", "label": language_map(label)}]


def _canvas(exhibit: Exhibit, exhibition_url: str) -> Canvas:
    canvas_id = f"{exhibition_url}iiif/canvas/{quote(exhibit.id, safe='')}"
    page = f"{exhibition_url}?exhibit={quote(exhibit.id, safe='')}"
    metadata = exhibit.metadata
    fields: dict[str, Any] = {}
    if exhibit.access == "public":
        fields["metadata"] = _metadata(metadata)
        if metadata.description:
            fields["summary"] = language_map(metadata.description)
        rights = _rights_uri(metadata)
        if rights is not None:
            fields["rights"] = rights
        elif metadata.rights:
            fields["requiredStatement"] = KeyValueString(
                label=_labels(dict(_FIELDS)["rights"]), value=language_map(metadata.rights)
            )
    link = _page_link(page, metadata.title)
    return Canvas(
        id=canvas_id,
        label=language_map(metadata.title),
        width=CANVAS_SIZE[0],
        height=CANVAS_SIZE[1],
        homepage=link,
        rendering=link,
        items=[AnnotationPage(id=f"{canvas_id}/page", items=[])],
        **fields,
    )


def _base(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ExportError(
            f"the base URL {base_url!r} is not an absolute http(s) URL without query or fragment",
            code="BAD_BASE_URL",
        )
    return base_url.rstrip("/")


def _summary(document: SceneDocument) -> Text:
    """Per language, the titles of the exhibits (in that language, else the default)."""
    titles = [e.metadata.title for e in document.exhibits]
    return {
        tag: " · ".join(t.get(tag, t[document.default_language]) for t in titles)
        for tag in document.title
    }


def iiif_manifest(document: SceneDocument, *, base_url: str, exhibition_id: str) -> dict[str, Any]:
    """The manifest of the exhibition served at ``{base_url}/e/{exhibition_id}/``, as JSON
    data (its ``id`` is ``…/e/{exhibition_id}/manifest.json``)."""
    exhibition_url = f"{_base(base_url)}/e/{quote(exhibition_id, safe='')}/"
    manifest = Manifest(
        id=f"{exhibition_url}manifest.json",
        label=language_map(document.title),
        homepage=_page_link(exhibition_url, document.title),
        items=[_canvas(exhibit, exhibition_url) for exhibit in document.exhibits],
    )
    if document.exhibits:
        manifest.summary = language_map(_summary(document))
    data: dict[str, Any] = json.loads(manifest.jsonld())
    return data
