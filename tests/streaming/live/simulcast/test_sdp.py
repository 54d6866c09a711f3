"""Simulcast in an offer: what is taken, what is declined, what is refused as malformed
(and anything else parses or raises the documented error)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.errors import SdpMalformed
from museion.streaming.live.simulcast.sdp import (
    REPAIRED_STREAM_ID,
    RTP_STREAM_ID,
    answer_simulcast,
    simulcast_offer,
)

HEAD = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
AUDIO = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendonly\r\n"


def _offer(*lines: str, mid: str = "1") -> str:
    video = [
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        f"a=mid:{mid}",
        "a=sendonly",
        f"a=extmap:4 {RTP_STREAM_ID}",
        f"a=extmap:5/sendonly {REPAIRED_STREAM_ID}",
        *lines,
    ]
    return HEAD + AUDIO + "\r\n".join(video) + "\r\n"


CHROMIUM = ("a=rid:h send", "a=rid:m send", "a=rid:l send", "a=simulcast:send h;m;l")


def test_chromiums_three_layers_are_taken_in_its_order() -> None:
    found = simulcast_offer(_offer(*CHROMIUM))
    assert found is not None
    assert (found.mid, found.rids, found.declined) == ("1", ("h", "m", "l"), ())
    assert (found.rid_extension, found.repaired_extension) == (4, 5)


def test_paused_and_alternative_layers_take_the_first_of_each() -> None:
    found = simulcast_offer(
        _offer("a=rid:a send", "a=rid:b send", "a=rid:c send", "a=simulcast:send ~a;b,c")
    )
    assert found is not None and found.rids == ("a", "b")


def test_past_three_layers_the_rest_are_declined_and_the_answer_says_so() -> None:
    rids = ["q", "r", "s", "t", "u"]
    found = simulcast_offer(
        _offer(*[f"a=rid:{r} send" for r in rids], f"a=simulcast:send {';'.join(rids)}")
    )
    assert found is not None and found.rids == ("q", "r", "s") and found.declined == ("t", "u")
    answer = answer_simulcast("v=0\r\nm=video 9 X 96\r\na=mid:1\r\na=recvonly\r\n", found)
    assert "a=simulcast:recv q;r;s\r\n" in answer
    assert "a=rid:t" not in answer and "a=rid:q recv\r\n" in answer


def test_without_simulcast_or_its_header_extension_the_offer_is_one_stream() -> None:
    assert simulcast_offer(_offer()) is None
    assert simulcast_offer(_offer("a=rid:h send")) is None  # rid alone: restrictions only
    no_extension = _offer(*CHROMIUM).replace(f"a=extmap:4 {RTP_STREAM_ID}\r\n", "")
    assert simulcast_offer(no_extension) is None
    assert simulcast_offer(_offer("a=rid:h recv", "a=simulcast:recv h")) is None


@pytest.mark.parametrize(
    "lines",
    [
        ("a=rid:h send", "a=simulcast:send h;x"),  # x has no a=rid
        ("a=rid:h send", "a=rid:h send", "a=simulcast:send h"),  # twice
        ("a=rid:h recv", "a=simulcast:send h"),  # a receive rid sent
        ("a=rid:h", "a=simulcast:send h"),  # no direction
        ("a=rid:h sideways", "a=simulcast:send h"),
        ("a=rid:<script> send", "a=simulcast:send <script>"),
        ("a=rid:" + "x" * 17 + " send", "a=simulcast:send " + "x" * 17),
        ("a=rid:h send", "a=simulcast:send h;h"),
        ("a=rid:h send", "a=simulcast:send h", "a=simulcast:send h"),
        ("a=rid:h send", "a=simulcast:send"),
        ("a=rid:h send", "a=simulcast:send h send h"),
        ("a=rid:auto send", "a=simulcast:send auto"),  # the viewer's word
        (*tuple(f"a=rid:r{n} send" for n in range(17)), "a=simulcast:send r0"),
    ],
)
def test_broken_rid_and_simulcast_lines_are_refused(lines: tuple[str, ...]) -> None:
    with pytest.raises(SdpMalformed):
        simulcast_offer(_offer(*lines))


@given(st.lists(st.text(max_size=40), max_size=6))
def test_any_rid_lines_parse_or_raise_the_documented_error(values: list[str]) -> None:
    lines = [f"a=rid:{v}" for v in values[:3]] + [f"a=simulcast:{v}" for v in values[3:]]
    with contextlib.suppress(SdpMalformed):
        simulcast_offer(_offer(*lines))
