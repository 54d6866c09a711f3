"""Cascaded live relay: an edge node pulls a show it does not have from the show's origin.

A viewer asks this node (``POST /whep/<stream>``) for a stream that is not live here while
the cluster (Redis) lists it on another node: this node becomes an *edge* and pulls the
stream once, over one internal WHEP link (an aiortc viewer of the origin whose reassembled
frames enter a local :class:`LiveStream` as a WHIP publisher's do: never decoded, never
re-encoded).  Its own viewers, however many, share that link and are served by the usual
relay workers.  The pulled stream is in the registry's ``streams``, so the node's record
lists it and the door sends further viewers here.  Docent tours (``tour-<id>``) cascade
the same way: their video is a stream of the same registry.

The link's offer carries ``Museion-Edge: <edge url>`` and, when the cluster has a secret,
``Authorization: Bearer <cluster secret>``: the origin then takes it without a public
place (one pull serves many) and refuses a missing or wrong secret (``401
CLUSTER_SECRET_REQUIRED``, ``403 CLUSTER_SECRET_REJECTED``).  Without a secret configured a
pull is an ordinary viewer there.  Only an origin serves pulls (an edge answers ``409
STREAM_NOT_ORIGIN``): the tree is one level deep and edges never pull from each other.

A link that drops (no video for ``SILENCE`` seconds, or ICE fails) is replaced: the origin
is looked up again, up to ``RETRIES`` times with a doubling backoff, and the viewers resume
at the next keyframe (asked for by PLI; frames before it are not passed on).  ``linger``
seconds after the last viewer left, the pull ends and the link with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import aiohttp
from aiohttp import web
from aiortc import (
    RTCPeerConnection,
    RTCRtpCodecCapability,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)

from museion.streaming.cluster.node import ClusterMember
from museion.streaming.cluster.records import NodeRecord
from museion.streaming.errors import OriginUnreachable, StreamingError, StreamNotLive
from museion.streaming.ice import rtc_configuration
from museion.streaming.live.encoded_media import (
    raise_socket_buffers,
    request_keyframe,
    tap_receiver,
)
from museion.streaming.live.registry import EDGE_HEADER, LiveRegistry, Publisher, feed_pool
from museion.streaming.live.rtp_out import packetizer
from museion.streaming.live.stream import LiveStream, is_keyframe
from museion.streaming.reservation import Reservation

__all__ = ["CASCADE_KEY", "LINGER", "RETRIES", "SILENCE", "Cascade"]

logger = logging.getLogger(__name__)

LINGER = 10.0
"""Seconds a pull outlives its last viewer (a viewer reloading its page finds it still up)."""
SILENCE = 3.0
"""Seconds without video after which a link counts as dropped."""
RETRIES = 5
"""Links tried in a row after one drops (0.5 s, then twice as long each time) before the
pull gives up and its viewers are told the show ended; it gives up sooner when no node
lists the stream twice in a row (its publisher left)."""
_BACKOFF = 0.5
_NOWHERE = "no other node has it"
_TOUR = "tour-"  # a docent tour's stream: listed with its tour, not in GET /live
_REQUEST_SECONDS = 5.0  # the offer's POST to the origin, the link's DELETE
_POLL = 0.25


class _LinkLost(Exception):
    """No link could be made (the reason is logged; the pull retries or gives up)."""


@dataclass(eq=False)
class _Link:
    """One internal WHEP viewer of the origin: its peer connection and what came through."""

    origin: NodeRecord
    pc: RTCPeerConnection
    video: RTCRtpTransceiver
    audio: RTCRtpTransceiver
    opened: float = field(default_factory=time.monotonic)
    location: str = ""
    codec: str = ""
    profile: str | None = None
    keyed: bool = False  # a keyframe came: frames are passed on from it
    last_frame: float | None = None
    failed: bool = False  # ICE or DTLS failed


@dataclass(eq=False)
class _Pull:
    """One stream pulled from its origin: the local stream, its current link, its task."""

    name: str
    stream: LiveStream
    held: Reservation
    ready: asyncio.Future[None]
    link: _Link | None = None
    publisher: Publisher | None = None
    task: asyncio.Task[None] | None = None
    watchers: int = 0  # viewers, and viewers being answered


class Cascade:
    """This node's pulls (``pulls``), made on a viewer's demand through :meth:`stream`.

    ``member()`` is this node's cluster membership (its store, its own URL), None until
    the node has joined."""

    def __init__(self, registry: LiveRegistry, member: Callable[[], ClusterMember | None]) -> None:
        self.registry = registry
        self.settings = registry.settings
        self.pulls: dict[str, _Pull] = {}
        self.linger = LINGER
        self._member = member

    async def stream(self, name: str, held: Reservation) -> LiveStream:
        """``name`` pulled from its origin, once the link has answered (one link shared by
        every viewer, each counted until its ``held`` is released); :class:`StreamNotLive`
        when no other node has it."""
        pull = self.pulls.get(name)
        if pull is None:
            if name in self.registry.streams:  # a local publisher is still connecting
                raise StreamNotLive(f"Stream '{name}' is not live yet; try again in a moment.")
            pull = self._start(name)
        pull.watchers += 1
        held.add(lambda: setattr(pull, "watchers", pull.watchers - 1))
        await asyncio.shield(pull.ready)
        return pull.stream

    def _start(self, name: str) -> _Pull:
        held = Reservation(f"pull of {name}")
        stream = self.registry.claim_stream(name, held)
        stream.listed = not name.startswith(_TOUR)
        pull = _Pull(name, stream, held, asyncio.get_running_loop().create_future())
        self.pulls[name] = pull
        self.registry.pulled.add(name)

        def forget() -> None:
            self.pulls.pop(name, None)
            self.registry.pulled.discard(name)
            if not pull.ready.done():
                pull.ready.set_exception(StreamNotLive(f"Stream '{name}' has just ended."))
                pull.ready.exception()  # retrieved: nobody may be waiting any more
            if pull.task is not None and pull.task is not asyncio.current_task():
                pull.task.cancel()

        held.add(forget)
        pull.task = asyncio.ensure_future(self._run(pull))
        return pull

    async def _run(self, pull: _Pull) -> None:
        """Keep a link up while viewers watch; replace one that drops; end when idle."""
        reason, failures, nowhere = "ended", 0, 0
        try:
            while True:
                try:
                    link = await self._connect(pull)
                except (_LinkLost, StreamingError) as exc:
                    if not pull.ready.done():  # the first viewer is told why
                        error = exc if isinstance(exc, StreamingError) else None
                        pull.ready.set_exception(error or _first_failure(pull.name, str(exc)))
                        return
                    failures += 1
                    nowhere = nowhere + 1 if str(exc) == _NOWHERE else 0
                    if failures > RETRIES or nowhere >= 2:  # twice unlisted: the show ended
                        reason = "ended" if nowhere >= 2 else "origin lost"
                        return
                    await asyncio.sleep(_BACKOFF * 2 ** (failures - 1))
                    continue
                self._go_live(pull, link)
                try:
                    reason = await self._watch(pull, link)
                finally:
                    await self._close(link)
                if link.keyed:
                    failures = 0
                if reason == "no viewers" and not pull.watchers:  # none came meanwhile
                    return
                if reason != "no viewers":
                    origin = link.origin.id
                    logger.warning("stream %s: link to %s lost (%s)", pull.name, origin, reason)
        finally:
            if pull.publisher is not None:
                await self.registry.end_publisher(pull.publisher, reason)
            else:
                await pull.held.release()

    def _go_live(self, pull: _Pull, link: _Link) -> None:
        """The first link: the local stream starts with the origin's codec and goes to
        the relay workers, as a WHIP publisher's would."""
        pull.link = link
        stream = pull.stream
        stream.has_audio = stream.has_audio or link.audio.currentDirection == "recvonly"
        if pull.publisher is not None:
            pull.publisher.pc = link.pc
            return

        def ask_keyframe() -> None:
            current = pull.link
            pending = request_keyframe(current.video.receiver) if current is not None else None
            if pending is not None:
                self.registry.spawn(pending)

        stream.start(link.codec, ask_keyframe, packetizer(link.codec), link.profile)
        publisher = Publisher(f"pull-{secrets.token_urlsafe(9)}", stream, link.pc, pull.held)
        pull.publisher = publisher
        registry = self.registry
        if registry.pool is not None:
            feed_pool(registry.pool, publisher, link.codec, link.profile)
            registry.spawn(registry.pool.start())
        registry.publishers[publisher.id] = publisher
        pull.held.add(lambda: registry.publishers.pop(publisher.id, None))
        logger.info("stream %s: pulled from %s (%s)", pull.name, link.origin.id, link.codec)
        pull.ready.set_result(None)

    async def _watch(self, pull: _Pull, link: _Link) -> str:
        """Why the link is given up: it went silent or failed, or nobody watches."""
        idle_since: float | None = None
        first_within = self.settings.connect_timeout + SILENCE
        while True:
            await asyncio.sleep(_POLL)
            now = time.monotonic()
            if link.failed:
                return "ICE or DTLS failed"
            if link.last_frame is None and now - link.opened > first_within:
                return f"no video within {first_within:g} s"
            if link.last_frame is not None and now - link.last_frame > SILENCE:
                return f"no video for {SILENCE:g} s"
            if pull.watchers:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= self.linger:
                return "no viewers"

    async def _origins(self, name: str) -> list[NodeRecord]:
        member = self._member()
        if member is None:
            return []
        nodes = await member.store.nodes()
        return [n for n in nodes if name in n.streams and n.url != member.url]

    async def _connect(self, pull: _Pull) -> _Link:
        """A link to the first node listed with the stream that serves it as its origin."""
        try:
            origins = await self._origins(pull.name)
        except StreamingError:  # ClusterUnavailable: the first viewer's 503
            if pull.link is None:
                raise
            origins = [pull.link.origin]  # Redis away: the origin the link had
        if not origins:
            raise _LinkLost(_NOWHERE)
        why = ""
        for origin in origins:
            try:
                return await self._link(pull, origin)
            except _LinkLost as exc:
                why = str(exc)
                logger.info("stream %s: %s cannot serve a pull: %s", pull.name, origin.id, why)
        raise _LinkLost(why)

    async def _link(self, pull: _Pull, origin: NodeRecord) -> _Link:
        pc = RTCPeerConnection(rtc_configuration(self.settings))
        video = pc.addTransceiver("video", direction="recvonly")
        audio = pc.addTransceiver("audio", direction="recvonly")
        link = _Link(origin, pc, video, audio)
        stream = pull.stream
        tap_receiver(video.receiver, lambda codec, data, ts: _video(link, stream, data, ts))
        tap_receiver(audio.receiver, lambda codec, data, ts: _audio(link, stream, codec, data, ts))
        if stream.codec is not None:  # a new link must bring what the viewers decode
            video.setCodecPreferences(_codecs(stream.codec))

        @pc.on("connectionstatechange")
        def _changed() -> None:
            link.failed = link.failed or pc.connectionState == "failed"

        try:
            await pc.setLocalDescription(await pc.createOffer())
            raise_socket_buffers(pc)
            answer = await self._post(origin, pull.name, pc.localDescription.sdp, link)
            await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
            chosen = next((c for c in video._codecs if c.name.upper() in ("H264", "VP8")), None)
            if chosen is None or (stream.codec is not None and chosen.name.upper() != stream.codec):
                raise _LinkLost("no video codec in common with the stream")
        except (_LinkLost, ValueError) as exc:
            await self._close(link)
            raise _LinkLost(str(exc)) from exc
        except BaseException:
            await self._close(link)
            raise
        link.codec = chosen.name.upper()
        level = chosen.parameters.get("profile-level-id")
        link.profile = None if level is None else str(level)
        return link

    def _headers(self) -> dict[str, str]:
        member = self._member()
        headers = {EDGE_HEADER: member.url if member is not None else "edge"}
        if self.settings.cluster_secret is not None:
            headers["Authorization"] = f"Bearer {self.settings.cluster_secret}"
        return headers

    async def _post(self, origin: NodeRecord, name: str, offer: str, link: _Link) -> str:
        """The origin's answer to the link's offer; its ``Location`` kept for the end."""
        url = f"{origin.url}/whep/{name}"
        headers = {**self._headers(), "Content-Type": "application/sdp"}
        timeout = aiohttp.ClientTimeout(total=_REQUEST_SECONDS)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.post(url, data=offer, headers=headers, allow_redirects=False) as reply,
            ):
                body = await reply.text(errors="replace")
                if reply.status != 201:
                    raise _LinkLost(f"HTTP {reply.status} {_code(body)}")
                link.location = urljoin(origin.url, reply.headers.get("Location", ""))
                return body
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _LinkLost(f"unreachable ({type(exc).__name__})") from exc

    async def _close(self, link: _Link) -> None:
        """End the link: its session on the origin (best effort; the origin also frees it
        when the media stops), then its peer connection."""
        if link.location:
            location, link.location = link.location, ""
            timeout = aiohttp.ClientTimeout(total=_REQUEST_SECONDS)
            with contextlib.suppress(TimeoutError, aiohttp.ClientError):
                async with (
                    aiohttp.ClientSession(timeout=timeout) as http,
                    http.delete(location, headers=self._headers()),
                ):
                    pass
        await link.pc.close()

    async def close(self) -> None:
        """End every pull (the server shuts down)."""
        for pull in list(self.pulls.values()):
            if pull.task is not None:
                pull.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pull.task


