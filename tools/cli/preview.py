"""``museion preview PATH -o thumb.png [--size WxH] [--turntable out.mp4]``: pictures of a
model rendered by the runtime (a thin shell over :mod:`museion.runtime.preview`).

The thumbnail is a PNG (Pillow); the turntable an H.264 MP4 in yuv420p with its index at
the front (``faststart``), which browsers play (PyAV).  Each file is written beside its
destination under a temporary name and moved into place once complete, so a failure never
leaves half a file.  Exit 0 when every picture is written, 1 when the gate refuses the file
or it cannot be rendered (the codes are printed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from museion.scenes.gltf.gate import CheckedGltf, check_gltf
from museion.scenes.gltf.report import GltfInvalid
from museion.tools.errors import OutputError

if TYPE_CHECKING:
    from museion.runtime.frame_source import Frame

__all__ = ["HELP", "add_arguments", "run", "write_mp4", "write_png"]

HELP = "render a thumbnail (PNG) and a turntable video (MP4) of a glTF model"

_SIZE = re.compile(r"^(\d{1,5})[xX](\d{1,5})$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``preview``."""
    parser.description = (
        "Render a glTF model offscreen as the gallery does: a thumbnail from the "
        "three-quarter view and, optionally, a turntable video of one full turn."
    )
    parser.add_argument("path", type=Path, metavar="PATH", help="a .glb or .gltf file")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="PNG", help="the thumbnail to write"
    )
    parser.add_argument(
        "--size", type=_size, default=(512, 512), metavar="WxH", help="picture size (512x512)"
    )
    parser.add_argument(
        "--turntable", type=Path, metavar="MP4", help="also write a turntable video here"
    )
    parser.add_argument(
        "--seconds", type=_positive(float, 60), default=4.0, help="turntable length (4)"
    )
    parser.add_argument("--fps", type=_positive(int, 60), default=30, help="frame rate (30)")


def _size(text: str) -> tuple[int, int]:
    from museion.runtime.preview import MAX_SIZE

    match = _SIZE.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 512x512")
    width, height = int(match[1]), int(match[2])
    if not (16 <= width <= MAX_SIZE[0] and 16 <= height <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(
            f"{width}x{height} is outside 16x16 .. {MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )
    return width, height


def _positive(kind: Callable[[str], float], most: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value <= most:
            raise argparse.ArgumentTypeError(f"must be above 0 and at most {most:g}")
        return value

    return parse


def _usage(message: str) -> int:
    sys.stderr.write(f"museion preview: error: {message}\n")
    return 2


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A new file beside ``path`` (mode 0666 less the umask, as any new file) to write,
    moved onto ``path`` only when the block succeeds, removed otherwise."""
    part = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write there ({exc.strerror})") from exc
    try:
        yield part
        os.replace(part, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            part.unlink()
        if isinstance(exc, OSError):  # a full disk, a folder where the file should go
            raise OutputError(f"{path}: cannot write there ({exc.strerror})") from exc
        raise


def write_png(image: Frame, path: Path) -> None:
    """Write an ``(H, W, 3)`` uint8 image as a PNG, atomically."""
    from PIL import Image

    picture = Image.fromarray(image)
    with _atomic(path) as part:
        picture.save(part, format="PNG", optimize=True)


def write_mp4(frames: Iterable[Frame], path: Path, size: tuple[int, int], fps: int) -> int:
    """Encode RGB frames as an H.264 yuv420p MP4 a browser plays, atomically; returns
    the number of frames written."""
    import av

    width, height = size
    count = 0
    # The index goes first (a second pass over the file by name): browsers start at once.
    faststart = {"movflags": "+faststart"}
    with _atomic(path) as part, av.open(str(part), "w", format="mp4", options=faststart) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "20", "preset": "medium"}
        for image in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
            count += 1
        out.mux(stream.encode(None))
    return count


def _gate(path: Path) -> CheckedGltf | None:
    """The checked model, or ``None`` after printing every error the gate found."""
    try:
        return check_gltf(path.parent, path.name)
    except GltfInvalid as exc:
        for issue in exc.report.errors:
            where = f"{issue.pointer}: " if issue.pointer else ""
            sys.stderr.write(f"museion: {path}: {issue.code} {where}{issue.message}\n")
        return None


def run(args: argparse.Namespace) -> int:
    """Write the thumbnail, then the turntable if asked; usage mistakes exit 2 first."""
    from tqdm import tqdm

    from museion.runtime.preview import ModelPreview

    output: Path = args.output
    video: Path | None = args.turntable
    width, height = args.size
    if output.suffix.lower() != ".png":
        return _usage(f"the thumbnail is a PNG: name it .png, not {output.name!r}")
    if video is not None and video.suffix.lower() != ".mp4":
        return _usage(f"the turntable is an MP4: name it .mp4, not {video.name!r}")
    if video is not None and (width % 2 or height % 2):
        return _usage(f"an H.264 video needs an even width and height, not {width}x{height}")
    model = _gate(args.path)
    if model is None:
        return 1
    frames = max(1, round(args.seconds * args.fps))
    with ModelPreview(model) as preview:
        write_png(preview.thumbnail((width, height)), output)
        sys.stdout.write(f"wrote {output} ({width}x{height})\n")
        if video is not None:
            turning = preview.turntable((width, height), frames)
            bar = tqdm(turning, total=frames, unit="frame", desc="turntable", file=sys.stderr)
            written = write_mp4(bar, video, (width, height), args.fps)
            sys.stdout.write(
                f"wrote {video} ({written} frames, {written / args.fps:g} s at {args.fps} fps)\n"
            )
    return 0
