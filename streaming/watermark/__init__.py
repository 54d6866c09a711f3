"""Marks naming a visitor's session: invisible in every frame (with its detector), and
visible over restricted exhibits when the document asks."""

from __future__ import annotations

from museion.streaming.watermark.detect import Detection, detect, threshold
from museion.streaming.watermark.mark import Watermark, grid_shape
from museion.streaming.watermark.marker import (
    marker_for,
    restricted_exhibits,
    visible_for,
    visible_text,
    watermark_key,
)
from museion.streaming.watermark.visible import Cover, VisibleMark, session_code

__all__ = [
    "Cover",
    "Detection",
    "VisibleMark",
    "Watermark",
    "detect",
    "grid_shape",
    "marker_for",
    "restricted_exhibits",
    "session_code",
    "threshold",
    "visible_for",
    "visible_text",
    "watermark_key",
]
