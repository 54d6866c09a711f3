"""Docent fan-out: one docent's view rendered and encoded once, followed by 0, 1, 10 and 50
followers, against the live relay's own cost per viewer, in one run.

Workload: the sample gallery (``assets/``) served in-process through ``serve_engine``,
1280x720 H.264 at 2 Mbps (libx264 ``veryfast``; the followers' counting viewers read H.264), a
docent (``workloads/orbit_receivers.py`` with the docent's token: an aiortc peer orbiting
60 commands a second, as a finger dragging) in its own process, and N followers of
``tour-<id>`` in the shared relay harness's viewer processes (``relay_viewer.py``: 1
reassembling every frame, the others counting RTP headers, so the viewers are not the
bottleneck).  For each N, ``--seconds`` are measured after 1 s of orbiting: the server's
cores (this process, every thread, and its relay workers), the docent's fps and each
follower's.

Reference, same run and server: a live show (a 1280x720 H.264 clip at a constant 2 Mbps,
``workloads/live_clip.py``, sent by ``museion publish --loop`` over WHIP) watched by 0
and 50 of the same viewers: the relay's cost per viewer.
Target (issue 15): 50 followers each at >= 28 fps, and the server's cost with them at
most the docent's own (N = 0) plus 50 x the relay's cost per viewer.

.venv/bin/python bench/docent.py [--followers 0,1,10,50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from instruments.proc_stats import cpu_seconds, descendants, own_cpu  # noqa: E402
from instruments.processes import museion_command  # noqa: E402
from instruments.table import Row, table  # noqa: E402
from workloads.live_clip import make_clip  # noqa: E402

from museion.runtime.engine import RenderEngine  # noqa: E402
from museion.runtime.settings import RuntimeSettings  # noqa: E402
from museion.scenes.showcase import open_showcase  # noqa: E402
from museion.streaming.live import LIVE_KEY  # noqa: E402
from museion.streaming.server import serve_engine  # noqa: E402
from museion.streaming.settings import StreamSettings  # noqa: E402
from museion.streaming.tours import TOURS_KEY  # noqa: E402

__all__ = ["run"]

ASSETS = REPO / "assets"
DOCENT = HERE / "workloads" / "orbit_receivers.py"
VIEWERS = HERE / "relay_viewer.py"
TOKEN = "bench-docent"
SHOW_TOKEN = "bench-show"
TARGET_FPS = 28.0
SHOW_BITRATE = "2M"  # the reference show's constant bitrate, near a moving tour's
SETTINGS = StreamSettings(
    host="127.0.0.1",
    port=0,
    ice_addresses=("127.0.0.1",),
    codec="H264",
    docent_token=TOKEN,
    publish_token=SHOW_TOKEN,
    max_live_viewers=500,
    admission_fps=0,
    # The tour at the reference show's 2 Mbps whatever the docent's own link says (aiortc
    # follows the docent's REMB, which a busy box lowers): like for like per viewer.
    start_bitrate=2_000_000,
    min_bitrate=2_000_000,
    max_bitrate=2_000_000,
)

logger = logging.getLogger(__name__)


def _server_cpu(viewers: list[int]) -> float:
    """CPU seconds of this process and its relay workers (not the viewers, not the docent:
    they are clients, children only because this script started them)."""
    clients = {p for pid in viewers for p in descendants(pid)}
    total = own_cpu()
    for pid in descendants(os.getpid())[1:]:
        if pid not in clients:
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
    return total


async def _line(stream: asyncio.StreamReader, timeout: float) -> str:
    return (await asyncio.wait_for(stream.readline(), timeout)).decode().strip()


@contextlib.asynccontextmanager
async def followers(url: str, count: int) -> AsyncIterator[asyncio.subprocess.Process | None]:
    """``count`` relay-harness viewers of ``url`` (WHEP), connected and receiving."""
    if count == 0:
        yield None
        return
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(VIEWERS), "--mode", "whep", "--url", url, "--mount", "1",
        "-n", str(count), "--stagger", "0.05", "--ready-timeout", "120", "--full", "1",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env=dict(os.environ, VIEWER_HOST_IP="127.0.0.1"),
    )  # fmt: skip
    assert process.stdout is not None
    ready = await _line(process.stdout, 180)
    if not ready.startswith("READY"):
        raise RuntimeError(f"the followers did not connect: {ready!r}")
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _say(process: asyncio.subprocess.Process | None, word: str) -> None:
    if process is not None and process.stdin is not None:
        process.stdin.write(f"{word}\n".encode())
        await process.stdin.drain()


async def _result(process: asyncio.subprocess.Process | None) -> list[dict[str, Any]]:
    if process is None or process.stdout is None:
        return []
    while line := await _line(process.stdout, 60):
        if line.startswith("RESULT "):
            results: list[dict[str, Any]] = json.loads(line[7:])
            return results
    return []


async def measure_window(
    seconds: float, watchers: asyncio.subprocess.Process | None, clients: list[int]
) -> tuple[float, list[dict[str, Any]]]:
    """The server's cores over ``seconds``, and what the viewers counted meanwhile."""
    await _say(watchers, "START")
    cpu0, t0 = _server_cpu(clients), time.monotonic()
    await asyncio.sleep(seconds)
    cores = (_server_cpu(clients) - cpu0) / (time.monotonic() - t0)
    await _say(watchers, "STOP")
    return cores, await _result(watchers)


