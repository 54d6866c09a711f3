"""``museion watermark detect VIDEO --key-file F (--candidates FILE | --sessions-log FILE)``:
which visitor's session a screen recording shows (a thin shell over
:mod:`museion.streaming.watermark`).

``--key-file`` holds the server's ``watermark_key`` (its text; surrounding whitespace is
ignored).  The candidates are session ids, one a line (``#`` comments and blank lines
skipped), or the server's log, whose ``session ID created`` lines name every session.
Frames are sampled at up to ``--fps`` a second, at most ``--max-frames`` of them.

Exit 0 and ``session ID`` when one candidate's mark is there; 1 and ``no watermark
found`` when none passes the threshold (chosen so that, over all candidates together, a
recording without any of their marks names one at most once in 1,000), or when the video,
key or candidates cannot be read; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from museion.streaming.watermark import detect
from museion.tools.errors import ToolError

__all__ = ["HELP", "add_arguments", "run"]

logger = logging.getLogger(__name__)

HELP = "find which visitor's session a screen recording shows (its invisible watermark)"

_LOGGED_SESSION = re.compile(r"\bsession (\S+) created\b")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``watermark``."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    found = actions.add_parser("detect", help="name the session whose mark a video carries")
    found.add_argument("video", type=Path, metavar="VIDEO", help="a recording (any format)")
    found.add_argument(
        "--key-file", type=Path, required=True, metavar="F", help="the server's watermark_key"
    )
    source = found.add_mutually_exclusive_group(required=True)
    source.add_argument("--candidates", type=Path, metavar="FILE", help="session ids, one a line")
    source.add_argument(
        "--sessions-log", type=Path, metavar="FILE", help="a server log naming its sessions"
    )
    found.add_argument("--fps", type=_positive, default=10.0, help="frames a second (10)")
    found.add_argument("--max-frames", type=int, default=900, help="frames at most (900)")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"want a number, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("want a number above 0")
    return value


def _key(path: Path) -> bytes:
    key = path.read_text("utf-8").strip()
    if not key:
        raise ToolError(f"{path} holds no key", code="WATERMARK_KEY_EMPTY")
    return key.encode()


def _candidates(args: argparse.Namespace) -> list[str]:
    if args.candidates is not None:
        lines = args.candidates.read_text("utf-8").splitlines()
        found = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        where = args.candidates
    else:
        text = args.sessions_log.read_text("utf-8", errors="replace")
        found = _LOGGED_SESSION.findall(text)
        where = args.sessions_log
    unique = list(dict.fromkeys(found))
    if not unique:
        raise ToolError(f"{where} names no session", code="WATERMARK_NO_CANDIDATES")
    return unique


def _frames(path: Path, fps: float, limit: int) -> Iterator[npt.NDArray[np.uint8]]:
    """RGB frames of ``path``'s first video stream, at most ``fps`` a second."""
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise ToolError(f"{path} is not a video: {exc}", code="VIDEO_UNREADABLE") from exc
    with container:
        if not container.streams.video:
            raise ToolError(f"{path} has no video stream", code="VIDEO_UNREADABLE")
        taken, last = 0, None
        try:
            for frame in container.decode(video=0):
                when = frame.time
                if last is not None and when is not None and when - last < 1.0 / fps:
                    continue
                last = when
                picture = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)  # as decoded
                yield picture
                taken += 1
                if taken >= limit:
                    return
        except av.error.FFmpegError as exc:
            raise ToolError(f"{path} cannot be decoded: {exc}", code="VIDEO_UNREADABLE") from exc


def run(args: argparse.Namespace) -> int:
    """Read the key and candidates, sample the video, report the session or none."""
    if args.max_frames < 1:
        sys.stderr.write("museion watermark: error: --max-frames must be at least 1\n")
        return 2
    key = _key(args.key_file)
    candidates = _candidates(args)
    found = detect(_frames(args.video, args.fps, args.max_frames), key, candidates)
    if found.frames == 0:
        raise ToolError(f"{args.video} holds no frames", code="VIDEO_UNREADABLE")
    figures = f"score {found.score:.1f}, threshold {found.threshold:.1f}, {found.frames} frames"
    if found.session is None:
        sys.stdout.write(f"no watermark found ({figures}, {len(candidates)} candidates)\n")
        return 1
    sys.stdout.write(f"session {found.session} ({figures})\n")
    return 0
