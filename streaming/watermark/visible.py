"""The visible mark: a text naming the museum and the visitor, repeated diagonally over the
restricted exhibits on a visitor's screen.

Why visible as well as the invisible mark: a photo of the screen shows who was looking
without a detector or a key, and says plainly that the picture is not to be shared.  The
text ends with a short code of the session (a keyed hash, so it names the visitor only to
whoever holds the key's log of sessions).  It is drawn only inside the rectangles the
renderer gives for the restricted exhibits, never elsewhere, and before the invisible mark,
which is then added over the whole frame as usual.

Per frame the cost is integer blending of the covered pixels: the tiled text and its
alpha are made once per session and frame size (a preview's size too).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from museion.streaming.watermark.mark import Frame

__all__ = ["Cover", "VisibleMark", "session_code"]

logger = logging.getLogger(__name__)

Rect = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` pixels, right and bottom excluded."""
SIZES = 3
"""How many frame sizes' tiles one stream keeps (a ladder step, a preview, the full size)."""
ANGLE = 30.0
"""Degrees the text is turned (counter-clockwise): a diagonal is hard to crop away."""
WIDE_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
"""A font with Chinese glyphs (the fonts-wqy-microhei package, an apt dependency), for a
text Pillow's own font (Latin only) would draw as empty boxes."""


@dataclass(frozen=True)
class Cover:
    """Where restricted exhibits are in a picture: ``rects`` in pixels of a picture of
    ``size`` (width, height), which may be larger than the frame marked (a preview)."""

    rects: tuple[Rect, ...]
    size: tuple[int, int]

    def scaled(self, width: int, height: int) -> list[Rect]:
        """The rectangles in a ``width`` x ``height`` frame's pixels, clipped to it, grown
        outward to whole pixels; empty ones left out."""
        sw, sh = width / self.size[0], height / self.size[1]
        found = []
        for left, top, right, bottom in self.rects:
            x0, y0 = max(0, math.floor(left * sw)), max(0, math.floor(top * sh))
            x1, y1 = min(width, math.ceil(right * sw)), min(height, math.ceil(bottom * sh))
            if x0 < x1 and y0 < y1:
                found.append((x0, y0, x1, y1))
        return found


def session_code(key: bytes, session: str) -> str:
    """Six characters naming ``session`` to whoever holds ``key`` (HMAC-SHA256, hex)."""
    digest = hmac.new(key, b"museion-visible\0" + session.encode(), hashlib.sha256)
    return digest.hexdigest()[:6]


class _Tiles:
    """The text tiled over a whole ``width`` x ``height`` frame, as integer blend terms:
    ``keep`` (256 - alpha) and ``add`` (colour x alpha), so blending is
    ``(pixel * keep + add) >> 8``."""

    def __init__(self, text: str, opacity: float, width: int, height: int) -> None:
        tile = _tile(text, max(10, round(height / 24)))
        colour = tile[:, :, :3].astype(np.uint16)
        alpha = np.rint(tile[:, :, 3].astype(np.float32) * opacity).astype(np.uint16)
        # 0..255 of 256: opacity 1 still keeps 1/256 of the pixel.
        th, tw = alpha.shape
        rows = np.arange(height) % th
        cols = np.arange(width) % tw
        spread = alpha[rows[:, None], cols[None, :]]
        self.keep = np.repeat((256 - spread)[:, :, None], 3, axis=2)
        self.add = colour[rows[:, None], cols[None, :]] * spread[:, :, None]


