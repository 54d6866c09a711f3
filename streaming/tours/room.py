"""What people in a tour's room may say: chat lines and raised hands, parsed and bounded.

A pure parser (no I/O), so it can be fuzzed: every input either parses or raises
:class:`TourMessageError` with a stable code.  Chat text is plain text: control and
formatting characters are removed, whitespace runs become one space, and the pages show
it with ``textContent``, so no markup from one visitor ever runs in another's page.
Wire format, one JSON object per WebSocket text message (followers) or datachannel
message (the docent)::

    {"type": "chat", "text": "Is this bronze?"}
    {"type": "hand", "raised": true}                  (followers)
    {"type": "lower", "follower": "f3"}               (the docent lowers a hand)
    {"type": "unshare"}                               (the docent closed the label)
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from museion.streaming.errors import TourMessageError

__all__ = [
    "MAX_NAME_CHARS",
    "MAX_ROOM_MESSAGE_BYTES",
    "Chat",
    "Hand",
    "Lower",
    "RoomMessage",
    "Unshare",
    "clean_name",
    "clean_text",
    "parse_docent_message",
    "parse_follower_message",
]

MAX_ROOM_MESSAGE_BYTES = 4096
MAX_NAME_CHARS = 32
_SPACES = re.compile(r"\s+")
_FOLLOWER_ID = re.compile(r"f[0-9]{1,9}")


@dataclass(frozen=True)
class Chat:
    """A chat line, already cleaned."""

    text: str


@dataclass(frozen=True)
class Hand:
    """A follower raises (or lowers) their hand."""

    raised: bool


@dataclass(frozen=True)
class Lower:
    """The docent lowers a follower's hand."""

    follower: str


@dataclass(frozen=True)
class Unshare:
    """The docent closed the label the followers were shown."""


RoomMessage = Chat | Hand | Lower | Unshare


def clean_text(text: str, max_chars: int) -> str:
    """``text`` as one line of plain text: no control or formatting characters (bidi
    overrides, zero-width tricks), whitespace runs as one space, at most ``max_chars``."""
    kept = "".join(
        " " if c.isspace() else c for c in text if unicodedata.category(c) not in ("Cc", "Cf")
    )
    return _SPACES.sub(" ", kept).strip()[:max_chars]


def clean_name(name: str | None, fallback: str) -> str:
    """A display name a follower chose, cleaned and capped, or ``fallback``."""
    cleaned = clean_text(name or "", MAX_NAME_CHARS)
    return cleaned or fallback


def _decode(raw: str | bytes) -> dict[str, object]:
    if len(raw) > MAX_ROOM_MESSAGE_BYTES:
        raise TourMessageError(
            f"messages are limited to {MAX_ROOM_MESSAGE_BYTES} bytes", code="MESSAGE_TOO_LARGE"
        )
    try:
        message = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise TourMessageError("the message is not JSON", code="MESSAGE_MALFORMED") from exc
    if not isinstance(message, dict):
        raise TourMessageError("the message must be a JSON object", code="MESSAGE_MALFORMED")
    return message


def _chat(message: dict[str, object], max_chars: int) -> Chat:
    text = message.get("text")
    if not isinstance(text, str):
        raise TourMessageError("a chat message needs its 'text'", code="MESSAGE_MALFORMED")
    if len(text) > max_chars:
        raise TourMessageError(
            f"A chat message is at most {max_chars} characters.", code="CHAT_TOO_LONG"
        )
    cleaned = clean_text(text, max_chars)
    if not cleaned:
        raise TourMessageError("An empty chat message was not sent.", code="CHAT_EMPTY")
    return Chat(cleaned)


def _unknown(kind: object, allowed: tuple[str, ...]) -> TourMessageError:
    return TourMessageError(
        f"unknown message type {str(kind)[:40]!r}; expected one of {list(allowed)}",
        code="MESSAGE_UNKNOWN",
    )


def parse_follower_message(raw: str | bytes, max_chars: int) -> Chat | Hand:
    """A follower's room message; raises :class:`TourMessageError` when refused."""
    message = _decode(raw)
    kind = message.get("type")
    if kind == "chat":
        return _chat(message, max_chars)
    if kind == "hand":
        raised = message.get("raised")
        if not isinstance(raised, bool):
            raise TourMessageError("'raised' must be true or false", code="MESSAGE_MALFORMED")
        return Hand(raised)
    raise _unknown(kind, ("chat", "hand"))


DOCENT_TYPES = frozenset({"chat", "lower", "unshare"})


def parse_docent_message(raw: str | bytes, max_chars: int) -> Chat | Lower | Unshare:
    """A docent's tour message (beside their view commands); raises
    :class:`TourMessageError` when refused."""
    message = _decode(raw)
    kind = message.get("type")
    if kind == "chat":
        return _chat(message, max_chars)
    if kind == "lower":
        follower = message.get("follower")
        if not (isinstance(follower, str) and _FOLLOWER_ID.fullmatch(follower)):
            raise TourMessageError("'follower' must be a follower id", code="MESSAGE_MALFORMED")
        return Lower(follower)
    if kind == "unshare":
        return Unshare()
    raise _unknown(kind, tuple(sorted(DOCENT_TYPES)))
