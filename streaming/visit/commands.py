"""Datachannel view commands: JSON text in, a bounded :class:`ViewCommand` out.

A pure parser (no I/O) so it can be fuzzed: every input either parses or raises
:class:`CommandError` with a stable code.  Wire format, one JSON object per message::

    {"type": "orbit", "yaw": 12.5, "pitch": -3, "seq": 7}
    {"type": "zoom", "factor": 0.9}
    {"type": "pan", "dx": 0.1, "dy": 0}
    {"type": "reset"}
    {"type": "pick", "x": 0.5, "y": 0.4}        (fractions of the frame, from the top left)
    {"type": "tour", "action": "start", "tour": "highlights"}   (pause, resume, next, prev, stop)
    {"type": "walk", "forward": 0.05, "right": 0, "turn": 2.5, "look": 0}   (metres, degrees)
    {"type": "mode", "mode": "walk"}   or   {"type": "mode", "mode": "orbit", "exhibit": "ding"}
    {"type": "pick_ray", "origin": [0.2, 1.4, -0.3], "direction": [0, -0.2, -1]}   (a headset
        controller, in its local-floor metres)
    {"type": "teleport", "x": 1.5, "z": -2.0, "head": [0.1, 0.0]}   (the floor point aimed
        at and the head now, local-floor)
    {"type": "turn", "degrees": -30, "head": [0.1, 0.0]}   (a headset's snap turn, positive
        to the left, about the floor under the head)
    {"type": "shown", "late": 0.012}   (a headset page: how much later than predicted, in
        seconds, its frames reach the display; the server's prediction follows it)
    {"type": "resume", "mode": "walk", "at": [1.0, 1.6, -2.0], "heading": 30, "look": -5,
        "tour": "highlights", "step": 2}   or   {"type": "resume", "mode": "orbit",
        "exhibit": "ding", "view": [0, 1.1, 0, 45, 10, 1.8]}   (carry on where the page was
        on another node: what the server last said in a ``where`` message)
    {"type": "language", "lang": "zh-Hant"}   (the language the page reads in: a visible
        watermark's text follows it)
    {"type": "screen", "width": 390, "height": 844, "dpr": 3}   (CSS pixels the picture is
        shown in, and device pixels per CSS pixel: the stream takes that shape)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import langcodes

from museion.runtime.view_commands import (
    MODES,
    TOUR_ACTIONS,
    ModeCommand,
    Orbit,
    Pan,
    PickAt,
    PickRay,
    Reset,
    Resume,
    SnapTurn,
    Teleport,
    TourCommand,
    Walk,
    Zoom,
)
from museion.runtime.view_commands import Command as CameraCommand
from museion.streaming.errors import CommandError

__all__ = [
    "MAX_MESSAGE_BYTES",
    "Command",
    "Language",
    "ParsedCommand",
    "Screen",
    "Shown",
    "as_number",
    "parse_command",
]


@dataclass(frozen=True)
class Screen:
    """Where the visitor's page shows the picture: ``width`` x ``height`` CSS pixels at
    ``dpr`` device pixels each.  Not a camera command: it shapes the stream."""

    width: float
    height: float
    dpr: float


@dataclass(frozen=True)
class Shown:
    """A headset page's measure: its frames reach the display ``late`` seconds after the
    time the server predicted the head for (negative: early).  Not a camera command: it
    tunes the pose prediction."""

    late: float


@dataclass(frozen=True)
class Language:
    """The BCP 47 tag of the language the visitor's page reads in (its label menu).  Not
    a camera command: a visible watermark's text follows it."""

    tag: str


Command = CameraCommand | Walk | ModeCommand | Screen | Shown | Language

