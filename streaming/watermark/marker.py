"""Whether a visitor's frames are marked (invisibly, visibly or both), and the function
that marks them."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable

from museion.scenes.document.model import SceneDocument
from museion.streaming.settings import StreamSettings
from museion.streaming.watermark.mark import Frame, Watermark
from museion.streaming.watermark.visible import Cover, VisibleMark, session_code

__all__ = [
    "marker_for",
    "restricted_exhibits",
    "visible_for",
    "visible_text",
    "watermark_key",
]

SIZES = 3
"""How many frame sizes' marks one stream keeps (each 8 MB at 720p)."""

_START_KEY = secrets.token_bytes(32)
"""The key of this process's marks when the settings give none."""


def watermark_key(settings: StreamSettings) -> bytes:
    """The key marks are made with: the configured one, else one random per start."""
    if settings.watermark_key is not None:
        return settings.watermark_key.encode()
    return _START_KEY


def visible_for(
    settings: StreamSettings, document: SceneDocument | None, session_id: str
) -> VisibleMark | None:
    """The visible mark ``document`` asks for over its restricted exhibits, for
    ``session_id`` (None: it asks for none, or has no restricted exhibit).  Its text is the
    document's, else the exhibition's title, in the default language."""
    asked = None if document is None else document.watermark
    if document is None or asked is None or not asked.visible:
        return None
    if not restricted_exhibits(document):
        return None
    code = session_code(watermark_key(settings), session_id)
    return VisibleMark(visible_text(document, document.default_language), code, asked.opacity)


def restricted_exhibits(document: SceneDocument | None) -> frozenset[str]:
    """The ids of ``document``'s restricted exhibits: what marks are for."""
    if document is None:
        return frozenset()
    return frozenset(e.id for e in document.exhibits if e.access == "restricted")


def visible_text(document: SceneDocument, language: str) -> str:
    """The visible mark's text in ``language`` (else its primary language, else the
    document's default): the document's watermark text, else the exhibition's title."""
    asked = document.watermark
    texts = (asked.text if asked is not None else None) or document.title
    primary = language.replace("_", "-").split("-")[0]
    for tag in (language, primary, document.default_language):
        if texts.get(tag):
            return texts[tag]
    return document.title.get(document.default_language) or "Museion"


def marker_for(
    settings: StreamSettings,
    session_id: str,
    width: int,
    height: int,
    *,
    restricted: bool,
    visible: VisibleMark | None = None,
    cover: Callable[[], Cover | None] | None = None,
) -> Callable[[Frame], Frame] | None:
    """A function marking ``session_id``'s frames, or None when this stream is not marked
    (``watermark="off"``, or ``"restricted"`` and the exhibition is not; and no ``visible``
    mark).  With ``visible``, each frame first gets it over the rectangles ``cover()``
    gives for that frame (none: not drawn), then the invisible mark over the whole frame,
    so the detector still finds the session.

    The function takes frames of any size (a moving preview, a ladder step): it keeps the
    marks of the last :data:`SIZES` sizes, ``width`` x ``height`` made at once, another
    when first seen (some 20 ms at 720p).  Every size carries the same pattern.
    """
    invisible = _invisible(settings, session_id, width, height, restricted=restricted)
    if visible is None or cover is None:
        return invisible

    def both(frame: Frame) -> Frame:
        where = cover()
        if where is not None and where.rects:
            frame = visible.apply(frame, where.scaled(frame.shape[1], frame.shape[0]))
        return frame if invisible is None else invisible(frame)

    return both


def _invisible(
    settings: StreamSettings, session_id: str, width: int, height: int, *, restricted: bool
) -> Callable[[Frame], Frame] | None:
    if settings.watermark == "off" or (settings.watermark == "restricted" and not restricted):
        return None
    key, strength = watermark_key(settings), settings.watermark_strength
    marks: OrderedDict[tuple[int, int], Watermark] = OrderedDict()

    def mark(frame: Frame) -> Frame:
        size = (frame.shape[1], frame.shape[0])
        found = marks.get(size)
        if found is None:
            found = marks[size] = Watermark(key, session_id, size[0], size[1], strength)
            while len(marks) > SIZES:
                marks.popitem(last=False)
        else:
            marks.move_to_end(size)
        return found.apply(frame)

    marks[(width, height)] = Watermark(key, session_id, width, height, strength)
    return mark
