"""``bench/flood.py``'s figures: each phase's measurements reduced to numbers, the wide
table of every phase, and the rows ``bench/run.py`` prints."""

from __future__ import annotations

from typing import Any

from instruments.table import Row, percentile, ratio

__all__ = ["cores_between", "detail", "phase_figures", "rows_for"]

# Times that stay None in a flood phase: the event did not happen within the window.
EVENTS = ("closed_s", "told_s", "server_closed_s")

MEASURES = (
    ("server cores, whole window", "cores", ".2f"),
    ("server cores, flooder's channel open", "cores_open", ".2f"),
    ("server cores, from 1 s after it closed", "cores_after", ".2f"),
    ("/healthz p50 (ms)", "p50", ".1f"),
    ("/healthz p95 (ms)", "p95", ".1f"),
    ("/healthz max (ms)", "max", ".1f"),
    ("fps, first visitor (the flooder)", "fps", ".1f"),
    ("fps, honest visitor", "honest_fps", ".1f"),
    ("flooder: messages sent", "sent", ".0f"),
    ("flooder: send rate while open (msg/s)", "rate", ".0f"),
    ("flooder: channel no longer open after (s)", "closed_s", ".2f"),
    ("flooder: COMMAND_FLOOD received after (s)", "told_s", ".2f"),
    ("flooder: its own process's cores", "flooder_cores", ".2f"),
    ("flooder: SCTP chunks still unacked at the end", "unacked", ".0f"),
    ("server: logged closing it after (s)", "server_closed_s", ".2f"),
    ("server: rate it took them in until then (msg/s)", "server_rate", ".0f"),
    ("server: COMMAND_MALFORMED replies (parsed 'x')", "replies", ".0f"),
    ("server: drops it logged at closing", "dropped", ".0f"),
    ("server: log lines in the window", "log_lines", ".0f"),
)

Figures = dict[str, float | None]


def cores_between(samples: list[tuple[float, float]], a: float, b: float) -> float | None:
    """Cores used from the first sample at or after ``a`` to the last at or before ``b``."""
    inside = [s for s in samples if a <= s[0] <= b]
    if len(inside) < 2 or inside[-1][0] - inside[0][0] < 0.2:
        return None
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


def phase_figures(result: dict[str, Any]) -> Figures:
    """One phase's numbers from what ``flood.phase`` measured."""
    seconds, samples = result["seconds"], result["samples"]
    visitors = result["visitors"]
    flooder = next((v for v in visitors if v["mode"] == "flood"), None)
    honest = next((v for v in visitors if v["mode"] == "orbit"), None)
    out: Figures = {
        "cores": cores_between(samples, 0.0, seconds),
        "p50": percentile(result["latencies"], 0.5),
        "p95": percentile(result["latencies"], 0.95),
        "max": max(result["latencies"]),
        "fps": visitors[0]["fps"],
        "honest_fps": honest["fps"] if honest else None,
        "log_lines": float(result["log_lines"]),
    }
    if flooder:
        closed = flooder["closed_s"]
        server_closed, dropped = result["closing"] or (None, None)
        open_until = closed or server_closed or seconds
        replies = flooder["received"]
        handled = replies.get("COMMAND_MALFORMED", 0) + (dropped or 0)  # parsed + dropped
        out.update(
            sent=float(flooder["sent"]),
            flooder_cores=flooder["cores"],
            unacked=float(flooder["sctp"]["unacked_chunks"]),
            rate=flooder["rate"],
            closed_s=closed,
            told_s=flooder["flood_told_s"],
            server_closed_s=server_closed,
            dropped=dropped,
            replies=float(replies.get("COMMAND_MALFORMED", 0)),
            server_rate=handled / server_closed if server_closed else None,
            cores_open=cores_between(samples, 0.0, open_until),
            cores_after=cores_between(samples, open_until + 1.0, seconds),
        )
    return out


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def detail(by_phase: dict[str, Figures]) -> str:
    """The wide table: every phase, and flood / honest ratios."""
    idle, ref = by_phase["idle"], by_phase["honest"]
    flood, both = by_phase["flood"], by_phase["flood+honest"]
    header = ("measure", "idle", "honest (ref)", "flood", "flood/ref", "flood+honest", "f+h/ref")
    rows: list[tuple[str, ...]] = [header]

    def cell(phase: Figures, key: str, spec: str) -> str:
        if key in EVENTS and "sent" in phase and phase[key] is None:
            return "not in window"
        return fmt(phase.get(key), spec)

    for label, key, spec in MEASURES:
        rows.append(
            (
                label,
                cell(idle, key, spec),
                cell(ref, key, spec),
                cell(flood, key, spec),
                ratio(flood.get(key), ref.get(key)),
                cell(both, key, spec),
                ratio(both.get(key), ref.get(key)),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def rows_for(by_phase: dict[str, Figures]) -> list[Row]:
    """The rows for bench/run.py: the flood phases against the honest visitor."""
    ref, flood, both = by_phase["honest"], by_phase["flood"], by_phase["flood+honest"]

    def row(label: str, ours: float | None, theirs: float | None, spec: str) -> Row:
        return (label, fmt(ours, spec), fmt(theirs, spec), ratio(ours, theirs))

    def closed(phase: Figures) -> str:
        return fmt(phase["closed_s"], ".2f") if phase["closed_s"] is not None else "open"

    return [
        row("flood vs honest 60/s: server cores", flood["cores"], ref["cores"], ".2f"),
        row("flood vs honest 60/s: /healthz p50 ms", flood["p50"], ref["p50"], ".1f"),
        row("flood vs honest 60/s: /healthz p95 ms", flood["p95"], ref["p95"], ".1f"),
        row("flood+honest vs honest: server cores", both["cores"], ref["cores"], ".2f"),
        row("flood+honest vs honest: /healthz p50 ms", both["p50"], ref["p50"], ".1f"),
        row("flood+honest: honest visitor fps", both["honest_fps"], ref["fps"], ".1f"),
        ("flood, flood+honest: channel closed after s", closed(flood), closed(both), ""),
    ]