MAX_MESSAGE_BYTES = 4096
_MAX_ANGLE = 180.0
_MIN_FACTOR, _MAX_FACTOR = 0.5, 2.0
_MAX_PAN = 1.0
_MAX_STRIDE = 0.5
_MAX_REACH = 100.0  # metres from a headset's local-floor origin a controller may be
_MAX_CSS = 16384.0
_MIN_DPR, _MAX_DPR = 0.25, 8.0
_MAX_TAG = 35  # RFC 5646's longest well-formed tag worth keeping
_FIELDS: dict[str, frozenset[str]] = {
    "orbit": frozenset({"yaw", "pitch"}),
    "zoom": frozenset({"factor"}),
    "pan": frozenset({"dx", "dy"}),
    "reset": frozenset(),
    "pick": frozenset({"x", "y"}),
    "tour": frozenset({"action", "tour"}),
    "walk": frozenset({"forward", "right", "turn", "look"}),
    "mode": frozenset({"mode", "exhibit"}),
    "pick_ray": frozenset({"origin", "direction"}),
    "teleport": frozenset({"x", "z", "head"}),
    "screen": frozenset({"width", "height", "dpr"}),
    "turn": frozenset({"degrees", "head"}),
    "shown": frozenset({"late"}),
    "language": frozenset({"lang"}),
    "resume": frozenset({"mode", "exhibit", "at", "heading", "look", "view", "tour", "step"}),
}


@dataclass(frozen=True)
class ParsedCommand:
    """A command and the client's sequence number (echoed in replies), if it sent one."""

    command: Command
    seq: int | None


