"""One WHEP viewer of a live stream: its peer connection, its feeds, its direct senders.

Shared by the server process (``relay_workers = 0``) and the relay workers
(:mod:`relay_worker`), so a viewer is answered the same way wherever it lives.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription

from museion.streaming.encoded_media import keep_only_codec, raise_socket_buffers
from museion.streaming.errors import CodecUnsupported, StreamNotLive
from museion.streaming.ice import announce_candidates, rtc_configuration
from museion.streaming.relay import AudioFeed, LiveStream, ViewerFeed
from museion.streaming.rtp_out import DirectSender, IdleTrack
from museion.streaming.settings import StreamSettings

__all__ = ["Viewer", "attach_viewer"]

logger = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, None]], None]


@dataclass(eq=False)
class Viewer:
    """One WHEP viewer of a live stream."""

    id: str
    stream: LiveStream
    pc: RTCPeerConnection
    feed: ViewerFeed
    audio: AudioFeed | None = None

    def leave(self) -> None:
        """Its feeds end (its senders stop); the caller closes ``pc``."""
        self.stream.leave(self.feed, self.audio)


async def attach_viewer(
    stream: LiveStream,
    offer: str,
    settings: StreamSettings,
    spawn: Spawn,
) -> tuple[Viewer, str]:
    """Answer ``offer`` with ``stream``'s frames as they are: (the viewer, the answer SDP).

    The answer's transceivers send idle tracks; :class:`DirectSender` writes the frames
    packetized once by the stream.  Raises :class:`CodecUnsupported` when the offer
    cannot receive the stream's codec.
    """
    if not stream.live or stream.codec is None:
        raise StreamNotLive(f"Stream '{stream.name}' is not live; try again when the show starts.")
    pc = RTCPeerConnection(rtc_configuration(settings))
    feed = stream.join()
    viewer = Viewer(secrets.token_urlsafe(12), stream, pc, feed)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(offer, "offer"))
        offered_audio = any(t.kind == "audio" for t in pc.getTransceivers())
        pc.addTrack(IdleTrack("video"))
        if stream.has_audio and offered_audio:
            viewer.audio = stream.listen()
            pc.addTrack(IdleTrack("audio"))
        sending = []
        for transceiver in pc.getTransceivers():
            track = transceiver.sender.track
            if track is None:
                continue
            codec = stream.codec if track.kind == "video" else "opus"
            if not keep_only_codec(transceiver, codec):
                raise CodecUnsupported(f"The show is {codec}; the offer cannot receive it.")
            sending.append(transceiver)
        await pc.setLocalDescription(await pc.createAnswer())
        raise_socket_buffers(pc)
    except BaseException:
        viewer.leave()
        await pc.close()
        raise
    for transceiver in sending:
        if transceiver.kind == "video":
            sender = DirectSender(transceiver, on_keyframe_request=stream.want_keyframe)
            spawn(sender.run(feed.next))
        elif viewer.audio is not None:
            spawn(DirectSender(transceiver).run(viewer.audio.next))
    return viewer, announce_candidates(pc.localDescription.sdp, settings)
