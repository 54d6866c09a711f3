"""Publishing to a WHIP endpoint: a media file's own packets, or a test pattern.

A file's H.264 or VP8 is sent as it is (never re-encoded), paced by its timestamps; H.264
from MP4 or Matroska is turned into Annex B (``h264_mp4toannexb``), as RTP packetization
needs.  ``testsrc`` is ffmpeg's test pattern, encoded by aiortc.  The WHIP exchange is RFC
9725's: ``POST`` the offer with the bearer token, ``201`` with the answer and a
``Location``, ``DELETE`` on that location at the end.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import aiohttp
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from museion.streaming.errors import CodecUnsupported, SignallingError
from museion.streaming.negotiation import preferred_codecs, profile_level_id, register_profiles

__all__ = ["FileTrack", "PublishResult", "publish"]

logger = logging.getLogger(__name__)

_CLOCK = fractions.Fraction(1, 90_000)
_CODECS = {"h264": "H264", "vp8": "VP8"}


class FileTrack(MediaStreamTrack):
    """A video file's packets in real time (``loop``: start over at the end)."""

    kind = "video"

    def __init__(self, path: Path, loop: bool = False) -> None:
        super().__init__()
        self._path = path
        self._repeat = loop
        self._container: Any = None
        self._packets: Any = None
        self._filter: Any = None
        self._start: float | None = None
        self._offset = 0  # 90 kHz ticks added on each loop
        self._last = 0
        self._first: int | None = None  # the file's first timestamp (MPEG-TS starts at ~1.4 s)
        self._frame_ticks = 3000
        self.codec = self._open()
        self.packets_sent = 0

    def _open(self) -> str:
        container = av.open(str(self._path))
        streams = container.streams.video
        if not streams:
            container.close()
            raise CodecUnsupported(f"{self._path.name} has no video stream.")
        stream = streams[0]
        name = stream.codec_context.name
        if name not in _CODECS:
            container.close()
            raise CodecUnsupported(
                f"{self._path.name} is {name}; publish H.264 or VP8 (e.g. ffmpeg -c:v libx264)."
            )
        self._filter = None
        if name == "h264" and container.format.name not in ("mpegts", "h264"):
            self._filter = av.bitstream.BitStreamFilterContext("h264_mp4toannexb", stream)
        self.profile_level_id = (
            profile_level_id(stream.codec_context.extradata) if name == "h264" else None
        )
        self._container = container
        self._stream = stream
        self._packets = container.demux(stream)
        self._first = None
        if stream.average_rate:
            self._frame_ticks = max(1, round(90_000 / stream.average_rate))
        return name

    def _next_packet(self) -> av.Packet | None:  # type: ignore[type-arg]
        while True:
            for packet in self._packets:
                if packet.size == 0 or packet.pts is None:
                    continue
                out = self._filter.filter(packet) if self._filter is not None else [packet]
                if out:
                    return out[0]  # type: ignore[no-any-return]
            if not self._repeat:
                return None
            self._offset = self._last + self._frame_ticks
            self._container.close()
            self._open()

    async def recv(self) -> av.Packet:  # type: ignore[type-arg]
        if self.readyState != "live":
            raise MediaStreamError
        loop = asyncio.get_running_loop()
        packet = await loop.run_in_executor(None, self._next_packet)
        if packet is None:
            self.stop()
            raise MediaStreamError
        ticks = int((packet.pts or 0) * packet.time_base / _CLOCK)
        if self._first is None:
            self._first = ticks
        ticks += self._offset - self._first
        self._last = ticks
        now = time.monotonic()
        if self._start is None:
            self._start = now - ticks / 90_000
        wait = self._start + ticks / 90_000 - now
        if wait > 0:
            await asyncio.sleep(wait)
        out = av.Packet(bytes(packet))
        out.pts = ticks
        out.time_base = _CLOCK
        self.packets_sent += 1
        return out

    def stop(self) -> None:
        super().stop()
        if self._container is not None:
            self._container.close()
            self._container = None


@dataclass(frozen=True)
class PublishResult:
    """What was sent: the session's location, how long, and (for a file) its frames."""

    location: str
    frames: int | None
    seconds: float


def _test_pattern(size: str, fps: int) -> tuple[Any, MediaStreamTrack]:
    from aiortc.contrib.media import MediaPlayer

    player = MediaPlayer(f"testsrc2=size={size}:rate={fps}", format="lavfi")
    if player.video is None:  # pragma: no cover - lavfi always has video
        raise CodecUnsupported("ffmpeg's test pattern is not available.")
    return player, player.video


async def publish(
    source: str,
    url: str,
    token: str,
    *,
    duration: float | None = None,
    loop: bool = False,
    size: str = "1280x720",
    fps: int = 30,
    stop: asyncio.Event | None = None,
) -> PublishResult:
    """Publish ``source`` (a file path, or ``testsrc``) to the WHIP endpoint ``url``
    until the file ends, ``duration`` seconds pass or ``stop`` is set."""
    player: Any = None
    track: MediaStreamTrack
    register_profiles()
    profile: str | None = None  # what aiortc's encoder makes
    if source == "testsrc":
        player, track = _test_pattern(size, fps)
        codec = "H264"
    else:
        file_track = FileTrack(Path(source), loop=loop)
        track, codec = file_track, _CODECS[file_track.codec]
        profile = file_track.profile_level_id
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver(track, direction="sendonly")
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    # H.264: the file's own profile, or what aiortc encodes.
    transceiver.setCodecPreferences(preferred_codecs(capabilities, codec, profile))
    ended = asyncio.Event()

    @pc.on("connectionstatechange")
    def _state() -> None:
        if pc.connectionState in ("failed", "closed"):
            ended.set()

    location = ""
    started = time.monotonic()
    try:
        await pc.setLocalDescription(await pc.createOffer())
        headers = {"Content-Type": "application/sdp", "Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=pc.localDescription.sdp, headers=headers) as reply:
                body = await reply.text()
                if reply.status != 201:
                    raise SignallingError(f"The WHIP endpoint answered {reply.status}: {body}")
                location = urljoin(url, reply.headers.get("Location", ""))
            await pc.setRemoteDescription(RTCSessionDescription(body, "answer"))
            logger.info("publishing %s to %s", source, location)
            waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(ended.wait())]
            if stop is not None:
                waits.append(asyncio.ensure_future(stop.wait()))
            ends = _track_end(track)
            waits.append(ends)
            await asyncio.wait(waits, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
            if location:
                async with http.delete(location, headers=headers) as reply:
                    logger.info("ended the session: %s", reply.status)
    finally:
        await pc.close()
        track.stop()
        if player is not None and player.video is not None:
            player.video.stop()
    frames = getattr(track, "packets_sent", None)
    return PublishResult(location, frames, time.monotonic() - started)


def _track_end(track: MediaStreamTrack) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def ended() -> None:
        if not future.done():
            future.set_result(None)

    track.on("ended", ended)
    return future
