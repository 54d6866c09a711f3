"""Live shows: WHIP ingest (RFC 9725) and WHEP playback of the publisher's own frames.

``POST /whip/{stream}`` with a bearer token and an ``application/sdp`` offer → ``201``, the
answer and a ``Location``; ``DELETE`` on it ends the show.  ``POST /whep/{stream}`` → a
viewer receives the publisher's encoded frames as they are (:mod:`relay`,
:mod:`encoded_media`); ``DELETE`` on its ``Location`` leaves.  ``OPTIONS`` answers CORS
preflights and lists the methods, as the RFC asks.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from aiohttp import web
from aiortc import RTCPeerConnection, sdp

from museion.streaming.dtls import allow_rsa_peers
from museion.streaming.encoded_media import (
    OnFrame,
    raise_socket_buffers,
    request_keyframe,
    tap_receiver,
)
from museion.streaming.errors import (
    AuthorizationRequired,
    CapacityReached,
    CodecUnsupported,
    IceRestartUnsupported,
    PreconditionFailed,
    SessionNotFound,
    StreamBusy,
    StreamNameInvalid,
    StreamNotLive,
    TokenRejected,
)
from museion.streaming.ice import announce_candidates, rtc_configuration
from museion.streaming.live_viewers import Viewer, attach_viewer
from museion.streaming.negotiation import (
    answer_publisher,
    level_name,
    profile_name,
    register_profiles,
    set_offer,
)
from museion.streaming.recorder import Recorder
from museion.streaming.relay import EncodedFrame, LiveStream, RelayLimits
from museion.streaming.relay_pool import RelayPool, WorkerLink, default_workers
from museion.streaming.rtp_out import packetizer
from museion.streaming.settings import StreamSettings
from museion.streaming.signalling import read_offer, read_text
from museion.streaming.trickle import SDPFRAG, parse_sdpfrag

__all__ = ["LIVE_KEY", "LiveRegistry", "add_live_routes"]

logger = logging.getLogger(__name__)

_STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
PASSTHROUGH_CODECS = ("H264", "VP8")


@dataclass(eq=False)
class Publisher:
    """One WHIP session: its peer connection, the stream it feeds, its recording."""

    id: str
    stream: LiveStream
    pc: RTCPeerConnection
    recorder: Recorder | None = None
    ice: tuple[str | None, str | None] = (None, None)  # the offer's ufrag and pwd
    etag: str = field(default_factory=lambda: f'"{secrets.token_hex(8)}"')


@dataclass(eq=False)
class RemoteViewer:
    """A WHEP viewer that a relay worker sends to."""

    id: str
    stream: LiveStream
    worker: WorkerLink


@dataclass
class LiveRegistry:
    """Every live stream, its publisher and its viewers; the relay workers, if any."""

    settings: StreamSettings
    limits: RelayLimits = field(default_factory=RelayLimits)
    streams: dict[str, LiveStream] = field(default_factory=dict)
    publishers: dict[str, Publisher] = field(default_factory=dict)
    viewers: dict[str, Viewer | RemoteViewer] = field(default_factory=dict)
    pool: RelayPool | None = None
    # Called with a stream once its publisher is on (stage screens in this process).
    taps: list[Callable[[LiveStream], None]] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
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
                stream.want_keyframe()
        elif event == "left":
            viewer = self.viewers.get(str(message.get("viewer")))
            if isinstance(viewer, RemoteViewer):
                self.viewers.pop(viewer.id, None)
                logger.info(
                    "stream %s: viewer %s left (%s)",
                    viewer.stream.name,
                    viewer.id,
                    message.get("reason"),
                )

    def watching(self, stream: LiveStream) -> int:
        return sum(1 for v in self.viewers.values() if v.stream is stream)

    async def viewer_stats(self, stream: LiveStream) -> list[dict[str, object]]:
        """Each viewer's sent and dropped frames and packets, wherever it is served."""
        local = [v.stats() for v in self.viewers.values() if isinstance(v, Viewer)]
        remote = await self.pool.stats() if self.pool is not None else []
        return [v for v in local + remote if v["stream"] == stream.name]

    def stream(self, name: str) -> LiveStream:
        if not _STREAM_NAME.fullmatch(name):
            raise StreamNameInvalid("A stream name is 1 to 64 letters, digits, '-' or '_'.")
        found = self.streams.get(name)
        if found is None:
            found = self.streams[name] = LiveStream(name, self.limits)
        return found

    def authorize(self, name: str, header: str | None) -> None:
        """The bearer token in ``header`` must be ``name``'s (or the shared one)."""
        if not header or not header.startswith("Bearer "):
            raise AuthorizationRequired("Publishing needs 'Authorization: Bearer <token>'.")
        given = header.removeprefix("Bearer ").strip().encode()
        expected = self.settings.token_for(name)
        if not any(hmac.compare_digest(given, t.encode()) for t in expected):
            raise TokenRejected(f"This token may not publish stream '{name}'.")

    def spawn(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def end_publisher(self, publisher: Publisher, reason: str) -> None:
        if self.publishers.pop(publisher.id, None) is None:
            return
        publisher.stream.stop(reason)
        publisher.stream.sinks.clear()
        publisher.stream.audio_sinks.clear()
        if self.pool is not None:
            self.pool.stream_stopped(publisher.stream.name, reason)
        if publisher.recorder is not None:  # the last fragment is written off the loop
            await asyncio.get_running_loop().run_in_executor(None, publisher.recorder.close)
        logger.info("stream %s: publisher left (%s)", publisher.stream.name, reason)
        await publisher.pc.close()
        for viewer in [v for v in self.viewers.values() if v.stream is publisher.stream]:
            await self.end_viewer(viewer, reason)

    async def end_viewer(self, viewer: Viewer | RemoteViewer, reason: str) -> None:
        if self.viewers.pop(viewer.id, None) is None:
            return
        logger.info("stream %s: viewer %s left (%s)", viewer.stream.name, viewer.id, reason)
        if isinstance(viewer, RemoteViewer):
            if self.pool is not None:
                self.pool.leave(viewer.worker, viewer.id)
            return
        viewer.leave()
        await viewer.pc.close()

    async def close_all(self) -> None:
        for publisher in list(self.publishers.values()):
            await self.end_publisher(publisher, "server shutdown")
        for viewer in list(self.viewers.values()):
            await self.end_viewer(viewer, "server shutdown")
        if self.pool is not None:
            await self.pool.close()


LIVE_KEY = web.AppKey("live", LiveRegistry)


def _offered_codecs(parsed: sdp.SessionDescription) -> set[str]:
    return {
        codec.mimeType.split("/")[-1].upper()
        for media in parsed.media
        if media.kind == "video"
        for codec in media.rtp.codecs
    }


def _cors(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "Location, ETag, Accept-Patch"
    return response


async def whip_options(request: web.Request) -> web.Response:
    """CORS preflight and the methods a WHIP endpoint takes."""
    response = web.Response(status=204)
    response.headers["Allow"] = "OPTIONS, POST"
    response.headers["Accept-Post"] = "application/sdp"
    response.headers["Access-Control-Allow-Methods"] = "OPTIONS, POST, DELETE, PATCH"
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, If-Match"
    _cors(response)
    return response


async def whip_post(request: web.Request) -> web.StreamResponse:
    """A publisher's offer: answer it and feed its frames to the stream."""
    registry = request.app[LIVE_KEY]
    settings = registry.settings
    name = request.match_info["stream"]
    stream = registry.stream(name)
    registry.authorize(name, request.headers.get("Authorization"))
    offer, parsed = await read_offer(request, settings)
    codecs = _offered_codecs(parsed) & set(PASSTHROUGH_CODECS)
    if not codecs:
        raise CodecUnsupported(
            "The relay passes through H.264 or VP8 video; the offer has neither."
        )
    if stream.live:
        raise StreamBusy(f"Stream '{name}' already has a publisher.")
    pc = RTCPeerConnection(rtc_configuration(settings))
    publisher = Publisher(secrets.token_urlsafe(12), stream, pc, ice=_offer_ice(parsed))
    stream.live = True  # claimed now: a second publisher racing this one gets 409
    try:
        await set_offer(pc, offer)
        offered = {media.rtp.muxId: media.rtp.codecs for media in parsed.media}
        receivers = []
        for transceiver in pc.getTransceivers():
            answer_publisher(transceiver, offered.get(transceiver.mid or "", []))
            tap_receiver(transceiver.receiver, _on_frame(stream))
            if transceiver.kind == "video":
                receivers.append(transceiver.receiver)
        await pc.setLocalDescription(await pc.createAnswer())
        raise_socket_buffers(pc)
    except BaseException:
        stream.live = False
        await pc.close()
        raise
    chosen, profile = _negotiated_video_codec(pc)
    if chosen is None:
        stream.live = False
        await pc.close()
        raise CodecUnsupported("No video codec could be agreed with the publisher.")

    def ask_keyframe() -> None:
        for receiver in receivers:
            pending = request_keyframe(receiver)
            if pending is not None:
                registry.spawn(pending)

    stream.start(chosen, ask_keyframe, packetizer(chosen), profile)
    if registry.pool is not None:
        pool = registry.pool
        registry.spawn(pool.start())  # the workers come up while the publisher connects
        pool.stream_started(name, chosen, profile)
        stream.sinks.append(lambda frame: pool.frame(name, frame))
        stream.audio_sinks.append(lambda frame: pool.audio(name, frame))
    if settings.record_dir is not None:
        audio = any(
            t.kind == "audio" and any(c.name.lower() == "opus" for c in t._codecs)
            for t in pc.getTransceivers()
        )
        recorder = Recorder(Path(settings.record_dir), name, chosen, audio=audio)
        publisher.recorder = recorder
        stream.sinks.append(lambda f: recorder.write(f.data, f.timestamp, f.keyframe))
        stream.audio_sinks.append(lambda f: recorder.write_audio(f.data, f.timestamp))
    for tap in registry.taps:
        tap(stream)
    registry.publishers[publisher.id] = publisher

    @pc.on("connectionstatechange")
    async def _state() -> None:
        if pc.connectionState in ("failed", "closed"):
            await registry.end_publisher(publisher, f"connection {pc.connectionState}")

    logger.info("stream %s: publisher %s on (%s)", name, publisher.id, chosen)
    answer = announce_candidates(pc.localDescription.sdp, settings)
    response = web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={
            "Location": f"/whip/{name}/{publisher.id}",
            "ETag": publisher.etag,
            "Accept-Patch": SDPFRAG,
        },
    )
    return _cors(response)


def _offer_ice(parsed: sdp.SessionDescription) -> tuple[str | None, str | None]:
    for media in parsed.media:
        if media.ice is not None:
            return media.ice.usernameFragment, media.ice.password
    return None, None


async def whip_patch(request: web.Request) -> web.StreamResponse:
    """Trickle ICE (RFC 9725 4.3): the publisher's candidates, after its offer.

    ICE restarts are refused with 422 (the relay keeps one transport per publisher; a
    publisher that lost it publishes anew); an ``If-Match`` of another ETag gets 412.
    """
    registry = request.app[LIVE_KEY]
    publisher = registry.publishers.get(request.match_info["id"])
    if publisher is None or publisher.stream.name != request.match_info["stream"]:
        raise SessionNotFound("No such publishing session: it has ended or never existed.")
    text = await read_text(request, registry.settings, SDPFRAG, "ICE fragment")
    fragment = parse_sdpfrag(text)
    match = request.headers.get("If-Match")
    credentials = (fragment.ufrag, fragment.pwd)
    if match == "*" or (credentials != (None, None) and credentials != publisher.ice):
        raise IceRestartUnsupported(
            "This relay does not restart ICE; end the session and publish again."
        )
    if match is not None and match != publisher.etag:
        raise PreconditionFailed(f"The session's ETag is {publisher.etag}, not {match}.")
    for candidate in fragment.candidates:
        await publisher.pc.addIceCandidate(candidate)
    if fragment.end_of_candidates:
        await publisher.pc.addIceCandidate(None)
    return _cors(web.Response(status=204, headers={"ETag": publisher.etag}))


def _on_frame(stream: LiveStream) -> OnFrame:
    def on_frame(codec: str, data: bytes, timestamp: int) -> None:
        if codec.upper() in PASSTHROUGH_CODECS:
            stream.publish_frame(data, timestamp)
        elif codec.lower() == "opus":
            stream.publish_audio(data, timestamp)

    return on_frame


def _negotiated_video_codec(pc: RTCPeerConnection) -> tuple[str | None, str | None]:
    """The answer's video codec and, for H.264, its profile-level-id."""
    description = sdp.SessionDescription.parse(pc.localDescription.sdp)
    for media in description.media:
        if media.kind == "video" and media.rtp.codecs:
            for codec in media.rtp.codecs:
                name = codec.mimeType.split("/")[-1].upper()
                if name in PASSTHROUGH_CODECS:
                    level = codec.parameters.get("profile-level-id")
                    return name, str(level) if level is not None else None
    return None, None


async def whip_delete(request: web.Request) -> web.StreamResponse:
    """The publisher ends the show."""
    registry = request.app[LIVE_KEY]
    publisher = registry.publishers.get(request.match_info["id"])
    if publisher is None or publisher.stream.name != request.match_info["stream"]:
        raise SessionNotFound("No such publishing session: it has ended or never existed.")
    await registry.end_publisher(publisher, "DELETE")
    return _cors(web.Response(status=200))


async def whep_post(request: web.Request) -> web.StreamResponse:
    """A viewer's offer: answer with the live stream's own frames."""
    registry = request.app[LIVE_KEY]
    settings = registry.settings
    name = request.match_info["stream"]
    stream = registry.stream(name)
    offer, parsed = await read_offer(request, settings)
    if not stream.live or stream.codec is None:
        raise StreamNotLive(f"Stream '{name}' is not live; try again when the show starts.")
    if stream.codec not in _offered_codecs(parsed):
        raise CodecUnsupported(f"The show is {stream.codec}; the offer cannot receive it.")
    if len(registry.viewers) >= settings.max_live_viewers:
        raise CapacityReached(
            f"All {settings.max_live_viewers} places are taken; please try again shortly.",
            retry_after=settings.retry_after,
        )
    if registry.pool is not None:
        worker, viewer_id, answer = await registry.pool.view(name, offer, stream.has_audio)
        if not stream.live:  # the show ended while the worker answered
            registry.pool.leave(worker, viewer_id)
            raise StreamNotLive(f"Stream '{name}' has just ended.")
        registry.viewers[viewer_id] = RemoteViewer(viewer_id, stream, worker)
    else:
        viewer, answer = await attach_viewer(stream, offer, settings, registry.spawn)
        registry.viewers[viewer.id] = viewer
        _end_on_close(registry, viewer)
        viewer_id = viewer.id
    response = web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={"Location": f"/whep/{name}/{viewer_id}"},
    )
    return _cors(response)


