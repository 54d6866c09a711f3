"""Publishing to a WHIP endpoint: a media file's own packets, or a test pattern.

A file's H.264 or VP8 is sent as it is (never re-encoded), paced by its timestamps; H.264
from MP4 or Matroska is turned into Annex B (``h264_mp4toannexb``), as RTP packetization
needs.  ``testsrc`` is ffmpeg's test pattern, encoded by aiortc.  The WHIP exchange is RFC
9725's: ``POST`` the offer with the bearer token, ``201`` with the answer and a
``Location``, ``DELETE`` on that location at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import aiohttp
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.stats import RTCOutboundRtpStreamStats

from museion.streaming.errors import CodecUnsupported, PublishFailed
from museion.streaming.negotiation import preferred_codecs, profile_level_id, register_profiles

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "FileTrack", "PublishResult", "publish"]

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 15.0  # ICE and DTLS: well under a second on a LAN, a few over NAT
_REQUEST_SECONDS = 15.0  # each WHIP request (the offer's POST, the session's DELETE)
_CLOCK = fractions.Fraction(1, 90_000)
_CODECS = {"h264": "H264", "vp8": "VP8"}
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")  # a server's error code we repeat verbatim
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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
        self.finished = False  # the file ran to its end (not stopped, not cut off)
        self.codec = self._open()
        self.packets_sent = 0

    def _open(self) -> str:
        try:
            container = av.open(str(self._path))
        except (OSError, av.error.FFmpegError) as exc:  # missing, a folder, a loop, not video
            reason = getattr(exc, "strerror", None) or str(exc)
            raise PublishFailed(
                f"{self._path} cannot be read as a video ({reason})", code="SOURCE_UNREADABLE"
            ) from exc
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
            self.finished = True
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
    """What was sent: the session's location, how long, the RTP packets that left, and
    (for a file) its frames."""

    location: str
    frames: int | None
    seconds: float
    packets: int = 0


def _test_pattern(size: str, fps: int) -> tuple[Any, MediaStreamTrack]:
    from aiortc.contrib.media import MediaPlayer

    player = MediaPlayer(f"testsrc2=size={size}:rate={fps}", format="lavfi")
    if player.video is None:  # pragma: no cover - lavfi always has video
        raise CodecUnsupported("ffmpeg's test pattern is not available.")
    return player, player.video


def _clean(text: str, width: int = 300) -> str:
    """What a remote server wrote, fit for a terminal: no control characters, one line."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _unreachable(url: str, exc: BaseException) -> PublishFailed:
    """The sentence for a WHIP endpoint we could not talk to (refused, no such host...)."""
    if isinstance(exc, TimeoutError):
        reason = f"no answer within {_REQUEST_SECONDS:g} s"
    elif isinstance(exc, aiohttp.InvalidURL):
        reason = "not a valid http(s) URL"
    elif isinstance(exc, aiohttp.ClientConnectorError):
        error, number = exc.os_error, exc.os_error.errno
        # os.strerror: "Connection refused", not asyncio's "Connect call failed (...)";
        # a resolver's error has a negative number and its own words.
        reason = os.strerror(number) if number and number > 0 else error.strerror or str(error)
    else:
        reason = str(exc) or type(exc).__name__
    reason = _clean(reason)
    return PublishFailed(
        f"could not reach {url}: {reason[:1].lower()}{reason[1:]}", code="WHIP_UNREACHABLE"
    )


def _refused(url: str, status: int, body: str) -> PublishFailed:
    """The endpoint's own code and sentence when it answered ``{code, message}`` JSON (as
    Museion's server does), else its status and body."""
    code, message = "WHIP_REFUSED", _clean(body) or "(no explanation)"
    with contextlib.suppress(ValueError):
        answer = json.loads(body)
        if isinstance(answer, dict):
            if isinstance(answer.get("code"), str) and _CODE.match(answer["code"]):
                code = answer["code"]
            if isinstance(answer.get("message"), str):
                message = _clean(answer["message"])
    return PublishFailed(f"{url} refused the show (HTTP {status}): {message}", code=code)


class _Connection:
    """The peer connection's fate as futures: ``up`` when ICE and DTLS connect (``False``
    when they fail first), ``down`` when a connection that was up fails or closes."""

    def __init__(self, pc: RTCPeerConnection) -> None:
        loop = asyncio.get_running_loop()
        self.up: asyncio.Future[bool] = loop.create_future()
        self.down: asyncio.Future[None] = loop.create_future()

        @pc.on("connectionstatechange")
        def _changed() -> None:
            state = pc.connectionState
            if state == "connected" and not self.up.done():
                self.up.set_result(True)
            elif state in ("failed", "closed"):
                if not self.up.done():
                    self.up.set_result(False)
                elif not self.down.done():
                    self.down.set_result(None)