async def tour(engine: RenderEngine, count: int, seconds: float) -> dict[str, Any]:
    """A docent orbiting, ``count`` followers: server cores, docent's and followers' fps."""
    async with serve_engine(engine, SETTINGS) as listening:
        docent = await asyncio.create_subprocess_exec(
            sys.executable, str(DOCENT), listening.url, "1", str(seconds + 1), TOKEN,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert docent.stdin is not None and docent.stdout is not None
        if await _line(docent.stdout, 120) != "ready":
            raise RuntimeError("the docent did not connect")
        (tour_id,) = listening.app[TOURS_KEY]
        async with followers(f"{listening.url}/whep/tour-{tour_id}", count) as watchers:
            docent.stdin.write(b"go\n")
            await docent.stdin.drain()
            await asyncio.sleep(1.0)  # the docent's settle time
            clients = [docent.pid] + ([watchers.pid] if watchers is not None else [])
            stream = listening.app[LIVE_KEY].streams[f"tour-{tour_id}"]
            bytes_in, started = stream.bytes_in, time.monotonic()
            cores, seen = await measure_window(seconds, watchers, clients)
            bitrate = 8 * (stream.bytes_in - bytes_in) / (time.monotonic() - started)
        led = json.loads(
            (await asyncio.wait_for(docent.stdout.read(), 60)).decode().splitlines()[-1]
        )
        await docent.wait()
    fps = [r["fps"] for r in seen]
    return {
        "n": count,
        "cores": cores,
        "docent_fps": led["fps"][0],
        "min_fps": min(fps, default=0.0),
        "median_fps": statistics.median(fps) if fps else 0.0,
        "peers": len(fps),
        "loss": max((r["loss_pct"] for r in seen), default=0.0),
        "bitrate": bitrate,
    }


async def show(engine: RenderEngine, clip: Path, count: int, seconds: float) -> dict[str, Any]:
    """The live relay's reference: a 720p test pattern over WHIP, ``count`` viewers."""
    async with serve_engine(engine, SETTINGS) as listening:
        publisher = await asyncio.create_subprocess_exec(
            *museion_command(), "publish", str(clip), "--loop",
            "--whip", f"{listening.url}/whip/show", "--token", SHOW_TOKEN,
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        live = listening.app[LIVE_KEY]
        deadline = time.monotonic() + 60
        while "show" not in live.streams or live.streams["show"].frames_in < 30:
            if time.monotonic() > deadline:
                raise RuntimeError("the reference show did not start")
            await asyncio.sleep(0.2)
        try:
            async with followers(f"{listening.url}/whep/show", count) as watchers:
                clients = [publisher.pid] + ([watchers.pid] if watchers is not None else [])
                cores, seen = await measure_window(seconds, watchers, clients)
                bitrate = live.streams["show"].bitrate()
        finally:
            publisher.terminate()
            await publisher.wait()
    fps = [r["fps"] for r in seen]
    return {"n": count, "cores": cores, "min_fps": min(fps, default=0.0), "bitrate": bitrate}


async def measure(counts: list[int], seconds: float) -> tuple[list[dict[str, Any]], float, float]:
    clip = make_clip("1280x720", SHOW_BITRATE, "1M", "3.1")
    engine = RenderEngine(open_showcase(ASSETS), RuntimeSettings(asset_root=ASSETS))
    try:
        tours = []
        for count in counts:
            result = await tour(engine, count, seconds)
            logger.info("tour with %d followers: %s", count, result)
            tours.append(result)
        idle = await show(engine, clip, 0, seconds)
        watched = await show(engine, clip, 50, seconds)
        per_viewer = (watched["cores"] - idle["cores"]) / 50
        logger.info("show: idle %s, 50 viewers %s", idle, watched)
    finally:
        engine.close()
    return tours, per_viewer, watched["bitrate"]


def rows(tours: list[dict[str, Any]], per_viewer: float, show_bitrate: float) -> list[Row]:
    out: list[Row] = []
    alone = next((t for t in tours if t["n"] == 0), tours[0])
    for t in tours:
        allowed = alone["cores"] + t["n"] * per_viewer
        out.append(
            (
                f"docent tour, {t['n']} followers: cores (docent fps; followers min/median)",
                f"{t['cores']:.2f} ({t['docent_fps']:.1f}; "
                f"{t['min_fps']:.1f}/{t['median_fps']:.1f}; {t['bitrate'] / 1e6:.1f} Mbps)",
                f"{allowed:.2f} = docent alone + {t['n']} x relay viewer",
                f"{t['cores'] / allowed:.2f}" if allowed else "-",
            )
        )
    out.append(
        (
            f"live relay: cores per viewer (720p show, {show_bitrate / 1e6:.1f} Mbps, same server)",
            f"{per_viewer * 1000:.1f} milli-cores",
            "",
            "",
        )
    )
    return out


def run(argv: list[str] | None = None) -> list[Row]:
    args = _parser().parse_args(argv or [])
    counts = [int(n) for n in args.followers.split(",")]
    return rows(*asyncio.run(measure(counts, args.seconds)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", default="0,1,10,50")
    parser.add_argument("--seconds", type=float, default=10.0)
    return parser


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.stdout.write(table(run(sys.argv[1:])))
