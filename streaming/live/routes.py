"""Live shows: WHIP ingest (RFC 9725) and WHEP playback of the publisher's own frames.

``POST /whip/{stream}`` with a bearer token and an ``application/sdp`` offer → ``201``, the
answer and a ``Location``; ``DELETE`` on it ends the show.  ``POST /whep/{stream}`` → a
viewer receives the publisher's encoded frames as they are (:mod:`.stream`,
:mod:`.encoded_media`); ``DELETE`` on its ``Location`` leaves.  CORS and preflights are
:mod:`cors`'s.  Everything a publisher or viewer takes (a stream entry, a place, a peer
connection, a recording) is on its :class:`Reservation`, released on every ending.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path

from aiohttp import web
from aiortc import RTCPeerConnection, sdp

from museion.streaming.cluster.node import CLUSTER_KEY
from museion.streaming.errors import (
    CodecUnsupported,
    IceRestartUnsupported,
    PreconditionFailed,
    SdpMalformed,
    SessionNotFound,
    StreamNotLive,
    StreamNotOrigin,
)
from museion.streaming.ice import announce_candidates, rtc_configuration
from museion.streaming.live.cascade import CASCADE_KEY, Cascade
from museion.streaming.live.dtls import allow_rsa_peers
from museion.streaming.live.encoded_media import (
    OnFrame,
    raise_socket_buffers,
    request_keyframe,
    tap_receiver,
)
from museion.streaming.live.recorder import Recorder
from museion.streaming.live.registry import (
    EDGE_HEADER,
    LIVE_KEY,
    LiveRegistry,
    Publisher,
    RemoteViewer,
    check_stream_name,
    feed_pool,
)
from museion.streaming.live.rtp_out import packetizer
from museion.streaming.live.simulcast import SimulcastReceiver, simulcast_offer, split_layers
from museion.streaming.live.simulcast.choice import parse_layer_choice
from museion.streaming.live.simulcast.receive import LayerFrame
from museion.streaming.live.simulcast.sdp import accept_stream_ids, answer_simulcast
from museion.streaming.live.status import live_list, live_page, live_stats, live_status
from museion.streaming.live.stream import LiveStream
from museion.streaming.live.trickle import SDPFRAG, parse_sdpfrag
from museion.streaming.live.viewers import Viewer, attach_viewer
from museion.streaming.negotiation import (
    answer_publisher,
    offer_refusals,
    register_profiles,
    set_offer,
)
from museion.streaming.offer import CandidatePolicy, count_candidates
from museion.streaming.peer_watch import watch_peer
from museion.streaming.reservation import Reservation
from museion.streaming.settings import StreamSettings
from museion.streaming.signalling import read_offer, read_text

__all__ = ["add_live_routes"]

logger = logging.getLogger(__name__)

PASSTHROUGH_CODECS = ("H264", "VP8")


def _offered_codecs(parsed: sdp.SessionDescription) -> set[str]:
    return {
        codec.mimeType.split("/")[-1].upper()
        for media in parsed.media
        if media.kind == "video"
        for codec in media.rtp.codecs
    }


async def publish_post(request: web.Request) -> web.StreamResponse:
    """A publisher's offer: answer it and feed its frames to the stream."""
    registry = request.app[LIVE_KEY]
    settings = registry.settings
    name = check_stream_name(request.match_info["stream"])
    registry.authorize(name, request.headers.get("Authorization"))
    offer, parsed = await read_offer(request, settings)
    codecs = _offered_codecs(parsed) & set(PASSTHROUGH_CODECS)
    if not codecs:
        raise CodecUnsupported(
            "The relay passes through H.264 or VP8 video; the offer has neither."
        )
    simulcast = simulcast_offer(offer)
    async with Reservation(f"publisher of {name}") as held:
        stream = registry.claim_stream(name, held)  # a second publisher racing gets 409
        pc = RTCPeerConnection(rtc_configuration(settings))
        held.add(pc.close)
        publisher = Publisher(secrets.token_urlsafe(12), stream, pc, held, ice=_offer_ice(parsed))
        publisher.candidates = count_candidates(parsed)
        receivers = []
        layers: SimulcastReceiver | None = None
        with offer_refusals():
            await set_offer(pc, offer)
            offered = {media.rtp.muxId: media.rtp.codecs for media in parsed.media}
            for transceiver in pc.getTransceivers():
                answer_publisher(transceiver, offered.get(transceiver.mid or "", []))
                if simulcast is not None and layers is None and transceiver.mid == simulcast.mid:
                    accept_stream_ids(transceiver, simulcast)
                    layers = split_layers(transceiver.receiver, simulcast.rids, _on_layer(stream))
                else:
                    tap_receiver(transceiver.receiver, _on_frame(stream))
                if transceiver.kind == "video":
                    receivers.append(transceiver.receiver)
            await pc.setLocalDescription(await pc.createAnswer())
        raise_socket_buffers(pc)
        chosen, profile = _negotiated_video_codec(pc)
        if chosen is None:
            raise CodecUnsupported("No video codec could be agreed with the publisher.")

        def ask_keyframe() -> None:
            for receiver in receivers:
                pending = request_keyframe(receiver)
                if pending is not None:
                    registry.spawn(pending)

        def ask_layer(rid: str) -> None:
            pending = layers.request_keyframe(rid) if layers is not None else None
            if pending is not None:
                registry.spawn(pending)

        rids = simulcast.rids if simulcast is not None and layers is not None else ()
        packetizers = {rid: packetizer(chosen) for rid in rids}
        stream.start(
            chosen, ask_keyframe, packetizer(chosen), profile, rids, ask_layer, packetizers
        )
        if registry.pool is not None:
            feed_pool(registry.pool, publisher, chosen, profile)
            registry.spawn(registry.pool.start())  # workers come up while the publisher connects
        if settings.record_dir is not None:
            _record(publisher, Path(settings.record_dir), chosen)
        for tap in registry.taps:
            tap(stream)
        registry.publishers[publisher.id] = publisher
        held.add(lambda: registry.publishers.pop(publisher.id, None))
        watch_peer(
            pc,
            settings.connect_timeout,
            lambda reason: registry.end_publisher(publisher, reason),
            held,
            f"publisher {publisher.id} of stream {name}",
        )

    logger.info("stream %s: publisher %s on (%s%s)", name, publisher.id, chosen,
                f", layers {' '.join(rids)}" if rids else "")  # fmt: skip
    answer = announce_candidates(pc.localDescription.sdp, settings)
    if simulcast is not None and rids:
        answer = answer_simulcast(answer, simulcast)
    return web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={
            "Location": f"/whip/{name}/{publisher.id}",
            "ETag": publisher.etag,
            "Accept-Patch": SDPFRAG,
        },
    )


