"""Datachannel view commands: JSON text in, a bounded :class:`ViewCommand` out.

A pure parser (no I/O) so it can be fuzzed: every input either parses or raises
:class:`CommandError` with a stable code.  Wire format, one JSON object per message::

    {"type": "orbit", "yaw": 12.5, "pitch": -3, "seq": 7}
    {"type": "zoom", "factor": 0.9}
    {"type": "pan", "dx": 0.1, "dy": 0}
    {"type": "reset"}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from museion.runtime.camera import Orbit, Pan, Reset, ViewCommand, Zoom
from museion.streaming.errors import CommandError

__all__ = ["MAX_MESSAGE_BYTES", "ParsedCommand", "parse_command"]

MAX_MESSAGE_BYTES = 4096
_MAX_ANGLE = 180.0
_MIN_FACTOR, _MAX_FACTOR = 0.5, 2.0
_MAX_PAN = 1.0
_FIELDS: dict[str, frozenset[str]] = {
    "orbit": frozenset({"yaw", "pitch"}),
    "zoom": frozenset({"factor"}),
    "pan": frozenset({"dx", "dy"}),
    "reset": frozenset(),
}


@dataclass(frozen=True)
class ParsedCommand:
    """A command and the client's sequence number (echoed in replies), if it sent one."""

    command: ViewCommand
    seq: int | None


def _number(message: dict[str, Any], key: str, low: float, high: float) -> float:
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CommandError(f"'{key}' must be a number", code="COMMAND_MALFORMED")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise CommandError(
            f"'{key}' must lie between {low:g} and {high:g}", code="COMMAND_OUT_OF_RANGE"
        )
    return number


def _decode(raw: str | bytes) -> dict[str, Any]:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise CommandError(
            f"messages are limited to {MAX_MESSAGE_BYTES} bytes", code="COMMAND_TOO_LARGE"
        )
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        message = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CommandError("the message is not JSON", code="COMMAND_MALFORMED") from exc
    if not isinstance(message, dict):
        raise CommandError("the message must be a JSON object", code="COMMAND_MALFORMED")
    return message


def _seq(message: dict[str, Any]) -> int | None:
    seq = message.get("seq")
    if seq is None:
        return None
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 2**53:
        raise CommandError("'seq' must be a non-negative integer", code="COMMAND_MALFORMED")
    return seq


def parse_command(raw: str | bytes) -> ParsedCommand:
    """Parse one datachannel message; raises :class:`CommandError` when it is refused."""
    message = _decode(raw)
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise CommandError(
            f"unknown command type {str(kind)[:40]!r}; expected one of {sorted(_FIELDS)}",
            code="COMMAND_UNKNOWN",
        )
    extra = set(message) - _FIELDS[kind] - {"type", "seq"}
    if extra:
        raise CommandError(
            f"unexpected field(s) {sorted(extra)[:5]} for '{kind}'", code="COMMAND_MALFORMED"
        )
    seq = _seq(message)
    command: ViewCommand
    if kind == "orbit":
        command = Orbit(
            yaw=_number(message, "yaw", -_MAX_ANGLE, _MAX_ANGLE),
            pitch=_number(message, "pitch", -_MAX_ANGLE, _MAX_ANGLE),
        )
    elif kind == "zoom":
        command = Zoom(factor=_number(message, "factor", _MIN_FACTOR, _MAX_FACTOR))
    elif kind == "pan":
        command = Pan(
            dx=_number(message, "dx", -_MAX_PAN, _MAX_PAN),
            dy=_number(message, "dy", -_MAX_PAN, _MAX_PAN),
        )
    else:
        command = Reset()
    return ParsedCommand(command=command, seq=seq)
