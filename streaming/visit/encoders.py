"""aiortc's video encoders, tuned for rendered pictures.

aiortc builds its libvpx and libx264 contexts with fixed options meant for camera video:
VP8 runs the denoiser (``noise-sensitivity 4``), which costs half the encode of an
unchanged frame and does nothing for a noise-free render; H.264 uses libx264's default
``medium`` preset; both cap the bitrate low for 720p.  These subclasses create the codec
context themselves, with options from :class:`StreamSettings`, before aiortc would.

A docent's encoder also hands every encoded frame to a ``tap`` (the tour's live stream):
the one encode serves the docent and every follower.
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
from aiortc.mediastreams import VIDEO_TIME_BASE, convert_timebase

from museion.streaming.settings import StreamSettings

__all__ = ["EncodedTap", "RenderedH264Encoder", "RenderedVp8Encoder", "install_encoder"]

EncodedTap = Callable[[bytes, int, bool, list[bytes]], None]
"""Told each encoded frame: its bytes (VP8, or H.264 Annex B), its 90 kHz timestamp,
whether it is a keyframe, and its RTP payloads; called on aiortc's encoder thread."""

_START_CODE = b"\x00\x00\x00\x01"

logger = logging.getLogger(__name__)


class _Tuned:
    """What both encoders share: bitrate bounds from settings (not aiortc's module
    constants) and building the codec context before aiortc would, with our options."""

    codec: Any
    options: dict[str, str]
    """The encoder options of the current codec context (for inspection)."""

    on_encode: Callable[[float], None] | None = None
    """Told the seconds each frame took to encode (metrics); called on aiortc's thread."""

    tap: EncodedTap | None = None
    estimate: int | None = None
    """The receiver's last estimated maximum bitrate (REMB), as aiortc handed it to
    :attr:`target_bitrate`, before our bounds (None: none yet); :attr:`estimate_at` is
    when (monotonic seconds).  A quality ladder reads both."""
    estimate_at = 0.0
    keyframe_wanted = False
    """Set (from any thread) to make the next frame a keyframe: a follower joined."""

    def _tune(self, settings: StreamSettings) -> None:
        self._low, self._high = settings.min_bitrate, settings.max_bitrate
        self._bitrate = settings.start_bitrate

    def _timed(
        self, encode: Callable[[bool], tuple[bytes, list[bytes]]], frame: Any, force: bool
    ) -> tuple[list[bytes], int]:
        """``encode(force_keyframe)`` → (frame bytes, payloads), timed and tapped."""
        force = force or self.keyframe_wanted
        self.keyframe_wanted = False
        started = time.perf_counter()
        data, payloads = encode(force)
        if self.on_encode is not None:
            self.on_encode(time.perf_counter() - started)
        timestamp = convert_timebase(frame.pts, frame.time_base, VIDEO_TIME_BASE)
        if self.tap is not None and data:
            self.tap(data, timestamp, self._is_keyframe(data), payloads)
        return payloads, timestamp

    def _is_keyframe(self, data: bytes) -> bool:
        raise NotImplementedError

    @property
    def target_bitrate(self) -> int:
        return self._bitrate

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        """aiortc's only call: a receiver's REMB arrived."""
        self.estimate, self.estimate_at = bitrate, time.monotonic()
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
        return self._timed(lambda force: self._encode(frame, force), frame, force_keyframe)

    def _encode(self, frame: av.VideoFrame, force_keyframe: bool) -> tuple[bytes, list[bytes]]:
        """aiortc's VP8 encode, keeping the frame's bytes for the tap."""
        if force_keyframe:
            frame.pict_type = av.video.frame.PictureType.I
        data = b"".join(bytes(packet) for packet in self.codec.encode(frame))
        payloads = self._packetize(data, self.picture_id)
        self.picture_id = (self.picture_id + 1) % (1 << 15)
        return data, payloads

    def _is_keyframe(self, data: bytes) -> bool:
        return not data[0] & 0x01  # RFC 6386 9.1

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
        return self._timed(lambda force: self._encode(frame, force), frame, force_keyframe)

    def _encode(self, frame: av.VideoFrame, force_keyframe: bool) -> tuple[bytes, list[bytes]]:
        """aiortc's H.264 encode, keeping the access unit (Annex B) for the tap."""
        units = list(self._encode_frame(frame, force_keyframe))
        return b"".join(_START_CODE + unit for unit in units), self._packetize(units)

    def _is_keyframe(self, data: bytes) -> bool:
        return any(unit[:1] and unit[0] & 0x1F in (5, 7) for unit in data.split(_START_CODE))

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
    sender: Any,
    settings: StreamSettings,
    on_encode: Callable[[float], None] | None = None,
    tap: EncodedTap | None = None,
) -> RenderedVp8Encoder | RenderedH264Encoder | None:
    """Give ``sender`` our encoder before its first frame (aiortc makes one lazily).

    aiortc has no public hook for this; its sender keeps the encoder in a private slot,
    and only fills it when empty.  Returns the encoder, or None (aiortc's defaults stay)
    if that changes.
    """
    slot = "_RTCRtpSender__encoder"
    if getattr(sender, slot, "missing") is not None:
        logger.warning("cannot tune the %s encoder on this aiortc version", settings.codec)
        return None
    encoder: RenderedVp8Encoder | RenderedH264Encoder = (
        RenderedVp8Encoder(settings) if settings.codec == "VP8" else RenderedH264Encoder(settings)
    )
    encoder.on_encode = on_encode
    encoder.tap = tap
    setattr(sender, slot, encoder)
    return encoder
