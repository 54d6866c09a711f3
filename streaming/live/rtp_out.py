"""RTP to a viewer without aiortc's per-packet work: packetize once, send to many.

aiortc's sender packetizes every frame again for every viewer and builds a Python
``RtpPacket`` per packet; at 4K (about 1,250 packets a second) that is most of a core for
a dozen viewers.  Here a frame is cut into RTP payloads once (:func:`packetizer`, on the
publisher side) and each viewer's :class:`DirectSender` only writes a header from a
template and the payload into libsrtp's buffer and protects it there (in C); the protected
packets of a burst go out on the viewer's nominated ICE socket as one UDP GSO ``sendmsg``
per run of equal-sized packets (:mod:`.udp_batch`; Linux segments them: a syscall for up to
8 packets, not one each), else one ``sendto`` each.  No Python object per packet.  aiortc still does
everything else for the connection: ICE, DTLS, RTCP reports (its sender's SR counters are
kept up to date).

The sender aiortc created stays attached to an :class:`IdleTrack`, so its own RTP loop
waits and sends nothing; the viewer's NACKs are answered here from our own history (as
RTX when negotiated) and its PLI/FIR go to ``on_keyframe_request``; what its reports, NACKs
and REMB say of its link is kept for the simulcast pilot.  In simulcast a viewer's one
SSRC carries one layer at a time, its timestamps moved at each switch (:meth:`switch`).
The attributes reached
into are aiortc 1.16's and pylibsrtp 1.0's (its session's buffer);
``tests/streaming/test_rtp_out.py`` fails loudly if they move.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import random
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import av
from aiortc import RTCRtpSender, RTCRtpTransceiver, clock
from aiortc.codecs import get_encoder
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    RTCP_RTPFB_NACK,
    RtcpPsfbPacket,
    RtcpRrPacket,
    RtcpRtpfbPacket,
    RtcpSrPacket,
    RtpPacket,
    unpack_remb_fci,
)
from pylibsrtp import _binding as srtp_binding

from museion.streaming.live.stream import EncodedFrame
from museion.streaming.live.udp_batch import Batch, send_datagram

__all__ = ["HISTORY", "PACING_BURST", "DirectSender", "IdleTrack", "Pacer", "packetizer"]

logger = logging.getLogger(__name__)

PACING_BURST = 8  # packets sent back to back before the pacer has its say
PACING_DEBT = 0.005  # seconds of sending an idle pacer may catch up at once
HISTORY = 2048  # packets kept per viewer for NACKs: more than a 4K keyframe
# A packet is sent again only while it can still be shown, and once per round trip: a
# viewer on a saturated link NACKs everything it misses with every new gap (aiortc does),
# and answering each would fill its link with retransmissions, for good.
RETRANSMIT_AGE = 3.0  # seconds
RETRANSMIT_GAP = 0.25  # seconds
_SRTP_TRAILER = 16 + 128  # libsrtp's SRTP_MAX_TRAILER_LEN: the tag and MKI it may append
_CONNECTED = "connected"

Packetize = Callable[[bytes, int], tuple[bytes, ...]]


def packetizer(codec: str) -> Packetize:
    """``packetize(frame, timestamp)`` → the frame's RTP payloads, for ``codec``
    (``H264``, ``VP8`` or ``opus``), cut as aiortc's own sender would cut them."""
    kind, rate = ("audio", 48_000) if codec.lower() == "opus" else ("video", 90_000)
    encoder = get_encoder(RTCRtpCodecParameters(f"{kind}/{codec}", rate, 0))
    time_base = fractions.Fraction(1, rate)

    def packetize(data: bytes, timestamp: int) -> tuple[bytes, ...]:
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = time_base
        payloads, _ = encoder.pack(packet)
        return tuple(payloads)

    return packetize


