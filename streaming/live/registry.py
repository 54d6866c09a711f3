"""The live streams of this process: who publishes, who watches, what each holds.

A stream's entry exists only while a publisher holds it; each publisher and viewer keeps
a :class:`~museion.streaming.reservation.Reservation` of everything it took, released in
one place when it ends.  The HTTP side is :mod:`.routes`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from aiortc import RTCPeerConnection

from museion.streaming.errors import (
    AuthorizationRequired,
    ClusterSecretRejected,
    ClusterSecretRequired,
    StreamBusy,
    StreamNameInvalid,
    StreamNotLive,
    TokenRejected,
)
from museion.streaming.live.pool import RelayPool, WorkerLink, default_workers
from museion.streaming.live.stream import EncodedFrame, LiveStream, RelayLimits
from museion.streaming.live.viewers import Viewer
from museion.streaming.passes import stream_token_id
from museion.streaming.reservation import Places, Reservation
from museion.streaming.settings import StreamSettings

__all__ = [
    "EDGE_HEADER",
    "LIVE_KEY",
    "LiveRegistry",
    "Publisher",
    "RemoteViewer",
    "check_stream_name",
    "feed_pool",
]

logger = logging.getLogger(__name__)

_STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

EDGE_HEADER = "Museion-Edge"
"""Marks a WHEP offer as another node's pull of a stream (:mod:`.cascade`); its value is
the pulling node's URL, for the origin's logs."""


@dataclass(eq=False)
class Publisher:
    """One WHIP session: its peer connection, the stream it feeds, what it holds."""

    id: str
    stream: LiveStream
    pc: RTCPeerConnection
    held: Reservation
    ice: tuple[str | None, str | None] = (None, None)  # the offer's ufrag and pwd
    etag: str = field(default_factory=lambda: f'"{secrets.token_hex(8)}"')
    candidates: int = 0  # remote candidates taken so far (offer and PATCHes)
    ended: str | None = None


@dataclass(eq=False)
class RemoteViewer:
    """A WHEP viewer that a relay worker sends to."""

    id: str
    stream: LiveStream
    worker: WorkerLink
    held: Reservation
    ended: str | None = None


@dataclass
class LiveRegistry:
    """The live streams (only those with a publisher, or one being answered), their
    publishers and viewers; the viewers' places; the relay workers, if any."""

    settings: StreamSettings
    limits: RelayLimits = field(default_factory=RelayLimits)
    streams: dict[str, LiveStream] = field(default_factory=dict)
    publishers: dict[str, Publisher] = field(default_factory=dict)
    viewers: dict[str, Viewer | RemoteViewer] = field(default_factory=dict)
    pool: RelayPool | None = None
    # Called with a stream once its publisher is on (stage screens in this process).
    taps: list[Callable[[LiveStream], None]] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # In a cluster: pulls a stream not live here from its origin (:mod:`.cascade`).
    pull: Callable[[str, Reservation], Awaitable[LiveStream]] | None = None
    pulled: set[str] = field(default_factory=set)  # the streams this node pulls
    seats: Places = field(init=False)

    def __post_init__(self) -> None:
        self.seats = Places(
            self.settings.max_live_viewers, "live-show places", self.settings.retry_after
        )
        workers = self.settings.relay_workers
        count = default_workers() if workers is None else workers
        if count > 0:
            self.pool = RelayPool(self.settings, count, self._worker_event, self._kept_frames)

    def _kept_frames(self, name: str) -> list[EncodedFrame]:
        stream = self.streams.get(name)
        return stream.kept_frames() if stream is not None and stream.live else []

    def _worker_event(self, worker: WorkerLink, message: dict[str, object]) -> None:
        event = message.get("event")
        if event == "keyframe":
            stream = self.streams.get(str(message.get("stream")))
            if stream is not None:
                stream.want_keyframe(str(message.get("layer", "")))
        elif event == "left":
            viewer = self.viewers.get(str(message.get("viewer")))
            if isinstance(viewer, RemoteViewer):
                self.spawn(self.end_viewer(viewer, str(message.get("reason"))))

    def watching(self, stream: LiveStream) -> int:
        return sum(1 for v in self.viewers.values() if v.stream is stream)

    async def viewer_stats(self, stream: LiveStream) -> list[dict[str, object]]:
        """Each viewer's sent and dropped frames and packets, wherever it is served."""
        local = [v.stats() for v in self.viewers.values() if isinstance(v, Viewer)]
        remote = await self.pool.stats() if self.pool is not None else []
        return [v for v in local + remote if v["stream"] == stream.name]

    async def choose_layer(self, viewer: Viewer | RemoteViewer, layer: str) -> None:
        """``viewer`` gets simulcast ``layer`` (checked: a rid of its stream, or auto)."""
        if isinstance(viewer, Viewer):
            viewer.choose(layer)
        elif self.pool is not None:
            await self.pool.choose(viewer.worker, viewer.id, layer)

    def live_stream(self, name: str) -> LiveStream:
        """The stream ``name`` if a publisher is on; :class:`StreamNotLive` otherwise."""
        stream = self.streams.get(name)
        if stream is None or not stream.live or stream.codec is None:
            raise StreamNotLive(f"Stream '{name}' is not live; try again when the show starts.")
        return stream

    def claim_stream(self, name: str, held: Reservation) -> LiveStream:
        """A new entry for ``name``, for one publisher, until ``held`` is released: an
        entry exists only while somebody publishes (no name allocates for ever)."""
        if name in self.streams:
            raise StreamBusy(f"Stream '{name}' already has a publisher.")
        stream = self.streams[name] = LiveStream(name, self.limits)

        def release() -> None:
            if stream.live:
                stream.stop("ended")
            stream.sinks.clear()
            stream.audio_sinks.clear()
            if self.streams.get(name) is stream:
                del self.streams[name]

        held.add(release)
        return stream

    def authorize(self, name: str, header: str | None) -> None:
        """The bearer token in ``header`` must be ``name``'s (or the shared one).

        The scheme is matched without regard to case (RFC 9110 11.1); a token that is not
        ASCII (RFC 6750's token68) cannot match and is refused, not a server error.
        """
        scheme, _, token = (header or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthorizationRequired("Publishing needs 'Authorization: Bearer <token>'.")
        try:
            given = token.strip().encode("ascii")
        except UnicodeEncodeError:
            raise TokenRejected(f"This token may not publish stream '{name}'.") from None
        expected = self.settings.token_for(name)
        signed = self.settings.signed_token(given, stream_token_id(name))
        if not signed and not any(hmac.compare_digest(given, t.encode()) for t in expected):
            raise TokenRejected(f"This token may not publish stream '{name}'.")

    def edge_pull(self, headers: Mapping[str, str]) -> bool:
        """Whether an offer is another node's pull (``Museion-Edge``) that presents the
        cluster's secret, so it takes no public place; raises when the secret is missing
        or wrong.  Without a secret configured a pull is an ordinary viewer (False)."""
        secret = self.settings.cluster_secret
        if EDGE_HEADER not in headers or secret is None:
            return False
        scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ClusterSecretRequired(
                "A pull between nodes needs 'Authorization: Bearer <cluster secret>'."
            )
        given = token.strip().encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, secret.encode("utf-8")):
            raise ClusterSecretRejected("This is not the cluster's secret.")
        return True

    def health(self) -> dict[str, int]:
        """What the live side holds now (``/healthz``): each returns to its baseline."""
        return {
            "streams": len(self.streams),
            "publishers": len(self.publishers),
            "viewers": len(self.viewers),
            "seats_in_use": self.seats.in_use,
        }

    def spawn(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def end_publisher(self, publisher: Publisher, reason: str) -> None:
        """The show ends: its viewers are told ``reason`` and let go, then everything the
        publisher held is released (peer connection, recording, stream entry)."""
        if publisher.ended is not None:
            return
        publisher.ended = reason
        logger.info("stream %s: publisher left (%s)", publisher.stream.name, reason)
        publisher.stream.stop(reason)
        for viewer in [v for v in self.viewers.values() if v.stream is publisher.stream]:
            await self.end_viewer(viewer, reason)
        await publisher.held.release()

    async def end_viewer(self, viewer: Viewer | RemoteViewer, reason: str) -> None:
        """A viewer leaves: its place, peer connection and feed are given back."""
        if viewer.ended is not None:
            return
        viewer.ended = reason
        logger.info("stream %s: viewer %s left (%s)", viewer.stream.name, viewer.id, reason)
        await viewer.held.release()

    async def close_all(self) -> None:
        for publisher in list(self.publishers.values()):
            await self.end_publisher(publisher, "server shutdown")
        for viewer in list(self.viewers.values()):
            await self.end_viewer(viewer, "server shutdown")
        if self.pool is not None:
            await self.pool.close()


LIVE_KEY = web.AppKey("live", LiveRegistry)


def feed_pool(pool: RelayPool, publisher: Publisher, codec: str, profile: str | None) -> None:
    """The relay workers get the show's frames until the publisher's reservation ends."""
    name = publisher.stream.name
    stream = publisher.stream
    layers = tuple(stream.layers) if stream.simulcast else ()
    pool.stream_started(name, codec, profile, layers, stream.rtp_origin)
    publisher.stream.sinks.append(lambda frame: pool.frame(name, frame, stream))
    publisher.stream.audio_sinks.append(lambda frame: pool.audio(name, frame))
    publisher.held.add(lambda: pool.stream_stopped(name, publisher.ended or "ended"))


def check_stream_name(name: str) -> str:
    """``name`` if it is a valid stream name; :class:`StreamNameInvalid` (400) otherwise."""
    if not _STREAM_NAME.fullmatch(name):
        raise StreamNameInvalid("A stream name is 1 to 64 letters, digits, '-' or '_'.")
    return name