def _end_on_close(registry: LiveRegistry, viewer: Viewer) -> None:
    async def _state() -> None:
        if viewer.pc.connectionState in ("failed", "closed"):
            await registry.end_viewer(viewer, f"connection {viewer.pc.connectionState}")

    viewer.pc.on("connectionstatechange", _state)


async def whep_delete(request: web.Request) -> web.StreamResponse:
    """A viewer leaves."""
    registry = request.app[LIVE_KEY]
    viewer = registry.viewers.get(request.match_info["id"])
    if viewer is None or viewer.stream.name != request.match_info["stream"]:
        raise SessionNotFound("No such viewer: it has left or never existed.")
    await registry.end_viewer(viewer, "DELETE")
    return _cors(web.Response(status=200))


async def live_status(request: web.Request) -> web.Response:
    """Whether a stream is live, its codec and how many watch (the viewer page polls it)."""
    registry = request.app[LIVE_KEY]
    stream = registry.stream(request.match_info["stream"])
    h264 = stream.live and stream.codec == "H264"
    return web.json_response(
        {
            "stream": stream.name,
            "live": stream.live,
            "codec": stream.codec if stream.live else None,
            "profile": profile_name(stream.profile_level_id) if h264 else None,
            "level": level_name(stream.profile_level_id) if h264 else None,
            "viewers": registry.watching(stream),
        }
    )


