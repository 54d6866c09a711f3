"""What visitors read about an exhibition: its title, languages, hotspots and tours, and an
exhibit's label (restricted exhibits title-only), as plain JSON data from the document."""

from __future__ import annotations

from typing import Any

from museion.scenes.document.model import Exhibit, SceneDocument

__all__ = ["exhibition_info", "label"]


def _clean_metadata(exhibit: Exhibit) -> dict[str, Any]:
    """Metadata and hotspots as plain JSON data, leaving out what is not given.

    A restricted exhibit shows visitors its title only.
    """
    meta = {k: v for k, v in vars(exhibit.metadata).items() if v is not None}
    if exhibit.access == "restricted":
        return {
            "id": exhibit.id,
            "access": exhibit.access,
            "metadata": {"title": meta["title"]},
            "hotspots": [],
        }
    hotspots = [
        {k: v for k, v in vars(h).items() if v is not None and k != "position"}
        for h in exhibit.hotspots
    ]
    return {"id": exhibit.id, "access": exhibit.access, "metadata": meta, "hotspots": hotspots}


def exhibition_info(document: SceneDocument | None) -> dict[str, Any]:
    """The exhibition's title and languages, for the page's header and language menu (a
    one-relic showcase, without a document, is "Museion" in English)."""
    if document is None:
        return {"default_language": "en", "languages": ["en"], "title": {"en": "Museion"}}
    default = document.default_language
    hotspots = [
        {"exhibit": e.id, "hotspot": h.id, "title": h.title}
        for e in document.exhibits
        for h in e.hotspots
        if e.access == "public"
    ]
    return {
        "default_language": default,
        "languages": sorted(document.title, key=lambda tag: tag != default),
        "title": document.title,
        "hotspots": hotspots,
        "tours": [{"id": t.id, "title": t.title, "steps": len(t.steps)} for t in document.tours],
    }


def label(document: SceneDocument | None, exhibit_id: str) -> dict[str, Any] | None:
    """The exhibit's metadata as JSON data (every language), for a label panel."""
    if document is None:
        return None
    try:
        exhibit = document.exhibit(exhibit_id)
    except KeyError:
        return None
    return _clean_metadata(exhibit)
