"""The messages between the server and its relay workers (pure; no I/O).

One Unix stream socket per worker carries length-prefixed messages:
``!I`` length (of what follows), one kind byte, the body.

- ``J``: a JSON object (control: a viewer to answer, one to drop, a stream's start or
  end; from the worker: answers, keyframe requests, viewers gone).
- ``V``/``A``: one video frame / audio packet of a stream, already packetized:
  ``!B`` name length, the name (ASCII), ``!B`` layer length, the simulcast layer (ASCII,
  empty without simulcast), ``!IBH`` timestamp, keyframe flag, payload count, ``!H`` per
  payload its length, then the payloads back to back.

A frame is packetized once in the server and sent once per worker, whatever the number of
viewers.  :func:`decode` accepts any bytes or raises :class:`WireError`.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from museion.streaming.errors import StreamingError
from museion.streaming.live.stream import EncodedFrame

__all__ = ["MAX_MESSAGE", "WireError", "decode", "encode_frame", "encode_json"]

MAX_MESSAGE = 64 * 1024 * 1024  # an 8K keyframe at a high bitrate is a few MB
_LENGTH = struct.Struct("!I")
_FRAME = struct.Struct("!IBH")


class WireError(StreamingError):
    """A worker message that does not parse (a bug or a corrupted pipe, never a visitor)."""

    code = "RELAY_WIRE_ERROR"


def encode_json(message: dict[str, Any]) -> bytes:
    body = b"J" + json.dumps(message, separators=(",", ":")).encode()
    return _LENGTH.pack(len(body)) + body


def encode_frame(stream: str, frame: EncodedFrame, audio: bool = False) -> bytes:
    name = stream.encode("ascii")
    layer = frame.layer.encode("ascii")
    payloads = frame.payloads
    head = struct.pack(
        f"!cB{len(name)}sB{len(layer)}sIBH{len(payloads)}H",
        b"A" if audio else b"V",
        len(name),
        name,
        len(layer),
        layer,
        frame.timestamp & 0xFFFFFFFF,
        1 if frame.keyframe else 0,
        len(payloads),
        *map(len, payloads),
    )
    body_length = len(head) + sum(map(len, payloads))
    return b"".join((_LENGTH.pack(body_length), head, *payloads))


def decode(body: bytes) -> tuple[str, Any]:
    """``("json", dict)`` or ``("video"|"audio", (stream, EncodedFrame))``."""
    if not body:
        raise WireError("an empty message")
    kind = body[:1]
    if kind == b"J":
        try:
            message = json.loads(body[1:])
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WireError(f"a control message is not JSON: {exc}") from None
        if not isinstance(message, dict):
            raise WireError("a control message is not a JSON object")
        return "json", message
    if kind not in (b"V", b"A"):
        raise WireError(f"unknown message kind {kind!r}")
    try:
        length = body[1]
        name = body[2 : 2 + length].decode("ascii")
        offset = 2 + length
        layer_length = body[offset]
        layer = body[offset + 1 : offset + 1 + layer_length].decode("ascii")
        offset += 1 + layer_length
        timestamp, keyframe, count = _FRAME.unpack_from(body, offset)
        offset += _FRAME.size
        sizes = struct.unpack_from(f"!{count}H", body, offset)
    except (IndexError, UnicodeDecodeError, struct.error) as exc:
        raise WireError(f"a frame message is cut short or garbled: {exc}") from None
    offset += 2 * count
    if len(name) != length or len(layer) != layer_length or offset + sum(sizes) != len(body):
        raise WireError("a frame message's lengths do not add up")
    payloads = []
    for size in sizes:
        payloads.append(body[offset : offset + size])
        offset += size
    frame = EncodedFrame(b"", timestamp, bool(keyframe), tuple(payloads), layer)
    return ("audio" if kind == b"A" else "video"), (name, frame)


def read_length(header: bytes) -> int:
    """The body length a message header announces (checked against :data:`MAX_MESSAGE`)."""
    length: int = _LENGTH.unpack(header)[0]
    if length > MAX_MESSAGE:
        raise WireError(f"a message of {length} bytes is over the {MAX_MESSAGE}-byte cap")
    return length
