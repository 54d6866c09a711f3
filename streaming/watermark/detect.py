"""Which session's mark a recording carries, if any, among known candidates.

Each frame is shrunk to the mark's grid (box averages, so a recording of any size does),
its smooth content taken away (each cell less the median of its 3 x 3 neighbourhood: the
mark is a coin per cell, the picture mostly is not; a median keeps an edge of the picture
out of the cells beside it, where a mean smeared it: with the next step, a still gallery
view recorded in Chromium and shrunk by ffmpeg went from z = 6.1 to 11.8), frames that an
encoder flattened are left out (see :meth:`Residuals.add`), and the residual clipped at a few
robust deviations so one bright edge cannot outvote the rest.  Residuals add up over the
frames, and each candidate's score is the residual's correlation with its +-1 cells,
``z = <r, p> / |r|``.

Why the threshold holds whatever the picture: for a session whose mark is not there, its
cells are fair coins independent of ``r`` (which frames count, and how each is cleaned, is
decided from the picture alone), so by Hoeffding ``P(z > t) <= exp(-t^2 / 2)``.
Asking that of every candidate together (a union bound) gives :func:`threshold`: with
1,000 candidates and a false-positive rate of 1e-3 that is z > 5.26.  A detection below
it names nobody.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from museion.streaming.watermark.mark import grid_shape, pattern

__all__ = ["FALSE_POSITIVE_RATE", "Detection", "Residuals", "detect", "threshold"]

logger = logging.getLogger(__name__)

FALSE_POSITIVE_RATE = 1e-3
"""How often, at most, a recording without the mark of any candidate names one."""

_CLIP = 1.5
"""Residuals are clipped at this many robust standard deviations (1.4826 x MAD)."""

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def threshold(candidates: int, false_positive_rate: float = FALSE_POSITIVE_RATE) -> float:
    """The score a candidate must pass for ``P(any false detection) <= false_positive_rate``."""
    if candidates < 1 or not 0 < false_positive_rate < 1:
        raise ValueError("want at least one candidate and a rate in (0, 1)")
    return math.sqrt(2.0 * math.log(candidates / false_positive_rate))


@dataclass(frozen=True)
class Detection:
    """The outcome: ``session`` is the best candidate only when its ``score`` passed
    ``threshold``; ``best`` is the best candidate either way (for diagnostics)."""

    session: str | None
    best: str | None
    score: float
    threshold: float
    frames: int

    @property
    def found(self) -> bool:
        """Whether a session was named."""
        return self.session is not None


def _box(cells: int, pixels: int) -> npt.NDArray[np.float32]:
    """A ``(cells, pixels)`` matrix averaging the pixels each cell covers (by overlap)."""
    edges = np.arange(cells + 1, dtype=np.float64) * pixels / cells
    start = np.arange(pixels, dtype=np.float64)
    overlap = np.minimum(edges[1:, None], start[None, :] + 1) - np.maximum(
        edges[:-1, None], start[None, :]
    )
    weights = np.clip(overlap, 0.0, None)
    box: npt.NDArray[np.float32] = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
    return box


class Residuals:
    """The summed, whitened residuals of frames on one grid (frames of one size)."""

    def __init__(self, shape: tuple[int, int] | None = None) -> None:
        self.shape = shape
        self.total: npt.NDArray[np.float64] | None = None
        self.frames = 0
        self._size: tuple[int, int] | None = None
        self._rows: npt.NDArray[np.float32] | None = None
        self._cols: npt.NDArray[np.float32] | None = None

    def add(self, frame: npt.NDArray[np.uint8]) -> None:
        """Add one ``(H, W, 3)`` RGB frame (any size; the first fixes the grid if not given)."""
        if frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"want an (H, W, 3) RGB frame, not {frame.shape}")
        height, width = frame.shape[:2]
        if self.shape is None:
            self.shape = grid_shape(width, height)
        if self._size != (width, height):
            self._size = (width, height)
            self._rows = _box(self.shape[0], height)
            self._cols = _box(self.shape[1], width)
        assert self._rows is not None and self._cols is not None
        luma = frame.astype(np.float32) @ _LUMA
        cells = (self._rows @ (luma @ self._cols.T)).astype(np.float64)
        padded = np.pad(cells, 1, mode="edge")
        rows, cols = cells.shape
        neighbourhood = np.stack(
            [padded[dy : dy + rows, dx : dx + cols] for dy in range(3) for dx in range(3)]
        )
        residual = cells - np.median(neighbourhood, axis=0)
        spread = 1.4826 * float(np.median(np.abs(residual)))
        self.frames += 1
        if spread == 0:
            # Most cells equal their neighbourhood's median: an encoder starved of bits
            # flattened the frame, leaving the picture's edges and next to none of the mark
            # (on a still view shrunk by ffmpeg, counting such frames took z from 11.8 to 1).
            return
        residual = np.clip(residual, -_CLIP * spread, _CLIP * spread)
        self.total = residual if self.total is None else self.total + residual

    def scores(self, key: bytes, candidates: Sequence[str]) -> npt.NDArray[np.float64]:
        """Each candidate's ``z`` (zeros when no frame carried any residual)."""
        if self.total is None or self.shape is None:
            return np.zeros(len(candidates))
        norm = float(np.linalg.norm(self.total))
        if norm == 0:
            return np.zeros(len(candidates))
        cells = _patterns(key, tuple(candidates), self.shape)
        scores: npt.NDArray[np.float64] = cells @ self.total.ravel() / norm
        return scores


@functools.lru_cache(maxsize=4)
def _patterns(
    key: bytes, candidates: tuple[str, ...], shape: tuple[int, int]
) -> npt.NDArray[np.float64]:
    """The candidates' cells, one row each (kept: a detector asks again for the next clip)."""
    rows = np.stack([pattern(key, c, shape).ravel() for c in candidates]).astype(np.float64)
    rows.flags.writeable = False
    return rows


def detect(
    frames: Iterable[npt.NDArray[np.uint8]],
    key: bytes,
    candidates: Sequence[str],
    *,
    marked_size: tuple[int, int] | None = None,
    false_positive_rate: float = FALSE_POSITIVE_RATE,
) -> Detection:
    """The candidate whose mark ``frames`` carry, or ``session=None`` when none passes.

    ``marked_size`` (``(width, height)`` as streamed) picks the grid; without it the first
    frame's aspect does (scaling keeps the aspect, so a recording at any size works).
    """
    if not candidates:
        raise ValueError("detect needs at least one candidate session")
    shape = None if marked_size is None else grid_shape(*marked_size)
    residuals = Residuals(shape)
    for frame in frames:
        residuals.add(frame)
    limit = threshold(len(candidates), false_positive_rate)
    scores = residuals.scores(key, candidates)
    best = int(np.argmax(scores))
    score = float(scores[best])
    named = candidates[best] if score > limit else None
    logger.debug(
        "watermark: best %s z=%.2f (threshold %.2f) over %d frames",
        candidates[best],
        score,
        limit,
        residuals.frames,
    )
    return Detection(
        session=named,
        best=candidates[best] if residuals.frames else None,
        score=score,
        threshold=limit,
        frames=residuals.frames,
    )
