"""Packetize once, send directly: real aiortc peers, a lossy link repaired by NACK/RTX."""

from __future__ import annotations

import asyncio
import fractions
import re
import socket
import sys
from typing import Any

import av
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription, sdp

from museion.streaming.live.encoded_media import tap_receiver
from museion.streaming.live.rtp_out import DirectSender, IdleTrack, packetizer
from museion.streaming.live.stream import EncodedFrame, is_keyframe
from museion.streaming.live.udp_batch import Batch
from museion.streaming.negotiation import answer_viewer
from tests.conftest import until

FRAMES = 60


def _h264_frames(count: int = FRAMES) -> list[tuple[bytes, int]]:
    """``count`` frames of a moving gradient, H.264 baseline, a keyframe every 30."""
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = 320, 240, "yuv420p"
    codec.time_base = fractions.Fraction(1, 30)
    codec.gop_size = 30
    codec.options = {"profile": "baseline", "tune": "zerolatency", "bf": "0"}
    ramp = np.add.outer(np.arange(240), np.arange(320)).astype(np.uint8)
    packets: list[av.Packet] = []  # type: ignore[type-arg]
    for index in range(count):
        image = np.dstack([ramp + index * 3, ramp, ramp * 2])
        frame = av.VideoFrame.from_ndarray(image.astype(np.uint8), format="rgb24")
        frame.pts = index
        packets += codec.encode(frame.reformat(format="yuv420p"))
    packets += codec.encode(None)
    return [(bytes(p), index * 3000) for index, p in enumerate(packets)]


def _nal_units(data: bytes) -> list[bytes]:
    return [unit for unit in re.split(b"\x00\x00\x00?\x01", data) if unit]


def _drop_every(pc: RTCPeerConnection, nth: int, payload_type: int) -> list[int]:
    """Make ``pc``'s link lose every ``nth`` media packet (never RTCP or RTX)."""
    dropped: list[int] = []
    connection = pc.getTransceivers()[0].receiver.transport.transport._connection
    for protocol in connection._protocols:
        original = protocol.datagram_received
        seen = [0]

        def lossy(data: bytes, addr: Any, original: Any = original, seen: list[int] = seen) -> None:
            if len(data) > 12 and data[0] >> 6 == 2 and data[1] & 0x7F == payload_type:
                seen[0] += 1
                if seen[0] % nth == 0:
                    dropped.append(int.from_bytes(data[2:4], "big"))
                    return
            original(data, addr)

        protocol.datagram_received = lossy
    return dropped


async def test_a_lossy_link_gets_every_frame_whole_through_nack_and_rtx() -> None:
    sent = _h264_frames()
    packetize = packetizer("H264")
    frames = [EncodedFrame(d, t, is_keyframe("H264", d), packetize(d, t)) for d, t in sent]
    assert all(len(p) <= 1300 for f in frames for p in f.payloads)

    viewer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    viewer.addTransceiver("video", direction="recvonly")
    received: list[bytes] = []
    tap_receiver(viewer.getTransceivers()[0].receiver, lambda c, d, t: received.append(d))
    await viewer.setLocalDescription(await viewer.createOffer())

    relay = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    await relay.setRemoteDescription(viewer.localDescription)
    relay.addTrack(IdleTrack("video"))
    transceiver = relay.getTransceivers()[0]
    (offered,) = [
        m.rtp.codecs for m in sdp.SessionDescription.parse(viewer.localDescription.sdp).media
    ]
    assert answer_viewer(transceiver, "H264", None, offered)
    await relay.setLocalDescription(await relay.createAnswer())
    await viewer.setRemoteDescription(RTCSessionDescription(relay.localDescription.sdp, "answer"))
    keyframe_requests: list[int] = []
    sender = DirectSender(transceiver, on_keyframe_request=lambda: keyframe_requests.append(1))
    assert sender.rtx_payload_type is not None, "the answer negotiates RTX"
    dropped = _drop_every(viewer, 25, sender.payload_type)

    queue: asyncio.Queue[EncodedFrame | None] = asyncio.Queue()

    async def paced() -> None:
        for frame in frames:
            await queue.put(frame)
            await asyncio.sleep(1 / 60)  # a frame rate: the sender paces nothing itself
        # The last repairs: every frame but the last is whole, every lost packet resent.
        await until(
            lambda: len(received) >= len(frames) - 1 and sender.retransmitted >= len(dropped), 30
        )
        await queue.put(None)

    try:
        await asyncio.wait_for(asyncio.gather(paced(), sender.run(queue.get)), 60)
    finally:
        await relay.close()
        await viewer.close()

    assert dropped, "the link lost packets"
    assert sender.retransmitted >= len(dropped)
    # Runs of equal-sized packets went out as one UDP GSO send each, segmented by Linux
    # (and the link still lost single packets out of them).
    assert sender.sends < sender.sent_packets, (sender.sends, sender.sent_packets)
    assert sender.sent_frames == len(frames)
    # The last frame completes only when a later one starts; every other one arrives whole.
    assert len(received) >= len(frames) - 1
    for got, (data, _) in zip(received, sent, strict=False):
        assert _nal_units(got) == _nal_units(data)


