"""Total access to untrusted glTF JSON for the inspector: every read checks its type and
range, so a document the gate let through with a bad reference yields a summary with that
part left out, never an exception."""

from __future__ import annotations

from typing import Any

__all__ = ["count_of", "dict_of", "index_of", "is_index", "list_of", "name_of", "text_of"]


def list_of(value: Any, key: str) -> list[Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, list) else []


def dict_of(value: Any, key: str) -> dict[str, Any]:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, dict) else {}


def is_index(value: Any, length: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < length


def index_of(value: Any, key: str, length: int) -> int | None:
    """``value[key]`` when it is an index into a list of ``length``, else ``None``."""
    found = value.get(key) if isinstance(value, dict) else None
    return found if is_index(found, length) else None


def text_of(value: Any, key: str) -> str | None:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def name_of(value: Any, fallback: str = "") -> str:
    return text_of(value, "name") or fallback


def count_of(accessors: list[Any], index: Any) -> int:
    """An accessor's element count, 0 when the reference or the count is unusable."""
    if not is_index(index, len(accessors)):
        return 0
    count = accessors[index].get("count") if isinstance(accessors[index], dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0
