"""``museion samples [OUT]``: write the sample relics, hall, pedestal and venue again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["HELP", "add_arguments", "run"]

HELP = "regenerate the sample relics, hall, pedestal and venue"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The one argument of ``samples``: the folder to write (default ./assets)."""
    parser.add_argument("out", nargs="?", type=Path, default=Path("assets"))


def run(args: argparse.Namespace) -> int:
    """Write every sample and name each file written."""
    # Imported here: building the samples pulls in the geometry packers.
    from museion.tools.samples import write_samples

    for path in write_samples(args.out):
        sys.stdout.write(f"wrote {path}\n")
    return 0