async def _packets_sent(sender: RTCRtpSender) -> int:
    stats = await sender.getStats()
    return sum(s.packetsSent for s in stats.values() if isinstance(s, RTCOutboundRtpStreamStats))


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
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> PublishResult:
    """Publish ``source`` (a file path, or ``testsrc``) to the WHIP endpoint ``url``
    until the file ends, ``duration`` seconds pass or ``stop`` is set.

    Returns only when video did leave for the server; raises :class:`PublishFailed` when
    the endpoint cannot be reached (``WHIP_UNREACHABLE``), refuses (its own code), never
    connects within ``connect_timeout`` seconds (``PUBLISH_NOT_CONNECTED``), loses the
    connection before the end (``PUBLISH_INTERRUPTED``) or no packet was sent
    (``PUBLISH_NO_MEDIA``): "published" must never be said of a show nobody received.
    """
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
    connection = _Connection(pc)
    stop = stop or asyncio.Event()
    headers = {"Authorization": f"Bearer {token}"}
    location = ""
    started = time.monotonic()
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=_REQUEST_SECONDS))
    try:
        await pc.setLocalDescription(await pc.createOffer())
        try:
            async with http.post(
                url,
                data=pc.localDescription.sdp,
                headers={**headers, "Content-Type": "application/sdp"},
            ) as reply:
                body = await reply.text(errors="replace")
                status, where = reply.status, reply.headers.get("Location", "")
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _unreachable(url, exc) from exc
        if status != 201:
            raise _refused(url, status, body)
        location = urljoin(url, where)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(body, "answer"))
        except ValueError as exc:
            raise PublishFailed(
                f"{url} answered with an SDP that cannot be used ({_clean(str(exc))})",
                code="WHIP_ANSWER_INVALID",
            ) from exc
        logger.info("publishing %s to %s", source, location)
        await _connected(connection, stop, url, connect_timeout)
        connected_at = time.monotonic()
        ends = _track_end(track)
        stopped = asyncio.ensure_future(stop.wait())
        waits: list[asyncio.Future[Any]] = [connection.down, ends, stopped]
        await asyncio.wait(waits, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        packets = await _packets_sent(transceiver.sender)
        cut_off = connection.down.done() or (ends.done() and not getattr(track, "finished", False))
        if cut_off and not stop.is_set():
            raise PublishFailed(
                f"the connection to {url} was lost after {time.monotonic() - connected_at:.1f} s "
                f"({packets} RTP packets sent)",
                code="PUBLISH_INTERRUPTED",
            )
        if packets == 0:
            raise PublishFailed(
                f"connected to {url}, but no video was sent", code="PUBLISH_NO_MEDIA"
            )
    finally:
        if location:
            await _end_session(http, location, headers)
        await http.close()
        await pc.close()
        track.stop()
        if player is not None and player.video is not None:
            player.video.stop()
    frames = getattr(track, "packets_sent", None)
    return PublishResult(location, frames, time.monotonic() - started, packets)


async def _connected(
    connection: _Connection, stop: asyncio.Event, url: str, timeout: float
) -> None:
    """Return once ICE and DTLS are up; raise ``PUBLISH_NOT_CONNECTED`` when they fail,
    do not make it within ``timeout`` seconds, or the user stops first."""
    stopped = asyncio.ensure_future(stop.wait())
    waits: list[asyncio.Future[Any]] = [connection.up, stopped]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if connection.up.done() and connection.up.result():
        return
    if stop.is_set():
        why = "stopped before the connection was up"
    elif connection.up.done():
        why = "ICE or DTLS failed"
    else:
        why = f"ICE and DTLS did not connect within {timeout:g} s"
    raise PublishFailed(
        f"{url} accepted the show, but no media could reach it: {why} "
        "(is a UDP path open between this machine and the server?)",
        code="PUBLISH_NOT_CONNECTED",
    )


async def _end_session(http: aiohttp.ClientSession, location: str, headers: dict[str, str]) -> None:
    """``DELETE`` the WHIP session, best effort: the server also ends it on its own when
    the media stops, so a failure here is logged, not raised over the real outcome."""
    try:
        async with http.delete(location, headers=headers) as reply:
            logger.info("ended the session: %s", reply.status)
    except (TimeoutError, aiohttp.ClientError) as exc:
        logger.warning("could not end the session at %s: %s", location, exc)


def _track_end(track: MediaStreamTrack) -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def ended() -> None:
        if not future.done():
            future.set_result(None)

    track.on("ended", ended)
    if track.readyState == "ended":
        ended()
    return future
