"""The watermark settings and :func:`marker_for`: who gets marked, with which key."""

from __future__ import annotations

import numpy as np
import pytest

from museion.streaming.settings import StreamSettings
from museion.streaming.watermark import detect, marker_for, watermark_key
from tests.streaming.watermark.pictures import clip

KEY = "a-museum-watermark-key"


def test_restricted_by_default() -> None:
    settings = StreamSettings()
    assert settings.watermark == "restricted"
    assert marker_for(settings, "s", 640, 360, restricted=False) is None
    assert marker_for(settings, "s", 640, 360, restricted=True) is not None


@pytest.mark.parametrize(
    ("mode", "plain", "restricted"), [("off", False, False), ("all", True, True)]
)
def test_modes(mode: str, plain: bool, restricted: bool) -> None:
    settings = StreamSettings(watermark=mode)  # type: ignore[arg-type]
    assert (marker_for(settings, "s", 640, 360, restricted=False) is not None) is plain
    assert (marker_for(settings, "s", 640, 360, restricted=True) is not None) is restricted


def test_the_key_is_hidden_and_checked() -> None:
    assert KEY not in repr(StreamSettings(watermark_key=KEY))
    with pytest.raises(ValueError, match="watermark_key"):
        StreamSettings(watermark_key="short")
    with pytest.raises(ValueError, match="watermark_strength"):
        StreamSettings(watermark_strength=0)
    with pytest.raises(ValueError, match="watermark must"):
        StreamSettings(watermark="sometimes")  # type: ignore[arg-type]


def test_without_a_key_one_random_key_serves_the_whole_start() -> None:
    assert watermark_key(StreamSettings()) == watermark_key(StreamSettings())
    assert watermark_key(StreamSettings(watermark_key=KEY)) == KEY.encode()


def test_a_marked_stream_is_traced_with_the_settings_key() -> None:
    settings = StreamSettings(watermark="all", watermark_key=KEY)
    mark = marker_for(settings, "visitor-7", 640, 360, restricted=False)
    assert mark is not None
    frames = [mark(frame) for frame in clip(11, 20)]
    assert frames[0].dtype == np.uint8
    found = detect(frames, KEY.encode(), [f"visitor-{i}" for i in range(100)])
    assert found.session == "visitor-7"


def test_the_marker_takes_frames_of_any_size_with_one_pattern() -> None:
    settings = StreamSettings(watermark="all", watermark_key=KEY)
    mark = marker_for(settings, "visitor-3", 640, 360, restricted=False)
    assert mark is not None
    candidates = [f"visitor-{i}" for i in range(100)]
    # A moving preview at half size, then full size again, then a smaller ladder step.
    for width, height in ((320, 180), (640, 360), (480, 270), (320, 180)):
        frames = [mark(f) for f in clip(12, 10, width, height)]
        assert frames[0].shape == (height, width, 3)
        assert detect(frames, KEY.encode(), candidates).session == "visitor-3"
