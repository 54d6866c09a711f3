"""The server-to-worker wire: frames and control messages round-trip; garbage is refused
with the documented error, never anything else."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.live.stream import EncodedFrame
from museion.streaming.live.wire import WireError, decode, encode_frame, encode_json, read_length


def _body(message: bytes) -> bytes:
    assert read_length(message[:4]) == len(message) - 4
    return message[4:]


def test_a_frame_round_trips_with_its_payloads() -> None:
    frame = EncodedFrame(b"x" * 3000, 90_000 * 5, True, (b"a" * 1200, b"b" * 1200, b"c" * 600))
    kind, (stream, got) = decode(_body(encode_frame("show-1", frame)))
    assert (kind, stream) == ("video", "show-1")
    assert got.payloads == frame.payloads and got.timestamp == frame.timestamp and got.keyframe
    assert got.size == 3000
    kind, (_, audio) = decode(
        _body(encode_frame("s", EncodedFrame(b"op", 960, True, (b"op",)), True))
    )
    assert kind == "audio" and audio.payloads == (b"op",)


def test_a_simulcast_frame_keeps_its_layer() -> None:
    frame = EncodedFrame(b"", 3000, False, (b"a" * 100,), "m")
    kind, (stream, got) = decode(_body(encode_frame("show", frame)))
    assert (kind, stream, got.layer, got.payloads) == ("video", "show", "m", (b"a" * 100,))


def test_a_control_message_round_trips() -> None:
    assert decode(_body(encode_json({"op": "view", "req": 3}))) == (
        "json",
        {"op": "view", "req": 3},
    )


def test_an_oversized_length_is_refused_before_reading() -> None:
    try:
        read_length(b"\xff\xff\xff\xff")
    except WireError as exc:
        assert exc.code == "RELAY_WIRE_ERROR"
    else:
        raise AssertionError("a 4 GiB message was accepted")


@given(st.binary(max_size=512))
def test_any_bytes_decode_or_raise_the_wire_error(data: bytes) -> None:
    with contextlib.suppress(WireError):
        decode(data)


@given(st.binary(max_size=64), st.sampled_from([b"V", b"A", b"J"]))
def test_cut_or_garbled_frames_raise_the_wire_error(tail: bytes, kind: bytes) -> None:
    frame = EncodedFrame(b"", 1, False, (b"p" * 10, tail))
    body = _body(encode_frame("s", frame))
    for cut in range(len(body)):
        with contextlib.suppress(WireError):
            decode(kind + body[1:cut])