def _record(publisher: Publisher, folder: Path, codec: str) -> None:
    """Write the show to ``folder``, closed (off the loop) when the publisher's
    reservation ends."""
    audio = any(
        t.kind == "audio" and any(c.name.lower() == "opus" for c in t._codecs)
        for t in publisher.pc.getTransceivers()
    )
    recorder = Recorder(folder, publisher.stream.name, codec, audio=audio)
    publisher.stream.sinks.append(lambda f: recorder.write(f.data, f.timestamp, f.keyframe))
    publisher.stream.audio_sinks.append(lambda f: recorder.write_audio(f.data, f.timestamp))
    publisher.held.add(lambda: asyncio.get_running_loop().run_in_executor(None, recorder.close))


def _offer_ice(parsed: sdp.SessionDescription) -> tuple[str | None, str | None]:
    for media in parsed.media:
        if media.ice is not None:
            return media.ice.usernameFragment, media.ice.password
    return None, None


def _publisher(registry: LiveRegistry, request: web.Request) -> Publisher:
    """The publishing session the URL names (its stream and id), or 404."""
    publisher = registry.publishers.get(request.match_info["id"])
    if publisher is None or publisher.stream.name != request.match_info["stream"]:
        raise SessionNotFound("No such publishing session: it has ended or never existed.")
    return publisher


async def publish_patch(request: web.Request) -> web.StreamResponse:
    """Trickle ICE (RFC 9725 4.3): the publisher's candidates, after its offer.

    ICE restarts are refused with 422 (the relay keeps one transport per publisher; a
    publisher that lost it publishes anew); an ``If-Match`` of another ETag gets 412.
    """
    registry = request.app[LIVE_KEY]
    publisher = _publisher(registry, request)
    text = await read_text(request, registry.settings, SDPFRAG, "ICE fragment")
    fragment = parse_sdpfrag(text, CandidatePolicy.of(registry.settings))
    match = request.headers.get("If-Match")
    credentials = (fragment.ufrag, fragment.pwd)
    if match == "*" or (credentials != (None, None) and credentials != publisher.ice):
        raise IceRestartUnsupported(
            "This relay does not restart ICE; end the session and publish again."
        )
    if match is not None and match != publisher.etag:
        raise PreconditionFailed(f"The session's ETag is {publisher.etag}, not {match}.")
    cap = registry.settings.max_remote_candidates
    if publisher.candidates + len(fragment.candidates) > cap:
        raise SdpMalformed(f"A session takes at most {cap} remote candidates.")
    publisher.candidates += len(fragment.candidates)
    for candidate in fragment.candidates:
        await publisher.pc.addIceCandidate(candidate)
    if fragment.end_of_candidates:
        await publisher.pc.addIceCandidate(None)
    return web.Response(status=204, headers={"ETag": publisher.etag})


def _on_frame(stream: LiveStream) -> OnFrame:
    def on_frame(codec: str, data: bytes, timestamp: int) -> None:
        if codec.upper() in PASSTHROUGH_CODECS:
            stream.publish_frame(data, timestamp)
        elif codec.lower() == "opus":
            stream.publish_audio(data, timestamp)

    return on_frame


def _on_layer(stream: LiveStream) -> LayerFrame:
    def on_frame(layer: str, codec: str, data: bytes, timestamp: int) -> None:
        if codec.upper() in PASSTHROUGH_CODECS:
            stream.publish_frame(data, timestamp, layer)

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


