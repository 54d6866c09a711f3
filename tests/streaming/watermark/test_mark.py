"""The mark itself: invisible by PSNR, the same pattern at every size, keyed."""

from __future__ import annotations

import numpy as np
import pytest

from museion.streaming.watermark import Watermark, grid_shape
from museion.streaming.watermark.mark import pattern
from tests.streaming.watermark.pictures import clip, scene

KEY = b"0123456789abcdef0123456789abcdef"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0**2 / mse)


def test_default_strength_keeps_psnr_above_40_db() -> None:
    frames = list(clip(1, 5))
    mark = Watermark(KEY, "visitor", 640, 360, 3.0)
    for frame in frames:
        marked = mark.apply(frame)
        assert 40.0 <= psnr(frame, marked) < 60.0  # there, and invisible by PSNR
        # The same on every channel: a change of brightness, not of colour.
        change = marked.astype(np.int16) - frame
        unclipped = (frame > 20).all(axis=2) & (frame < 235).all(axis=2)
        assert (change[unclipped, 0] == change[unclipped, 2]).all()


def test_apply_does_not_touch_the_callers_frame_and_clips() -> None:
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[:, 320:] = 255
    before = frame.copy()
    marked = Watermark(KEY, "visitor", 640, 360, 3.0).apply(frame)
    assert (frame == before).all()
    # Black stays at or above 0, white at or below 255 (no wrap-around to the far end).
    assert marked[:, :300].max() <= 3 and marked[:, 340:].min() >= 252


def test_frames_of_another_size_are_refused() -> None:
    mark = Watermark(KEY, "visitor", 640, 360, 3.0)
    with pytest.raises(ValueError, match="640"):
        mark.apply(scene(1, 320, 180))


def test_the_grid_follows_the_aspect_so_every_rung_of_the_ladder_has_one_pattern() -> None:
    assert grid_shape(1280, 720) == grid_shape(640, 360) == grid_shape(854, 480)
    rows, cols = grid_shape(360, 640)  # a phone held upright
    assert rows > cols


def test_the_pattern_depends_on_key_and_session() -> None:
    shape = grid_shape(640, 360)
    one = pattern(KEY, "a", shape)
    assert set(np.unique(one)) == {-1.0, 1.0}
    assert (one == pattern(KEY, "a", shape)).all()
    # Another session or key: about half the cells differ (independent coins).
    for other in (pattern(KEY, "b", shape), pattern(b"another key", "a", shape)):
        assert 0.4 < float(np.mean(one != other)) < 0.6


@pytest.mark.parametrize(("key", "strength"), [(b"", 3.0), (KEY, 0.0), (KEY, 20.0)])
def test_bad_marks_are_refused(key: bytes, strength: float) -> None:
    with pytest.raises(ValueError):
        Watermark(key, "visitor", 640, 360, strength)
