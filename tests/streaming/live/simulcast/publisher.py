"""A simulcast WHIP publisher for tests, sending as a browser does.

aiortc cannot send simulcast: this one offers one video section with ``a=rid``/
``a=simulcast`` lines and the RTP stream id header extensions (as Chromium writes them, no
``a=ssrc`` lines), then sends two or three layers encoded by aiortc's own VP8 or H.264
encoder, each on its own SSRC with its rid in every packet, through the connection's
SRTP.  A picture loss report for a layer's SSRC makes that layer's next frame a keyframe.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.codecs import get_encoder
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtp import (
    RTCP_PSFB_FIR,
    RTCP_PSFB_PLI,
    HeaderExtensionsMap,
    RtcpPsfbPacket,
    RtpPacket,
)

from museion.streaming.live.rtp_out import IdleTrack
from museion.streaming.live.simulcast.sdp import REPAIRED_STREAM_ID, RTP_STREAM_ID
from tests.conftest import until
from tests.streaming.live.test_live import TOKEN, _post

LAYERS = {"h": (640, 360), "m": (320, 180), "l": (160, 90)}
BITRATES = {"h": 1_200_000, "m": 400_000, "l": 250_000}
RID_ID, REPAIRED_ID = 10, 11
_CLOCK = fractions.Fraction(1, 90_000)


@dataclass(eq=False)
class SentLayer:
    """One layer: its rid, SSRC, size, encoder, and what it sent and was asked."""

    rid: str
    ssrc: int
    size: tuple[int, int]
    encoder: Any
    sequence: int = 0
    frames: int = 0
    keyframes_asked: int = 0
    force_keyframe: bool = True

    async def _handle_rtcp_packet(self, packet: Any) -> None:
        """Where the connection's transport routes RTCP for this SSRC."""
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            self.keyframes_asked += 1
            self.force_keyframe = True


@dataclass
class SimulcastPublisher:
    location: str
    answer: str
    layers: dict[str, SentLayer] = field(default_factory=dict)


def simulcast_offer_text(
    offer: str, rids: list[str], extra: Callable[[list[str]], list[str]] | None = None
) -> str:
    """aiortc's ``offer`` as a browser sending ``rids`` writes it (``extra`` may rewrite
    the video section's added lines, for hostile tests)."""
    lines = offer.split("\r\n")
    out: list[str] = []
    in_video = False
    for line in lines:
        if line.startswith("m="):
            in_video = line.startswith("m=video")
        if in_video and line.startswith(("a=ssrc:", "a=ssrc-group:")):
            continue
        out.append(line)
        if in_video and line.startswith("a=mid:"):
            added = [
                f"a=extmap:{RID_ID} {RTP_STREAM_ID}",
                f"a=extmap:{REPAIRED_ID} {REPAIRED_STREAM_ID}",
                *[f"a=rid:{rid} send" for rid in rids],
                f"a=simulcast:send {';'.join(rids)}",
            ]
            out += extra(added) if extra is not None else added
    return "\r\n".join(out)


def _picture(size: tuple[int, int], n: int, rid: str) -> av.VideoFrame:
    width, height = size
    image = np.zeros((height, width, 3), np.uint8)
    image[:, :, 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    image[:, :, 1] = (n * 7) % 256
    bar = (n * 4) % width
    image[:, bar : bar + max(2, width // 16), 2] = 255
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    frame.pts = n * 6000
    frame.time_base = _CLOCK
    return frame


@contextlib.asynccontextmanager
async def simulcast_publisher(
    base: str,
    stream: str = "show",
    layers: dict[str, tuple[int, int]] | None = None,
    codec: str = "VP8",
    fps: int = 15,
    simulcast: bool = True,
    token: str = TOKEN,
) -> AsyncIterator[SimulcastPublisher]:
    """Publish ``layers`` (rid → size, the offer's order) to ``stream`` until the block ends
    (without ``simulcast``: only the first layer, offered and sent as one plain stream)."""
    layers = layers or LAYERS
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    transceiver = pc.addTransceiver(IdleTrack("video"), direction="sendonly")
    capabilities = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences(
        [c for c in capabilities if c.mimeType in (f"video/{codec}", "video/rtx")]
    )
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription.sdp
    if simulcast:
        offer = simulcast_offer_text(offer, list(layers))
    else:
        layers = dict(list(layers.items())[:1])
    status, answer, headers = await _post(f"{base}/whip/{stream}", offer, token)
    assert status == 201, answer
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    await until(lambda: pc.connectionState == "connected", 20)
    dtls = transceiver.sender.transport
    extensions = HeaderExtensionsMap()
    extensions.configure(
        RTCRtpParameters(
            headerExtensions=[
                RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
                RTCRtpHeaderExtensionParameters(id=RID_ID, uri=RTP_STREAM_ID),
            ]
        )
    )
    chosen = transceiver._codecs[0]
    sent = SimulcastPublisher(headers["Location"], answer)
    for index, (rid, size) in enumerate(layers.items()):
        encoder = get_encoder(chosen)
        encoder.target_bitrate = BITRATES.get(rid, 300_000)
        ssrc = 0x5100 + index if simulcast else transceiver.sender._ssrc
        layer = SentLayer(rid, ssrc, size, encoder)
        dtls._rtp_router.register_sender(layer, layer.ssrc)
        sent.layers[rid] = layer

    async def send() -> None:
        n = 0
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            for layer in sent.layers.values():
                force, layer.force_keyframe = layer.force_keyframe or n % (fps * 3) == 0, False
                picture = _picture(layer.size, n, layer.rid)
                payloads, timestamp = layer.encoder.encode(picture, force)
                for i, payload in enumerate(payloads):
                    packet = RtpPacket(
                        payload_type=chosen.payloadType,
                        marker=int(i == len(payloads) - 1),
                        sequence_number=layer.sequence,
                        timestamp=timestamp,
                        ssrc=layer.ssrc,
                        payload=payload,
                    )
                    packet.extensions.mid = transceiver.mid
                    packet.extensions.rtp_stream_id = layer.rid if simulcast else None
                    layer.sequence = (layer.sequence + 1) & 0xFFFF
                    await dtls._send_rtp(packet.serialize(extensions))
                layer.frames += 1
            n += 1
            await asyncio.sleep(max(0.0, start + n / fps - loop.time()))

    task = asyncio.ensure_future(send())
    try:
        yield sent
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await task
        await pc.close()