async def publish_delete(request: web.Request) -> web.StreamResponse:
    """The publisher ends the show."""
    registry = request.app[LIVE_KEY]
    publisher = _publisher(registry, request)
    await registry.end_publisher(publisher, "DELETE")
    return web.Response(status=200)


async def watch_post(request: web.Request) -> web.StreamResponse:
    """A viewer's offer: answer with the live stream's own frames."""
    registry = request.app[LIVE_KEY]
    settings = registry.settings
    name = check_stream_name(request.match_info["stream"])
    edge = registry.edge_pull(request.headers)  # another node's pull, with the secret
    offer, parsed = await read_offer(request, settings)
    async with Reservation(f"viewer of {name}") as held:
        stream = await _live_or_pulled(registry, name, held, EDGE_HEADER in request.headers)
        if stream.codec not in _offered_codecs(parsed):
            raise CodecUnsupported(f"The show is {stream.codec}; the offer cannot receive it.")
        if not edge:  # a pull takes no public place: it serves many
            registry.seats.take(held)  # before any await: concurrent offers cannot overbook
        viewer: Viewer | RemoteViewer
        if registry.pool is not None:
            pool = registry.pool
            worker, viewer_id, answer = await pool.view(name, offer, stream.has_audio)
            held.add(lambda: pool.leave(worker, viewer_id))
            viewer = RemoteViewer(viewer_id, stream, worker, held)
        else:
            viewer, answer = await attach_viewer(
                stream, offer, settings, registry.spawn, held, registry.end_viewer
            )
        if not stream.live:  # the show ended while the offer was answered
            raise StreamNotLive(f"Stream '{name}' has just ended.")
        registry.viewers[viewer.id] = viewer
        held.add(lambda: registry.viewers.pop(viewer.id, None))
    return web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={"Location": f"/whep/{name}/{viewer.id}"},
    )


async def _live_or_pulled(
    registry: LiveRegistry, name: str, held: Reservation, edge: bool
) -> LiveStream:
    """The stream live here, or (in a cluster) pulled from its origin while ``held`` (the
    viewer's) lasts; another node's pull is served only by the origin (no chains)."""
    if edge:
        if name in registry.pulled:
            raise StreamNotOrigin(f"This node relays '{name}'; pull it from its origin.")
        return registry.live_stream(name)
    if registry.pull is not None and (name in registry.pulled or name not in registry.streams):
        return await registry.pull(name, held)
    return registry.live_stream(name)


def _viewer(registry: LiveRegistry, request: web.Request) -> Viewer | RemoteViewer:
    """The viewer the URL names (its stream and id), or 404."""
    viewer = registry.viewers.get(request.match_info["id"])
    if viewer is None or viewer.stream.name != request.match_info["stream"]:
        raise SessionNotFound("No such viewer: it has left or never existed.")
    return viewer


async def watch_delete(request: web.Request) -> web.StreamResponse:
    """A viewer leaves."""
    registry = request.app[LIVE_KEY]
    await registry.end_viewer(_viewer(registry, request), "DELETE")
    return web.Response(status=200)


async def watch_layer(request: web.Request) -> web.Response:
    """A viewer picks its simulcast layer: ``{"layer": "<rid>"}`` or ``{"layer": "auto"}``
    (the best its link sustains); it is sent from that layer's next keyframe."""
    registry = request.app[LIVE_KEY]
    viewer = _viewer(registry, request)
    text = await read_text(request, registry.settings, "application/json", "layer choice")
    stream = viewer.stream
    layer = parse_layer_choice(text, list(stream.layers) if stream.simulcast else [])
    await registry.choose_layer(viewer, layer)
    return web.json_response({"layer": layer})


def add_live_routes(app: web.Application, settings: StreamSettings) -> None:
    """WHIP, WHEP-live and status routes on ``app``; closing the app ends every show."""
    allow_rsa_peers()  # GStreamer's webrtcbin publishes with an RSA certificate
    register_profiles()  # H.264 Main and High, not only Constrained Baseline
    app[LIVE_KEY] = registry = LiveRegistry(settings)
    if settings.redis_url is not None:  # several boxes: pull shows live on other nodes
        app[CASCADE_KEY] = cascade = Cascade(registry, lambda: app.get(CLUSTER_KEY))
        registry.pull = cascade.stream
    app.router.add_post("/whip/{stream}", publish_post)
    app.router.add_delete("/whip/{stream}/{id}", publish_delete)
    app.router.add_patch("/whip/{stream}/{id}", publish_patch)
    app.router.add_post("/whep/{stream}", watch_post)
    app.router.add_delete("/whep/{stream}/{id}", watch_delete)
    app.router.add_post("/whep/{stream}/{id}/layer", watch_layer)
    app.router.add_get("/live", live_list)
    app.router.add_get("/live/{stream}/status", live_status)
    app.router.add_get("/live/{stream}/stats", live_stats)
    app.router.add_get("/live/{stream}", live_page)

    async def _shutdown(app: web.Application) -> None:
        if CASCADE_KEY in app:
            await app[CASCADE_KEY].close()
        await app[LIVE_KEY].close_all()

    app.on_shutdown.append(_shutdown)
