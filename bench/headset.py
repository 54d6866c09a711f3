"""A VR headset's figures, in one run: motion-to-photon with and without the page's
reprojection, pose-to-picture latency, the server's cores, stereo fps and bitrate.

Workload: the example exhibition (``assets/example.scene.json``, seven relics in one hall)
served in-process through ``serve_engine`` (default stream settings: a 1280x720 pixel
budget, 30 fps, VP8), one headless Chromium page wearing an emulated Quest 3 (npm ``iwer``,
``instruments/headset_page.py``) standing in the hall's middle at 1.6 m.

1. Rotation motion-to-photon, in the page: the head turns 5 degrees at a known page time
   (``performance.now()`` as ``__headset.quaternion`` is set); each following XR frame the
   left eye's middle row is read from the layer after the page drew it, until the picture
   has moved by at least 85 % of the turn's pixels (best shift over the row's middle
   half); the figure is that read's page time less the turn's (and, beside it, until the
   picture is within 15 % of the turn: a step turn makes the server's constant-velocity
   prediction overshoot, so video alone first shows the hall turned too far).  With reprojection
   (``museion.xr.reproject``, the default) against without (the video drawn as rendered:
   pose, server, render, encode, network, decode), the modes alternating in blocks.
2. Pose-to-picture latency: ``museion.xr.latencies`` (the page time of the pose a picture
   was predicted from to that picture's first display) while the head sweeps +-30 degrees
   at 20 degrees a second, set each XR frame from a page-side loop, for ``--seconds``.
3. Over the same window: the server's cores (this process, every thread: aiortc, the
   encoder, llvmpipe), the stereo frames the page took a second, and the bytes a second
   the session's video sender sent (RTCP ``outbound-rtp``).  Reference, same run: one flat
   visitor (the same page without a headset) walking and turning for as long, after the
   headset left.  Then, with nobody connected, a mono render of the same pixels (the flat
   ``FrameSource`` at 2W x H, full size, turning a degree a frame) against the eye size
   the session chose (W x H each).

The figures are what this 2-core box with llvmpipe (no GPU), shared with other work, gives:
compare ours and the reference within one run, never against another day's.  Nothing here
asserts a time.

.venv/bin/python bench/headset.py [--turns 20] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE.parent))

from tests.chromium import CHROMIUM_ARGS  # noqa: E402

sys.path.insert(0, str(HERE))

from instruments.headset_page import (  # noqa: E402
    SWEEP_JS,
    TURN_JS,
    WAIT_MS,
    enter_vr,
    missing,
    put_head,
    wearing,
)
from instruments.proc_stats import machine_busy, own_cpu  # noqa: E402
from instruments.table import Row, percentile, ratio, table  # noqa: E402

from museion.runtime.engine import RenderEngine  # noqa: E402
from museion.runtime.navigation import WalkState  # noqa: E402
from museion.runtime.settings import RuntimeSettings  # noqa: E402
from museion.scenes.checked_scene import open_scene  # noqa: E402
from museion.streaming.server import SESSIONS_KEY, serve_engine  # noqa: E402
from museion.streaming.settings import StreamSettings  # noqa: E402

__all__ = ["run"]

logger = logging.getLogger(__name__)

ASSETS = REPO / "assets"
HEAD = (0.0, 1.6, 0.0)
TURN = 5.0  # degrees a turn
BLOCK = 5  # turns of one mode before the other's
MOST_FRAMES = 240  # XR frames a turn may take to show before it counts as lost
SWEEP = (30.0, 20.0)  # degrees either side, degrees a second
ALONE_FRAMES = 30
ALONE_ROUNDS = 3
# Every visitor is let in (admission_fps 0): the box is busy with other work.
SETTINGS = StreamSettings(host="127.0.0.1", port=0, ice_addresses=("127.0.0.1",), admission_fps=0)

# A flat visitor walking: a step forward or back and a third of a degree's turn each
# animation frame, for seconds.
WALK_JS = """async (seconds) => {
  window.museion.sendCommand({ type: 'mode', mode: 'walk' });
  const start = performance.now();
  let n = 0;
  return await new Promise((resolve) => {
    const step = () => {
      n += 1;
      const forward = (Math.floor(n / 60) % 2 ? -1 : 1) * 0.02;
      window.museion.sendCommand({ type: 'walk', forward, right: 0, turn: 0.33, look: 0 });
      if (performance.now() - start >= seconds * 1000) resolve(n); else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
}"""


async def the_session(app: Any) -> Any:
    """The one session the server holds (waiting for it to be made)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while len(app[SESSIONS_KEY].sessions) != 1:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(app[SESSIONS_KEY].sessions)} sessions, not one")
        await asyncio.sleep(0.1)
    return next(iter(app[SESSIONS_KEY].sessions.values()))


async def gone(app: Any) -> None:
    """Wait until the server holds no session (a closed page's session has ended)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while app[SESSIONS_KEY].sessions and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def window(session: Any) -> AsyncIterator[dict[str, float]]:
    """The server's cores (and the whole box's), frames sent a second and video bits a
    second over the block."""
    figures: dict[str, float] = {}
    sent0 = (await session.link_figures()).bytes_sent
    frames0, cpu0, t0 = session.track.frames_sent, own_cpu(), time.monotonic()
    busy0 = machine_busy()
    yield figures
    wall = time.monotonic() - t0
    figures["cores"] = (own_cpu() - cpu0) / wall
    figures["box"] = (machine_busy() - busy0) / wall
    figures["fps_sent"] = (session.track.frames_sent - frames0) / wall
    figures["bps"] = 8 * ((await session.link_figures()).bytes_sent - sent0) / wall


async def turns(page: Any, count: int) -> dict[bool, list[dict[str, Any]]]:
    """``count`` turns each with and without reprojection, in alternating blocks."""
    found: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
    yaw, block = 0.0, max(1, min(BLOCK, count // 2))
    for n in range(2 * count):
        mode = (n // block) % 2 == 0
        await page.evaluate("(on) => { window.museion.xr.reproject = on; }", mode)
        await put_head(page, HEAD, yaw)
        to = yaw + TURN if yaw <= 0 else yaw - TURN
        got = await page.evaluate(TURN_JS, [yaw, to, MOST_FRAMES])
        logger.info("turn %+.0f -> %+.0f, reprojection %s: %s", yaw, to, mode, got)
        found[mode].append(got)
        yaw = to
    await page.evaluate("() => { window.museion.xr.reproject = true; }")
    return found


async def headset(browser: Any, app: Any, url: str, count: int, seconds: float) -> dict[str, Any]:
    """The headset's turns, then its sweep: latencies, cores, fps, bitrate, eye size."""
    page = await wearing(browser)
    try:
        await enter_vr(page, url)
        session = await the_session(app)
        await put_head(page, HEAD, 0.0)
        found: dict[str, Any] = {"turns": await turns(page, count)}
        await put_head(page, HEAD, 0.0)
        async with window(session) as figures:
            swept = await page.evaluate(SWEEP_JS, [seconds, *SWEEP])
        assert session.headset.view is not None
        found.update(figures, swept=swept, eye=session.headset.view.eye_size)
    finally:
        await page.close()
    await gone(app)
    return found


async def flat(browser: Any, app: Any, url: str, seconds: float) -> dict[str, float]:
    """One flat visitor walking and turning: the server's cores, fps sent, bitrate."""
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        await page.goto(f"{url}/?lang=en")
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT_MS)
        session = await the_session(app)
        async with window(session) as figures:
            await page.evaluate(WALK_JS, seconds)
        figures["width"], figures["height"] = session.track.size
    finally:
        await page.close()
    await gone(app)
    return figures


