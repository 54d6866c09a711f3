"""Render and encode benchmarks: ours against a reference measured in the same run.

Workload: the sample venue with a ~100k-triangle relic (``relic_for_triangles(100_000)``),
1280x720, the camera orbiting one degree per frame.
"""

from __future__ import annotations

import fractions
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
from aiortc.codecs.h264 import H264Encoder
from aiortc.codecs.vpx import Vp8Encoder

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.showcase import open_showcase
from museion.tools.samples import build_relic, build_venue, relic_for_triangles

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instruments.processes import run_tool
from instruments.table import Row
from references.bare_view import HEIGHT, WIDTH, BareView

FRAMES = 120


class Clock:
    """Wall time and process CPU time (all threads: llvmpipe's too) over a block."""

    def __enter__(self) -> Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0

    @property
    def cores(self) -> float:
        return self.cpu / self.wall


def heavy_scene(folder: Path) -> Path:
    (folder / "relic.glb").write_bytes(build_relic(relic_for_triangles(100_000)))
    (folder / "venue.glb").write_bytes(build_venue())
    return folder


def bare_loop(engine: RenderEngine, frames: int) -> Clock:
    """Reference: a plain Panda3D offscreen buffer, same scene graph and shader."""

    def run() -> Clock:
        view = BareView(engine, "bare")
        engine.graphics_engine.render_frame()
        with Clock() as clock:
            for i in range(frames):
                view.orbit(i)
                engine.graphics_engine.render_frame()
                view.read()
        view.close()
        return clock

    result: Clock = engine.executor.submit(run).result()
    return result


def ours(
    engine: RenderEngine, frames: int, *, rest: bool = False, preview: bool = True
) -> tuple[Clock, list[Any]]:
    """FrameSource.frame for an orbiting camera (or a resting one with ``rest``)."""
    source = engine.open_view(WIDTH, HEIGHT, preview=preview)
    images = []
    home = engine.home
    source.frame(replace(home, yaw=home.yaw - 1))
    with Clock() as clock:
        for i in range(frames):
            image = source.frame(home if rest else replace(home, yaw=home.yaw + i))
            images.append(image)
    source.close()
    return clock, images


def render_rows(engine: RenderEngine) -> tuple[list[Row], list[Any]]:
    """Full-quality and preview rendering against the bare loop, and the idle cost."""
    # Alternate the two loops and keep each one's median round: llvmpipe shares the two
    # cores with everything else, so single runs wander by 10-20 %.
    bares, fulls = [], []
    images: list[Any] = []
    for _ in range(3):
        bares.append(bare_loop(engine, FRAMES))
        clock, images = ours(engine, FRAMES, preview=False)
        fulls.append(clock)
    bare = sorted(bares, key=lambda c: c.wall)[1]
    full = sorted(fulls, key=lambda c: c.wall)[1]
    moving, _ = ours(engine, FRAMES)
    idle, _ = ours(engine, FRAMES * 5, rest=True)
    per_call = 1000 * idle.wall / (FRAMES * 5)
    rows = [
        (
            "render+readback 720p, full size (fps)",
            f"{FRAMES / full.wall:.1f}",
            f"{FRAMES / bare.wall:.1f} bare Panda3D loop",
            f"{bare.wall / full.wall:.2f} ({100 * (full.wall / bare.wall - 1):+.0f}% time)",
        ),
        ("  cores used", f"{full.cores:.2f}", f"{bare.cores:.2f}", ""),
        (
            "orbiting: half-size preview (fps)",
            f"{FRAMES / moving.wall:.1f}",
            f"{FRAMES / bare.wall:.1f} bare full size",
            f"{bare.wall / moving.wall:.2f}",
        ),
        ("  cores used", f"{moving.cores:.2f}", f"{bare.cores:.2f}", ""),
        (
            "resting view: one frame() call (ms)",
            f"{per_call:.3f}",
            f"{1000 * full.wall / FRAMES:.1f} a render",
            "",
        ),
    ]
    return rows, images


