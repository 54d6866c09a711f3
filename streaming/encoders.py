"""aiortc's video encoders, tuned for rendered pictures.

aiortc builds its libvpx and libx264 contexts with fixed options meant for camera video:
VP8 runs the denoiser (``noise-sensitivity 4``), which costs half the encode of an
unchanged frame and does nothing for a noise-free render; H.264 uses libx264's default
``medium`` preset; both cap the bitrate low for 720p.  These subclasses create the codec
context themselves, with options from :class:`StreamSettings`, before aiortc would.
"""

from __future__ import annotations

import fractions
import logging
from typing import Any

import av
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder, number_of_threads

from museion.streaming.settings import StreamSettings

__all__ = ["RenderedH264Encoder", "RenderedVp8Encoder", "install_encoder"]

logger = logging.getLogger(__name__)


class _Bitrate:
    """Bitrate bounds from settings instead of aiortc's module constants."""

    def __init__(self, settings: StreamSettings) -> None:
        self.low = settings.min_bitrate
        self.high = settings.max_bitrate
        self.value = settings.start_bitrate

    def clamp(self, bitrate: int) -> int:
        return max(self.low, min(bitrate, self.high))


def _stale(codec: Any, frame: av.VideoFrame, bitrate: int) -> bool:
    """aiortc's rule: rebuild on a size change or a bitrate change over 10 %."""
    return bool(
        frame.width != codec.width
        or frame.height != codec.height
        or abs(bitrate - codec.bit_rate) / codec.bit_rate > 0.1
    )


class RenderedVp8Encoder(Vp8Encoder):
    """VP8 without the denoiser and with a static threshold that skips unchanged blocks."""

    def __init__(self, settings: StreamSettings) -> None:
        super().__init__()
        self._rate = _Bitrate(settings)
        self._static_threshold = settings.vp8_static_threshold

    @property
    def target_bitrate(self) -> int:
        return self._rate.value

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._rate.value = self._rate.clamp(bitrate)

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        if self.codec is not None and _stale(self.codec, frame, self.target_bitrate):
            self.codec = None
        if self.codec is None:
            self.codec = self._make_codec(frame)
        result: tuple[list[bytes], int] = super().encode(frame, force_keyframe)
        return result

    def _make_codec(self, frame: av.VideoFrame) -> Any:
        bitrate = self.target_bitrate
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height = frame.width, frame.height
        codec.bit_rate = bitrate
        codec.pix_fmt = "yuv420p"
        codec.gop_size = 3000
        codec.qmin, codec.qmax = 2, 56
        codec.options = {
            "bufsize": str(bitrate),
            "cpu-used": "-6",
            "deadline": "realtime",
            "lag-in-frames": "0",
            "minrate": str(bitrate),
            "maxrate": str(bitrate),
            "noise-sensitivity": "0",
            "overshoot-pct": "15",
            "partitions": "0",
            "static-thresh": str(self._static_threshold),
            "undershoot-pct": "100",
        }
        codec.thread_count = number_of_threads(frame.width * frame.height, 2)
        return codec


class RenderedH264Encoder(H264Encoder):
    """H.264 (baseline, zero latency) with a configurable libx264 preset."""

    def __init__(self, settings: StreamSettings) -> None:
        super().__init__()
        self._rate = _Bitrate(settings)
        self._preset = settings.h264_preset

    @property
    def target_bitrate(self) -> int:
        return self._rate.value

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._rate.value = self._rate.clamp(bitrate)

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        if self.codec is not None and _stale(self.codec, frame, self.target_bitrate):
            self.codec = None
        if self.codec is None:
            codec = av.CodecContext.create("libx264", "w")
            codec.width, codec.height = frame.width, frame.height
            codec.bit_rate = self.target_bitrate
            codec.pix_fmt = "yuv420p"
            codec.framerate = fractions.Fraction(30, 1)
            codec.time_base = fractions.Fraction(1, 30)
            codec.options = {"level": "31", "tune": "zerolatency", "preset": self._preset}
            codec.profile = "Baseline"
            self.codec = codec
        result: tuple[list[bytes], int] = super().encode(frame, force_keyframe)
        return result


def install_encoder(sender: Any, settings: StreamSettings) -> bool:
    """Give ``sender`` our encoder before its first frame (aiortc makes one lazily).

    aiortc has no public hook for this; its sender keeps the encoder in a private slot,
    and only fills it when empty.  Returns False (aiortc's defaults stay) if that changes.
    """
    slot = "_RTCRtpSender__encoder"
    if getattr(sender, slot, "missing") is not None:
        logger.warning("cannot tune the %s encoder on this aiortc version", settings.codec)
        return False
    encoder = (
        RenderedVp8Encoder(settings) if settings.codec == "VP8" else RenderedH264Encoder(settings)
    )
    setattr(sender, slot, encoder)
    return True
