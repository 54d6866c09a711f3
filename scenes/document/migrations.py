"""Older scene documents, brought forward one version at a time.

Version 1 was the first slice's showcase (``{"version": 1, "venue": ..., "relic": ...}``);
version 2 is the exhibition document.  Each step is a pure function of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from museion.scenes.document.schema import CURRENT_VERSION, FORMAT
from museion.scenes.errors import SceneIssue

__all__ = ["migrate"]

Data = dict[str, Any]


def _v1_to_v2(old: Data) -> Data:
    """A showcase becomes an exhibition with one exhibit on the venue's own anchor."""
    relic = old.get("relic", "relic.glb")
    title = old.get("title") if isinstance(old.get("title"), str) else "Museion"
    name = str(relic).rsplit("/", 1)[-1].rsplit(".", 1)[0] or "relic"
    return {
        "format": FORMAT,
        "version": 2,
        "default_language": "en",
        "title": {"en": title},
        "venue": old.get("venue", "venue.glb"),
        "exhibits": [
            {
                "id": "relic",
                "asset": relic,
                "pedestal": False,
                "anchor": "exhibit_anchor",
                "metadata": {"title": {"en": name}},
            }
        ],
        **{k: v for k, v in old.items() if k not in ("version", "venue", "relic", "title")},
    }


_STEPS: dict[int, Callable[[Data], Data]] = {1: _v1_to_v2}


def migrate(data: Data) -> tuple[Data, list[SceneIssue]]:
    """``data`` at the current version, or the issues that stop the migration."""
    version = data.get("version")
    if version is None:
        return data, [SceneIssue("/version", "MISSING_FIELD", "the field 'version' is required")]
    if isinstance(version, bool) or not isinstance(version, int):
        return data, [SceneIssue("/version", "TYPE_MISMATCH", "'version' must be an integer")]
    if not 1 <= version <= CURRENT_VERSION:
        return data, [
            SceneIssue(
                "/version",
                "UNSUPPORTED_VERSION",
                f"version {version} is not one this Museion reads (1 to {CURRENT_VERSION})",
            )
        ]
    while version < CURRENT_VERSION:
        data = _STEPS[version](data)
        version = data["version"]
    return data, []
