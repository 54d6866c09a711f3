"""Detection on frames as marked, and the null case: unmarked clips name nobody.

The pictures are synthetic natural-ish images (:mod:`tests.streaming.watermark.pictures`:
1/f texture, flat panels, edges, a panning camera) so that 100 distinct clips cost seconds;
rendered frames are used in :mod:`test_rendered`.
"""

from __future__ import annotations

import secrets

import numpy as np
import pytest

from museion.streaming.watermark import Watermark, detect, threshold
from tests.streaming.watermark.pictures import clip

KEY = b"0123456789abcdef0123456789abcdef"
CANDIDATES = [secrets.token_urlsafe(16) for _ in range(1000)]


def test_threshold_bounds_false_detections_over_all_candidates() -> None:
    assert threshold(1000) == pytest.approx(5.2565, abs=1e-3)
    assert threshold(1) < threshold(1000) < threshold(100_000)


def test_clean_marked_frames_name_their_session_among_1000() -> None:
    session = CANDIDATES[417]
    mark = Watermark(KEY, session, 640, 360, 3.0)
    found = detect((mark.apply(f) for f in clip(2, 30)), KEY, CANDIDATES)
    assert found.session == session and found.found
    assert found.score > found.threshold and found.frames == 30


def test_scaled_frames_are_found_too() -> None:
    session = CANDIDATES[3]
    mark = Watermark(KEY, session, 640, 360, 3.0)
    half = [mark.apply(f)[::2, ::2] for f in clip(4, 30)]  # 320 x 180, crude decimation
    assert detect(half, KEY, CANDIDATES).session == session


def test_the_wrong_key_finds_nothing() -> None:
    mark = Watermark(KEY, CANDIDATES[0], 640, 360, 3.0)
    found = detect((mark.apply(f) for f in clip(5, 30)), b"not the key", CANDIDATES)
    assert found.session is None and not found.found


def test_no_false_detection_on_100_unmarked_clips() -> None:
    # Half-size clips (320 x 180), as a recording would be: the threshold holds whatever
    # the size, and 100 clips stay quick.
    scores = []
    for seed in range(100):
        found = detect(clip(1000 + seed, 10, 320, 180), KEY, CANDIDATES)
        assert found.session is None, (seed, found)
        scores.append(found.score)
    # The best of 1,000 wrong candidates sits near 3.2, well under the threshold.
    assert max(scores) < threshold(1000)


@pytest.mark.parametrize("value", [0, 255])
def test_flat_or_no_frames_name_nobody(value: int) -> None:
    flat = [np.full((360, 640, 3), value, np.uint8)] * 3
    assert detect(flat, KEY, CANDIDATES).session is None
    none = detect([], KEY, CANDIDATES)
    assert none.session is None and none.best is None and none.frames == 0


def test_detect_needs_candidates() -> None:
    with pytest.raises(ValueError, match="candidate"):
        detect([], KEY, [])
