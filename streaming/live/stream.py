"""A live stream's fan-out, without re-encoding: encoded frames in, the same frames out.

Pure asyncio, no WebRTC: the publisher side hands :meth:`LiveStream.publish_frame` each
complete encoded frame (H.264 Annex B or VP8) with its 90 kHz timestamp; each viewer reads
its own :class:`ViewerFeed`.  A joining viewer starts at the last keyframe, whose group of
pictures is kept (bounded), so it sees a picture at once rather than after the next
keyframe.  A viewer that falls behind (its queue over ``max_queue_bytes``) drops what it
has queued and waits for the next keyframe: its memory is bounded and nobody else waits.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from museion.streaming.live.simulcast.picture import picture_size

__all__ = [
    "EncodedFrame",
    "Layer",
    "LiveStream",
    "RelayLimits",
    "ViewerFeed",
    "h264_is_keyframe",
    "is_keyframe",
    "vp8_is_keyframe",
]

logger = logging.getLogger(__name__)

BITRATE_WINDOW = 2.0  # seconds over which a stream's bitrate is measured
ACTIVE_WINDOW = 1.5  # seconds without a frame after which a layer counts as paused


def h264_is_keyframe(data: bytes) -> bool:
    """An Annex B access unit that starts a decodable picture: it holds an IDR slice
    (NAL type 5) or a sequence parameter set (7) ahead of one."""
    index = 0
    end = len(data)
    while index < end:
        start = data.find(b"\x00\x00\x01", index)
        if start < 0 or start + 3 >= end:
            return False
        nal_type = data[start + 3] & 0x1F
        if nal_type in (5, 7):
            return True
        index = start + 3
    return False


def vp8_is_keyframe(data: bytes) -> bool:
    """A VP8 frame whose tag says key frame (RFC 6386 9.1: bit 0 of the first byte is 0)."""
    return bool(data) and not data[0] & 0x01


def is_keyframe(codec: str, data: bytes) -> bool:
    """Whether ``data`` (one encoded frame of ``codec``, ``H264`` or ``VP8``) is a keyframe."""
    return h264_is_keyframe(data) if codec == "H264" else vp8_is_keyframe(data)


async def _take(
    queue: collections.deque[EncodedFrame | None], ready: asyncio.Event
) -> EncodedFrame | None:
    """The next item of ``queue``, waiting on ``ready``; the end marker stays for later calls."""
    while not queue:
        ready.clear()
        await ready.wait()
    frame = queue.popleft()
    if frame is None:
        queue.append(None)
    return frame


@dataclass(frozen=True)
class EncodedFrame:
    """One complete encoded frame: its bytes, its timestamp (90 kHz video, 48 kHz audio),
    keyframe or not, its RTP payloads when the stream packetizes (once, for all), and its
    simulcast layer (``""`` without simulcast)."""

    data: bytes
    timestamp: int
    keyframe: bool
    payloads: tuple[bytes, ...] = ()
    layer: str = ""
    size: int = field(init=False, default=0)  # what it weighs in a viewer's queue

    def __post_init__(self) -> None:
        weight = len(self.data) or sum(map(len, self.payloads))
        object.__setattr__(self, "size", weight)


@dataclass(frozen=True)
class RelayLimits:
    """``max_queue_bytes``: what one viewer may have queued before it is cut back to the
    next keyframe (about 2 s of 4K at 12 Mbps by default); ``max_gop_bytes``: the largest
    group of pictures kept for joining viewers (a longer one is not kept: joiners wait for
    the next keyframe); ``keyframe_interval``: the least time between two keyframe requests
    sent to the publisher."""

    max_queue_bytes: int = 4 * 1024 * 1024
    max_gop_bytes: int = 16 * 1024 * 1024
    keyframe_interval: float = 1.0


@dataclass(eq=False)
class ViewerFeed:
    """The frames of ``layer`` waiting for one viewer; ``None`` in the queue means the
    stream ended."""

    limits: RelayLimits
    layer: str = ""
    queue: collections.deque[EncodedFrame | None] = field(default_factory=collections.deque)
    queued_bytes: int = 0
    waiting_for_keyframe: bool = True
    dropped_frames: int = 0
    sent_frames: int = 0
    ended: str | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, frame: EncodedFrame) -> None:
        """Queue ``frame``, or drop it (and what is queued) to keep within the limits."""
        if self.ended is not None or frame.layer != self.layer:
            return
        if self.waiting_for_keyframe and not frame.keyframe:
            self.dropped_frames += 1
            return
        if self.queued_bytes + frame.size > self.limits.max_queue_bytes:
            self.dropped_frames += len(self.queue) + 1
            self.queue.clear()
            self.queued_bytes = 0
            self.waiting_for_keyframe = True
            if not frame.keyframe:
                return
        self.waiting_for_keyframe = False
        self.queue.append(frame)
        self.queued_bytes += frame.size
        self._ready.set()

    def end(self, reason: str) -> None:
        """No more frames: the publisher left (``reason`` says why)."""
        if self.ended is None:
            self.ended = reason
            self.queue.append(None)
            self._ready.set()

    async def next(self) -> EncodedFrame | None:
        """The next frame, waiting for one; ``None`` once the stream has ended."""
        frame = await _take(self.queue, self._ready)
        if frame is None:
            return None
        self.queued_bytes -= frame.size
        self.sent_frames += 1
        return frame


@dataclass(eq=False)
class Layer:
    """One layer of a stream: its kept group of pictures (from its last keyframe), its
    recent bitrate, its picture size once a keyframe told it, when it last sent a frame."""

    rid: str
    gop: list[EncodedFrame] = field(default_factory=list)
    gop_bytes: int = 0
    recent: collections.deque[tuple[float, int]] = field(default_factory=collections.deque)
    recent_bytes: int = 0
    frames_in: int = 0
    size: tuple[int, int] | None = None  # width, height
    last_frame_at: float = -float("inf")
    last_request: float = -float("inf")  # of a keyframe

    def take(self, frame: EncodedFrame, now: float, max_gop_bytes: int) -> None:
        self.frames_in += 1
        self.last_frame_at = now
        self.recent.append((now, frame.size))
        self.recent_bytes += frame.size
        self.forget_before(now - BITRATE_WINDOW)
        if frame.keyframe:
            self.gop = [frame]
            self.gop_bytes = frame.size
        elif self.gop:
            self.gop_bytes += frame.size
            if self.gop_bytes > max_gop_bytes:
                self.gop.clear()
                self.gop_bytes = 0
            else:
                self.gop.append(frame)

    def forget_before(self, moment: float) -> None:
        """Drop the frames sent before ``moment`` from the bitrate's window."""
        while self.recent and self.recent[0][0] < moment:
            self.recent_bytes -= self.recent.popleft()[1]


