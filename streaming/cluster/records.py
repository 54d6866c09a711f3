"""What a node tells the cluster about itself, as stored in Redis: pure data, parsed back
defensively (a record is written by our nodes, but Redis is shared infrastructure: a
record that does not parse is skipped, never trusted).

A node is known by ``id`` and reached at ``url`` (its announced ``http://ADDR:PORT``);
it serves one exhibition (``exhibition``: the scene's id), has ``places`` places of which
``in_use`` are taken, its render thread is ``busy`` (0..1, last seconds), and live
streams flow through it (``streams``: published to it, a docent tour's, or ``pulled`` from
another node, which it only relays: a tour's page and room are at its origin), and
``watching`` live viewers watch through it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

from museion.streaming.errors import StreamingError

__all__ = ["NODE_ID", "NodeRecord", "RecordInvalid", "parse_record"]

NODE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""What a node id may look like (it becomes part of Redis keys and log lines)."""
_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]{1,255}$")
_MAX_RECORD = 64 * 1024
_MAX_STREAMS = 4096


class RecordInvalid(StreamingError):
    """A node record in Redis that does not parse: skipped, logged."""

    code = "CLUSTER_RECORD_INVALID"


@dataclass(frozen=True)
class NodeRecord:
    """One node, as it last told the cluster."""

    id: str
    url: str
    exhibition: str
    places: int
    in_use: int
    busy: float
    streams: tuple[str, ...] = ()
    updated: float = 0.0
    pulled: tuple[str, ...] = ()
    watching: int = 0

    @property
    def spare(self) -> int:
        """Places free now (what the door places own sessions by)."""
        return max(0, self.places - self.in_use)

    def to_json(self) -> str:
        """The record as Redis holds it."""
        data = asdict(self)
        data["streams"] = list(self.streams)
        data["pulled"] = list(self.pulled)
        return json.dumps(data, separators=(",", ":"))


def _text(data: dict[str, Any], key: str, pattern: re.Pattern[str] | None, most: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= most:
        raise RecordInvalid(f"'{key}' must be a string of at most {most} characters")
    if pattern is not None and not pattern.match(value):
        raise RecordInvalid(f"'{key}' is not of the expected form")
    return value


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise RecordInvalid(f"'{key}' must be a count")
    return value


def _names(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or len(value) > _MAX_STREAMS:
        raise RecordInvalid(f"'{key}' must be a list")
    if not all(isinstance(v, str) and 0 < len(v) <= 128 for v in value):
        raise RecordInvalid(f"'{key}' must list names")
    return tuple(value)


def parse_record(raw: str | bytes) -> NodeRecord:
    """A record read from Redis, checked; raises :class:`RecordInvalid`."""
    if len(raw) > _MAX_RECORD:
        raise RecordInvalid("the record is too large")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise RecordInvalid("the record is not JSON") from exc
    if not isinstance(data, dict):
        raise RecordInvalid("the record is not an object")
    busy, updated = data.get("busy"), data.get("updated", 0.0)
    if isinstance(busy, bool) or not isinstance(busy, int | float) or not 0 <= busy <= 1:
        raise RecordInvalid("'busy' must be a share in [0, 1]")
    if isinstance(updated, bool) or not isinstance(updated, int | float):
        raise RecordInvalid("'updated' must be a time")
    if not math.isfinite(updated):
        raise RecordInvalid("'updated' must be a time")
    return NodeRecord(
        id=_text(data, "id", NODE_ID, 64),
        url=_text(data, "url", _URL, 300),
        exhibition=_text(data, "exhibition", None, 200),
        places=_count(data, "places"),
        in_use=_count(data, "in_use"),
        busy=float(busy),
        streams=_names(data, "streams"),
        updated=float(updated),
        pulled=_names(data, "pulled"),
        watching=_count(data, "watching") if "watching" in data else 0,
    )
