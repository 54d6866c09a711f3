"""A simulcast publisher's layers out of one aiortc receiver, each reassembled apart.

aiortc hands every packet of a video section to one receiver, whatever its SSRC, and that
receiver has one jitter buffer, one NACK generator and one timestamp origin: two layers'
packets would be spliced into garbage.  :func:`split_layers` puts itself in front of the
receiver's packet handler: it tells each packet's layer by its SSRC, learnt from the RTP
stream id header extension (``rid``; a browser stops sending it once our receiver reports
have acknowledged the SSRC) or, for a retransmission stream, the repaired stream id; then
it lends aiortc's handler that layer's jitter buffer, NACK generator and timestamp origin
for the packet.  Everything else stays aiortc's: NACKs and picture loss reports per SSRC,
receiver reports for every SSRC, one REMB for the transport.

It reaches into aiortc 1.16's name-mangled receiver attributes (:data:`PRIVATE`);
``tests/streaming/live/simulcast/test_receive.py`` fails loudly if an upgrade moves them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpreceiver import NackGenerator, TimestampMapper

from museion.streaming.live.encoded_media import JITTER_CAPACITY, tap_receiver

__all__ = ["PRIVATE", "LayerFrame", "SimulcastReceiver", "split_layers"]

logger = logging.getLogger(__name__)

PRIVATE = (
    "_RTCRtpReceiver__jitter_buffer",
    "_RTCRtpReceiver__nack_generator",
    "_RTCRtpReceiver__timestamp_mapper",
    "_RTCRtpReceiver__rtx_ssrc",
    "_RTCRtpReceiver__started",
    "_handle_rtp_packet",
    "_send_rtcp_pli",
)
MAX_SSRCS = 12  # SSRCs one publisher may use (a layer and its retransmissions each)

LayerFrame = Callable[[str, str, bytes, int], None]  # layer, codec, data, timestamp


@dataclass(eq=False)
class _Layer:
    jitter: JitterBuffer = field(
        default_factory=lambda: JitterBuffer(capacity=JITTER_CAPACITY, is_video=True)
    )
    nacks: NackGenerator = field(default_factory=NackGenerator)
    clock: TimestampMapper = field(default_factory=TimestampMapper)
    ssrc: int | None = None
    packets: int = 0


class SimulcastReceiver:
    """The layers of one receiver: which SSRC is which, each layer's reassembly state."""

    def __init__(self, receiver: RTCRtpReceiver, rids: tuple[str, ...], on_frame: LayerFrame):
        self.receiver = receiver
        self.layers = {rid: _Layer() for rid in rids}
        self.of_ssrc: dict[int, str] = {}
        self.unknown_packets = 0  # no layer of ours: an unknown rid, or no rid ever seen
        self._current = ""
        self._on_frame = on_frame
        self._handle: Callable[..., Awaitable[None]] = receiver._handle_rtp_packet

    def _frame(self, codec: str, data: bytes, timestamp: int) -> None:
        self._on_frame(self._current, codec, data, timestamp)

    def _layer_of(self, packet: Any) -> str | None:
        known = self.of_ssrc.get(packet.ssrc)
        rid = packet.extensions.rtp_stream_id
        repaired = packet.extensions.repaired_rtp_stream_id
        if known is not None and rid in (None, known) and repaired in (None, known):
            return known
        if rid in self.layers:
            return self._learn(packet.ssrc, rid, media=True)
        if repaired in self.layers:
            return self._learn(packet.ssrc, repaired, media=False)
        return None

    def _learn(self, ssrc: int, rid: str, media: bool) -> str | None:
        if ssrc not in self.of_ssrc and len(self.of_ssrc) >= MAX_SSRCS:
            return None
        self.of_ssrc[ssrc] = rid
        layer = self.layers[rid]
        retransmissions: dict[int, int] = self.receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
        if media:
            if layer.ssrc is not None and layer.ssrc != ssrc:  # the layer restarted
                self.of_ssrc.pop(layer.ssrc, None)
                layer = self.layers[rid] = _Layer()
            layer.ssrc = ssrc
            for rtx, rid_of_rtx in self.of_ssrc.items():
                if rid_of_rtx == rid and rtx != ssrc:
                    retransmissions[rtx] = ssrc
        elif layer.ssrc is not None:
            retransmissions[ssrc] = layer.ssrc
        logger.debug("simulcast: SSRC %d is layer %s (%s)", ssrc, rid, "media" if media else "rtx")
        return rid

    async def handle(self, packet: Any, arrival_time_ms: int) -> None:
        """In place of the receiver's handler: aiortc's, with the packet's layer's state."""
        rid = self._layer_of(packet)
        if rid is None:
            self.unknown_packets += 1
            return
        layer = self.layers[rid]
        layer.packets += 1
        receiver: Any = self.receiver
        receiver._RTCRtpReceiver__jitter_buffer = layer.jitter
        receiver._RTCRtpReceiver__nack_generator = layer.nacks
        receiver._RTCRtpReceiver__timestamp_mapper = layer.clock
        self._current = rid  # the transport hands over one packet at a time
        await self._handle(packet, arrival_time_ms)

    def request_keyframe(self, rid: str) -> Awaitable[None] | None:
        """A picture loss report for layer ``rid``'s SSRC (None before it sent a packet)."""
        ssrc = self.layers[rid].ssrc if rid in self.layers else None
        if ssrc is None:
            return None
        result: Awaitable[None] = self.receiver._send_rtcp_pli(ssrc)
        return result


def split_layers(
    receiver: RTCRtpReceiver, rids: tuple[str, ...], on_frame: LayerFrame
) -> SimulcastReceiver:
    """Reassemble ``receiver``'s layers ``rids`` apart; each frame goes to ``on_frame(rid,
    codec, data, timestamp)``.  Before the receiver starts (as :func:`tap_receiver`)."""
    layers = SimulcastReceiver(receiver, rids, on_frame)
    tap_receiver(receiver, layers._frame)
    receiver._handle_rtp_packet = layers.handle  # type: ignore[method-assign]
    return layers