class IdleTrack(MediaStreamTrack):
    """A track that never yields a frame: it keeps aiortc's sender loop waiting while a
    :class:`DirectSender` sends for it."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    async def recv(self) -> Any:
        await asyncio.get_running_loop().create_future()  # until the sender is stopped


class Pacer:
    """When the next burst may go: at ``factor`` times ``bitrate()`` (never under ``floor``
    bits/s), as WebRTC senders pace.

    Unpaced, a relay writes a keyframe to a viewer at memory speed, and a receiver whose
    socket buffer is modest (aioice's: 256 KiB) loses its tail: measured, 40 % of packets
    lost at 32 viewers.
    """

    def __init__(
        self,
        bitrate: Callable[[], float] = lambda: 0.0,
        factor: float = 2.5,
        floor: float = 8e6,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bitrate, self.factor, self.floor, self.clock = bitrate, factor, floor, clock
        self._next = 0.0

    def rate(self) -> float:
        """Bits per second the pacer lets through now."""
        return max(self.floor, self.factor * self.bitrate())

    def delay(self) -> float:
        """Seconds until the next burst may go."""
        return max(0.0, self._next - self.clock())

    async def bursts(self, payloads: tuple[bytes, ...]) -> AsyncIterator[int]:
        """The first index of each burst of :data:`PACING_BURST` ``payloads``, each
        yielded when the rate lets it go (the caller sends it before asking for the next)."""
        for first in range(0, len(payloads), PACING_BURST):
            delay = self.delay()
            if delay > 0:
                await asyncio.sleep(delay)
            yield first
            self.sent(sum(map(len, payloads[first : first + PACING_BURST])))

    def sent(self, size: int) -> None:
        """``size`` bytes went: the next burst waits their time at the rate.  Time spent
        sending counts (the schedule is kept, not restarted), but an idle pacer banks at
        most :data:`PACING_DEBT` seconds, so a frame after a pause starts with a short
        burst only."""
        now = self.clock()
        self._next = max(self._next, now - PACING_DEBT) + size * 8 / self.rate()


class DirectSender:
    """Writes already packetized frames to one viewer's negotiated RTP stream."""

    def __init__(
        self,
        transceiver: RTCRtpTransceiver,
        on_keyframe_request: Callable[[], None] | None = None,
        bitrate: Callable[[], float] = lambda: 0.0,
        origin: int | None = None,
    ) -> None:
        self.sender: RTCRtpSender = transceiver.sender
        self.kind = transceiver.kind
        codecs = transceiver._codecs
        if not codecs or codecs[0].payloadType is None:
            raise ValueError("the transceiver has no negotiated codec to send")
        self.payload_type: int = codecs[0].payloadType
        self.rtx_payload_type = next(
            (
                c.payloadType
                for c in codecs
                if c.mimeType.lower().endswith("/rtx")
                and c.parameters.get("apt") == self.payload_type
            ),
            None,
        )
        self.on_keyframe_request = on_keyframe_request
        self.sent_packets = 0
        self.sent_bytes = 0  # payload bytes, as the RTCP sender report counts them
        self.sends = 0  # system calls that sent them (fewer with GSO)
        self.sent_frames = 0
        self.retransmitted = 0
        self.send_drops = 0
        self.pacer = Pacer(bitrate)  # for catching up alone; the pump paces the rest
        self.gone = asyncio.Event()  # set once nothing more will be sent
        # Simulcast: the layer sent now, the one to switch to at its next keyframe.
        self.layer = self.target = ""
        self.switches = 0
        # What the viewer's RTCP said: packets asked again, its last estimate (REMB, bits/s)
        # and loss (share of packets, last receiver report), each with when it came.
        self.nacked = 0
        self.remb: tuple[float, float] | None = None
        self.remb_before = 0.0  # the estimate before the last one
        self.loss: tuple[float, float] | None = None
        self._last_out: tuple[int, float] | None = None  # last timestamp sent, and when
        self._switched_at = 0.0  # packets sent before are of another layer: never again
        self._length = srtp_binding.ffi.new("int *")
        self._sequence = random.getrandbits(16)
        self._rtx_sequence = random.getrandbits(16)
        self._origin = random.getrandbits(32) if origin is None else origin
        self._history: list[tuple[int, int, int, bytes, float] | None] = [None] * HISTORY
        self._resent_at = [0.0] * HISTORY
        self._template = bytearray()
        self._rtx_template = bytearray()
        self._handle_rtcp = self.sender._handle_rtcp_packet
        self.sender._handle_rtcp_packet = self._on_rtcp  # type: ignore[method-assign]

    async def run(self, next_frame: Callable[[], Awaitable[EncodedFrame | None]]) -> None:
        """Send every frame ``next_frame`` yields until it yields ``None`` or the
        connection goes; frames that come before the connection is up wait in the feed."""
        try:
            await self.connected()
            while (frame := await next_frame()) is not None:
                if not await self.send_paced(frame):
                    return
        except ConnectionError:
            return
        finally:
            self.gone.set()

    async def send_paced(self, frame: EncodedFrame) -> bool:
        """``frame`` in bursts of :data:`PACING_BURST` packets at the pacer's rate, so a
        4K keyframe (250 packets) does not land in the viewer's socket all at once."""
        async for first in self.pacer.bursts(frame.payloads):
            if not self.send_frame(frame, first, PACING_BURST):
                return False
        return True

    async def connected(self) -> None:
        """Wait until the viewer's connection is up and the sender started; then the
        header templates are made.  Raises ConnectionError if it never comes up."""
        dtls = self.sender.transport
        while dtls.state != _CONNECTED or not self.sender._RTCRtpSender__started:  # type: ignore[attr-defined]
            if dtls.state in ("closed", "failed") or self.gone.is_set():
                self.gone.set()
                raise ConnectionError("the viewer's connection closed before it was up")
            await asyncio.sleep(0.01)
        self._make_templates()

    def switch(self, layer: str, timestamp: int) -> None:
        """Send ``layer`` from its frame of ``timestamp`` on (a keyframe) with the same SSRC
        and the sequence numbers going on; its timestamps are moved to follow the last one
        sent by the time between them, so the viewer's decoder sees one stream whose
        pictures change size."""
        if self._last_out is not None:
            last, at = self._last_out
            elapsed = max(1, round((time.monotonic() - at) * 90_000))
            self._origin = (last + elapsed - timestamp) & 0xFFFFFFFF
        self._switched_at = time.monotonic()
        self.layer = layer
        self.switches += 1

    def _make_templates(self) -> None:
        extensions = self.sender._RTCRtpSender__rtp_header_extensions_map  # type: ignore[attr-defined]
        packet = RtpPacket(payload_type=self.payload_type, ssrc=self.sender._ssrc)
        packet.extensions.mid = self.sender._RTCRtpSender__mid  # type: ignore[attr-defined]
        self._template = bytearray(packet.serialize(extensions))
        if self.rtx_payload_type is not None:
            packet.payload_type = self.rtx_payload_type
            packet.ssrc = self.sender._rtx_ssrc
            self._rtx_template = bytearray(packet.serialize(extensions))

    def _socket(self) -> tuple[Any, Any]:
        """The nominated pair's raw socket and the viewer's address.  UDP needs none of
        asyncio's write buffering: a full socket buffer drops the datagram, as the network
        would."""
        ice = self.sender.transport.transport
        pair = ice._connection._nominated.get(1)
        transport: Any = pair.protocol.transport if pair is not None else None
        if pair is None or transport is None or transport.is_closing():
            raise ConnectionError("the viewer's ICE pair is gone")
        return transport._sock, pair.remote_addr

    def send_frame(self, frame: EncodedFrame, first: int = 0, count: int | None = None) -> bool:
        """Send ``frame`` (its payloads ``first`` to ``first + count``) now; False once the
        connection is gone.  Packets the socket cannot take are dropped and counted
        (``send_drops``): the viewer's NACKs ask again."""
        dtls = self.sender.transport
        if dtls.state != _CONNECTED:
            return False
        sock, address = self._socket()
        session = dtls._tx_srtp
        srtp, cdata, buffer = session._srtp[0], session._cdata, memoryview(session._buffer)
        protect, length = srtp_binding.lib.srtp_protect, self._length
        timestamp = (self._origin + frame.timestamp) & 0xFFFFFFFF
        template = self._template
        size = len(template)
        room = len(buffer) - _SRTP_TRAILER - size
        last = len(frame.payloads) - 1
        payloads = frame.payloads[first : None if count is None else first + count]
        sequence = self._sequence
        history = self._history
        first_byte = self.payload_type
        now = time.monotonic()
        sent = drops = 0
        batch = Batch(sock, address)
        for index, payload in enumerate(payloads, first):
            marker = 0x80 if index == last else 0
            end = size + len(payload)
            if len(payload) > room:
                raise ValueError("an RTP payload longer than the SRTP buffer")
            buffer[:size] = template
            struct.pack_into("!BHI", buffer, 1, marker | first_byte, sequence, timestamp)
            buffer[size:end] = payload
            length[0] = end
            if protect(srtp, cdata, length) != 0:
                raise ConnectionError("SRTP protection failed")
            drops += batch.add(buffer[: length[0]])
            history[sequence % HISTORY] = (sequence, timestamp, marker, payload, now)
            sequence = (sequence + 1) & 0xFFFF
            sent += len(payload)
        drops += batch.flush()
        self._sequence = sequence
        self.sent_packets += len(payloads)
        self.sends += batch.sends
        self.send_drops += drops
        if first + len(payloads) > last:
            self.sent_frames += 1
        self._last_out = timestamp, now
        self._update_report_counters(timestamp, len(payloads), sent)
        return True

    def _update_report_counters(self, timestamp: int, packets: int, octets: int) -> None:
        """What aiortc's own loop would have set: its RTCP sender reports read these."""
        sender: Any = self.sender
        sender._RTCRtpSender__ntp_timestamp = clock.current_ntp_time()
        sender._RTCRtpSender__rtp_timestamp = timestamp
        sender._RTCRtpSender__packet_count += packets
        sender._RTCRtpSender__octet_count += octets
        self.sent_bytes += octets

    def _retransmit(self, sequence: int) -> None:
        slot = sequence % HISTORY
        kept = self._history[slot]
        if kept is None or kept[0] != sequence:
            return
        _, timestamp, marker, payload, sent_at = kept
        now = time.monotonic()
        resent_at = self._resent_at[slot]
        if (
            now - sent_at > RETRANSMIT_AGE
            or sent_at < self._switched_at
            or (resent_at > sent_at and now - resent_at < RETRANSMIT_GAP)
        ):
            return
        self._resent_at[slot] = now
        sock, address = self._socket()
        if self.rtx_payload_type is not None:
            header = self._rtx_template
            struct.pack_into(
                "!BHI", header, 1, marker | self.rtx_payload_type, self._rtx_sequence, timestamp
            )
            self._rtx_sequence = (self._rtx_sequence + 1) & 0xFFFF
            data = bytes(header) + struct.pack("!H", sequence) + payload
        else:
            header = bytearray(self._template)
            struct.pack_into("!BHI", header, 1, marker | self.payload_type, sequence, timestamp)
            data = bytes(header) + payload
        send_datagram(sock, self.sender.transport._tx_srtp.protect(data), address)
        self.retransmitted += 1

    def _heard(self, packet: Any) -> None:
        """Keep what a report or an estimate says of this viewer's link."""
        now = time.monotonic()
        if isinstance(packet, RtcpRrPacket | RtcpSrPacket):
            for report in packet.reports:
                if report.ssrc == self.sender._ssrc:
                    self.loss = report.fraction_lost / 256, now
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                return
            if self.sender._ssrc in ssrcs:
                self.remb_before = self.remb[0] if self.remb is not None else 0.0
                self.remb = float(bitrate), now

    async def _on_rtcp(self, packet: Any) -> None:
        if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
            self.nacked += len(packet.lost)
            if self._template:
                for sequence in packet.lost:
                    try:
                        self._retransmit(sequence)
                    except ConnectionError:
                        return
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_FIR, RTCP_PSFB_PLI):
            if self.on_keyframe_request is not None:
                self.on_keyframe_request()
        else:  # receiver reports: aiortc keeps the stats
            self._heard(packet)
            await self._handle_rtcp(packet)