CASCADE_KEY = web.AppKey("cascade", Cascade)


def _video(link: _Link, stream: LiveStream, data: bytes, timestamp: int) -> None:
    """A frame from the origin: passed on from the link's first keyframe."""
    link.last_frame = time.monotonic()
    if not stream.live or stream.codec is None:
        return
    if not link.keyed:
        if not is_keyframe(stream.codec, data):
            stream.want_keyframe()
            return
        link.keyed = True
    stream.publish_frame(data, timestamp)


def _audio(link: _Link, stream: LiveStream, codec: str, data: bytes, timestamp: int) -> None:
    if stream.live and link.keyed and codec.lower() == "opus":
        stream.publish_audio(data, timestamp)


def _codecs(codec: str) -> list[RTCRtpCodecCapability]:
    """The receiver's codecs of ``codec`` (and RTX), for a link's offer."""
    every = RTCRtpSender.getCapabilities("video").codecs
    return [c for c in every if c.mimeType.split("/")[-1].upper() in (codec, "RTX")]


def _code(body: str) -> str:
    """The error code in an origin's JSON refusal, if any (for the log)."""
    with contextlib.suppress(ValueError):
        answer = json.loads(body)
        if isinstance(answer, dict) and isinstance(answer.get("code"), str):
            return str(answer["code"])[:64]
    return ""


def _first_failure(name: str, why: str) -> StreamingError:
    """What the first viewer is told when the first link cannot be made."""
    if why == _NOWHERE:
        return StreamNotLive(f"Stream '{name}' is not live; try again when the show starts.")
    return OriginUnreachable(f"Stream '{name}' is live on another node that cannot be reached.")
