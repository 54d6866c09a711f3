"""Whether a visitor's frames are marked, and the function that marks them."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable

from museion.streaming.settings import StreamSettings
from museion.streaming.watermark.mark import Frame, Watermark

__all__ = ["marker_for", "watermark_key"]

SIZES = 3
"""How many frame sizes' marks one stream keeps (each 8 MB at 720p)."""

_START_KEY = secrets.token_bytes(32)
"""The key of this process's marks when the settings give none."""


def watermark_key(settings: StreamSettings) -> bytes:
    """The key marks are made with: the configured one, else one random per start."""
    if settings.watermark_key is not None:
        return settings.watermark_key.encode()
    return _START_KEY


def marker_for(
    settings: StreamSettings, session_id: str, width: int, height: int, *, restricted: bool
) -> Callable[[Frame], Frame] | None:
    """A function marking ``session_id``'s frames, or None when this stream is not marked
    (``watermark="off"``, or ``"restricted"`` and the exhibition is not).

    The function takes frames of any size (a moving preview, a ladder step): it keeps the
    marks of the last :data:`SIZES` sizes, ``width`` x ``height`` made at once, another
    when first seen (some 20 ms at 720p).  Every size carries the same pattern.
    """
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