def _aiortc_encode(encoder: Any, images: list[Any]) -> Clock:
    with Clock() as clock:
        for i, image in enumerate(images):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
            frame.pts = i * 3000
            frame.time_base = fractions.Fraction(1, 90000)
            encoder.encode(frame)
    return clock


def _ffmpeg_encode(args: list[str], images: list[Any]) -> float | None:
    """CPU seconds ffmpeg spends encoding ``images`` (its own -benchmark utime+stime)."""
    if shutil.which("ffmpeg") is None:
        return None
    raw = b"".join(i.tobytes() for i in images)
    command = [
        "ffmpeg",
        "-hide_banner",
        "-benchmark",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{WIDTH}x{HEIGHT}",
        "-r",
        "30",
        "-i",
        "pipe:",
        "-pix_fmt",
        "yuv420p",
        *args,
        "-f",
        "null",
        "-",
    ]
    done = subprocess.run(command, input=raw, capture_output=True, check=True)
    for line in done.stderr.decode().splitlines():
        if line.startswith("bench: utime="):
            fields = dict(f.split("=") for f in line[len("bench: ") :].split())
            return float(fields["utime"].rstrip("s")) + float(fields["stime"].rstrip("s"))
    return None


def encode_rows(images: list[Any]) -> list[Row]:
    rows = []
    cases = [
        (
            "VP8",
            Vp8Encoder(),
            [
                "-c:v",
                "libvpx",
                "-deadline",
                "realtime",
                "-cpu-used",
                "6",
                "-b:v",
                "500k",
                "-lag-in-frames",
                "0",
                "-threads",
                "1",
            ],
        ),
        (
            "H.264",
            H264Encoder(),
            [
                "-c:v",
                "libx264",
                "-tune",
                "zerolatency",
                "-profile:v",
                "baseline",
                "-b:v",
                "1M",
                "-threads",
                "1",
            ],
        ),
    ]
    for name, encoder, args in cases:
        clock = _aiortc_encode(encoder, images)
        ffmpeg = _ffmpeg_encode(args, images)
        ours_ms = 1000 * clock.cpu / len(images)
        ref = f"{1000 * ffmpeg / len(images):.1f} ffmpeg" if ffmpeg else "ffmpeg missing"
        ratio = f"{ours_ms / (1000 * ffmpeg / len(images)):.2f}" if ffmpeg else ""
        rows.append(
            (f"{name} encode 720p incl. RGB->YUV (CPU ms/frame)", f"{ours_ms:.1f}", ref, ratio)
        )
    return rows


def simplepbr_rows(folder: Path, ours_fps: float) -> list[Row]:
    """panda3d-simplepbr on the same scene (its own process: it takes over the scene)."""
    rows = []
    for msaa, label in ((0, "MSAA off"), (4, "its default 4x MSAA")):
        done = run_tool(
            [
                sys.executable,
                str(Path(__file__).with_name("simplepbr_loop.py")),
                str(folder),
                str(FRAMES // 2),
                str(msaa),
            ]
        )
        if done.returncode != 0:
            rows.append((f"simplepbr, {label}", "", f"failed ({done.returncode})", ""))
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(
            (
                f"  vs simplepbr, {label} (fps)",
                f"{ours_fps:.1f}",
                f"{result['fps']:.1f} at {result['cores']:.2f} cores",
                f"{ours_fps / result['fps']:.2f}",
            )
        )
    return rows


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as temp:
        folder = heavy_scene(Path(temp))
        engine = RenderEngine(open_showcase(folder), RuntimeSettings(asset_root=folder))
        try:
            rows, images = render_rows(engine)
        finally:
            engine.close()
        ours_fps = float(rows[0][1])
        rows[2:2] = simplepbr_rows(folder, ours_fps)
        rows += encode_rows(images)
    return rows
