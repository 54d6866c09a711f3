"""The aiortc receiver attributes the simulcast split lends state to: if an aiortc upgrade
moves one, this fails here, by name, rather than a show silently splicing its layers."""

from __future__ import annotations

from aiortc import RTCPeerConnection

from museion.streaming.live.simulcast.receive import PRIVATE, split_layers


async def test_aiortc_still_has_what_the_split_lends_and_calls() -> None:
    pc = RTCPeerConnection()
    receiver = pc.addTransceiver("video", direction="recvonly").receiver
    try:
        missing = [name for name in PRIVATE if not hasattr(receiver, name)]
        assert missing == [], f"aiortc moved {missing}: see streaming/live/simulcast/receive.py"
        layers = split_layers(receiver, ("h", "l"), lambda *_: None)
        assert receiver._handle_rtp_packet == layers.handle
        assert layers.request_keyframe("h") is None  # no SSRC learnt yet
    finally:
        await pc.close()


async def test_packets_find_their_layer_by_rid_then_by_ssrc_and_strangers_are_dropped() -> None:
    from aiortc.rtp import RtpPacket

    pc = RTCPeerConnection()
    receiver = pc.addTransceiver("video", direction="recvonly").receiver
    try:
        layers = split_layers(receiver, ("h", "l"), lambda *_: None)
        handled: list[tuple[int, str]] = []

        async def aiortcs(packet: RtpPacket, arrival_time_ms: int) -> None:
            handled.append((packet.ssrc, layers._current))

        layers._handle = aiortcs

        def packet(ssrc: int, rid: str | None = None, repaired: str | None = None) -> RtpPacket:
            made = RtpPacket(ssrc=ssrc)
            made.extensions.rtp_stream_id = rid
            made.extensions.repaired_rtp_stream_id = repaired
            return made

        await layers.handle(packet(1, "h"), 0)
        await layers.handle(packet(2, "l"), 0)
        await layers.handle(packet(1), 0)  # the rid is no longer sent: the SSRC says h
        await layers.handle(packet(3, repaired="h"), 0)  # h's retransmissions
        await layers.handle(packet(4, "x"), 0)  # a rid the answer never took
        await layers.handle(packet(5), 0)  # no rid at all
        assert handled == [(1, "h"), (2, "l"), (1, "h"), (3, "h")]
        assert layers.unknown_packets == 2
        assert receiver._RTCRtpReceiver__rtx_ssrc[3] == 1  # type: ignore[attr-defined]
        for ssrc in range(100, 120):  # a publisher inventing SSRCs is not followed for ever
            await layers.handle(packet(ssrc, "l"), 0)
        assert len(layers.of_ssrc) <= 12
    finally:
        await pc.close()