def alone(engine: RenderEngine, width: int, height: int) -> tuple[float, float]:
    """Frames a second of both eyes at ``width`` x ``height`` each, and of the flat frame
    source at ``2 * width`` x ``height`` (full size), a head turning a degree a frame with
    nobody connected: the median of alternating rounds (on a worker thread)."""
    from stereo import head

    from museion.runtime.eye_pose import Place
    from museion.runtime.stereo import StereoView

    tx, _, tz = engine.home.target
    place, standing = Place((tx, 0.0, tz + 2.0)), (tx, HEAD[1], tz + 2.0)

    def both() -> float:
        view = StereoView(engine, width, height)
        try:
            view.frame(head(-1.0, HEAD[1]), place)
            started = time.perf_counter()
            for i in range(ALONE_FRAMES):
                view.frame(head(float(i), HEAD[1]), place)
            return ALONE_FRAMES / (time.perf_counter() - started)
        finally:
            view.close()

    def flat() -> float:
        source = engine.open_view(2 * width, height, preview=False)
        try:
            source.frame(WalkState(standing, heading=-1.0, fov=90.0).view())
            started = time.perf_counter()
            for i in range(ALONE_FRAMES):
                source.frame(WalkState(standing, heading=float(i), fov=90.0).view())
            return ALONE_FRAMES / (time.perf_counter() - started)
        finally:
            source.close()

    rounds = [(both(), flat()) for _ in range(ALONE_ROUNDS)]
    return statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds)


async def measure(count: int, seconds: float) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    engine = RenderEngine(
        open_scene(ASSETS / "example.scene.json"), RuntimeSettings(asset_root=ASSETS)
    )
    try:
        async with serve_engine(engine, SETTINGS) as listening, async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            try:
                worn = await headset(browser, listening.app, listening.url, count, seconds)
                walked = await flat(browser, listening.app, listening.url, seconds)
            finally:
                await browser.close()
        width, height = worn["eye"]
        worn["stereo_alone"], worn["mono_alone"] = await asyncio.to_thread(
            alone, engine, width, height
        )
    finally:
        engine.close()
    return {"headset": worn, "flat": walked}


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} / {percentile(values, 0.95):.0f}"


