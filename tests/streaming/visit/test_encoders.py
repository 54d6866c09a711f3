"""Our tuned encoders: our options, our bitrate bounds, aiortc's packetisation."""

from __future__ import annotations

import fractions

import av
import numpy as np
import pytest

from museion.streaming.settings import StreamSettings
from museion.streaming.visit.encoders import RenderedH264Encoder, RenderedVp8Encoder

SETTINGS = StreamSettings(min_bitrate=400_000, start_bitrate=900_000, max_bitrate=2_000_000)


def _frame(width: int, height: int, pts: int) -> av.VideoFrame:
    image = np.full((height, width, 3), 128, np.uint8)
    image[: height // 2, : width // 2] = (150, 110, 55)
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    frame.pts, frame.time_base = pts, fractions.Fraction(1, 90_000)
    return frame


@pytest.mark.parametrize("kind", [RenderedVp8Encoder, RenderedH264Encoder])
def test_bitrate_follows_our_bounds(kind: type[RenderedVp8Encoder | RenderedH264Encoder]) -> None:
    encoder = kind(SETTINGS)
    assert encoder.target_bitrate == 900_000
    encoder.target_bitrate = 10_000_000
    assert encoder.target_bitrate == 2_000_000
    encoder.target_bitrate = 1
    assert encoder.target_bitrate == 400_000


@pytest.mark.parametrize("kind", [RenderedVp8Encoder, RenderedH264Encoder])
def test_encodes_into_rtp_payloads_and_rebuilds_on_resize(
    kind: type[RenderedVp8Encoder | RenderedH264Encoder],
) -> None:
    encoder = kind(SETTINGS)
    payloads, _ = encoder.encode(_frame(320, 240, 0), force_keyframe=True)
    assert payloads and all(len(p) <= 1300 for p in payloads)
    first = encoder.codec
    assert (first.width, first.height, first.bit_rate) == (320, 240, 900_000)
    encoder.encode(_frame(320, 240, 3000))
    assert encoder.codec is first
    encoder.encode(_frame(640, 480, 6000))
    assert (encoder.codec.width, encoder.codec.height) == (640, 480)


def test_vp8_runs_without_the_denoiser() -> None:
    encoder = RenderedVp8Encoder(SETTINGS)
    encoder.encode(_frame(320, 240, 0))
    assert encoder.options["noise-sensitivity"] == "0"
    assert encoder.options["static-thresh"] == str(SETTINGS.vp8_static_threshold)


def test_h264_uses_the_configured_preset() -> None:
    encoder = RenderedH264Encoder(StreamSettings(h264_preset="ultrafast"))
    encoder.encode(_frame(320, 240, 0))
    assert encoder.options["preset"] == "ultrafast"


@pytest.mark.parametrize("kind", [RenderedVp8Encoder, RenderedH264Encoder])
def test_a_new_size_starts_with_a_keyframe(
    kind: type[RenderedVp8Encoder | RenderedH264Encoder],
) -> None:
    """A quality ladder's step: the first frame at the new size decodes on its own."""
    encoder = kind(SETTINGS)
    keyframes: list[bool] = []
    encoder.tap = lambda data, timestamp, key, payloads: keyframes.append(key)
    for i in range(3):
        encoder.encode(_frame(320, 240, i * 3000))
    for i in range(3, 6):
        encoder.encode(_frame(160, 128, i * 3000))
    assert keyframes == [True, False, False, True, False, False]


def test_the_receivers_estimate_is_kept_as_sent() -> None:
    encoder = RenderedVp8Encoder(SETTINGS)
    assert encoder.estimate is None
    encoder.target_bitrate = 120_000  # what aiortc does with a REMB
    assert encoder.estimate == 120_000  # the ladder's evidence, not clamped
    assert encoder.target_bitrate == 400_000