class LiveStream:
    """One named stream: at most one publisher, any number of viewers.

    ``request_keyframe`` is called (rate-limited) when a viewer needs a keyframe the stream
    does not have; the publisher side sends the PLI.
    """

    def __init__(
        self,
        name: str,
        limits: RelayLimits = RelayLimits(),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.limits = limits
        # Where every viewer's RTP timestamps start (until a simulcast switch moves one's):
        # a tour's room names its frames by it, for the marks drawn over them.
        self.rtp_origin = random.getrandbits(32)
        self.listed = True  # in GET /live (a docent tour's stream is listed with its tour)
        self.codec: str | None = None
        self.profile_level_id: str | None = None  # H.264's, as the publisher negotiated it
        self.viewers: set[ViewerFeed] = set()
        self.has_audio = False
        # Called with every frame the publisher sends (a recorder, say), before the viewers.
        self.sinks: list[Callable[[EncodedFrame], None]] = []
        self.audio_sinks: list[Callable[[EncodedFrame], None]] = []
        self.on_stop: list[Callable[[], None]] = []  # called once the publisher is gone
        self.request_keyframe: Callable[[], None] | None = None
        self.layer_keyframe: Callable[[str], None] | None = None
        self.packetize: Callable[[bytes, int], tuple[bytes, ...]] | None = None
        self.layer_packetizers: dict[str, Callable[[bytes, int], tuple[bytes, ...]]] = {}
        self.frames_in = 0
        self.bytes_in = 0
        self.layers: dict[str, Layer] = {"": Layer("")}
        self._started_at = 0.0
        self._clock = clock
        self.live = False

    def start(
        self,
        codec: str,
        request_keyframe: Callable[[], None] | None,
        packetize: Callable[[bytes, int], tuple[bytes, ...]] | None = None,
        profile_level_id: str | None = None,
        layers: tuple[str, ...] = (),
        layer_keyframe: Callable[[str], None] | None = None,
        layer_packetizers: dict[str, Callable[[bytes, int], tuple[bytes, ...]]] | None = None,
        rtp_origin: int | None = None,
    ) -> None:
        """A publisher is on with ``codec`` (H.264: of ``profile_level_id``); ``packetize``
        cuts each frame into RTP payloads once, for every viewer.  A simulcast publisher
        names its ``layers`` (rids, in its offer's order); ``layer_keyframe(rid)`` asks
        one of them for a keyframe; each layer has its own packetizer (VP8's picture ids
        count the frames of one layer: a viewer seeing gaps drops every frame to the next
        keyframe)."""
        self.codec = codec
        self.profile_level_id = profile_level_id
        if rtp_origin is not None:  # a relay worker's copy of the server's stream
            self.rtp_origin = rtp_origin
        self.request_keyframe = request_keyframe
        self.layer_keyframe = layer_keyframe
        self.packetize = packetize
        self.layer_packetizers = layer_packetizers or {}
        self.layers = {rid: Layer(rid) for rid in layers or ("",)}
        self._started_at = self._clock()
        self.live = True

    @property
    def simulcast(self) -> bool:
        return "" not in self.layers

    def stop(self, reason: str) -> None:
        """The publisher is gone: every viewer's stream ends with ``reason``."""
        self.live = False
        self.request_keyframe = None
        self.layer_keyframe = None
        for layer in self.layers.values():
            layer.gop.clear()
            layer.gop_bytes = 0
        for viewer in self.viewers:
            viewer.end(reason)
        self.viewers.clear()
        for callback in self.on_stop:
            callback()
        self.on_stop.clear()

    def publish_frame(self, data: bytes, timestamp: int, layer: str = "") -> EncodedFrame:
        """One frame from the publisher (of simulcast ``layer``), packetized once, to
        every viewer."""
        packetize = self.layer_packetizers.get(layer, self.packetize)
        payloads = packetize(data, timestamp) if packetize is not None else ()
        codec = self.codec or "H264"
        frame = EncodedFrame(data, timestamp, is_keyframe(codec, data), payloads, layer)
        if frame.keyframe and self.simulcast and layer in self.layers:
            self.layers[layer].size = picture_size(codec, data) or self.layers[layer].size
        self.publish(frame)
        return frame

    def publish(self, frame: EncodedFrame) -> None:
        """``frame`` (already built: a relay worker's copy of the server's) to every viewer."""
        layer = self.layers.get(frame.layer)
        if layer is None:  # not a layer the publisher announced
            return
        self.frames_in += 1
        self.bytes_in += frame.size
        layer.take(frame, self._clock(), self.limits.max_gop_bytes)
        for sink in self.sinks:
            sink(frame)
        for viewer in self.viewers:
            viewer.offer(frame)
            if viewer.waiting_for_keyframe:
                self.want_keyframe(viewer.layer)

    def publish_audio(self, data: bytes, timestamp: int) -> None:
        """One Opus packet from the publisher (48 kHz timestamp), to the audio sinks (the
        pumps that send it to viewers, the relay workers)."""
        self.publish_audio_frame(EncodedFrame(data, timestamp, True, (data,)))

    def publish_audio_frame(self, frame: EncodedFrame) -> None:
        self.has_audio = True
        for sink in self.audio_sinks:
            sink(frame)

    def join(self, layer: str | None = None) -> ViewerFeed:
        """A new viewer of ``layer`` (by default the best one sending): it starts with the
        layer's kept group of pictures, or asks for a keyframe."""
        rid = self.best_layer() if layer is None or layer not in self.layers else layer
        feed = ViewerFeed(self.limits, rid)
        for frame in self.layers[rid].gop:
            feed.offer(frame)
        if feed.waiting_for_keyframe:
            self.want_keyframe(rid)
        self.viewers.add(feed)
        return feed

    def leave(self, feed: ViewerFeed) -> None:
        """A viewer is gone; its queues go with it."""
        self.viewers.discard(feed)
        feed.end("left")

    def kept_frames(self) -> list[EncodedFrame]:
        """The kept groups of pictures (from each layer's last keyframe), for a late relay
        worker."""
        return [frame for layer in self.layers.values() for frame in layer.gop]

    def bitrate(self, layer: str | None = None) -> float:
        """The publisher's video bits per second over the last :data:`BITRATE_WINDOW`, of
        one ``layer`` or all."""
        now = self._clock()
        span = min(BITRATE_WINDOW, max(0.25, now - self._started_at))
        chosen = self.layers.values() if layer is None else [self.layers[layer]]
        for each in chosen:
            each.forget_before(now - BITRATE_WINDOW)  # a paused layer's rate falls to 0
        return sum(each.recent_bytes for each in chosen) * 8 / span

    def ranked(self) -> list[str]:
        """The layers best first: by picture size where a keyframe told it, then by
        bitrate (a publisher names its layers in any order)."""

        def rank(rid: str) -> tuple[int, float]:
            size = self.layers[rid].size
            return (size[0] * size[1] if size else 0), self.bitrate(rid)

        return sorted(self.layers, key=rank, reverse=True)

    def sending(self, rid: str) -> bool:
        """Whether layer ``rid`` sent a frame lately (a publisher pauses the layers its
        uplink cannot carry)."""
        return self._clock() - self.layers[rid].last_frame_at < ACTIVE_WINDOW

    def best_layer(self) -> str:
        """The best layer that is sending (the first named while none is)."""
        return next((r for r in self.ranked() if self.sending(r)), next(iter(self.layers)))

    def layer_status(self) -> list[dict[str, object]]:
        """Each layer, best first: rid, picture size if known, bitrate, whether sending."""
        return [
            {
                "rid": rid,
                "width": size[0] if (size := self.layers[rid].size) else None,
                "height": size[1] if size else None,
                "bitrate": round(self.bitrate(rid)),
                "frames_in": self.layers[rid].frames_in,
                "sending": self.sending(rid),
            }
            for rid in self.ranked()
        ]

    def want_keyframe(self, layer: str = "") -> None:
        """Ask the publisher for a keyframe (of ``layer``), at most once per
        ``keyframe_interval`` per layer."""
        now = self._clock()
        kept = self.layers.get(layer)
        if (
            self.request_keyframe is None
            or kept is None
            or now - kept.last_request < self.limits.keyframe_interval
        ):
            return
        kept.last_request = now
        if layer and self.layer_keyframe is not None:
            self.layer_keyframe(layer)
        else:
            self.request_keyframe()