def rows(found: dict[str, Any]) -> list[Row]:
    worn, walked = found["headset"], found["flat"]
    out: list[Row] = []
    for what, key in (("", "ms"), ("  ... settled within 15 %:", "settled")):
        got = {m: [t[key] for t in ts if t[key] is not None] for m, ts in worn["turns"].items()}
        if not (got[True] and got[False]):
            continue
        lost = {m: len(worn["turns"][m]) - len(got[m]) for m in got}
        out.append(
            (
                f"{what or f'head turn {TURN:.0f} deg to picture moved:'} median / p95 (ms; lost)",
                f"{_spread(got[True])} reprojected ({lost[True]})",
                f"{_spread(got[False])} video alone ({lost[False]})",
                ratio(statistics.median(got[True]), statistics.median(got[False])),
            )
        )
    for mode, name in ((True, "reprojected"), (False, "video alone")):
        shifts = [abs(t["shift"] / t["expected"]) for t in worn["turns"][mode] if t["shift"]]
        if shifts:
            out.append(
                (
                    f"  first moved picture / the turn's pixels, {name} (median, most)",
                    f"{statistics.median(shifts):.2f} / {max(shifts):.2f}",
                    "1.00",
                    "",
                )
            )
    swept = worn["swept"]
    xr_fps = swept["xrFrames"] / swept["seconds"]
    out.append(("  XR frames a second in the page", f"{xr_fps:.1f}", "", ""))
    if swept["latencies"]:
        out.append(
            (
                f"pose to picture shown, sweeping {SWEEP[1]:.0f} deg/s: median / p95 (ms)",
                f"{_spread(swept['latencies'])} ({len(swept['latencies'])} pictures)",
                f"{1000 / xr_fps:.0f} one XR frame",
                ratio(statistics.median(swept["latencies"]), 1000 / xr_fps),
            )
        )
    width, height = worn["eye"]
    per_frame = [1000 * f["cores"] / max(f["fps_sent"], 0.1) for f in (worn, walked)]
    out += [
        (
            "server cores: 1 headset sweeping vs 1 flat visitor walking",
            f"{worn['cores']:.2f}",
            f"{walked['cores']:.2f} flat",
            ratio(worn["cores"], walked["cores"]),
        ),
        (
            "  server core-ms per frame sent",
            f"{per_frame[0]:.0f}",
            f"{per_frame[1]:.0f} flat",
            ratio(*per_frame),
        ),
        (
            "  whole box's cores meanwhile (Chromium's too; 2 cores)",
            f"{worn['box']:.2f}",
            f"{walked['box']:.2f} flat",
            "",
        ),
        (
            f"stereo fps, eyes {width}x{height}: page took / server sent",
            f"{swept['stereo'] / swept['seconds']:.1f} / {worn['fps_sent']:.1f}",
            f"{worn['mono_alone']:.1f} mono render {2 * width}x{height} alone",
            ratio(swept["stereo"] / swept["seconds"], worn["mono_alone"]),
        ),
        (
            "  stereo render+readback alone, same eyes (fps)",
            f"{worn['stereo_alone']:.1f}",
            f"{worn['mono_alone']:.1f} mono {2 * width}x{height}",
            ratio(worn["stereo_alone"], worn["mono_alone"]),
        ),
        (
            "video bitrate (Mbps)",
            f"{worn['bps'] / 1e6:.2f} headset",
            f"{walked['bps'] / 1e6:.2f} flat {walked['width']}x{walked['height']}",
            ratio(worn["bps"], walked["bps"]),
        ),
        ("  flat visitor's fps sent", f"{walked['fps_sent']:.1f}", "", ""),
    ]
    return out


def run(argv: list[str] | None = None) -> list[Row]:
    """The rows for bench/run.py (skipped where Chromium or the headset is missing)."""
    args = _parser().parse_args(argv or [])
    if shutil.which("chromium") is None:
        return [("headset figures", "skipped: Debian chromium is not installed", "", "")]
    why = missing()
    if why is not None:
        return [("headset figures", f"skipped: {why}", "", "")]
    return rows(asyncio.run(measure(args.turns, args.seconds)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=20, help="turns in each mode")
    parser.add_argument("--seconds", type=float, default=10.0, help="each sweep and walk")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every turn")
    return parser


if __name__ == "__main__":
    verbose = _parser().parse_args().verbose
    logging.basicConfig(level=logging.WARNING)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    sys.stdout.write(table(run(sys.argv[1:])))
