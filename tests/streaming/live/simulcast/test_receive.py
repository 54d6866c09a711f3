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
