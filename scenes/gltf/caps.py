"""The check every options dataclass of the glTF room runs in ``__post_init__``: a cap is a
positive integer, so a typo in a configuration fails where it is made, not deep in a check."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

__all__ = ["check_caps"]


def check_caps(options: Any) -> None:
    """Raise :class:`ValueError` naming the first integer field of the dataclass
    ``options`` that is not a positive integer (a bool is not one)."""
    assert is_dataclass(options)
    for field in fields(options):
        if field.type not in ("int", int):
            continue
        value = getattr(options, field.name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(
                f"{type(options).__name__}.{field.name} must be a positive integer, not {value!r}"
            )