async def live_stats(request: web.Request) -> web.Response:
    """For the venue: what came in and what each viewer was sent and lost (needs the
    stream's publish token: viewer ids are the keys to their sessions)."""
    registry = request.app[LIVE_KEY]
    name = request.match_info["stream"]
    stream = registry.stream(name)
    registry.authorize(name, request.headers.get("Authorization"))
    return web.json_response(
        {
            "stream": stream.name,
            "live": stream.live,
            "frames_in": stream.frames_in,
            "bytes_in": stream.bytes_in,
            "relay_workers": len(registry.pool.workers) if registry.pool is not None else 0,
            "viewers": await registry.viewer_stats(stream),
        }
    )


async def live_page(request: web.Request) -> web.FileResponse:
    """The viewer page of a live show (its stream name is read from the path)."""
    request.app[LIVE_KEY].stream(request.match_info["stream"])  # a valid name, or 400
    page = Path(str(resources.files("museion.streaming").joinpath("client"))) / "live.html"
    return web.FileResponse(page, headers={"Cache-Control": "no-cache"})


def add_live_routes(app: web.Application, settings: StreamSettings) -> None:
    """WHIP, WHEP-live and status routes on ``app``; closing the app ends every show."""
    allow_rsa_peers()  # GStreamer's webrtcbin publishes with an RSA certificate
    register_profiles()  # H.264 Main and High, not only Constrained Baseline
    app[LIVE_KEY] = LiveRegistry(settings)
    app.router.add_route("OPTIONS", "/whip/{stream}", whip_options)
    app.router.add_post("/whip/{stream}", whip_post)
    app.router.add_delete("/whip/{stream}/{id}", whip_delete)
    app.router.add_patch("/whip/{stream}/{id}", whip_patch)
    app.router.add_route("OPTIONS", "/whip/{stream}/{id}", whip_options)
    app.router.add_route("OPTIONS", "/whep/{stream}", whip_options)
    app.router.add_post("/whep/{stream}", whep_post)
    app.router.add_delete("/whep/{stream}/{id}", whep_delete)
    app.router.add_get("/live/{stream}/status", live_status)
    app.router.add_get("/live/{stream}/stats", live_stats)
    app.router.add_get("/live/{stream}", live_page)

    async def _shutdown(app: web.Application) -> None:
        await app[LIVE_KEY].close_all()

    app.on_shutdown.append(_shutdown)
