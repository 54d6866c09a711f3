"""Watermark benchmark: what marking costs a frame, and what a recording leaves to detect.

The visible mark a document may ask for over restricted exhibits is timed on the same
rendered frames, over one rectangle a third of the frame (:data:`COVERED`), against the
invisible mark; its one-off cost (the tiled text for a frame size) is given apart.

Workload: the sample relic in its room (``assets/``), 1280x720, the camera orbiting one
degree per frame, strength 3 (the default).  Cost: marking a frame (``Watermark.apply``)
against rendering it, both timed in this run.  Recordings: ``TRIALS`` clips of
``SECONDS`` s each per codec, every clip from another part of the orbit, marked for a
random one of 1,000 candidate sessions, scaled to 640x360 and encoded at 300 kbit/s
(H.264 via libx264, VP8 via libvpx in real time), decoded and searched among the 1,000;
the same clips unmarked measure false detections (the threshold allows at most one in
1,000 recordings).
"""

from __future__ import annotations

import io
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.showcase import open_showcase
from museion.streaming.watermark import VisibleMark, Watermark, detect, session_code, threshold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instruments.table import Row, ratio, table

ASSETS = Path(__file__).resolve().parents[1] / "assets"
WIDTH, HEIGHT = 1280, 720
RECORDED = (640, 360)
BITRATE = 300_000
FRAMES = 120
TRIALS = 8
SECONDS = 2
STRENGTH = 3.0
CODECS = ("libx264", "libvpx")
CANDIDATES = 1000
COVERED = (270, 152, 1009, 568)
"""A restricted exhibit's rectangle: 739 x 416, a third of a 1280x720 frame, centred."""

Frame = npt.NDArray[np.uint8]


def cost(engine: RenderEngine) -> tuple[float, float, float, float, float]:
    """Mean ms to render a frame, to mark it and to draw the visible mark over
    :data:`COVERED`, the PSNR of the marked frames, and ms to make the visible mark's
    tiles for the frame size (once per session and size)."""
    source = engine.open_view(WIDTH, HEIGHT, preview=False)
    key = b"bench-key-0123456789abcdef"
    mark = Watermark(key, "bench-session", WIDTH, HEIGHT, STRENGTH)
    visible = VisibleMark("© The Palace Museum", session_code(key, "bench-session"), 0.25)
    renders, marks, covers, errors = [], [], [], []
    try:
        home = engine.home
        for i in range(FRAMES):
            start = time.perf_counter()
            frame = source.frame(replace(home, yaw=home.yaw + i))
            renders.append(time.perf_counter() - start)
            start = time.perf_counter()
            covered = visible.apply(frame, [COVERED])
            covers.append(time.perf_counter() - start)
            start = time.perf_counter()
            marked = mark.apply(frame)
            marks.append(time.perf_counter() - start)
            errors.append(float(np.mean((marked.astype(np.float32) - frame) ** 2)))
            del covered
    finally:
        source.close()
    first, covers = covers[0], covers[1:]  # the first frame also made the tiles
    psnr = 10 * np.log10(255.0**2 / statistics.fmean(errors))
    return (
        1000 * statistics.fmean(renders),
        1000 * statistics.fmean(marks),
        1000 * statistics.fmean(covers),
        float(psnr),
        1000 * (first - statistics.fmean(covers)),
    )


def _clip(engine: RenderEngine, start: float, mark: Watermark | None) -> Iterator[Frame]:
    source = engine.open_view(WIDTH, HEIGHT, preview=False)
    try:
        home = engine.home
        for i in range(30 * SECONDS):
            frame = source.frame(replace(home, yaw=home.yaw + start + i))
            yield frame if mark is None else mark.apply(frame)
    finally:
        source.close()


def _recorded(frames: Iterator[Frame], codec: str) -> list[Frame]:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4" if codec == "libx264" else "webm") as out:
        stream = out.add_stream(codec, rate=30)
        stream.width, stream.height = RECORDED
        stream.pix_fmt, stream.bit_rate = "yuv420p", BITRATE
        if codec == "libvpx":
            stream.options = {"deadline": "realtime", "cpu-used": "8"}
        for frame in frames:
            picture = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in stream.encode(picture.reformat(width=RECORDED[0], height=RECORDED[1])):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    buffer.seek(0)
    with av.open(buffer) as recording:
        return [
            np.asarray(f.to_ndarray(format="rgb24"), np.uint8) for f in recording.decode(video=0)
        ]


def recordings(engine: RenderEngine, codec: str) -> tuple[int, list[float], int, list[float]]:
    """(right detections, their scores, false detections, best unmarked scores)."""
    key = secrets.token_bytes(32)
    candidates = [secrets.token_urlsafe(16) for _ in range(CANDIDATES)]
    right, scores, false, nulls = 0, [], 0, []
    for trial in range(TRIALS):
        start = 360.0 * trial / TRIALS
        session = candidates[trial * 97 % CANDIDATES]
        mark = Watermark(key, session, WIDTH, HEIGHT, STRENGTH)
        found = detect(_recorded(_clip(engine, start, mark), codec), key, candidates)
        right += found.session == session
        scores.append(found.score)
        plain = detect(_recorded(_clip(engine, start, None), codec), key, candidates)
        false += plain.session is not None
        nulls.append(plain.score)
    return right, scores, false, nulls


def run() -> list[Row]:
    engine = RenderEngine(open_showcase(ASSETS), RuntimeSettings(asset_root=ASSETS))
    try:
        render_ms, mark_ms, cover_ms, psnr, tiles_ms = cost(engine)
        results = {codec: recordings(engine, codec) for codec in CODECS}
    finally:
        engine.close()
    limit = threshold(CANDIDATES)
    rows: list[Row] = [
        (
            f"watermark: mark a {WIDTH}x{HEIGHT} frame (ms) vs render it",
            f"{mark_ms:.2f}",
            f"{render_ms:.1f}",
            ratio(mark_ms, render_ms),
        ),
        ("  PSNR of marked frames (dB)", f"{psnr:.1f}", "40 (wanted at least)", ""),
        (
            "watermark: visible text over a third of the frame (ms) vs the invisible mark",
            f"{cover_ms:.2f}",
            f"{mark_ms:.2f}",
            ratio(cover_ms, mark_ms),
        ),
        ("  its tiles for a frame size, once a session (ms)", f"{tiles_ms:.1f}", "", ""),
    ]
    recorded = f"{RECORDED[0]}x{RECORDED[1]} {BITRATE // 1000} kbit/s {SECONDS} s"
    for codec, (right, scores, false, nulls) in results.items():
        rows += [
            (
                f"  {codec} {recorded}: detected among {CANDIDATES}",
                f"{right}/{TRIALS}",
                f"z median {statistics.median(scores):.1f} vs {limit:.2f}",
                "",
            ),
            (
                f"  {codec} {recorded}: false detections unmarked",
                f"{false}/{TRIALS}",
                f"best wrong z max {max(nulls):.1f}",
                "",
            ),
        ]
    return rows


if __name__ == "__main__":
    sys.stdout.write(table(run()))
