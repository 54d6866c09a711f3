"""Run every benchmark and print one table: ours, the reference, and their ratio.

make bench        (or: .venv/bin/python bench/run.py)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser
import render_encode


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    rows = [("measure", "ours", "reference", "ratio")]
    rows += render_encode.run()
    rows += browser.run()
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = sys.stdout
    for n, row in enumerate(rows):
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
