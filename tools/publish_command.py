"""``museion publish FILE|testsrc --whip URL --token T``: send a show to a WHIP endpoint
(a thin shell over :func:`museion.streaming.publish.publish`).

A file's H.264 or VP8 goes as it is, paced in real time; ``testsrc`` is ffmpeg's test
pattern.  Exit 0 when the show ran to its end (or Ctrl-C), 1 when the endpoint refused it
or the file cannot be sent (the code and the reason are printed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

__all__ = ["add_publish_command"]


def add_publish_command(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``publish`` on the CLI; the parser's ``run`` default is what main calls."""
    parser = verbs.add_parser(
        "publish",
        help="publish a video file or a test pattern to a WHIP endpoint",
        description="Send a live show to a WHIP endpoint (e.g. museion serve's "
        "/whip/STREAM): a file's H.264 or VP8 without re-encoding, or ffmpeg's test pattern.",
    )
    parser.add_argument("source", metavar="FILE|testsrc", help="a video file, or testsrc")
    parser.add_argument("--whip", required=True, metavar="URL", help="the WHIP endpoint")
    parser.add_argument("--token", required=True, help="the stream's bearer token")
    parser.add_argument("--loop", action="store_true", help="start the file over at its end")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument("--size", default="1280x720", help="testsrc picture size (1280x720)")
    parser.add_argument("--fps", type=int, default=30, help="testsrc frame rate (30)")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from museion.streaming.publish import publish

    async def go() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        result = await publish(
            args.source,
            args.whip,
            args.token,
            duration=args.duration,
            loop=args.loop,
            size=args.size,
            fps=args.fps,
            stop=stop,
        )
        what = f"{result.frames} frames" if result.frames is not None else args.source
        sys.stdout.write(f"published {what} to {result.location} ({result.seconds:.1f} s)\n")
        return 0

    return asyncio.run(go())
