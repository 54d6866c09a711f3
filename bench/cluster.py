"""Several boxes joined through Redis (issue 17), in one run: capacity adding up over two
nodes, the door's placement cost, failover after a SIGKILL, and the live cascade's saving
at the origin.

Measured on a shared 2-core box with no GPU (llvmpipe renders): every figure is what two
cores give, with the clients on the same two cores as the servers.  Everything is real: a
``redis-server``, ``museion door`` and ``museion serve`` processes on 127.0.0.1
(``instruments/cluster_procs.py``), aiortc clients, Debian's headless Chromium.

1. Capacity: node-1 pinned to core 0, node-2 to core 1 (``taskset``), the sample gallery at
   640x360, one llvmpipe thread each; N orbiting visitors (``workloads/orbit_receivers.py``:
   aiortc peers sending 60 orbit commands a second, counting frames undecoded) in one
   process on both cores (shared with the nodes: an honest limit of this box).  The most
   visitors that all get >= 28 fps on two nodes through the door, against on one node
   directly; and on two nodes directly, split evenly: what the cores add up to without
   the door's choices (which follow the nodes' records, rewritten every second).
2. Placement: one offer POSTed through the door (307, then the node's WHEP answer) and the
   same offer POSTed to that node directly, alternating, each session DELETEd after.
3. Failover: a Chromium visitor who came through the door; its node SIGKILLed; the time
   until the page shows new frames after its failover (``window.museion.failover
   .recoveries`` grew, then ``framesShown`` grew), on the page's clock; the killed node is
   restarted and counted by the door before the next kill.
4. Live cascade: a 720p 2 Mbps clip published over WHIP to an origin; 3 x N counting
   viewers (``relay_viewer.py``) on the origin itself, then N on each of three edges (each
   edge pulls the show once); the origin's cores (its process and its relay worker).  The
   edges are processes on the same two cores.

.venv/bin/python bench/cluster.py [--seconds 5] [--kills 10] [--offers 30] [--viewers 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import aiohttp  # noqa: E402
from instruments.cluster_procs import (  # noqa: E402
    Cluster,
    cluster,
    receivers,
    reported_fps,
    say,
    watching,
)
from instruments.proc_stats import tree_cpu  # noqa: E402
from instruments.processes import museion_command  # noqa: E402
from instruments.table import Row, percentile, ratio, table  # noqa: E402
from workloads.live_clip import make_clip  # noqa: E402
from yarl import URL  # noqa: E402

__all__ = ["run"]

logger = logging.getLogger(__name__)

SCENE = REPO / "assets" / "example.scene.json"
RECEIVERS = HERE / "workloads" / "orbit_receivers.py"
VIEWERS = HERE / "relay_viewer.py"
TARGET_FPS = 28.0
SHOW_TOKEN = "bench-show"
SMALL = {
    "MUSEION_STREAMING_WIDTH": "640",
    "MUSEION_STREAMING_HEIGHT": "360",
    "MUSEION_STREAMING_ADMISSION_FPS": "0",  # every visitor let in: the bench finds the limit
    "LP_NUM_THREADS": "1",  # llvmpipe: one thread per node, on its own core
}
CLIENT_CORES = "0,1"


# 1. Capacity ----------------------------------------------------------------------------


async def orbit(net: Cluster, targets: list[tuple[str, int]], seconds: float) -> dict[str, Any]:
    """Orbiting receivers, ``count`` through each ``url`` of ``targets`` (one process
    each, orbiting together): every visitor's fps, and the sessions on each node."""
    await net.wait_empty()
    children = [
        await receivers(RECEIVERS, url, count, seconds, CLIENT_CORES)
        for url, count in targets
        if count
    ]
    placed = [(await net.health(m.url))["sessions"] for m in net.nodes.values()]
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        await child.stdin.drain()
    result: dict[str, Any] = {"fps": [], "cores": 0.0, "placed": placed}
    for child in children:
        assert child.stdout is not None
        out = await asyncio.wait_for(child.stdout.read(), 120 + seconds)
        await child.wait()
        got = json.loads(out.decode().strip().splitlines()[-1])
        result["fps"] += got["fps"]
        result["cores"] += got["cores"]
    logger.info("%s: %s", targets, result)
    return result


