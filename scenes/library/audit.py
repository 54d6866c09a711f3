"""The audit trail: one JSON line per change (who, when, what), appended and never rewritten.

A crash mid-append leaves a torn last line; :func:`read_audit` skips any line that is not a
whole entry, so the log stays readable and later entries still land on lines of their own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from museion.scenes.errors import LibraryError
from museion.scenes.library.disk import Disk

__all__ = ["ACTIONS", "AuditEntry", "append_audit", "read_audit", "utc_now"]

log = logging.getLogger(__name__)

ACTIONS = ("draft", "publish", "restore")
"""What an entry records: a draft saved, a version published, the pointer moved back."""


def utc_now() -> str:
    """Now, as UTC ISO 8601 to the millisecond (``2026-12-07T13:01:49.123+00:00``)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class AuditEntry:
    """One change: ``patch`` is the RFC 6902 patch of the draft (``draft``) or from the
    previously published document (``publish``, ``restore``); ``version`` names the version
    the published pointer moved to."""

    action: str
    who: str
    when: str
    patch: list[dict[str, Any]] = field(default_factory=list)
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.action, "who": self.who, "when": self.when}
        if self.version is not None:
            data["version"] = self.version
        data["patch"] = self.patch
        return data

    @classmethod
    def from_dict(cls, data: Any) -> AuditEntry | None:
        """The entry in ``data``, or ``None`` when it is not one (a torn or foreign line)."""
        if not isinstance(data, dict):
            return None
        action, who, when = data.get("action"), data.get("who"), data.get("when")
        patch, version = data.get("patch", []), data.get("version")
        if action not in ACTIONS or not isinstance(who, str) or not isinstance(when, str):
            return None
        if not isinstance(patch, list) or not (version is None or isinstance(version, str)):
            return None
        return cls(action, who, when, patch, version)


def append_audit(disk: Disk, path: Path, entry: AuditEntry) -> None:
    line = json.dumps(entry.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    disk.append(path, line.encode("utf-8") + b"\n")


def read_audit(path: Path) -> Iterator[AuditEntry]:
    """Every whole entry of the log at ``path``, oldest first (none if there is no log)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LibraryError(f"cannot read {path}: {exc.strerror}", code="READ_FAILED") from exc
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            entry = AuditEntry.from_dict(json.loads(line))
        except (UnicodeDecodeError, ValueError):
            entry = None
        if entry is None:
            log.warning("%s: line %d is not a whole audit entry; skipped", path, number)
            continue
        yield entry
