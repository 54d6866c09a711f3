"""A keyframe's picture size from its header, for frames real encoders made, and any bytes
read without an exception."""

from __future__ import annotations

import fractions

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.live.simulcast.picture import (
    h264_picture_size,
    picture_size,
    vp8_picture_size,
)


def _keyframe(codec: str, width: int, height: int, profile: str | None = None) -> bytes:
    context = av.CodecContext.create(codec, "w")
    context.width, context.height, context.pix_fmt = width, height, "yuv420p"
    context.time_base = fractions.Fraction(1, 30)
    if profile is not None:
        context.options = {"profile": profile}
    frame = av.VideoFrame.from_ndarray(np.zeros((height, width, 3), np.uint8), format="rgb24")
    frame = frame.reformat(format="yuv420p")
    frame.pts = 0
    packets = [*context.encode(frame), *context.encode(None)]
    return bytes(packets[0])


@pytest.mark.parametrize("size", [(640, 360), (1280, 720), (1920, 1080), (3840, 2160), (90, 46)])
def test_real_keyframes_tell_their_size(size: tuple[int, int]) -> None:
    assert picture_size("VP8", _keyframe("libvpx", *size)) == size
    for profile in ("baseline", "high"):
        assert picture_size("H264", _keyframe("libx264", *size, profile)) == size


def test_what_is_not_a_keyframe_header_has_no_size() -> None:
    assert vp8_picture_size(b"\x11\x02\x00" + bytes(20)) is None  # an inter frame
    assert h264_picture_size(b"\x00\x00\x01\x41" + bytes(20)) is None  # no SPS
    assert h264_picture_size(b"\x00\x00\x01\x67") is None  # an SPS cut short


@given(st.binary(max_size=200))
def test_any_bytes_read_as_a_size_or_none(data: bytes) -> None:
    for codec in ("VP8", "H264"):
        size = picture_size(codec, data)
        assert size is None or (0 < size[0] <= 16_384 and 0 < size[1] <= 16_384)
    picture_size("H264", b"\x00\x00\x01\x67" + data)