def as_number(value: Any) -> float | None:
    """``value`` as a float if it is a JSON number (not a bool), else None; an integer too
    large for a float (309 digits) is infinite, which every range refuses."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _number(message: dict[str, Any], key: str, low: float, high: float) -> float:
    number = as_number(message.get(key))
    if number is None:
        raise CommandError(f"'{key}' must be a number", code="COMMAND_MALFORMED")
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
    """Parse one datachannel message; raises :class:`CommandError` when it is refused.

    The error carries the message's ``seq`` when that much could be read, so the client can
    match the refusal to what it sent.
    """
    message = _decode(raw)
    seq = _seq(message)
    try:
        return ParsedCommand(command=_command(message), seq=seq)
    except CommandError as exc:
        exc.seq = seq
        raise


def _command(message: dict[str, Any]) -> Command:
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
    if kind == "orbit":
        return Orbit(
            yaw=_number(message, "yaw", -_MAX_ANGLE, _MAX_ANGLE),
            pitch=_number(message, "pitch", -_MAX_ANGLE, _MAX_ANGLE),
        )
    if kind == "zoom":
        return Zoom(factor=_number(message, "factor", _MIN_FACTOR, _MAX_FACTOR))
    if kind == "pan":
        return Pan(
            dx=_number(message, "dx", -_MAX_PAN, _MAX_PAN),
            dy=_number(message, "dy", -_MAX_PAN, _MAX_PAN),
        )
    if kind == "pick":
        return PickAt(x=_number(message, "x", 0.0, 1.0), y=_number(message, "y", 0.0, 1.0))
    if kind == "tour":
        return _tour(message)
    if kind == "walk":
        return Walk(
            forward=_optional(message, "forward", _MAX_STRIDE),
            right=_optional(message, "right", _MAX_STRIDE),
            turn=_optional(message, "turn", _MAX_ANGLE),
            look=_optional(message, "look", _MAX_ANGLE),
        )
    if kind == "mode":
        return _mode(message)
    if kind == "pick_ray":
        origin = _vector(message, "origin", 3, _MAX_REACH)
        direction = _vector(message, "direction", 3, 1.0e3)
        if not any(direction):
            raise CommandError("'direction' must not be zero", code="COMMAND_OUT_OF_RANGE")
        return PickRay(
            origin=(origin[0], origin[1], origin[2]),
            direction=(direction[0], direction[1], direction[2]),
        )
    if kind == "teleport":
        head = _vector(message, "head", 2, _MAX_REACH) if "head" in message else (0.0, 0.0)
        return Teleport(
            x=_number(message, "x", -_MAX_REACH, _MAX_REACH),
            z=_number(message, "z", -_MAX_REACH, _MAX_REACH),
            head=(head[0], head[1]),
        )
    if kind == "turn":
        head = _vector(message, "head", 2, _MAX_REACH) if "head" in message else (0.0, 0.0)
        return SnapTurn(
            degrees=_number(message, "degrees", -_MAX_ANGLE, _MAX_ANGLE), head=(head[0], head[1])
        )
    if kind == "resume":
        return _resume(message)
    if kind == "shown":
        return Shown(late=_number(message, "late", -1.0, 1.0))
    if kind == "language":
        return Language(_language(message))
    if kind == "screen":
        return Screen(
            width=_number(message, "width", 1.0, _MAX_CSS),
            height=_number(message, "height", 1.0, _MAX_CSS),
            dpr=_number(message, "dpr", _MIN_DPR, _MAX_DPR),
        )
    return Reset()


def _language(message: dict[str, Any]) -> str:
    tag = message.get("lang")
    if not isinstance(tag, str) or not 0 < len(tag) <= _MAX_TAG:
        raise CommandError(
            f"'lang' must be a BCP 47 language tag of at most {_MAX_TAG} characters",
            code="COMMAND_MALFORMED",
        )
    if not langcodes.tag_is_valid(tag):
        raise CommandError(f"{tag!r} is not a known BCP 47 language tag", code="COMMAND_MALFORMED")
    return tag


def _vector(message: dict[str, Any], key: str, size: int, bound: float) -> list[float]:
    """``size`` numbers in [-bound, bound] under ``key`` (a point or direction, metres)."""
    values = message.get(key)
    if not isinstance(values, list) or len(values) != size:
        raise CommandError(f"'{key}' must be a list of {size} numbers", code="COMMAND_MALFORMED")
    return [_number({key: v}, key, -bound, bound) for v in values]


def _optional(message: dict[str, Any], key: str, bound: float) -> float:
    return 0.0 if key not in message else _number(message, key, -bound, bound)


def _name(message: dict[str, Any], key: str) -> str | None:
    """An optional exhibit or tour id."""
    value = message.get(key)
    if value is not None and not (isinstance(value, str) and 0 < len(value) <= 64):
        raise CommandError(f"'{key}' must be an id", code="COMMAND_MALFORMED")
    return value


def _resume(message: dict[str, Any]) -> Resume:
    mode = message.get("mode")
    if mode not in MODES:
        raise CommandError(f"'mode' must be one of {list(MODES)}", code="COMMAND_MALFORMED")
    at = _vector(message, "at", 3, _MAX_REACH) if "at" in message else None
    view = None
    if "view" in message:
        x, y, z, yaw, pitch, distance = _vector(message, "view", 6, _MAX_REACH)
        if not (abs(yaw) <= 2 * _MAX_ANGLE and abs(pitch) <= 90.0 and distance > 0.0):
            raise CommandError("'view' is out of range", code="COMMAND_OUT_OF_RANGE")
        view = (x, y, z, yaw, pitch, distance)
    step = message.get("step", 0)
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= 999:
        raise CommandError("'step' must be a step number", code="COMMAND_OUT_OF_RANGE")
    return Resume(
        mode=str(mode),
        exhibit=_name(message, "exhibit"),
        position=None if at is None else (at[0], at[1], at[2]),
        heading=_optional(message, "heading", 2 * _MAX_ANGLE),
        look=_optional(message, "look", 90.0),
        view=view,
        tour=_name(message, "tour"),
        step=step,
    )


def _mode(message: dict[str, Any]) -> ModeCommand:
    mode = message.get("mode")
    if mode not in MODES:
        raise CommandError(f"'mode' must be one of {list(MODES)}", code="COMMAND_MALFORMED")
    exhibit = message.get("exhibit")
    if exhibit is not None and not (isinstance(exhibit, str) and 0 < len(exhibit) <= 64):
        raise CommandError("'exhibit' must be an exhibit id", code="COMMAND_MALFORMED")
    return ModeCommand(mode=str(mode), exhibit=exhibit)


def _tour(message: dict[str, Any]) -> TourCommand:
    action = message.get("action")
    if action not in TOUR_ACTIONS:
        raise CommandError(
            f"'action' must be one of {list(TOUR_ACTIONS)}", code="COMMAND_MALFORMED"
        )
    tour = message.get("tour")
    if action == "start" and not (isinstance(tour, str) and 0 < len(tour) <= 64):
        raise CommandError("starting a tour needs its id in 'tour'", code="COMMAND_MALFORMED")
    return TourCommand(action=str(action), tour=tour if isinstance(tour, str) else None)
