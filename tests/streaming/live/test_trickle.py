"""Trickle ICE fragments (RFC 8840 / RFC 9725 4.3): parsed, or refused with a sentence; and
the WHIP PATCH endpoint's answers to good and hostile fragments."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.runtime.engine import RenderEngine
from museion.streaming.errors import SdpMalformed
from museion.streaming.live import LIVE_KEY
from museion.streaming.live.trickle import MAX_CANDIDATES, parse_sdpfrag
from tests.conftest import serve
from tests.streaming.live.test_live import LIVE, _h264_only, _post, clip

__all__ = ["clip"]

FRAGMENT = (
    "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\n"
    "a=mid:0\r\na=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0"
    "\r\na=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0\r\n"
    "a=end-of-candidates\r\n"
)


def test_a_fragment_gives_credentials_candidates_and_the_end() -> None:
    fragment = parse_sdpfrag(FRAGMENT)
    assert (fragment.ufrag, fragment.pwd) == ("EsAw", "P2uYro0UCOQ4zxjKXaWCBui1")
    assert [(c.ip, c.port, c.sdpMid) for c in fragment.candidates] == [
        ("192.0.2.1", 61764, "0"),
        ("198.51.100.2", 61765, "0"),
    ]
    assert fragment.end_of_candidates


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a=candidate:1 1 udp 1 192.0.2.1 5000 typ host\r\n", "no a=mid"),
        ("a=mid:0\r\na=candidate:1 1 udp 1 192.0.2.1 notaport typ host\r\n", "not an ICE"),
        ("a=mid:0\r\na=candidate:1 1 udp\r\n", "not an ICE"),
        ("a=mid:0\r\na=candidate:1 1 sctp 1 192.0.2.1 5000 typ host\r\n", "no usable"),
        ("a=mid:0\r\na=candidate:1 1 udp 1 192.0.2.1 0 typ host\r\n", "no usable"),
        ("hello\r\n", "not an SDP attribute"),
        ("a=mid:0\r\n" + "a=candidate:1 1 udp 1 192.0.2.1 5000 typ host\r\n" * 65, "at most"),
    ],
)
def test_a_bad_fragment_is_refused_with_a_sentence(text: str, says: str) -> None:
    with pytest.raises(SdpMalformed, match=says):
        parse_sdpfrag(text)
    assert MAX_CANDIDATES == 64


@given(st.text(max_size=400))
def test_any_text_parses_or_is_refused_as_malformed(text: str) -> None:
    with contextlib.suppress(SdpMalformed):
        parse_sdpfrag(text)


@given(st.lists(st.sampled_from([*FRAGMENT.split("\r\n"), "a=mid:", "a=candidate:", "m="])))
def test_shuffled_fragment_lines_parse_or_are_refused(lines: list[str]) -> None:
    with contextlib.suppress(SdpMalformed):
        parse_sdpfrag("\r\n".join(lines))


async def _patch(url: str, body: str, **headers: str) -> tuple[int, dict[str, str], str]:
    headers.setdefault("Content-Type", "application/trickle-ice-sdpfrag")
    async with aiohttp.ClientSession() as http, http.patch(url, data=body, headers=headers) as r:
        return r.status, dict(r.headers), await r.text()


async def test_the_patch_endpoint_takes_candidates_and_refuses_what_it_cannot_do(
    engine: RenderEngine, clip: Path
) -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection
    from aiortc.contrib.media import MediaPlayer

    settings = dataclasses.replace(LIVE, relay_workers=0)
    player = MediaPlayer(str(clip), decode=False)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    assert player.video is not None
    _h264_only(pc.addTransceiver(player.video, direction="sendonly"))
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription.sdp
    ufrag = next(line for line in offer.splitlines() if line.startswith("a=ice-ufrag:"))
    pwd = next(line for line in offer.splitlines() if line.startswith("a=ice-pwd:"))
    try:
        async with serve(engine, settings) as server:
            status, _, raw = await _post(f"{server.url}/whip/show", offer)
            headers = {k.lower(): v for k, v in raw.items()}
            assert status == 201
            assert headers["accept-patch"] == "application/trickle-ice-sdpfrag"
            etag, url = headers["etag"], f"{server.url}{headers['location']}"
            good = f"{ufrag}\r\n{pwd}\r\na=mid:0\r\n"
            good += "a=candidate:1 1 udp 2122260223 127.0.0.1 9 typ host\r\n"
            assert (await _patch(url, good, **{"If-Match": etag}))[0] == 204
            assert (await _patch(url, "a=mid:0\r\na=end-of-candidates\r\n"))[0] == 204

            status, _, body = await _patch(url, good, **{"If-Match": '"stale"'})
            assert (status, '"code": "PRECONDITION_FAILED"' in body) == (412, True)
            restart = "a=ice-ufrag:new1\r\na=ice-pwd:newpasswordnewpassword\r\n"
            status, _, body = await _patch(url, restart, **{"If-Match": "*"})
            assert (status, "ICE_RESTART_UNSUPPORTED" in body) == (422, True)
            assert (await _patch(url, restart))[0] == 422  # new credentials: a restart
            bad = "a=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 notaport typ host\r\n"
            status, _, body = await _patch(url, bad)
            assert (status, "SDP_MALFORMED" in body) == (400, True)
            status, _, _ = await _patch(url, good, **{"Content-Type": "application/sdp"})
            assert status == 415
            assert (await _patch(f"{server.url}/whip/show/nobody", good))[0] == 404
            # None of it disturbed the session.
            assert server.app[LIVE_KEY].streams["show"].live
    finally:
        await pc.close()
        player.video.stop()
