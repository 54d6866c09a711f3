"""Recording a live show as fragmented MP4, without re-encoding.

Each show becomes ``DIR/<stream>-<UTC time>.mp4``, written by FFmpeg's MP4 muxer (PyAV)
with an empty ``moov`` up front and a fragment at least every second
(``frag_keyframe+empty_moov+default_base_moof``, ``frag_duration`` 1 s, packets flushed as
they are written): a recording cut off by a crash plays up to its last complete fragment,
so at most about a second is lost.  The publisher's H.264 (Annex B, which the muxer turns
into length-prefixed samples) or VP8 is stored as it came; the file starts at the first
keyframe.  The publisher's Opus, when it sends audio, is stored beside it as it came; the two
are lined up by arrival (the first audio packet is placed at its arrival time after the
first keyframe's) and each then follows its own RTP clock.
"""

from __future__ import annotations

import datetime
import fractions
import logging
import queue
import struct
import threading
import time
from pathlib import Path
from typing import Any

import av

__all__ = ["FRAGMENT_SECONDS", "Recorder"]

logger = logging.getLogger(__name__)

FRAGMENT_SECONDS = 1.0
_CLOCK = fractions.Fraction(1, 90_000)
_AUDIO_CLOCK = fractions.Fraction(1, 48_000)
# RFC 7845's identification header, which MP4's 'dOps' box is made from: version 1,
# 2 channels, 312 samples of pre-skip (libopus's), 48 kHz, no gain, mapping family 0.
_OPUS_HEAD = b"OpusHead" + struct.pack("<BBHIhB", 1, 2, 312, 48_000, 0, 0)
_MUXER_OPTIONS = {
    "movflags": "frag_keyframe+empty_moov+default_base_moof",
    "frag_duration": str(int(FRAGMENT_SECONDS * 1_000_000)),
    "flush_packets": "1",
}


def _parameter_sets(data: bytes) -> bytes:
    """The SPS and PPS NAL units of an Annex B access unit, with their start codes."""
    out = bytearray()
    starts = []
    index = data.find(b"\x00\x00\x01")
    while index >= 0:
        starts.append(index + 3)
        index = data.find(b"\x00\x00\x01", index + 3)
    for n, start in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(data)
        while end > start and data[end - 1] == 0:
            end -= 1
        if data[start] & 0x1F in (7, 8):
            out += b"\x00\x00\x00\x01" + data[start:end]
    return bytes(out)


def _picture_size(codec: str, data: bytes) -> tuple[int, int]:
    """The keyframe's picture size, by decoding it once."""
    decoder = av.CodecContext.create("h264" if codec == "H264" else "vp8", "r")
    frames = decoder.decode(av.Packet(data)) + decoder.decode(None)
    if not frames:
        raise ValueError("the first keyframe did not decode")
    frame = frames[0]
    return frame.width, frame.height


