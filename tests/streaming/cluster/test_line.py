"""The cluster's one waiting line, through the door (real redis-server, a real node, real
aiortc visitors): a full cluster puts the visitor in line at the door, nobody walks in
ahead of them, and when a place frees up on a node their pass takes them there, once."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from museion.runtime.engine import RenderEngine
from museion.streaming.cluster.door import serve_door
from tests.conftest import LOOPBACK, serve, until
from tests.streaming.cluster.redis_server import redis_server
from tests.streaming.cluster.test_door import _registered_use, door_samples, post_offer

pytestmark = pytest.mark.render

SECRET = "a-cluster-secret-of-some-length"


async def _post(url: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """A visitor's offer with ``headers`` (redirects followed): the status and the JSON
    error (or the answer), the peer closed."""
    peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    peer.addTransceiver("video", direction="recvonly")
    peer.createDataChannel("view")
    await peer.setLocalDescription(await peer.createOffer())
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                url,
                data=peer.localDescription.sdp,
                headers={"Content-Type": "application/sdp", **headers},
            ) as reply,
        ):
            text = await reply.text()
            return reply.status, ({"sdp": text} if reply.status == 201 else json.loads(text))
    finally:
        await peer.close()


async def test_a_full_cluster_lines_visitors_up_and_lets_them_in_by_pass(
    engine: RenderEngine,
) -> None:
    with redis_server() as redis:
        node_settings = dataclasses.replace(
            LOOPBACK, redis_url=redis.url, node_id="a", max_sessions=1, admission_fps=0,
            cluster_secret=SECRET,
        )  # fmt: skip
        door_settings = dataclasses.replace(LOOPBACK, port=0, cluster_secret=SECRET)
        async with (
            serve(engine, node_settings) as node,
            serve_door(door_settings, redis.url) as door,
        ):
            status, _, first, first_pc = await post_offer(f"{door}/whep")
            assert status == 201
            await _registered_use(redis.url, 1)
            # Full: the door says where to wait.
            status, full = await _post(f"{door}/whep", {})
            assert (status, full["code"], full["queue"]) == (503, "SERVER_FULL", "/queue")
            async with aiohttp.ClientSession() as http, http.ws_connect(f"{door}/queue") as line:
                told = await line.receive_json(timeout=10)
                assert (told["type"], told["position"], told["waiting"]) == ("queue", 1, 1)
                assert (await door_samples(door))["museion_cluster_queue_length"] == 1
                # Someone waits: nobody walks in ahead, even with room about to free up.
                status, walk_in = await _post(f"{door}/whep", {})
                assert (status, walk_in["code"]) == (503, "SERVER_FULL")
                # A forged pass is refused at the door.
                status, forged = await _post(f"{door}/whep", {"X-Museion-Pass": "x.1.y"})
                assert (status, forged["code"]) == (403, "PASS_INVALID")
                # The first visitor leaves: the head of the line is let in.
                await first_pc.close()
                async with http.delete(f"{node.url}{first['location']}"):
                    pass
                while (told := await line.receive_json(timeout=15))["type"] != "admitted":
                    assert told["type"] == "queue"
                pass_text = told["pass"]
            status, entered = await _post(f"{door}/whep", {"X-Museion-Pass": pass_text})
            assert status == 201, entered
            await until(lambda: _sessions(node) == 1)
            # A pass admits once, across the cluster.
            status, again = await _post(f"{door}/whep", {"X-Museion-Pass": pass_text})
            assert (status, again["code"]) == (403, "PASS_USED")


def _sessions(node: Any) -> int:
    from museion.streaming.server import SESSIONS_KEY

    return len(node.app[SESSIONS_KEY].sessions)
