"""``museion publish FILE|testsrc --whip URL --token T``: send a show to a WHIP endpoint
(a thin shell over :func:`museion.streaming.live.publish.publish`).

A file's H.264 or VP8 goes as it is, paced in real time; ``testsrc`` is ffmpeg's test
pattern.  Exit 0 when the show ran to its end (or Ctrl-C) and video did leave for the
server; 1 when the endpoint cannot be reached or refused it, the media never connected
or was cut off, or the file cannot be sent (the code and the reason are printed); 2 on
usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
from urllib.parse import urlsplit

__all__ = ["HELP", "add_arguments", "run"]

HELP = "publish a video file or a test pattern to a WHIP endpoint"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``publish``."""
    parser.description = (
        "Send a live show to a WHIP endpoint (e.g. museion serve's "
        "/whip/STREAM): a file's H.264 or VP8 without re-encoding, or ffmpeg's test pattern."
    )
    parser.add_argument("source", metavar="FILE|testsrc", help="a video file, or testsrc")
    parser.add_argument(
        "--whip", required=True, type=_whip_url, metavar="URL", help="the WHIP endpoint"
    )
    parser.add_argument("--token", required=True, help="the stream's bearer token")
    parser.add_argument("--loop", action="store_true", help="start the file over at its end")
    parser.add_argument("--duration", type=_seconds, metavar="S", help="stop after S seconds")
    parser.add_argument(
        "--size", default="1280x720", type=_size, help="testsrc picture size (1280x720)"
    )
    parser.add_argument("--fps", type=_fps, default=30, help="testsrc frame rate (30)")
    parser.add_argument(
        "--connect-timeout",
        type=_seconds,
        metavar="S",
        help="fail when the media has not connected after S seconds (default 15)",
    )


def _whip_url(text: str) -> str:
    """An http(s) URL with a host: anything else is a typing mistake, so a usage error
    (exit 2) before any network."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"want an http(s)://host/... URL, not {text!r}")
    return text


def _size(text: str) -> str:
    if not re.fullmatch(r"[1-9][0-9]{0,4}x[1-9][0-9]{0,4}", text):
        raise argparse.ArgumentTypeError(f"want WIDTHxHEIGHT (e.g. 1280x720), not {text!r}")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600")
    return value


def _fps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 240:
        raise argparse.ArgumentTypeError("must be between 1 and 240")
    return value


def run(args: argparse.Namespace) -> int:
    """Publish until the show ends or a signal stops it."""
    from museion.streaming.ice import configure_ice
    from museion.streaming.live.publish import DEFAULT_CONNECT_TIMEOUT, publish
    from museion.streaming.settings import StreamSettings

    # This process's ICE policy, as the server sets its own: aioice skips 127.0.0.1, so
    # without it a server on this machine's loopback (or in a loopback-only network)
    # could never be reached.
    configure_ice(StreamSettings())

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
            connect_timeout=args.connect_timeout or DEFAULT_CONNECT_TIMEOUT,
        )
        what = f"{result.frames} frames" if result.frames is not None else args.source
        sys.stdout.write(
            f"published {what} to {result.location} "
            f"({result.seconds:.1f} s, {result.packets} RTP packets)\n"
        )
        return 0

    return asyncio.run(go())
