"""Buffer, buffer view and accessor checks: every byte range inside its parent."""

from __future__ import annotations

from typing import Any

from museion.scenes.gltf_report import Reporter

__all__ = ["check_accessors"]


def check_accessors(
    document: dict[str, Any], buffers: list[bytes | None], report: Reporter
) -> None:
    """Report ranges that leave their buffer view or buffer, and bad data."""
