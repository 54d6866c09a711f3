"""The ``museion`` command: a table of verbs, each a thin module over the library.

Every verb module has the same shape: ``HELP`` (one line for ``museion --help``),
``add_arguments(parser)`` and ``run(args) -> int``; adding a verb is one module and one
entry in :data:`VERBS`.  Exit codes: 0 success, 1 failure (the reason is printed), 2 usage
error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol

from museion.scenes.errors import MuseionError, SceneInvalid
from museion.tools.cli import (
    door,
    export,
    inspect,
    optimize,
    preview,
    publish,
    samples,
    scene,
    serve,
    user,
    validate,
    watermark,
)

__all__ = ["VERBS", "Verb", "main"]

logger = logging.getLogger(__name__)


class Verb(Protocol):
    """What a verb module offers the table."""

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# In the order ``museion --help`` lists them.
VERBS: dict[str, Verb] = {
    "serve": serve,
    "door": door,
    "samples": samples,
    "scene": scene,
    "validate": validate,
    "inspect": inspect,
    "optimize": optimize,
    "preview": preview,
    "publish": publish,
    "export": export,
    "user": user,
    "watermark": watermark,
}


def _version() -> str:
    try:
        return version("museion")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="museion", description="Museion: server-rendered glTF exhibitions over WebRTC."
    )
    parser.add_argument("--version", action="version", version=f"museion {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    for name, verb in VERBS.items():
        verb.add_arguments(verbs.add_parser(name, help=verb.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # aioice logs every ICE candidate pair check at INFO: useful only when debugging.
        for noisy in ("aioice", "aiortc"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.verb is None:
        parser.print_usage(sys.stderr)
        return 2
    try:
        return VERBS[args.verb].run(args)
    except SceneInvalid as exc:
        for issue in exc.issues:
            sys.stderr.write(f"museion: {issue}\n")
        return 1
    except MuseionError as exc:
        sys.stderr.write(f"museion: {exc.code}: {exc.message}\n")
        return 1
    except OSError as exc:
        # The file system or the network said no somewhere no layer turned it into its
        # own error yet: a sentence still, the traceback only with --verbose.
        logger.debug("unexpected system error", exc_info=True)
        where = f"{exc.filename}: " if exc.filename is not None else ""
        sys.stderr.write(f"museion: SYSTEM_ERROR: {where}{exc.strerror or exc}\n")
        return 1
    except KeyboardInterrupt:
        return 1
