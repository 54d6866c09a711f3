"""The offer check: every input is accepted or refused with SDP_MALFORMED, never a crash."""

from __future__ import annotations

import pytest
from aiortc import RTCPeerConnection
from hypothesis import given, settings
from hypothesis import strategies as st

from museion.streaming.errors import SdpMalformed
from museion.streaming.offer import check_offer


async def _browser_like_offer() -> str:
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("view")
    await pc.setLocalDescription(await pc.createOffer())
    sdp: str = pc.localDescription.sdp
    await pc.close()
    return sdp


async def test_a_real_offer_passes() -> None:
    parsed = check_offer(await _browser_like_offer())
    assert [m.kind for m in parsed.media] == ["video", "application"]


async def test_offers_missing_what_we_need_are_refused() -> None:
    offer = await _browser_like_offer()
    for line in ("a=ice-ufrag", "a=fingerprint"):
        stripped = "\r\n".join(x for x in offer.split("\r\n") if not x.startswith(line))
        with pytest.raises(SdpMalformed):
            check_offer(stripped)
    audio_only = offer.replace("m=video", "m=audio")
    with pytest.raises(SdpMalformed, match="no video"):
        check_offer(audio_only)


SDP_LINES = st.sampled_from(
    [
        "v=0",
        "o=- 1 1 IN IP4 0.0.0.0",
        "s=-",
        "t=0 0",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "m=video x",
        "a=rtpmap:96 VP8/90000",
        "a=rtpmap:x",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:x",
        "a=fingerprint:sha-256 00:11",
        "a=setup:actpass",
        "a=mid:0",
        "c=IN IP4 0.0.0.0",
        "a=candidate:1 1 udp 1 1.2.3.4 9 typ host",
        "a=candidate:garbage",
        "a=ssrc:1 cname:x",
        "a=group:BUNDLE 0",
        "a=msid-semantic:WMS *",
        "b=AS:x",
        "a=sctp-port:5000",
    ]
)


@settings(max_examples=300)
@given(st.lists(st.one_of(SDP_LINES, st.text(max_size=30)), max_size=25))
def test_fuzz_accept_or_sdp_malformed(lines: list[str]) -> None:
    try:
        check_offer("\r\n".join(["v=0", *lines]) + "\r\n")
    except SdpMalformed as exc:
        assert exc.code == "SDP_MALFORMED"
