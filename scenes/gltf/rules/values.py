"""Small readers, total on any JSON value, shared by the schema walk and the rules: a
JSON pointer token, a short rendering of a value for a message, numbers as JSON means them."""

from __future__ import annotations

import math
from typing import Any, TypeGuard

from museion.scenes.gltf.rules.schema_table import (
    Spec,
)

__all__ = [
    "article",
    "as_dict",
    "as_int",
    "as_list",
    "escape",
    "finite_numbers",
    "in_range",
    "is_number",
    "positive",
    "show",
]


def escape(key: str) -> str:
    """One reference token of a JSON pointer (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def show(value: Any) -> str:
    """A short rendering of a JSON value for a message, whatever its size."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a very large integer"
    if isinstance(value, float):
        return (
            "Infinity" if value == math.inf else "-Infinity" if value == -math.inf else repr(value)
        )
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "...")
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return "an object" if isinstance(value, dict) else type(value).__name__


def is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_int(value: Any) -> int | None:
    """``value`` as an integer when JSON means one (``2.0`` is written by some exporters)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def positive(value: Any) -> int | None:
    """A count: a positive integer, or ``None`` (the schema walk reports anything else)."""
    number = as_int(value)
    return number if number is not None and number > 0 else None


def finite_numbers(value: Any, length: int) -> list[float] | None:
    if not isinstance(value, list) or len(value) != length:
        return None
    if not all(is_number(v) and math.isfinite(v) for v in value):
        return None
    return [float(v) for v in value]


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def in_range(value: int | float, spec: Spec) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if spec.or_zero and value == 0:
        return True
    if spec.low is not None and (value < spec.low or (spec.exclusive_low and value == spec.low)):
        return False
    return spec.high is None or value <= spec.high


def article(noun: str) -> str:
    return f"an '{noun}'" if noun[0] in "aeiou" else f"a '{noun}'"
