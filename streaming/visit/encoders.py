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
import time
from collections.abc import Callable
from typing import Any

import av
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder, number_of_threads

from museion.streaming.settings import StreamSettings

__all__ = ["RenderedH264Encoder", "RenderedVp8Encoder", "install_encoder"]

logger = logging.getLogger(__name__)


class _Tuned:
    """What both encoders share: bitrate bounds from settings (not aiortc's module
    constants) and building the codec context before aiortc would, with our options."""

    codec: Any
    options: dict[str, str]
    """The encoder options of the current codec context (for inspection)."""

    on_encode: Callable[[float], None] | None = None
    """Told the seconds each frame took to encode (metrics); called on aiortc's thread."""

    def _tune(self, settings: StreamSettings) -> None:
        self._low, self._high = settings.min_bitrate, settings.max_bitrate
        self._bitrate = settings.start_bitrate

    def _timed(self, encode: Callable[[], tuple[list[bytes], int]]) -> tuple[list[bytes], int]:
        started = time.perf_counter()
        result = encode()
        if self.on_encode is not None:
            self.on_encode(time.perf_counter() - started)
        return result

    @property
    def target_bitrate(self) -> int:
        return self._bitrate

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        self._bitrate = max(self._low, min(bitrate, self._high))

    def _prepare(self, frame: av.VideoFrame) -> None:
        """Rebuild on aiortc's rule (size change, bitrate change over 10 %), our way."""
        codec = self.codec
        if codec is not None and (
            frame.width != codec.width
            or frame.height != codec.height
            or abs(self._bitrate - codec.bit_rate) / codec.bit_rate > 0.1
        ):
            self.codec = None
        if self.codec is None:
            self.codec = self._make_codec(frame)

    def _make_codec(self, frame: av.VideoFrame) -> Any:
        raise NotImplementedError


class RenderedVp8Encoder(_Tuned, Vp8Encoder):
    """VP8 without the denoiser, with a configurable static threshold."""

    def __init__(self, settings: StreamSettings) -> None:
        Vp8Encoder.__init__(self)
        self._tune(settings)
        self._static_threshold = settings.vp8_static_threshold

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        if frame.format.name != "yuv420p":
            frame = frame.reformat(format="yuv420p")
        self._prepare(frame)
        return self._timed(lambda: Vp8Encoder.encode(self, frame, force_keyframe))

    def _make_codec(self, frame: av.VideoFrame) -> Any:
        bitrate = self.target_bitrate
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height = frame.width, frame.height
        codec.bit_rate = bitrate
        codec.pix_fmt = "yuv420p"
        codec.gop_size = 3000
        codec.qmin, codec.qmax = 2, 56
        self.options = codec.options = {
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


class RenderedH264Encoder(_Tuned, H264Encoder):
    """H.264 (baseline, zero latency) with a configurable libx264 preset."""

    def __init__(self, settings: StreamSettings) -> None:
        H264Encoder.__init__(self)
        self._tune(settings)
        self._preset = settings.h264_preset

    def encode(self, frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        self._prepare(frame)
        return self._timed(lambda: H264Encoder.encode(self, frame, force_keyframe))

    def _make_codec(self, frame: av.VideoFrame) -> Any:
        codec = av.CodecContext.create("libx264", "w")
        codec.width, codec.height = frame.width, frame.height
        codec.bit_rate = self.target_bitrate
        codec.pix_fmt = "yuv420p"
        codec.framerate = fractions.Fraction(30, 1)
        codec.time_base = fractions.Fraction(1, 30)
        self.options = codec.options = {
            "level": "31",
            "tune": "zerolatency",
            "preset": self._preset,
        }
        codec.profile = "Baseline"
        return codec


def install_encoder(
    sender: Any, settings: StreamSettings, on_encode: Callable[[float], None] | None = None
) -> bool:
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
    encoder.on_encode = on_encode
    setattr(sender, slot, encoder)
    return True
