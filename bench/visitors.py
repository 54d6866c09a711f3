"""Visitors per box: N visitors orbiting at the same moment, today's frame path against the
new one, in alternating runs of one process.

Workload: the sample gallery (``assets/``: the ~50k-triangle relic in its venue) served
in-process through ``serve_engine``, 1280x720 VP8, 30 fps while moving; N = 1..4 visitors
in one separate process (``workloads/orbit_receivers.py``), each an aiortc peer sending
``{"type":"orbit","yaw":1.5,"pitch":0}`` 60 times a second and counting the frames it
receives without decoding them.  Each (path, N) is measured for ``--seconds`` after 1 s of
orbiting; the rounds alternate the two paths so both meet the same neighbours on a shared
box.  Figures: frames a second per visitor (min / mean over the rounds' medians), the
server's cores (this process: every thread, llvmpipe's too), the receivers' cores, and
visitors per core at >= 28 fps: the most visitors that all got 28 fps, over the server
cores they took.

"Today" is :data:`TODAY`: whole meshes and normal maps while moving and the RGB preview
enlarged before the YUV conversion, as before issue 15.  Both paths share the video track,
whose conversion left the render thread in the same change (before, it ran on it): so
today's figures here are a little better than today's were, and the ratio understates.

.venv/bin/python bench/visitors.py [--rounds 3] [--seconds 8] [--max-visitors 4]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from instruments.proc_stats import machine_busy, own_cpu  # noqa: E402
from instruments.table import Row, table  # noqa: E402

from museion.runtime.engine import RenderEngine  # noqa: E402
from museion.runtime.settings import RuntimeSettings  # noqa: E402
from museion.scenes.showcase import open_showcase  # noqa: E402
from museion.streaming.server import serve_engine  # noqa: E402
from museion.streaming.settings import StreamSettings  # noqa: E402

ASSETS = REPO / "assets"
RECEIVERS = HERE / "workloads" / "orbit_receivers.py"
TARGET_FPS = 28.0
# Every visitor is let in (admission_fps 0): the bench measures what happens past the
# waiting room's limit too.
LOOPBACK = StreamSettings(
    host="127.0.0.1", port=0, ice_addresses=("127.0.0.1",), max_sessions=8, admission_fps=0
)

TODAY: dict[str, dict[str, Any]] = {
    "runtime": {
        "moving_detail": 1.0,
        "moving_normal_maps": True,
        "small_previews": False,
        "crowd_preview_scale": 1.0,
    },
    "stream": {},
}
"""The settings that turn every issue-15 saving off."""
NEW: dict[str, dict[str, Any]] = {"runtime": {}, "stream": {}}
PATHS = {"today": TODAY, "new": NEW}


async def one_run(
    engine: RenderEngine, stream: StreamSettings, count: int, seconds: float
) -> dict[str, Any]:
    """``count`` orbiting receivers against ``engine`` served with ``stream``."""
    async with serve_engine(engine, stream) as listening:
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            str(RECEIVERS),
            listening.url,
            str(count),
            str(seconds),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert child.stdin is not None and child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 120)
        if line.strip() != b"ready":
            raise RuntimeError(f"the receivers did not connect: {line!r}")
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        await asyncio.sleep(1.0)  # the receivers' settle time
        cpu0, busy0, t0 = own_cpu(), machine_busy(), time.monotonic()
        await asyncio.sleep(seconds)
        wall = time.monotonic() - t0
        cores, busy = (own_cpu() - cpu0) / wall, (machine_busy() - busy0) / wall
        out = await asyncio.wait_for(child.stdout.read(), 60)
        await child.wait()
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    result.update(server_cores=cores, machine_cores=busy)
    return result


def engines() -> dict[str, RenderEngine]:
    """One engine per path on the sample gallery (their views share the render thread)."""
    scene = open_showcase(ASSETS)
    return {
        name: RenderEngine(
            scene, RuntimeSettings(asset_root=ASSETS, max_views=8, **path["runtime"])
        )
        for name, path in PATHS.items()
    }


async def measure(
    rounds: int, seconds: float, most: int
) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Every (path, N) ``rounds`` times, the paths alternating within each N."""
    made = engines()
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {}
    try:
        for n in range(1, most + 1):
            for r in range(rounds):
                order = list(PATHS) if r % 2 == 0 else list(PATHS)[::-1]
                for name in order:
                    stream = dataclasses.replace(LOOPBACK, **PATHS[name]["stream"])
                    result = await one_run(made[name], stream, n, seconds)
                    logging.info("%s x%d: %s", name, n, result)
                    runs.setdefault((name, n), []).append(result)
    finally:
        for engine in made.values():
            engine.close()
    return runs


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Medians over the rounds: the slowest visitor, the mean, and the cores."""
    return {
        "min": statistics.median(min(r["fps"]) for r in runs),
        "mean": statistics.median(statistics.mean(r["fps"]) for r in runs),
        "low": min(min(r["fps"]) for r in runs),
        "server": statistics.median(r["server_cores"] for r in runs),
        "receivers": statistics.median(r["cores"] for r in runs),
        "machine": statistics.median(r["machine_cores"] for r in runs),
        "ms": statistics.median(1000 * r["server_cores"] / max(sum(r["fps"]), 0.1) for r in runs),
    }


def per_core(figures: dict[int, dict[str, float]]) -> tuple[int, float]:
    """The most visitors that all got ``TARGET_FPS`` (median round), and that many per
    server core."""
    good = [n for n, f in figures.items() if f["min"] >= TARGET_FPS]
    if not good:
        return 0, 0.0
    n = max(good)
    return n, n / figures[n]["server"]


def rows(runs: dict[tuple[str, int], list[dict[str, Any]]], most: int) -> list[Row]:
    figures = {key: summary(value) for key, value in runs.items()}
    out: list[Row] = []
    for n in range(1, most + 1):
        new, old = figures[("new", n)], figures[("today", n)]
        out += [
            (
                f"orbiting, {n} visitor{'s' if n > 1 else ''}: fps each, min / mean",
                f"{new['min']:.1f} / {new['mean']:.1f}",
                f"{old['min']:.1f} / {old['mean']:.1f} today",
                f"{new['min'] / max(old['min'], 0.1):.2f}",
            ),
            (
                "  lowest visitor in any round (fps)",
                f"{new['low']:.1f}",
                f"{old['low']:.1f}",
                "",
            ),
            (
                "  server CPU per frame sent (core-ms)",
                f"{new['ms']:.1f}",
                f"{old['ms']:.1f}",
                f"{new['ms'] / max(old['ms'], 0.01):.2f}",
            ),
            (
                "  server cores / receivers' cores / whole box",
                f"{new['server']:.2f} / {new['receivers']:.2f} / {new['machine']:.2f}",
                f"{old['server']:.2f} / {old['receivers']:.2f} / {old['machine']:.2f}",
                f"{new['server'] / max(old['server'], 0.01):.2f}",
            ),
        ]
    new_n, new_pc = per_core({n: figures[("new", n)] for n in range(1, most + 1)})
    old_n, old_pc = per_core({n: figures[("today", n)] for n in range(1, most + 1)})
    out.append(
        (
            f"visitors per server core at >= {TARGET_FPS:.0f} fps (visitors)",
            f"{new_pc:.2f} ({new_n})",
            f"{old_pc:.2f} ({old_n}) today",
            f"{new_pc / old_pc:.2f}" if old_pc else "-",
        )
    )
    return out


def run(rounds: int = 3, seconds: float = 8.0, most: int = 4) -> list[Row]:
    """The rows for bench/run.py."""
    return rows(asyncio.run(measure(rounds, seconds, most)), most)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--max-visitors", type=int, default=4)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("museion").setLevel(logging.WARNING)
    sys.stdout.write(table(run(args.rounds, args.seconds, args.max_visitors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
