"""Fuzzing the signalling endpoints over real TCP: mutated offers and trickle fragments,
each sent in random segment sizes, to ``POST /whep``, ``POST /whep/<s>``, ``POST
/whip/<s>`` and ``PATCH``.  The rule (websockets' for its parsers): every reply is a
documented status and code, never a 500; and afterwards the server holds exactly what it
held before (nothing leaked by any failed request).

The server runs on an event loop of its own thread, so hypothesis drives it from a plain
test function.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from tests.conftest import Server, offer, serve
from tests.streaming import raw_http
from tests.streaming.live.test_live import TOKEN, clip, publisher
from tests.streaming.test_hostile import HOSTILE, back_to_idle

__all__ = ["clip"]

# The server's own thread (aiortc's timers) uses the random module while hypothesis draws;
# the strategies themselves do not.
pytestmark = [
    pytest.mark.render,
    pytest.mark.filterwarnings(
        "ignore:Do not use the `random` module:hypothesis.errors.HypothesisDeprecationWarning"
    ),
]

T = TypeVar("T")

# What each reply may be: (status, code); 201/204 carry no code.
DOCUMENTED = {
    (201, None),
    (204, None),
    (400, "SDP_MALFORMED"),
    (400, "STREAM_NAME_INVALID"),
    (404, "SESSION_NOT_FOUND"),
    (404, "STREAM_NOT_LIVE"),
    (408, "REQUEST_TIMEOUT"),
    (409, "STREAM_BUSY"),
    (412, "PRECONDITION_FAILED"),
    (413, "SDP_TOO_LARGE"),
    (415, "UNSUPPORTED_MEDIA_TYPE"),
    (422, "CODEC_UNSUPPORTED"),
    (422, "ICE_RESTART_UNSUPPORTED"),
    (503, "SERVER_FULL"),
}
TOKENS = [
    "v=0",
    "m=video 9 UDP/TLS/RTP/SAVPF 96",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "a=mid:0",
    "a=mid:1",
    "a=mid:",
    "a=group:BUNDLE 0 1",
    "a=group:BUNDLE x",
    "a=rtpmap:96 VP8/90000",
    "a=rtpmap:97 H264/90000",
    "a=fmtp:97 profile-level-id=640033",
    "a=rtcp-fb:96 nack",
    "a=sendrecv",
    "a=inactive",
    "a=setup:active",
    "a=ice-ufrag:",
    "a=candidate:1 1 udp 1 127.0.0.1 9 typ host",
    "a=candidate:1 1 udp 1 0.0.0.0 0 typ host",
    "a=candidate:x",
    "a=end-of-candidates",
    "a=ssrc:1 cname:x",
    "a=ssrc-group:FID 1 2",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid",
    "c=IN IP6 ::1",
    "\x00",
    "é",
]


@dataclasses.dataclass
class Live:
    """The server on its own loop, a show publishing, and the real inputs to mutate."""

    server: Server
    loop: asyncio.AbstractEventLoop
    whip_location: str
    offers: dict[str, str]

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


@pytest.fixture(scope="module")
def live(engine: RenderEngine, clip: Path) -> Iterator[Live]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzzed-server", daemon=True)
    thread.start()
    stack = contextlib.AsyncExitStack()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(120)

    try:
        settings_ = dataclasses.replace(HOSTILE, connect_timeout=2.0, max_sessions=2)
        server = run(stack.enter_async_context(serve(engine, settings_)))
        location = run(stack.enter_async_context(publisher(server.url, clip)))
        offers = {
            "/whep": run(offer("recvonly")),
            "/whep/show": run(offer("recvonly", channel=False)),
            "/whip/fuzzed": run(offer("sendonly", channel=False)),
        }
        yield Live(server, loop, location, offers)
    finally:
        run(stack.aclose())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few lines deleted, duplicated, swapped, replaced or cut short."""
    lines = text.split("\r\n")
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "replace", "swap", "cut", "insert"]))
        if edit == "delete":
            del lines[at]
        elif edit == "duplicate":
            lines.insert(at, lines[at])
        elif edit == "replace":
            lines[at] = draw(st.sampled_from(TOKENS))
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif edit == "insert":
            lines.insert(at, draw(st.sampled_from(TOKENS) | st.text(max_size=30)))
        else:
            lines[at] = lines[at][: draw(st.integers(0, len(lines[at])))]
    return "\r\n".join(lines)


FRAGMENT = (
    "a=ice-ufrag:{ufrag}\r\na=ice-pwd:{pwd}\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"
    "a=candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n"
)


def check(live: Live, reply: raw_http.Reply, path: str) -> None:
    """A documented reply; anything created is ended again at once."""
    code = reply.json().get("code") if reply.body.startswith(b"{") else None
    assert (reply.status, code) in DOCUMENTED, (path, reply.status, reply.body[:300])
    if reply.status == 201:
        location = reply.headers["location"]
        live.run(raw_http.send(live.server.url, "DELETE", location))


CUTS = st.lists(st.integers(1, 6000), max_size=6).map(tuple)
FUZZ = settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("path", ["/whep", "/whep/show", "/whip/fuzzed"])
@FUZZ
@given(data=st.data(), cuts=CUTS)
def test_mutated_offers_get_documented_answers(
    live: Live, path: str, data: st.DataObject, cuts: tuple[int, ...]
) -> None:
    body = data.draw(mutated(live.offers[path])).encode("utf-8", "surrogatepass")
    headers = {"Content-Type": "application/sdp"}
    if path.startswith("/whip"):
        headers["Authorization"] = f"Bearer {TOKEN}"
    reply = live.run(
        raw_http.send(live.server.url, "POST", path, body, headers, cuts=cuts, pause=0.002)
    )
    check(live, reply, path)


@FUZZ
@given(data=st.data(), cuts=CUTS)
def test_mutated_trickle_fragments_get_documented_answers(
    live: Live, data: st.DataObject, cuts: tuple[int, ...]
) -> None:
    (publishing,) = live.server.app[LIVE_KEY].publishers.values()
    ufrag, pwd = publishing.ice
    text = data.draw(mutated(FRAGMENT.format(ufrag=ufrag, pwd=pwd)))
    headers = {"Content-Type": "application/trickle-ice-sdpfrag"}
    if data.draw(st.booleans()):
        headers["If-Match"] = data.draw(st.sampled_from([publishing.etag, '"stale"', "*"]))
    reply = live.run(
        raw_http.send(
            live.server.url,
            "PATCH",
            live.whip_location,
            text.encode("utf-8", "surrogatepass"),
            headers,
            cuts=cuts,
            pause=0.002,
        )
    )
    check(live, reply, "PATCH")


def test_after_the_fuzzing_nothing_is_held_but_the_show(live: Live) -> None:
    """Runs after the fuzzers (file order): only the show's own publisher remains."""
    expected = {
        "sessions": 0,
        "places_in_use": 0,
        "views_in_use": 0,
        "live": {"streams": 1, "publishers": 1, "viewers": 0, "seats_in_use": 0},
    }

    live.run(back_to_idle(live.server, 20, expected))
