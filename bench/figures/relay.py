"""``bench/relay.py``'s figures: the per-N detail lines and the rows for ``bench/run.py``
(viewers sustained, relay cores and memory per viewer, join to first frame)."""

from __future__ import annotations

import statistics
from typing import Any

from instruments.table import Row, percentile, ratio

__all__ = ["summarize"]


def _ratio(ours: float | None, theirs: float | None) -> str:
    return ratio(ours or None, theirs)  # no viewer sustained (0) has no ratio either


def summarize(out: dict[str, Any]) -> tuple[list[Row], str]:
    """The rows and the detail text of a sweep's output."""
    rows_by: dict[str, list[dict[str, Any]]] = {}
    for row in out["rows"]:
        rows_by.setdefault(row["relay"], []).append(row)
    lines = [
        "relay    N  peers fps min/med  loss max%  relay cores  feed  viewers  busy  relay MiB  ok"
    ]
    for name, measured in rows_by.items():
        for r in measured:
            lines.append(
                f"{name:7} {r['n']:3} {r['peers']:5} {r['fps_min']:6.2f}/{r['fps_med']:5.2f} "
                f"{r['loss_max']:8.3f} {r['relay_cores']:11.3f} {r['feed_cores']:5.2f} "
                f"{r['viewer_cores']:8.2f} {r['machine_busy'] or 0:5.2f} "
                f"{r['relay_rss_kib'] / 1024:9.1f}  {'yes' if r['sustained'] else 'NO'}"
            )
    best: dict[str, int] = {}
    per_viewer: dict[str, float] = {}
    memory: dict[str, float] = {}
    for name, measured in rows_by.items():
        ok = [r for r in measured if r["sustained"]]
        best[name] = max((r["n"] for r in ok), default=0)
        if ok:
            top = max(ok, key=lambda r: r["n"])
            per_viewer[name] = top["relay_cores"] / top["n"]
            memory[name] = (top["relay_rss_kib"] - out["idle_rss_kib"][name]) / top["n"] / 1024
    joins = {k: v for k, v in out["joins"].items() if v}
    for name, values in joins.items():
        lines.append(
            f"{name}: join to first frame median {statistics.median(values):.3f} s, "
            f"p95 {percentile(values, 0.95):.3f} s ({len(values)} joins)"
        )

    ours, theirs = "museion", "janus"
    rows: list[Row] = [
        ("4K30 12 Mbps viewers sustained", str(best.get(ours, "-")), str(best.get(theirs, "-")),
         _ratio(best.get(ours), best.get(theirs))),
        ("relay cores per viewer (at max N)", f"{per_viewer.get(ours, 0):.4f}",
         f"{per_viewer.get(theirs, 0):.4f}", _ratio(per_viewer.get(ours), per_viewer.get(theirs))),
        ("relay MiB per viewer (at max N)", f"{memory.get(ours, 0):.2f}",
         f"{memory.get(theirs, 0):.2f}", _ratio(memory.get(ours), memory.get(theirs))),
    ]  # fmt: skip
    for label, fraction in (("median", 0.5), ("p95", 0.95)):
        a = percentile(joins[ours], fraction) if ours in joins else None
        b = percentile(joins[theirs], fraction) if theirs in joins else None
        rows.append(
            (f"join to first frame {label} (s)", f"{a:.3f}" if a else "-",
             f"{b:.3f}" if b else "-", _ratio(a, b))
        )  # fmt: skip
    return rows, "\n".join(lines)
