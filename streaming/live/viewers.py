"""One WHEP viewer of a live stream: its peer connection, its feeds, its direct senders.

Shared by the server process (``relay_workers = 0``) and the relay workers
(:mod:`.worker`), so a viewer is answered the same way wherever it lives.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCPeerConnection, sdp

from museion.streaming.errors import CodecUnsupported, StreamNotLive
from museion.streaming.ice import announce_candidates, rtc_configuration
from museion.streaming.live.encoded_media import raise_socket_buffers
from museion.streaming.live.fanout import FanoutPump
from museion.streaming.live.rtp_out import DirectSender, IdleTrack
from museion.streaming.live.simulcast.pilot import AUTO
from museion.streaming.live.stream import LiveStream, ViewerFeed
from museion.streaming.negotiation import (
    answer_viewer,
    offer_refusals,
    profile_name,
    set_offer,
)
from museion.streaming.peer_watch import watch_peer
from museion.streaming.reservation import Reservation
from museion.streaming.settings import StreamSettings

__all__ = ["Viewer", "attach_viewer"]

logger = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], None]
End = Callable[["Viewer", str], Awaitable[None]]


@dataclass(eq=False)
class Viewer:
    """One WHEP viewer of a live stream."""

    id: str
    stream: LiveStream
    pc: RTCPeerConnection
    feed: ViewerFeed
    held: Reservation
    senders: list[DirectSender] = field(default_factory=list)
    ended: str | None = None

    def stats(self) -> dict[str, object]:
        """What was sent and dropped, for the status page and the tests."""
        video = [s for s in self.senders if s.kind == "video"]
        return {
            "id": self.id,
            "stream": self.stream.name,
            "sent_frames": sum(s.sent_frames for s in video),
            "dropped_frames": self.feed.dropped_frames,
            "sent_packets": sum(s.sent_packets for s in self.senders),
            "sent_bytes": sum(s.sent_bytes for s in self.senders),
            "send_drops": sum(s.send_drops for s in self.senders),
            "retransmitted": sum(s.retransmitted for s in self.senders),
            "phase": _pumps[self.stream].phase(video[0]) if video and self.stream in _pumps else "",
            "gone": any(s.gone.is_set() for s in self.senders),
            **self.layer_stats(),
        }

    def layer_stats(self) -> dict[str, object]:
        """Simulcast: the layer sent, the one it switches to next, what the viewer chose."""
        video = next((s for s in self.senders if s.kind == "video"), None)
        pump = _pumps.get(self.stream)
        pilot = pump.pilots.get(video) if pump is not None and video is not None else None
        if video is None or not self.stream.simulcast:
            return {"layer": None}
        return {
            "layer": video.layer,
            "target": video.target,
            "choice": pilot.choice if pilot is not None else AUTO,
            "switches": video.switches,
        }

    def choose(self, layer: str) -> None:
        """The viewer asked for ``layer``: a rid of the stream or ``auto`` (checked by the
        caller); it is sent from that layer's next keyframe."""
        pump = _pumps.get(self.stream)
        for sender in self.senders:
            if sender.kind == "video" and pump is not None:
                pump.choose(sender, layer)

    def leave(self) -> None:
        """Its feeds end and its senders stop; the caller closes ``pc``."""
        self.stream.leave(self.feed)
        pump = _pumps.get(self.stream)
        for sender in self.senders:
            sender.gone.set()
            if pump is not None:
                pump.forget(sender)


_pumps: dict[LiveStream, FanoutPump] = {}


def pump_for(stream: LiveStream) -> FanoutPump:
    """The stream's pump in this process, made with its first viewer, closed with it."""
    pump = _pumps.get(stream)
    if pump is None:
        pump = _pumps[stream] = FanoutPump(stream)

        def closed() -> None:
            pump.close()
            _pumps.pop(stream, None)

        stream.on_stop.append(closed)
    return pump


async def attach_viewer(
    stream: LiveStream,
    offer: str,
    settings: StreamSettings,
    spawn: Spawn,
    held: Reservation,
    end: End,
) -> tuple[Viewer, str]:
    """Answer ``offer`` with ``stream``'s frames as they are: (the viewer, the answer SDP).

    The answer's transceivers send idle tracks; :class:`DirectSender` writes the frames
    packetized once by the stream.  Raises :class:`CodecUnsupported` when the offer
    cannot receive the stream's codec, :class:`SdpMalformed` when aiortc cannot answer
    it.  The peer connection and the feed go on ``held``, released by the caller; ``end``
    is called when the viewer's connection fails, closes or never comes up.
    """
    if not stream.live or stream.codec is None:
        raise StreamNotLive(f"Stream '{stream.name}' is not live; try again when the show starts.")
    pc = RTCPeerConnection(rtc_configuration(settings))
    held.add(pc.close)
    feed = stream.join()
    viewer = Viewer(secrets.token_urlsafe(12), stream, pc, feed, held)
    held.add(viewer.leave)
    with offer_refusals():
        await set_offer(pc, offer)
        offered = {m.rtp.muxId: m.rtp.codecs for m in sdp.SessionDescription.parse(offer).media}
        offered_audio = any(t.kind == "audio" for t in pc.getTransceivers())
        pc.addTrack(IdleTrack("video"))
        if stream.has_audio and offered_audio:
            pc.addTrack(IdleTrack("audio"))
        sending = []
        for transceiver in pc.getTransceivers():
            track = transceiver.sender.track
            if track is None:
                continue
            codec = stream.codec if track.kind == "video" else "opus"
            theirs = offered.get(transceiver.mid or "", [])
            if not answer_viewer(transceiver, codec, stream.profile_level_id, theirs):
                if codec == "H264":
                    profile = profile_name(stream.profile_level_id)
                    raise CodecUnsupported(
                        f"The show is H.264 {profile}; the offer cannot decode that profile."
                    )
                raise CodecUnsupported(f"The show is {codec}; the offer cannot receive it.")
            sending.append(transceiver)
        await pc.setLocalDescription(await pc.createAnswer())
    raise_socket_buffers(pc)
    watch_peer(
        pc,
        settings.connect_timeout,
        lambda reason: end(viewer, reason),
        held,
        f"viewer {viewer.id} of stream {stream.name}",
    )
    pump = pump_for(stream)
    for transceiver in sending:
        if transceiver.kind == "video":
            sender = DirectSender(transceiver, None, stream.bitrate, stream.rtp_origin)
            # A picture loss report asks the layer the viewer is sent for a keyframe.
            sender.on_keyframe_request = _keyframe_of(stream, sender)
            spawn(pump.join(sender, feed))
        else:  # audio needs no catching up: it starts with the next packet
            sender = DirectSender(transceiver)
            spawn(_listen(pump, sender))
        viewer.senders.append(sender)
    return viewer, announce_candidates(pc.localDescription.sdp, settings)


def _keyframe_of(stream: LiveStream, sender: DirectSender) -> Callable[[], None]:
    return lambda: stream.want_keyframe(sender.layer)


async def _listen(pump: FanoutPump, sender: DirectSender) -> None:
    try:
        await sender.connected()
    except ConnectionError:
        return
    pump.listen(sender)
