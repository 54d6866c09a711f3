"""``museion inspect``: (being built for issue 5)."""

from __future__ import annotations

import argparse

__all__ = ["add_inspect_command"]


def add_inspect_command(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``inspect`` on the CLI; the parser's ``run`` default is what main calls."""
    parser = verbs.add_parser("inspect", help="(not yet available)")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    raise SystemExit("museion inspect is not available yet")
