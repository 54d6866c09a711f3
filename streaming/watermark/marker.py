"""Whether a visitor's frames are marked, and the function that marks them."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from museion.streaming.settings import StreamSettings
from museion.streaming.watermark.mark import Frame, Watermark

__all__ = ["marker_for", "watermark_key"]

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
    """A function marking ``width`` x ``height`` frames of ``session_id``'s stream, or None
    when this stream is not marked (``watermark="off"``, or ``"restricted"`` and the
    exhibition is not).  Build a new one when the stream's size changes."""
    if settings.watermark == "off" or (settings.watermark == "restricted" and not restricted):
        return None
    mark = Watermark(
        watermark_key(settings), session_id, width, height, settings.watermark_strength
    )
    return mark.apply
