"""The gate's report: every issue found in one glTF file, with severity, code, pointer, sentence.

Checks add to a :class:`Reporter` and carry on, so a technician sees every problem of a
file at once (as the Khronos validator does); only a file that cannot be read any further
(a broken container, JSON that does not parse) stops the gate early.  Codes follow the
Khronos validator where the two overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from museion.scenes.errors import AssetRejected

__all__ = ["GltfInvalid", "GltfIssue", "GltfReport", "Reporter", "Severity"]

Severity = Literal["error", "warning", "info"]
_MAX_ISSUES = 500
# Our generic codes for a range that cannot be located: said only where nothing else is.
_RESTATEMENTS = frozenset({"ACCESSOR_RANGE_INVALID", "BUFFER_VIEW_RANGE_INVALID"})


@dataclass(frozen=True)
class GltfIssue:
    """One finding: how bad, which code, where in the JSON (RFC 6901), and why."""

    severity: Severity
    code: str
    pointer: str
    message: str

    def __str__(self) -> str:
        where = f"{self.pointer}: " if self.pointer else ""
        return f"{self.severity} {self.code} {where}{self.message}"

    def to_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "code": self.code,
            "pointer": self.pointer,
            "message": self.message,
        }


@dataclass
class Reporter:
    """Collects issues while the checks run; caps their number so a hostile file that
    repeats one mistake a million times costs a bounded report."""

    name: str
    issues: list[GltfIssue] = field(default_factory=list)
    truncated: int = 0
    _codes: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def add(self, severity: Severity, code: str, pointer: str, message: str) -> None:
        if self._restates(code, pointer):
            return
        if len(self.issues) >= _MAX_ISSUES:
            self.truncated += 1
            return
        self.issues.append(GltfIssue(severity, code, pointer, message))
        self._codes.setdefault(pointer, set()).add(code)

    def _restates(self, code: str, pointer: str) -> bool:
        """Two checks can find one fault (the JSON rules and the byte-range checks both see a
        negative offset): a byte-range issue is dropped when its code was reported at a
        parent pointer, and a generic restatement when an error was found right there.
        (One check may report several elements at one pointer: those are kept.)"""
        if code in _RESTATEMENTS and self._codes.get(pointer):
            return True
        if not code.startswith(("ACCESSOR_", "BUFFER_")):
            return False  # property rules: the same code below a parent is another fault
        at = pointer.rpartition("/")[0]
        while at:
            if code in self._codes.get(at, ()):
                return True
            at = at.rpartition("/")[0]
        return False

    def error(self, code: str, pointer: str, message: str) -> None:
        self.add("error", code, pointer, message)

    def warning(self, code: str, pointer: str, message: str) -> None:
        self.add("warning", code, pointer, message)

    def info(self, code: str, pointer: str, message: str) -> None:
        self.add("info", code, pointer, message)

    def refused(self, exc: AssetRejected) -> None:
        """Record a check that raised (the resolver, the container reader) as an error."""
        self.error(exc.code, exc.pointer, exc.detail)

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def report(self, **info: Any) -> GltfReport:
        return GltfReport(self.name, tuple(self.issues), self.truncated, dict(info))


@dataclass(frozen=True)
class GltfReport:
    """What the gate found in one file; ``valid`` means no errors (warnings are fine)."""

    path: str
    issues: tuple[GltfIssue, ...]
    truncated: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[GltfIssue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def valid(self) -> bool:
        return not self.errors

    def codes(self, severity: Severity = "error") -> set[str]:
        return {i.code for i in self.issues if i.severity == severity}

    def to_dict(self) -> dict[str, Any]:
        counts = {
            s: sum(i.severity == s for i in self.issues) for s in ("error", "warning", "info")
        }
        return {
            "path": self.path,
            "valid": self.valid,
            "counts": counts,
            "truncated": self.truncated,
            "issues": [i.to_dict() for i in self.issues],
            **({"info": self.info} if self.info else {}),
        }


class GltfInvalid(AssetRejected):
    """A glTF file has errors; ``report`` holds all of them, the code is the first one's."""

    def __init__(self, report: GltfReport) -> None:
        first = report.errors[0]
        more = len(report.errors) - 1
        detail = first.message + (
            f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
        )
        super().__init__(first.code, report.path, detail, pointer=first.pointer)
        self.report = report
