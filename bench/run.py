"""Run every benchmark and print one table: ours, the reference, and their ratio.

make bench        (or: .venv/bin/python bench/run.py)

The files in bench/ are scripts, run by you or started by a bench; what they import lives in
its room: instruments/ (the table, process costs, running museion, a GLB's triangles),
references/ (the reference tools, driven from Python), workloads/ (the corpus, scans,
scenes and the live clip measured on) and figures/ (each bench's numbers and tables).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import animation
import browser
import cluster
import docent
import flood
import gallery
import gate
import headset
import heavy
import ladder
import lights
import optimize
import relay
import render_encode
import simulcast
import stage
import stereo
import studio
import studio_drag
import upload
import visitors
import watermark
from instruments.table import table


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
    rows += docent.run()
    rows += visitors.run()
    rows += ladder.run()
    rows += stereo.run()
    rows += lights.run()
    rows += animation.run()
    rows += headset.run()
    rows += simulcast.run()
    rows += cluster.run()
    rows += upload.run()
    rows += studio.run()
    rows += studio_drag.run()
    rows += watermark.run()
    rows += heavy.run()
    sys.stdout.write(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
