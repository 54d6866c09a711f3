"""The checks the transforms' options run in ``__post_init__``: a wrong value is refused
where the options are made, in a sentence naming the field and what it may be, rather than
deep inside a codec (or, worse, turned into a quietly broken file)."""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["check_choice", "check_flag", "check_number", "check_type", "check_whole"]


def _refuse(options: object, field: str, allowed: str) -> ValueError:
    value = getattr(options, field)
    return ValueError(f"{type(options).__name__}.{field} must be {allowed}, not {value!r}")


def check_whole(options: object, field: str, low: int, high: int | None = None) -> None:
    """``field`` is a whole number from ``low`` (to ``high``, when given)."""
    value = getattr(options, field)
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole or value < low or (high is not None and value > high):
        allowed = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise _refuse(options, field, f"a whole number, {allowed}")


def check_number(
    options: object,
    field: str,
    low: float,
    high: float | None = None,
    *,
    above_low: bool = False,
    below_high: bool = False,
) -> None:
    """``field`` is a finite number between ``low`` and ``high`` (each end included unless
    ``above_low`` or ``below_high``)."""
    value = getattr(options, field)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    fine = number and math.isfinite(value)
    fine = fine and (value > low if above_low else value >= low)
    if high is not None:
        fine = fine and (value < high if below_high else value <= high)
    if not fine:
        lower = f"above {low:g}" if above_low else f"at least {low:g}"
        upper = "" if high is None else f" and {'below' if below_high else 'at most'} {high:g}"
        raise _refuse(options, field, f"a number {lower}{upper}")


def check_flag(options: object, *fields: str) -> None:
    """Each of ``fields`` is True or False (a string such as "no" would read as True)."""
    for field in fields:
        if not isinstance(getattr(options, field), bool):
            raise _refuse(options, field, "True or False")


def check_choice(options: object, field: str, allowed: Iterable[str]) -> None:
    """``field`` is one of ``allowed``."""
    names = tuple(allowed)
    if getattr(options, field) not in names:
        raise _refuse(options, field, "one of " + ", ".join(repr(n) for n in names))


def check_type(options: object, field: str, kind: type, optional: bool = False) -> None:
    """``field`` holds a ``kind`` (or ``None`` when ``optional``: the step is skipped)."""
    value = getattr(options, field)
    if not (isinstance(value, kind) or (optional and value is None)):
        none = " or None" if optional else ""
        raise _refuse(options, field, f"a {kind.__name__}{none}")