@pytest.mark.skipif(sys.platform != "linux", reason="UDP GSO is Linux's")
def test_runs_of_equal_packets_leave_in_one_gso_send_and_arrive_as_sent() -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(2)
    try:
        batch = Batch(sender, receiver.getsockname())
        # A 4K frame's packets as aiortc cuts them: a few one byte longer, then the rest,
        # then a short last one; then a single packet.
        sizes = [1211] * 3 + [1210] * 9 + [400]
        packets = [bytes([n]) * size for n, size in enumerate(sizes)]
        dropped = sum(batch.add(memoryview(p)) for p in packets) + batch.flush()
        assert (dropped, batch.sends) == (0, 2)  # 1211 x 3 + a 1210 ends it; 1210 x 8 + 400
        assert [receiver.recv(2048) for _ in packets] == packets
        assert batch.add(memoryview(b"x" * 60)) == 0 and batch.flush() == 0
        assert batch.sends == 3 and receiver.recv(2048) == b"x" * 60
    finally:
        sender.close()
        receiver.close()


def test_a_refused_send_drops_its_packets_and_raises_nothing() -> None:
    """A send the kernel refuses (here: broadcast without SO_BROADCAST) is a loss, as on
    the network, not an exception out of the pump that serves every viewer."""
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        batch = Batch(sender, ("255.255.255.255", 9))
        dropped = sum(batch.add(memoryview(b"p" * 1200)) for _ in range(3)) + batch.flush()
        assert dropped == 3 and batch.sends == 0
    finally:
        sender.close()


@pytest.mark.parametrize("codec", ["H264", "VP8"])
def test_a_large_frame_is_cut_to_the_packet_size_keeping_every_byte(codec: str) -> None:
    data = b"\x00\x00\x00\x01\x65" + b"\x11" * 9000 if codec == "H264" else bytes(range(256)) * 40
    payloads = packetizer(codec)(data, 3000)
    assert len(payloads) > 1 and all(len(p) <= 1300 for p in payloads)
    assert sum(map(len, payloads)) >= len(data)


def test_an_opus_packet_is_one_payload_as_it_came() -> None:
    data = bytes(range(160))
    assert packetizer("opus")(data, 960) == (data,)


async def test_the_aiortc_internals_the_direct_sender_uses_are_there() -> None:
    """An aiortc upgrade that moves these breaks the relay: fail here, by name."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        sender: RTCRtpSender = pc.addTransceiver("video").sender
        for name in (
            "_RTCRtpSender__rtp_header_extensions_map",
            "_RTCRtpSender__mid",
            "_RTCRtpSender__started",
            "_RTCRtpSender__ntp_timestamp",
            "_RTCRtpSender__rtp_timestamp",
            "_RTCRtpSender__packet_count",
            "_RTCRtpSender__octet_count",
            "_ssrc",
            "_rtx_ssrc",
            "_handle_rtcp_packet",
        ):
            assert hasattr(sender, name), name
        assert hasattr(sender.transport.transport, "_connection")
        from pylibsrtp import Policy, Session

        session = Session(Policy(key=bytes(30), ssrc_type=Policy.SSRC_ANY_OUTBOUND))
        assert {"_srtp", "_cdata", "_buffer"} <= set(vars(session)), "pylibsrtp's buffer moved"
        assert hasattr(sender.transport.transport._connection, "_nominated")
    finally:
        await pc.close()
