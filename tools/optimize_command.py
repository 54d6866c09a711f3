"""``museion optimize``: (being built for issue 5)."""

from __future__ import annotations

import argparse

__all__ = ["add_optimize_command"]


def add_optimize_command(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``optimize`` on the CLI; the parser's ``run`` default is what main calls."""
    parser = verbs.add_parser("optimize", help="(not yet available)")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    raise SystemExit("museion optimize is not available yet")
