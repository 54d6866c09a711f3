"""Run every benchmark and print one table: ours, the reference, and their ratio.

make bench        (or: .venv/bin/python bench/run.py)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser
import flood
import gallery
import gate
import optimize
import relay
import render_encode
import stage


def table(rows: list[browser.Row]) -> str:
    """``rows`` under a header, in aligned columns."""
    rows = [("measure", "ours", "reference", "ratio"), *rows]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    rows = render_encode.run()
    rows += browser.run()
    rows += gallery.run()
    rows += flood.run()
    rows += gate.run()
    rows += optimize.run()
    rows += relay.run()
    rows += stage.run()
    sys.stdout.write(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
