"""Several boxes joined through Redis (issue 17), with real parts: a real ``redis-server``,
a door and three gallery nodes as ``museion`` processes, each in a network namespace of
its own with a 10.77.0.x address (:mod:`tests.e2e.cluster_net`), and aiortc visitors in
the test's namespace reaching them all.

- Three visitors through the door land on three nodes and each sees frames; the door's
  redirect names a node's announced address, never 127.0.0.1.
- A node killed with SIGKILL is forgotten within 10 s (its record's TTL) and the next
  visitor lands on a live node.
- Redis killed and started again: the nodes keep serving their visitors meanwhile, the
  door answers ``503 CLUSTER_UNAVAILABLE`` at once, every node registers again and none
  died.
- Chromium opens the door's page and plays a node's stream (the offer redirected across
  origins).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from museion.streaming.cluster.store import ClusterStore
from tests.conftest import REPO, delete, offer, until, viewer
from tests.e2e.browser import WAIT, browser_page
from tests.e2e.cluster_net import (
    PUBLISH_TOKEN,
    ClusterNet,
    cluster_net,
    log_tails,
    missing_tools,
)
from tests.tools.cli import MUSEION

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools())),
]

_QUICK = aiohttp.ClientTimeout(total=5)  # "at once": a door that hangs fails the request


class Frames:
    """Counts the frames a visitor's track delivers, in the background."""

    def __init__(self, track: MediaStreamTrack) -> None:
        self.count = 0
        self.size: tuple[int, int] | None = None
        self._task = asyncio.ensure_future(self._run(track))

    async def _run(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame: Any = await track.recv()
                self.size = (frame.width, frame.height)
                self.count += 1

    async def more(self, frames: int = 10, timeout: float = 20.0) -> None:
        """Wait until ``frames`` more have come than now."""
        target = self.count + frames
        await until(lambda: self.count >= target, timeout, lambda: self.count)

    def stop(self) -> None:
        self._task.cancel()


@contextlib.asynccontextmanager
async def counting(track: MediaStreamTrack) -> AsyncIterator[Frames]:
    frames = Frames(track)
    try:
        yield frames
    finally:
        frames.stop()


async def post_offer(url: str) -> tuple[int, str, dict[str, Any] | None]:
    """``POST url/whep`` with a real offer, redirects not followed: status, ``Location``,
    and the error body (JSON) if any."""
    async with (
        aiohttp.ClientSession(timeout=_QUICK) as http,
        http.post(
            f"{url}/whep",
            data=await offer(),
            headers={"Content-Type": "application/sdp"},
            allow_redirects=False,
        ) as reply,
    ):
        body = await reply.json() if reply.content_type == "application/json" else None
        return reply.status, reply.headers.get("Location", ""), body


async def sessions(net: ClusterNet) -> dict[str, int]:
    """Sessions on each running node, as the node itself counts them."""
    return {
        name: (await net.health(node.url))["sessions"]
        for name, node in net.nodes.items()
        if node.running
    }


async def places_in_use(net: ClusterNet, count: int) -> None:
    """Wait until the door sees ``count`` places taken (the nodes' records say so)."""
    await until(lambda: _in_use(net, count), 15, lambda: (net.redis.url, log_tails(net)[-2000:]))


async def _in_use(net: ClusterNet, count: int) -> bool:
    return bool((await net.health())["places_in_use"] == count)


async def visitors(net: ClusterNet, stack: contextlib.AsyncExitStack, count: int) -> list[Frames]:
    """``count`` real visitors, one after the other, each POSTing to the door and following
    its 307 (as ``fetch`` does), counted by the door before the next comes (the door places
    by the nodes' records, written each second); their frames counted until ``stack`` ends."""
    seen = []
    for taken in range(1, count + 1):
        visitor = await stack.enter_async_context(viewer(net.door.url))
        seen.append(await stack.enter_async_context(counting(visitor.track)))
        await places_in_use(net, taken)
    return seen


async def test_three_visitors_through_the_door_land_on_three_nodes_and_see_frames() -> None:
    async with cluster_net(3) as net, contextlib.AsyncExitStack() as stack:
        # The door's redirect names a node as the node announced itself, on its own
        # network address: never loopback.
        status, location, _ = await post_offer(net.door.url)
        assert status == 307, location
        assert location in {f"{node.url}/whep" for node in net.nodes.values()}, location
        assert location.startswith("http://10.77.0.") and "127.0.0.1" not in location
        seen = await visitors(net, stack, 3)
        # One visitor on each node, each receiving the node's small stream.
        assert await sessions(net) == {"node-1": 1, "node-2": 1, "node-3": 1}
        for frames in seen:
            await frames.more()
            assert frames.size == (320, 180)
    assert net.exits == {"door": 0, "node-1": 0, "node-2": 0, "node-3": 0}, log_tails(net)


async def test_a_node_killed_is_forgotten_and_the_next_visitor_lands_on_a_live_one() -> None:
    async with cluster_net(3) as net, contextlib.AsyncExitStack() as stack:
        (frames,) = await visitors(net, stack, 1)
        await frames.more()
        (victim,) = [name for name, n in (await sessions(net)).items() if n == 1]
        assert await net.kill(victim, signal.SIGKILL) == -signal.SIGKILL
        # Its record's TTL runs out: the door counts the two others within 10 s.
        await net.wait_nodes(2, timeout=10)
        async with viewer(net.door.url) as second, counting(second.track) as after:
            await after.more()
            placed = await sessions(net)
            assert victim not in placed and sum(placed.values()) == 1, placed
    survivors = {name: code for name, code in net.exits.items() if name != victim}
    assert set(survivors.values()) == {0}, (net.exits, log_tails(net))


async def test_redis_killed_and_restarted_nodes_keep_serving_and_register_again() -> None:
    async with cluster_net(3) as net, contextlib.AsyncExitStack() as stack:
        first, second = await visitors(net, stack, 2)
        net.stop_redis()
        # The door cannot place anyone: it says so at once (a hang would time out).
        status, _, body = await post_offer(net.door.url)
        assert status == 503 and body is not None, (status, body)
        assert body["code"] == "CLUSTER_UNAVAILABLE", body
        # The visitors the nodes have go on seeing frames while Redis is down...
        await first.more()
        await second.more()
        # ...and a node asked directly takes no one new it cannot account for (once its
        # last write is a few seconds old; a visitor it still took leaves at once).
        node = next(iter(net.nodes.values()))
        refused: list[Any] = []

        async def node_refuses() -> bool:
            refused[:] = await post_offer(node.url)
            if refused[0] == 201:
                await delete(f"{node.url}{refused[1]}")
            return bool(refused[0] == 503 and refused[2]["code"] == "CLUSTER_UNAVAILABLE")

        await until(node_refuses, 15, lambda: refused)
        # Redis back, empty: every node registers again, none has died.
        net.start_redis()
        await net.wait_nodes(3, timeout=15)
        assert all(n.running for n in net.nodes.values()), log_tails(net)
        await places_in_use(net, 2)
        await first.more()
        await second.more()
    assert net.exits == {"door": 0, "node-1": 0, "node-2": 0, "node-3": 0}, log_tails(net)


async def test_chromium_opens_the_door_and_plays_a_nodes_stream() -> None:
    async with cluster_net(2) as net, browser_page() as page:
        # The page comes from the door; its offer is redirected (307, another origin) to a
        # node, which answers and streams to the browser in the test's namespace.
        await page.goto(f"{net.door.url}/")
        await page.wait_for_function(
            "document.getElementById('video').videoWidth === 320", timeout=WAIT
        )
        placed = await sessions(net)
        assert sum(placed.values()) == 1, placed
    assert net.exits == {"door": 0, "node-1": 0, "node-2": 0}, log_tails(net)


async def test_a_node_killed_under_a_visitor_who_carries_on_elsewhere_where_they_stood() -> None:
    async with cluster_net(2) as net, browser_page() as page:
        await page.goto(f"{net.door.url}/?lang=zh")
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
        await page.wait_for_function("window.museion.where", timeout=WAIT)
        start = await page.evaluate("window.museion.where.heading")
        for _ in range(4):
            await page.evaluate(
                "window.museion.sendCommand({type: 'walk', forward: 0.3, turn: 10, look: -3})"
            )
        # The page keeps where its visitor is, as the node tells it (turned 40 degrees).
        turned = round(((start - 40 + 180) % 360) - 180, 3)
        await page.wait_for_function(
            "(h) => Math.abs(window.museion.where.heading - h) < 1e-2", arg=turned, timeout=WAIT
        )
        stood = await page.evaluate("window.museion.where")
        placed = await sessions(net)
        (serving,) = [name for name, count in placed.items() if count == 1]
        assert await net.kill(serving) == -signal.SIGKILL
        # Within 10 s the page plays again, on the other node, where the visitor stood.
        shown = await page.evaluate("window.museion.framesShown")
        await page.wait_for_function(
            "(n) => window.museion.failover.recoveries >= 1 && window.museion.framesShown > n + 5",
            arg=shown,
            timeout=10_000,
        )
        (other,) = [name for name in net.nodes if name != serving]
        assert (await sessions(net))[other] == 1
        await page.wait_for_function(
            "([x, h]) => window.museion.where && Math.abs(window.museion.where.at[0] - x) < 1e-3"
            " && Math.abs(window.museion.where.heading - h) < 1e-2",
            arg=[stood["at"][0], turned],
            timeout=WAIT,
        )
        assert await page.evaluate("window.museion.labels.language") == "zh"
        assert await page.locator("#overlay").is_hidden()
    assert net.exits[other] == 0 and net.exits["door"] == 0, log_tails(net)


async def _watching(net: ClusterNet) -> dict[str, int]:
    """Live viewers on each running node, as the node counts them (an edge's pull is one
    viewer at the origin)."""
    return {
        name: (await net.health(node.url))["live"]["viewers"]
        for name, node in net.nodes.items()
        if node.running
    }


async def _records_watching(net: ClusterNet, total: int, stream: str | None = None) -> None:
    """Wait until the nodes' records in Redis (what the door places viewers by) count
    ``total`` live viewers in all (and list ``stream``)."""
    store = ClusterStore(net.redis.url)
    try:

        async def counted() -> bool:
            nodes = await store.nodes()
            flowing = stream is None or any(stream in n.streams for n in nodes)
            return flowing and sum(n.watching for n in nodes) >= total

        await until(counted, 20, lambda: log_tails(net)[-2000:])
    finally:
        await store.close()


async def test_a_live_show_flows_to_edges_and_a_viewer_whose_edge_dies_watches_on() -> None:
    async with cluster_net(3) as net, browser_page() as page:
        origin = net.nodes["node-1"]
        publisher = subprocess.Popen(
            [*MUSEION, "publish", "testsrc", "--whip", f"{origin.url}/whip/show",
             "--token", PUBLISH_TOKEN, "--size", "320x180"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
        )  # fmt: skip
        try:

            async def listed() -> bool:
                async with aiohttp.ClientSession() as http, http.get(f"{net.door.url}/live") as r:
                    return any(s["stream"] == "show" for s in (await r.json())["shows"])

            await until(listed, 30, lambda: log_tails(net)[-2000:])
            await _records_watching(net, 0, stream="show")
            async with contextlib.AsyncExitStack() as stack:
                # Viewers through the door, each once the records count the one before:
                # the first at the origin, the next on another node, which pulls the show.
                first = await stack.enter_async_context(viewer(net.door.url, "/show"))
                await _records_watching(net, 1)
                second = await stack.enter_async_context(viewer(net.door.url, "/show"))
                await _records_watching(net, 3)  # the second viewer and its edge's link
                watchers = [Frames(first.track), Frames(second.track)]
                # The page, on the third node (another edge).
                await page.goto(f"{net.door.url}/live/show")
                await page.wait_for_function(
                    "window.museion.inbound && window.museion.inbound.framesDecoded > 5",
                    timeout=WAIT,
                )
                location = await page.evaluate("window.museion.location")
                (page_node,) = [n for n, m in net.nodes.items() if location.startswith(m.url)]
                watching = await _watching(net)
                assert page_node != "node-1" and watching[page_node] == 1, (location, watching)
                # The origin serves its own viewer and one link per edge, not every viewer.
                assert watching["node-1"] == 3, watching
                for frames in watchers:
                    await frames.more(5)
                # The edge serving the page dies: the page watches on through another node.
                assert await net.kill(page_node) == -signal.SIGKILL
                await page.wait_for_function(
                    "window.museion.recoveries >= 1 && document.body.dataset.state === 'live'",
                    timeout=WAIT,
                )
                decoded = await page.evaluate("window.museion.inbound.framesDecoded")
                await page.wait_for_function(
                    "(n) => window.museion.inbound.framesDecoded > n + 5", arg=decoded, timeout=WAIT
                )
                moved = await page.evaluate("window.museion.location")
                assert not moved.startswith(net.nodes[page_node].url)
        finally:
            publisher.terminate()
            publisher.wait(10)
