"""One live stream's frames to all of its viewers at once, paced (one per stream per process).

Sending each viewer its frames from a task of its own writes a frame to one viewer, then
the next: every viewer gets each keyframe as one burst at memory speed, and a receiver
with a modest socket buffer loses the tail (measured: 1-3 % loss at 32 viewers even with
per-viewer pacing).  The pump instead walks each frame in bursts of
:data:`~museion.streaming.rtp_out.PACING_BURST` packets and sends each burst to every
viewer before pacing on, as an SFU forwarding packets does: each viewer's packets arrive
spread over the frame's pacing time, whatever the number of viewers.

A joining viewer first catches up from its own :class:`ViewerFeed` (the kept group of
pictures, paced for it alone); once that runs dry it is handed to the pump, which starts
it exactly at the next frame the stream publishes, so no frame is lost or sent twice.

With simulcast each viewer is sent one layer (:attr:`DirectSender.layer`); its
:class:`~.simulcast.Pilot` picks the layer every half second from what the viewer's link
says, and the switch happens at the next keyframe of the new layer (asked for at once).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from dataclasses import dataclass, field

from museion.streaming.live.rtp_out import PACING_BURST, DirectSender, Pacer
from museion.streaming.live.simulcast.pilot import Feedback, LayerRate, Pilot, PilotSettings
from museion.streaming.live.stream import EncodedFrame, LiveStream, RelayLimits, ViewerFeed

__all__ = ["FanoutPump"]

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Entry:
    frame: EncodedFrame
    joiners: list[DirectSender] = field(default_factory=list)


class FanoutPump:
    """Sends ``stream``'s video to its caught-up viewers and its audio to its listeners."""

    def __init__(self, stream: LiveStream, limits: RelayLimits | None = None) -> None:
        self.stream = stream
        self.limits = limits or stream.limits
        self.live: list[DirectSender] = []
        self.listeners: list[DirectSender] = []
        self.pacer = Pacer(stream.bitrate)
        self.dropped_frames = 0
        self._queue: collections.deque[_Entry] = collections.deque()
        self._queued_bytes = 0
        self._pending: list[DirectSender] = []
        self._waiting: set[str] = set()  # layers that resume at their next keyframe
        self._ready = asyncio.Event()
        self._ended = False
        self.pilots: dict[DirectSender, Pilot] = {}
        self._heard: dict[DirectSender, tuple[int, int, int]] = {}  # nacked, sent, drops
        stream.sinks.append(self._push)
        stream.audio_sinks.append(self._push_audio)
        self._task = asyncio.ensure_future(self._run())
        self._steering = asyncio.ensure_future(self._steer()) if stream.simulcast else None

    @property
    def viewers(self) -> int:
        return len(self.live) + len(self._pending) + sum(len(e.joiners) for e in self._queue)

    def _push(self, frame: EncodedFrame) -> None:
        if self._ended:
            return
        if frame.layer in self._waiting and not frame.keyframe:
            self.dropped_frames += 1
            self.stream.want_keyframe(frame.layer)
            return
        if self._queued_bytes + frame.size > self.limits.max_queue_bytes:
            # The pump is behind (its process is out of CPU): everyone skips to a keyframe.
            for entry in self._queue:
                self._pending += entry.joiners
            self.dropped_frames += len(self._queue)
            self._queue.clear()
            self._queued_bytes = 0
            self._waiting = set(self.stream.layers)
            if not frame.keyframe:
                self.dropped_frames += 1
                self.stream.want_keyframe(frame.layer)
                return
        self._waiting.discard(frame.layer)
        self._queue.append(_Entry(frame, self._pending))
        self._pending = []
        self._queued_bytes += frame.size
        self._ready.set()

    def _push_audio(self, frame: EncodedFrame) -> None:
        for sender in list(self.listeners):
            if not _send(sender, frame, 0, None):
                self.listeners.remove(sender)

    async def join(self, sender: DirectSender, feed: ViewerFeed) -> None:
        """Catch ``sender`` up from ``feed`` (paced), then hand it to the pump; returns when
        the viewer stops receiving (its connection went, or the stream ended)."""
        sender.layer = sender.target = feed.layer
        if self.stream.simulcast:
            self.pilots.setdefault(sender, Pilot(time.monotonic()))
        try:
            await sender.connected()
            while True:
                if not feed.queue and not feed.waiting_for_keyframe:
                    # Everything published so far is sent: the pump takes over from the next.
                    self.stream.leave(feed)
                    self._pending.append(sender)
                    await sender.gone.wait()
                    return
                frame = await feed.next()
                if frame is None or not await sender.send_paced(frame):
                    return
        except ConnectionError:
            return

    def phase(self, sender: DirectSender) -> str:
        """Where ``sender`` is: ``live`` (fed by the pump), ``handing-over`` or ``catching-up``."""
        if sender in self.live:
            return "live"
        if sender in self._pending or any(sender in e.joiners for e in self._queue):
            return "handing-over"
        return "catching-up"

    def choose(self, sender: DirectSender, layer: str) -> None:
        """``sender``'s viewer asked for ``layer`` (a rid, or ``auto``): steered at once."""
        if self.stream.simulcast:
            pilot = self.pilots.setdefault(sender, Pilot(time.monotonic()))
            pilot.choose(layer)
            self._steer_one(sender, pilot, time.monotonic())

    def forget(self, sender: DirectSender) -> None:
        """``sender``'s viewer left."""
        self.pilots.pop(sender, None)
        self._heard.pop(sender, None)
        for group in (self.live, self.listeners, self._pending, *(e.joiners for e in self._queue)):
            with contextlib.suppress(ValueError):
                group.remove(sender)

    def listen(self, sender: DirectSender) -> None:
        """``sender`` gets the stream's audio from the next packet on."""
        self.listeners.append(sender)

    async def _run(self) -> None:
        while True:
            while not self._queue:
                if self._ended:
                    return
                self._ready.clear()
                await self._ready.wait()
            entry = self._queue.popleft()
            frame = entry.frame
            self._queued_bytes -= frame.size
            self.live += entry.joiners
            if any(_wants(sender, frame) for sender in self.live):
                await self._send(frame)

    async def _send(self, frame: EncodedFrame) -> None:
        async for first in self.pacer.bursts(frame.payloads):
            for sender in list(self.live):
                if sender.layer != frame.layer:
                    if first or not _wants(sender, frame):
                        continue
                    sender.switch(frame.layer, frame.timestamp)
                if not _send(sender, frame, first, PACING_BURST):
                    self.live.remove(sender)

    async def _steer(self) -> None:
        """Every viewer's pilot, each interval, while the stream lasts."""
        interval = PilotSettings().interval
        while not self._ended:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for sender, pilot in list(self.pilots.items()):
                self._steer_one(sender, pilot, now)

    def _steer_one(self, sender: DirectSender, pilot: Pilot, now: float) -> None:
        stream = self.stream
        if not stream.live:
            return
        sending = [LayerRate(r, stream.bitrate(r)) for r in stream.ranked() if stream.sending(r)]
        target = pilot.decide(now, sending, self._feedback(sender, pilot, now))
        if target is not None:
            sender.target = target
            if target != sender.layer:
                stream.want_keyframe(target)  # rate-limited per layer

    def _feedback(self, sender: DirectSender, pilot: Pilot, now: float) -> Feedback:
        """What ``sender``'s viewer said since the last decision."""
        nacked, sent, drops = self._heard.get(sender, (0, 0, 0))
        self._heard[sender] = sender.nacked, sender.sent_packets, sender.send_drops
        fresh = pilot.settings.interval * 3
        loss = sender.loss[0] if sender.loss and now - sender.loss[1] < fresh else None
        # An estimate counts when it falls: a receiver's rises only as fast as what it is
        # sent, so one still rising after a switch up says nothing of the link.
        remb = sender.remb
        falling = remb is not None and remb[0] < 0.95 * sender.remb_before
        return Feedback(
            drops=sender.send_drops - drops,
            loss=loss,
            nack_share=(sender.nacked - nacked) / max(1, sender.sent_packets - sent),
            remb=remb[0] if remb and falling and now - remb[1] < pilot.settings.remb_age else None,
        )

    def close(self) -> None:
        """The stream ended: senders stop being fed (their connections are closed apart)."""
        self._ended = True
        self._ready.set()
        if self._steering is not None:
            self._steering.cancel()
        for sender in self.live + self._pending + self.listeners:
            sender.gone.set()
        for entry in self._queue:
            for sender in entry.joiners:
                sender.gone.set()
        self.live.clear()
        self.listeners.clear()
        with contextlib.suppress(ValueError):
            self.stream.sinks.remove(self._push)
        with contextlib.suppress(ValueError):
            self.stream.audio_sinks.remove(self._push_audio)


def _wants(sender: DirectSender, frame: EncodedFrame) -> bool:
    """Whether ``sender`` takes ``frame``: of its layer, or a keyframe of its target."""
    return sender.layer == frame.layer or (frame.keyframe and sender.target == frame.layer)


def _send(sender: DirectSender, frame: EncodedFrame, first: int, count: int | None) -> bool:
    try:
        if sender.send_frame(frame, first, count):
            return True
    except ConnectionError:
        pass
    sender.gone.set()
    return False
