"""The studio's edit messages on a draft view's datachannel, parsed and checked (pure).

Every message either parses into one of the dataclasses here or raises
:class:`~museion.streaming.errors.CommandError` with a stable code; a message that is not
an edit at all raises ``COMMAND_UNKNOWN`` so the visitor's view commands get their turn.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from museion.scenes.document.model import SceneDocument, Transform
from museion.scenes.errors import SceneInvalid
from museion.streaming.errors import CommandError
from museion.streaming.visit.commands import as_number

__all__ = [
    "MAX_EDIT_BYTES",
    "Edit",
    "MoveEdit",
    "PickEdit",
    "PoseEdit",
    "SnapEdit",
    "SyncEdit",
    "parse_edit",
]

MAX_EDIT_BYTES = 256 * 1024
"""An edit message larger than this is refused unread (a whole document fits)."""
_MAX_COORDINATE = 10_000.0
_MAX_SCALE = 1_000.0
_ID_CHARS = 64


@dataclass(frozen=True)
class MoveEdit:
    exhibit: str
    transform: Transform


@dataclass(frozen=True)
class SnapEdit:
    exhibit: str


@dataclass(frozen=True)
class PickEdit:
    id: int
    x: float  # 0..1 of the picture's width, from the left
    y: float  # 0..1 of its height, from the top


@dataclass(frozen=True)
class PoseEdit:
    id: int


@dataclass(frozen=True)
class SyncEdit:
    document: SceneDocument


Edit = MoveEdit | SnapEdit | PickEdit | PoseEdit | SyncEdit


def _fail(message: str, code: str = "EDIT_MALFORMED") -> CommandError:
    return CommandError(message, code=code)


def _number(value: Any, what: str, low: float, high: float) -> float:
    number = as_number(value)
    if number is None:
        raise _fail(f"{what} must be a number")
    if not math.isfinite(number) or not low <= number <= high:
        raise _fail(f"{what} must lie in [{low:g}, {high:g}]")
    return number


def _vec3(value: Any, what: str, limit: float) -> tuple[float, float, float]:
    if not isinstance(value, list) or len(value) != 3:
        raise _fail(f"{what} must be three numbers")
    x, y, z = (_number(v, what, -limit, limit) for v in value)
    return (x, y, z)


def _exhibit_id(message: dict[str, Any]) -> str:
    value = message.get("exhibit")
    if not isinstance(value, str) or not 0 < len(value) <= _ID_CHARS:
        raise _fail("exhibit must name an exhibit")
    return value


def _request_id(message: dict[str, Any]) -> int:
    value = message.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise _fail("id must be a whole number the page chose")
    return value


def _transform(value: Any) -> Transform:
    if not isinstance(value, dict) or set(value) - {"translation", "rotation", "scale"}:
        raise _fail("transform must be {translation, rotation, scale}")
    return Transform(
        translation=_vec3(value.get("translation", [0, 0, 0]), "translation", _MAX_COORDINATE),
        rotation=_vec3(value.get("rotation", [0, 0, 0]), "rotation", 360.0 * 4),
        scale=_number(value.get("scale", 1.0), "scale", 1e-4, _MAX_SCALE),
    )


def _document(value: Any) -> SceneDocument:
    from museion.scenes.document.loader import load_scene

    if not isinstance(value, dict):
        raise _fail("document must be a scene document")
    try:
        return load_scene(json.dumps(value, allow_nan=False).encode("utf-8"))
    except (SceneInvalid, ValueError) as exc:
        raise _fail(
            f"the document is not valid: {str(exc)[:300]}", "EDIT_DOCUMENT_INVALID"
        ) from exc


def parse_edit(raw: str | bytes) -> Edit:
    """One edit message, or :class:`CommandError` (``COMMAND_UNKNOWN`` for a non-edit)."""
    if len(raw) > MAX_EDIT_BYTES:
        raise _fail("the edit message is too large", "EDIT_TOO_LARGE")
    try:
        message = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail("the message is not JSON", "COMMAND_UNKNOWN") from exc
    kind = message.get("type") if isinstance(message, dict) else None
    if not isinstance(kind, str) or not kind.startswith("edit."):
        raise _fail("not an edit", "COMMAND_UNKNOWN")
    if kind == "edit.move":
        return MoveEdit(_exhibit_id(message), _transform(message.get("transform")))
    if kind == "edit.snap":
        return SnapEdit(_exhibit_id(message))
    if kind == "edit.pick":
        x = _number(message.get("x"), "x", 0.0, 1.0)
        return PickEdit(_request_id(message), x, _number(message.get("y"), "y", 0.0, 1.0))
    if kind == "edit.pose":
        return PoseEdit(_request_id(message))
    if kind == "edit.sync":
        return SyncEdit(_document(message.get("document")))
    raise _fail(f"unknown edit {kind[:40]!r}", "EDIT_UNKNOWN")


def transform_json(transform: Transform) -> dict[str, Any]:
    return {
        "translation": list(transform.translation),
        "rotation": list(transform.rotation),
        "scale": transform.scale,
    }