def _ways(net: Cluster) -> dict[str, Any]:
    """How N visitors reach the nodes: node-1 alone, both nodes through the door, and both
    nodes directly, N split evenly (the cores' sum, without the door's choices)."""
    one, two = net.nodes["node-1"].url, net.nodes["node-2"].url
    return {
        "one": lambda n: [(one, n)],
        "two": lambda n: [(net.door.url, n)],
        "split": lambda n: [(one, n - n // 2), (two, n // 2)],
    }


async def capacity(net: Cluster, seconds: float, most: int) -> dict[str, Any]:
    """The most visitors all at >= 28 fps, each way of :func:`_ways`; each count tried in
    turn, from 1, until one fails twice running (the box is shared: one slow run may be a
    neighbour's)."""
    found: dict[str, Any] = {}
    for name, targets in _ways(net).items():
        best, runs = 0, []
        for count in range(1, most + 1):
            result = await orbit(net, targets(count), seconds)
            runs.append((count, result))
            if min(result["fps"]) < TARGET_FPS:  # once more: a neighbour's burst?
                result = await orbit(net, targets(count), seconds)
                runs.append((count, result))
            if min(result["fps"]) < TARGET_FPS:
                break
            best = count
        found[name] = {"best": best, "runs": runs}
    return found


# 2. Placement ---------------------------------------------------------------------------


async def _post(http: aiohttp.ClientSession, url: str, sdp: str) -> tuple[float, str]:
    """Seconds to the answer of ``POST url/whep`` (redirects followed); the session's URL."""
    start = time.perf_counter()
    async with http.post(
        f"{url}/whep", data=sdp, headers={"Content-Type": "application/sdp"}
    ) as reply:
        await reply.text()
        took = time.perf_counter() - start
        if reply.status != 201:
            raise RuntimeError(f"POST {url}/whep -> {reply.status}")
        return took, str(reply.url.join(URL(reply.headers["Location"])))


async def placement(net: Cluster, offers: int) -> dict[str, list[float]]:
    """``offers`` offers, each POSTed through the door and to the node it chose directly
    (alternating which goes first), every session DELETEd."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    await net.wait_empty()
    times: dict[str, list[float]] = {"door": [], "direct": []}
    async with aiohttp.ClientSession() as http:
        for n in range(offers):
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            pc.addTransceiver("video", direction="recvonly")
            pc.createDataChannel("view", ordered=True)
            await pc.setLocalDescription(await pc.createOffer())
            sdp = pc.localDescription.sdp
            node = net.nodes["node-1" if n % 2 == 0 else "node-2"].url
            order = [("door", net.door.url), ("direct", node)]
            for kind, url in order if n % 2 == 0 else order[::-1]:
                took, session = await _post(http, url, sdp)
                times[kind].append(took)
                async with http.delete(session):
                    pass
            await pc.close()
    return times


# 3. Failover ----------------------------------------------------------------------------

_WATCH = """(before) => new Promise((resolve) => {
  const m = window.museion;
  let shownAt = null;
  const step = () => {
    if (shownAt === null && m.failover.recoveries > before) shownAt = m.framesShown;
    if (shownAt !== null && m.framesShown > shownAt) { resolve(performance.now()); return; }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})"""


async def failover(net: Cluster, kills: int) -> list[float]:
    """Seconds from SIGKILL of the visitor's node to new frames on its page, ``kills``
    times."""
    from playwright.async_api import async_playwright

    sys.path.insert(0, str(REPO))
    from tests.chromium import CHROMIUM_ARGS

    await net.wait_empty()
    took: list[float] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            await page.goto(f"{net.door.url}/")
            await page.wait_for_function("window.museion.framesShown > 0", timeout=60_000)
            for _ in range(kills):
                counts = {n: (await net.health(m.url))["sessions"] for n, m in net.nodes.items()}
                serving = max(counts, key=lambda n: counts[n])
                before = await page.evaluate("window.museion.failover.recoveries")
                watch = asyncio.ensure_future(page.evaluate(_WATCH, before))
                killed_at = await page.evaluate("performance.now()")
                await net.nodes[serving].stop(signal.SIGKILL)
                shown_at = await asyncio.wait_for(watch, 60)
                took.append((shown_at - killed_at) / 1000)
                logger.info("failover from %s: %.2f s", serving, took[-1])
                await net.nodes[serving].start()
                await net.wait_nodes(len(net.nodes))
        finally:
            await browser.close()
    return took


# 4. Live cascade ------------------------------------------------------------------------


async def origin_cores(
    net: Cluster, urls: list[str], count: int, seconds: float
) -> tuple[float, float, list[float]]:
    """The origin's cores and all nodes' together while ``count`` viewers watch each of
    ``urls``; the viewers' fps."""
    pids = {name: member.pid for name, member in net.nodes.items()}

    def cpu() -> dict[str, float]:
        return {name: tree_cpu(pid) for name, pid in pids.items()}

    async with watching(VIEWERS, urls, count) as viewers:
        await asyncio.sleep(1.0)  # settle: every pull and viewer flowing
        await say(viewers, "START")
        cpu0, t0 = cpu(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu1, wall = cpu(), time.monotonic() - t0
        await say(viewers, "STOP")
        fps = [f for v in viewers for f in await reported_fps(v)]
    cores = {name: (cpu1[name] - cpu0[name]) / wall for name in pids}
    logger.info("cores with %d x %d viewers: %s", len(urls), count, cores)
    return cores["origin"], sum(cores.values()), fps


async def cascade(count: int, seconds: float) -> dict[str, Any]:
    """Origin cores with 3 x ``count`` viewers on the origin, then on three edges."""
    clip = make_clip("1280x720", "2M", "1M", "3.1")
    names = ["origin", "edge-1", "edge-2", "edge-3"]
    extra = ["--publish-token", SHOW_TOKEN, "--max-live-viewers", "200", "--relay-workers", "1"]
    async with cluster(SCENE, dict.fromkeys(names), SMALL, extra) as net:
        origin = net.nodes["origin"].url
        publisher = await asyncio.create_subprocess_exec(
            *museion_command(), "publish", str(clip), "--loop", "--whip",
            f"{origin}/whip/show", "--token", SHOW_TOKEN, stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while (await net.health(origin))["live"]["publishers"] < 1:
                if time.monotonic() > deadline:
                    raise RuntimeError("the show did not start")
                await asyncio.sleep(0.2)
            alone = await origin_cores(net, [f"{origin}/whep/show"] * 3, count, seconds)
            edges = [f"{net.nodes[e].url}/whep/show" for e in names[1:]]
            cascaded = await origin_cores(net, edges, count, seconds)
        finally:
            publisher.terminate()
            await publisher.wait()
    return {"alone": alone, "cascaded": cascaded}


# The run --------------------------------------------------------------------------------


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pinned: dict[str, str | None] = {"node-1": "0", "node-2": "1"}
    async with cluster(SCENE, pinned, SMALL, ["--max-sessions", "16"]) as net:
        found["capacity"] = await capacity(net, args.seconds, args.max_visitors)
        found["placement"] = await placement(net, args.offers)
        found["failover"] = await failover(net, args.kills)
    found["cascade"] = await cascade(args.viewers, args.seconds)
    return found


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} / {percentile(values, 0.95) * 1000:.0f}"


def rows(found: dict[str, Any], viewers: int) -> list[Row]:
    cap = found["capacity"]
    one, two = cap["one"]["best"], cap["two"]["best"]
    out: list[Row] = [
        (
            f"capacity: most orbiting visitors all >= {TARGET_FPS:.0f} fps (640x360)",
            f"{two} on 2 nodes via door",
            f"{one} on 1 node",
            ratio(two, one),
        )
    ]
    split = cap["split"]["best"]
    out.append(
        (
            "  the same on 2 nodes directly, split evenly (no door)",
            f"{split} on 2 nodes",
            f"{one} on 1 node",
            ratio(split, one),
        )
    )
    ways = {"one": "1 node", "two": "2 nodes via door", "split": "2 nodes split"}
    for name, way in ways.items():
        for count, r in cap[name]["runs"]:
            out.append(
                (
                    f"  {way}, {count} visitors: fps min/mean [sessions per node]",
                    f"{min(r['fps']):.1f} / {statistics.mean(r['fps']):.1f} {r['placed']}",
                    f"clients {r['cores']:.2f} cores",
                    "",
                )
            )
    out.append(
        (
            "  where: node-1 core 0, node-2 core 1; visitors' process on cores "
            f"{CLIENT_CORES} (shared)",
            "",
            "",
            "",
        )
    )
    place = found["placement"]
    out.append(
        (
            f"placement: door 307 + WHEP answer, median / p95 ms ({len(place['door'])} offers)",
            _spread(place["door"]),
            f"{_spread(place['direct'])} direct POST /whep",
            ratio(statistics.median(place["door"]), statistics.median(place["direct"])),
        )
    )
    kills = found["failover"]
    if kills:
        out.append(
            (
                f"failover: SIGKILL to frames again, median / p95 ms ({len(kills)} kills)",
                _spread(kills),
                "",
                "",
            )
        )
    alone, alone_all, seen_alone = found["cascade"]["alone"]
    cascaded, cascaded_all, seen_edges = found["cascade"]["cascaded"]
    out += [
        (
            f"live cascade: origin cores, 3 x {viewers} viewers on 3 edges (edges on same box)",
            f"{cascaded:.3f} (fps min {min(seen_edges, default=0):.1f})",
            f"{alone:.3f} all on origin (fps min {min(seen_alone, default=0):.1f})",
            ratio(cascaded, alone),
        ),
        (
            "  all four nodes' cores together (origin + 3 edges)",
            f"{cascaded_all:.3f}",
            f"{alone_all:.3f}",
            ratio(cascaded_all, alone_all),
        ),
    ]
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--max-visitors", type=int, default=12)
    parser.add_argument("--offers", type=int, default=30)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--viewers", type=int, default=10)
    return parser


def run(argv: list[str] | None = None) -> list[Row]:
    """The rows for bench/run.py."""
    args = _parser().parse_args(argv or [])
    return rows(asyncio.run(measure(args)), args.viewers)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("museion").setLevel(logging.WARNING)
    sys.stdout.write(table(run(sys.argv[1:])))
