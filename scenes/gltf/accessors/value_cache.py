"""The accessors the value checks read, each once and only those whose ranges passed, and
how their findings are reported: the first few one by one, the rest counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from museion.scenes.gltf.accessors.layout import (
    Array,
    json_item,
    json_uint,
)
from museion.scenes.gltf.accessors.read import (
    LoadedBuffers,
    Refused,
    read_values,
)
from museion.scenes.gltf.report import Reporter

__all__ = ["SAMPLES", "AccessorData", "report_some"]

SAMPLES = 5  # issues reported one by one per check and accessor; the rest are counted


class AccessorData:
    """Accessors read once each, and only those that passed the range checks."""

    def __init__(
        self, document: dict[str, Any], buffers: list[bytes | None], readable: set[int]
    ) -> None:
        self.document, self.readable = document, readable
        self.source = LoadedBuffers(document, buffers)
        self._cache: dict[tuple[int, bool], Array | None] = {}

    def get(self, index: Any, *, normalized: bool = False) -> Array | None:
        position = json_uint(index)
        if position is None or position not in self.readable:
            return None
        key = (position, normalized)
        if key not in self._cache:
            try:
                self._cache[key] = read_values(self.document, self.source, position, normalized)
            except Refused:
                self._cache[key] = None
        return self._cache[key]

    def accessor(self, index: Any) -> dict[str, Any]:
        return json_item(self.document, "accessors", index) or {}


def report_some(
    report: Reporter,
    code: str,
    where: str,
    positions: Array,
    sentence: Callable[[int], str],
    severity: str = "error",
) -> None:
    """One issue for each of the first few ``positions``, one more that counts the rest."""
    found = np.flatnonzero(positions)
    add = report.warning if severity == "warning" else report.error
    for position in found[:SAMPLES]:
        add(code, where, sentence(int(position)))
    if len(found) > SAMPLES:
        add(code, where, f"... and {len(found) - SAMPLES} more like these")