def _tile(text: str, size: int) -> npt.NDArray[np.uint8]:
    """A repeating RGBA tile: ``text`` turned, white outlined dark so it reads on any
    exhibit, twice (the second half a tile down, on a parallel line), so a small exhibit
    still shows some of it."""
    font = _font(text, size)
    stroke = max(1, size // 12)
    left, top, right, bottom = (math.ceil(v) for v in font.getbbox(text, stroke_width=stroke))
    pad = size // 2
    image = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(image).text(
        (pad - left, pad - top),
        text,
        font=font,
        fill=(255, 255, 255, 255),
        stroke_width=stroke,
        stroke_fill=(24, 24, 24, 255),
    )
    turned = np.asarray(image.rotate(ANGLE, Image.Resampling.BICUBIC, expand=True), np.uint8)
    height = turned.shape[0]
    shifted = np.roll(turned, height // 2, axis=0)
    return np.where(shifted[:, :, 3:] > turned[:, :, 3:], shifted, turned)


def _font(text: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's own font for Latin text, :data:`WIDE_FONT` for any other when present."""
    if all(ord(c) < 0x250 for c in text):
        return ImageFont.load_default(size=size)
    try:
        return ImageFont.truetype(WIDE_FONT, size)
    except OSError:
        logger.warning("no %s: the visible watermark's text may show as boxes", WIDE_FONT)
        return ImageFont.load_default(size=size)


class VisibleMark:
    """``text`` and the session's code over given rectangles of a frame, at ``opacity``."""

    def __init__(self, text: str, code: str, opacity: float) -> None:
        if not 0 < opacity <= 1:
            raise ValueError("a visible mark's opacity must lie in (0, 1]")
        if not text.strip():
            raise ValueError("a visible mark needs a text")
        self._code = code
        self.text = f"{' '.join(text.split())} · {code}"  # one line
        self.opacity = opacity
        self._tiles: OrderedDict[tuple[str, int, int], _Tiles] = OrderedDict()

    def retell(self, text: str) -> bool:
        """Say ``text`` from the next frame on (the visitor chose another language); the
        session's code stays.  Called on the loop while frames are marked elsewhere: tiles
        are kept by text, so one made of the old text in between is never used again.
        Whether the text changed."""
        if not text.strip():
            raise ValueError("a visible mark needs a text")
        told = f"{' '.join(text.split())} · {self._code}"
        if told == self.text:
            return False
        self.text = told
        return True

    def _for(self, width: int, height: int) -> _Tiles:
        text = self.text
        size = (text, width, height)
        found = self._tiles.get(size)
        if found is None:
            found = self._tiles[size] = _Tiles(text, self.opacity, width, height)
            while len(self._tiles) > SIZES:
                self._tiles.popitem(last=False)
        else:
            self._tiles.move_to_end(size)
        return found

    def apply(self, frame: Frame, rects: Sequence[Rect]) -> Frame:
        """``frame`` with the text blended inside ``rects`` (in its own pixels), as a new
        array; the same content when there is no rectangle.  Pixels outside every
        rectangle are never changed."""
        marked = frame.copy()
        height, width = frame.shape[:2]
        inside = [
            (max(0, x0), max(0, y0), min(width, x1), min(height, y1)) for x0, y0, x1, y1 in rects
        ]
        inside = [(x0, y0, x1, y1) for x0, y0, x1, y1 in inside if x0 < x1 and y0 < y1]
        if not inside:
            return marked
        tiles = self._for(width, height)
        if len(inside) == 1:
            (x0, y0, x1, y1), where = inside[0], None
        else:  # overlapping rectangles are blended once: through a mask of their union
            x0, y0 = min(r[0] for r in inside), min(r[1] for r in inside)
            x1, y1 = max(r[2] for r in inside), max(r[3] for r in inside)
            where = np.zeros((y1 - y0, x1 - x0, 1), dtype=bool)
            for left, top, right, bottom in inside:
                where[top - y0 : bottom - y0, left - x0 : right - x0] = True
        area = np.s_[y0:y1, x0:x1]
        blended = marked[area].astype(np.uint16)
        blended *= tiles.keep[area]
        blended += tiles.add[area]
        blended >>= 8
        if where is None:
            marked[area] = blended
        else:
            np.copyto(marked[area], blended, casting="unsafe", where=where)
        return marked
