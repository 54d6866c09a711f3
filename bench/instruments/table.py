"""The one table of bench/: a row is (measure, ours, reference, ratio), printed aligned.

Every bench returns such rows so ``bench/run.py`` prints them together; the cells' shared
arithmetic (a percentile, a ratio) lives here so that each bench computes it the same way.
"""

from __future__ import annotations

__all__ = ["Row", "percentile", "ratio", "table"]

Row = tuple[str, str, str, str]


def table(rows: list[Row]) -> str:
    """``rows`` under a header, in aligned columns."""
    rows = [("measure", "ours", "reference", "ratio"), *rows]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def percentile(values: list[float], fraction: float) -> float:
    """The sample nearest ``fraction`` of the way through ``values`` (no interpolation)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ratio(ours: float | None, theirs: float | None) -> str:
    """``ours / theirs`` as "1.23x", or "-" when either is missing (or theirs is zero)."""
    return f"{ours / theirs:.2f}x" if ours is not None and theirs else "-"
