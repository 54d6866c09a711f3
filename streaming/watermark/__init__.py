"""An invisible mark naming a visitor's session in every frame, and its detector."""

from __future__ import annotations

from museion.streaming.watermark.detect import Detection, detect, threshold
from museion.streaming.watermark.mark import Watermark, grid_shape
from museion.streaming.watermark.marker import marker_for, watermark_key

__all__ = [
    "Detection",
    "Watermark",
    "detect",
    "grid_shape",
    "marker_for",
    "threshold",
    "watermark_key",
]
