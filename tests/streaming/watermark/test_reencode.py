"""The mark survives a recording: half size, a low bitrate, H.264 or VP8, and names the
right session among 1,000; the same recording of an unmarked stream names nobody."""

from __future__ import annotations

import secrets

import pytest

from museion.streaming.watermark import Watermark, detect
from tests.streaming.watermark.pictures import clip
from tests.streaming.watermark.recording import reencode

KEY = b"0123456789abcdef0123456789abcdef"
CANDIDATES = [secrets.token_urlsafe(16) for _ in range(1000)]


@pytest.mark.parametrize("codec", ["libx264", "libvpx"])
def test_half_size_low_bitrate_recording_names_the_session(codec: str) -> None:
    # 5 s of a 640 x 360 stream recorded at 320 x 180 and 150 kbit/s (the bits per pixel
    # of 300 kbit/s at 640 x 360): cells of ~5 pixels, coarsely quantised.
    session = CANDIDATES[123]
    mark = Watermark(KEY, session, 640, 360, 3.0)
    recording = reencode((mark.apply(f) for f in clip(21, 150)), (320, 180), 150_000, codec)
    assert len(recording) >= 140
    found = detect(recording, KEY, CANDIDATES)
    assert found.session == session, found


def test_a_720p_stream_recorded_at_half_size_and_300_kbits() -> None:
    session = CANDIDATES[999]
    mark = Watermark(KEY, session, 1280, 720, 3.0)
    frames = (mark.apply(f) for f in clip(22, 90, 1280, 720))
    recording = reencode(frames, (640, 360), 300_000)
    found = detect(recording, KEY, CANDIDATES)
    assert found.session == session, found


def test_an_unmarked_recording_names_nobody() -> None:
    recording = reencode(clip(23, 90), (320, 180), 150_000)
    found = detect(recording, KEY, CANDIDATES)
    assert found.session is None, found