class Recorder:
    """Writes one stream's frames to ``directory``; ``close`` finishes the file."""

    def __init__(self, directory: Path, stream: str, codec: str, audio: bool = False) -> None:
        self.directory = directory
        self.stream = stream
        self.codec = codec
        self.audio = audio
        self.path: Path | None = None
        self.frames = 0
        self.audio_packets = 0
        self._container: Any = None
        self._video: Any = None
        self._sound: Any = None
        self._first: int | None = None
        self._opened_at = 0.0
        self._audio_origin: tuple[int, int] | None = None  # (RTP timestamp, pts) of the first
        self._last = -1
        self._last_audio = -1
        self.failed: str | None = None
        # Muxing and disk writes run on a thread of their own, off the event loop that
        # relays the show: a slow disk delays the file, never the viewers.
        self._queue: queue.Queue[tuple[str, bytes, int, bool, float] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"record-{stream}", daemon=True)
        self._thread.start()

    def _open(self, keyframe: bytes) -> None:
        width, height = _picture_size(self.codec, keyframe)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{self.stream}-{stamp}.mp4"
        container = av.open(str(self.path), "w", format="mp4", options=_MUXER_OPTIONS)
        video = container.add_stream("h264" if self.codec == "H264" else "vp8")
        video.width, video.height = width, height
        video.time_base = _CLOCK
        if self.codec == "H264":
            video.codec_context.extradata = _parameter_sets(keyframe)
        if self.audio:
            sound = container.add_stream("opus", rate=48_000)
            sound.time_base = _AUDIO_CLOCK
            sound.codec_context.extradata = _OPUS_HEAD
            self._sound = sound
        self._container, self._video = container, video
        logger.info("recording %s to %s (%dx%d)", self.stream, self.path, width, height)

    def write(self, data: bytes, timestamp: int, keyframe: bool) -> None:
        """Queue one frame, in order, for the recording thread."""
        if self.failed is None:
            self._queue.put(("video", data, timestamp, keyframe, time.monotonic()))

    def write_audio(self, data: bytes, timestamp: int) -> None:
        """Queue one Opus packet (48 kHz RTP timestamp); ignored unless made with audio."""
        if self.failed is None and self.audio:
            self._queue.put(("audio", data, timestamp, True, time.monotonic()))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            kind, data, timestamp, keyframe, arrival = item
            if self.failed is not None:
                continue
            if kind == "video":
                self._mux(data, timestamp, keyframe, arrival)
            else:
                self._mux_audio(data, timestamp, arrival)
        self._finish()

    def _mux(self, data: bytes, timestamp: int, keyframe: bool, arrival: float) -> None:
        """One frame into the file; frames before the first keyframe are skipped."""
        if self._container is None:
            if not keyframe:
                return
            try:
                self._open(data)
            except (av.FFmpegError, OSError, ValueError) as exc:
                self._fail(exc)
                return
            self._first, self._opened_at = timestamp, arrival
        assert self._first is not None
        ticks = (timestamp - self._first) % (1 << 32)
        if ticks <= self._last:  # the muxer wants strictly rising timestamps
            ticks = self._last + 1
        self._last = ticks
        if self._write_packet(data, self._video, ticks, _CLOCK, keyframe):
            self.frames += 1

    def _mux_audio(self, data: bytes, timestamp: int, arrival: float) -> None:
        """One Opus packet, placed on the video's time line by its arrival, then its clock."""
        if self._sound is None:
            return  # no file yet (before the first keyframe), or no audio in it
        if self._audio_origin is None:
            self._audio_origin = (timestamp, round((arrival - self._opened_at) * 48_000))
        origin, offset = self._audio_origin
        pts = offset + (timestamp - origin) % (1 << 32)
        if pts <= self._last_audio:
            return  # a repeat or a reordered packet: the file keeps rising timestamps
        self._last_audio = pts
        if self._write_packet(data, self._sound, pts, _AUDIO_CLOCK, True):
            self.audio_packets += 1

    def _write_packet(
        self, data: bytes, stream: Any, pts: int, clock: fractions.Fraction, key: bool
    ) -> bool:
        try:
            packet = av.Packet(data)
            packet.stream = stream
            packet.pts = packet.dts = pts
            packet.time_base = clock
            packet.is_keyframe = key
            self._container.mux(packet)
        except (av.FFmpegError, OSError, ValueError) as exc:
            self._fail(exc)
            return False
        return True

    def _fail(self, exc: Exception) -> None:
        # A recording that fails must not stop the show: say so once, and stop writing.
        self.failed = f"{type(exc).__name__}: {exc}"
        logger.error("recording %s stopped: %s", self.stream, self.failed)

    def close(self) -> None:
        """Finish the file (its last fragment and index), once the queued frames are in."""
        self._queue.put(None)
        self._thread.join()

    def _finish(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except (av.FFmpegError, OSError) as exc:
                logger.error("recording %s did not close cleanly: %s", self.stream, exc)
            self._container = None
            logger.info("recorded %d frames of %s to %s", self.frames, self.stream, self.path)
