"""Nodes registered in a real Redis and the door that places visitors on them (real
``redis-server``, real servers, real aiortc peers; all on loopback here: the tests with
each node in its own network namespace are in tests/e2e)."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from museion.runtime.engine import RenderEngine
from museion.streaming.cluster.door import serve_door
from museion.streaming.cluster.placing import choose_node, node_for_stream
from museion.streaming.cluster.records import NodeRecord, RecordInvalid, parse_record
from museion.streaming.cluster.store import ClusterStore, redacted
from tests.conftest import LOOPBACK, serve, until, viewer
from tests.streaming.cluster.redis_server import redis_server

pytestmark = pytest.mark.render

RECORD = NodeRecord("n1", "http://10.0.0.1:8080", "Hall", 4, 1, 0.25, ("show",), 1.0)


def test_a_record_round_trips_and_hostile_ones_are_refused() -> None:
    assert parse_record(RECORD.to_json()) == RECORD
    assert RECORD.spare == 3
    good = json.loads(RECORD.to_json())
    for change in (
        {"url": "javascript:alert(1)"},
        {"url": "http://a b"},
        {"id": "../../etc"},
        {"places": -1},
        {"in_use": True},
        {"busy": 2.0},
        {"busy": float("nan")},
        {"streams": ["x" * 200]},
        {"streams": "show"},
        {"updated": "now"},
    ):
        with pytest.raises(RecordInvalid):
            parse_record(json.dumps({**good, **change}))
    for raw in ("", "[]", "{", "x" * 70_000, b"\xff"):
        with pytest.raises(RecordInvalid):
            parse_record(raw)


def test_the_door_chooses_the_node_with_the_most_places_free() -> None:
    full = dataclasses.replace(RECORD, id="full", in_use=4)
    busy = dataclasses.replace(RECORD, id="busy", in_use=0, busy=0.99)
    roomy = dataclasses.replace(RECORD, id="roomy", in_use=0, busy=0.5)
    roomier = dataclasses.replace(RECORD, id="roomier", in_use=0, busy=0.1)
    assert choose_node([full, busy, roomy, roomier]) == roomier
    assert choose_node([full, busy]) is None
    assert choose_node([]) is None
    # A pulled stream's viewers may go to its edge; its pages only to its origin.
    origin = dataclasses.replace(RECORD, id="origin", busy=0.5)
    edge = dataclasses.replace(RECORD, id="edge", busy=0.1, pulled=("show",))
    assert node_for_stream([origin, edge], "show") == edge
    assert node_for_stream([origin, edge], "show", origin=True) == origin
    assert node_for_stream([origin, edge], "none") is None
    # Visitors this door just sent count against a node until its record says so.
    assert choose_node([roomy, roomier], {"roomier": 4}) == roomy


def test_secrets_in_a_redis_url_never_show() -> None:
    assert redacted("redis://:s3cret@db:6379/0") == "redis://***@db:6379/0"
    assert redacted("rediss://museion:s3cret@db/1") == "rediss://***@db/1"
    assert redacted("redis://db:6379/0") == "redis://db:6379/0"
    assert redacted("redis://db/0?password=s3cret&db=1") == "redis://db/0?password=***&db=1"
    settings = dataclasses.replace(
        LOOPBACK, redis_url="redis://:s3cret@db:6379/0", cluster_secret="0123456789abcdef!"
    )
    assert "s3cret" not in repr(settings) and "0123456789abcdef!" not in repr(settings)


async def _nodes(url: str) -> list[NodeRecord]:
    store = ClusterStore(url)
    try:
        return await store.nodes()
    finally:
        await store.close()


async def test_a_node_registers_and_is_forgotten_when_it_goes(engine: RenderEngine) -> None:
    with redis_server() as redis:
        settings = dataclasses.replace(LOOPBACK, redis_url=redis.url, node_id="alpha")
        async with serve(engine, settings) as server:
            (node,) = await _nodes(redis.url)
            assert (node.id, node.url, node.places, node.in_use) == ("alpha", server.url, 4, 0)
            assert node.exhibition
            assert abs(node.updated - time.time()) < 30
        assert await _nodes(redis.url) == []  # left cleanly: forgotten at once

        # A node that stops refreshing (crashed, unplugged) is forgotten within 10 s.
        store = ClusterStore(redis.url)
        await store.publish(dataclasses.replace(RECORD, id="gone"))
        await store.close()
        assert [n.id for n in await _nodes(redis.url)] == ["gone"]
        # One not refreshed for 3 s is given no visitors, though its record lives on.
        store = ClusterStore(redis.url)
        await store.publish(dataclasses.replace(RECORD, id="stale"), ttl=2)
        assert [n.id for n in await store.nodes()] == ["gone"]
        await store.close()

        async def forgotten() -> bool:
            return not await _nodes(redis.url)

        await until(forgotten, 10.0, lambda: "the record outlived its TTL")


async def post_offer(url: str) -> tuple[int, str, dict[str, Any], RTCPeerConnection]:
    """A visitor's WHEP offer to ``url`` (redirects followed, as fetch does): the final
    status, the URL that answered, the body or JSON error, and the peer."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("view")
    await pc.setLocalDescription(await pc.createOffer())
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            url, data=pc.localDescription.sdp, headers={"Content-Type": "application/sdp"}
        ) as reply,
    ):
        text = await reply.text()
        body: dict[str, Any] = {"sdp": text, "location": reply.headers.get("Location")}
        if reply.status != 201:
            body = json.loads(text)
        else:
            await pc.setRemoteDescription(RTCSessionDescription(text, "answer"))
        return reply.status, str(reply.url), body, pc


async def test_the_door_sends_visitors_to_a_node_with_room(engine: RenderEngine) -> None:
    with redis_server() as redis:
        one = dataclasses.replace(LOOPBACK, redis_url=redis.url, max_sessions=1, admission_fps=0)
        async with (
            serve(engine, dataclasses.replace(one, node_id="a")) as a,
            serve(engine, dataclasses.replace(one, node_id="b")) as b,
            serve_door(dataclasses.replace(LOOPBACK, port=0), redis.url) as door,
        ):
            # The door's page is the gallery's.
            async with aiohttp.ClientSession() as http, http.get(f"{door}/") as page:
                assert page.status == 200 and "museion" in (await page.text()).lower()
            # The first visitor goes to one node by a 307, the next to the other.
            async with (
                aiohttp.ClientSession() as http,
                http.post(f"{door}/whep", data="v=0", allow_redirects=False) as redirect,
            ):
                assert redirect.status == 307
                assert redirect.headers["Location"] in (f"{a.url}/whep", f"{b.url}/whep")
            status, where, first, pc1 = await post_offer(f"{door}/whep")
            assert status == 201, first
            await until(lambda: len(_in_use(a, b)) == 1)
            # The records say so within a refresh; then the other node gets the next one.
            await _registered_use(redis.url, 1)
            status, where2, second, pc2 = await post_offer(f"{door}/whep")
            assert status == 201, second
            assert {where.rsplit("/", 1)[0], where2.rsplit("/", 1)[0]} == {a.url, b.url}
            await _registered_use(redis.url, 2)
            # Both full: the door says so, as a node does.
            status, _, full, pc3 = await post_offer(f"{door}/whep")
            assert (status, full["code"]) == (503, "SERVER_FULL")
            # The door's metrics count the cluster.
            samples = await door_samples(door)
            assert samples["museion_cluster_up"] == 1
            assert samples["museion_cluster_nodes"] == 2
            assert (
                samples["museion_cluster_places"],
                samples["museion_cluster_places_in_use"],
            ) == (
                2,
                2,
            )
            for pc in (pc1, pc2, pc3):
                await pc.close()


async def door_samples(door: str) -> dict[str, float]:
    """The door's unlabelled metrics, by name."""
    from prometheus_client.parser import text_string_to_metric_families

    async with aiohttp.ClientSession() as http, http.get(f"{door}/metrics") as reply:
        assert reply.status == 200
        text = await reply.text()
    assert "redis://" not in text  # never a Redis URL, let alone its password
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


def _in_use(*servers: Any) -> list[Any]:
    from museion.streaming.server import SESSIONS_KEY

    return [s for server in servers for s in server.app[SESSIONS_KEY].sessions.values()]


async def _registered_use(url: str, in_use: int) -> None:
    seen: list[NodeRecord] = []

    async def counted() -> bool:
        seen[:] = await _nodes(url)
        return sum(n.in_use for n in seen) == in_use

    await until(counted, 10.0, lambda: seen)


async def test_redis_down_new_visitors_are_refused_and_current_ones_carry_on(
    engine: RenderEngine,
) -> None:
    with redis_server() as redis:
        settings = dataclasses.replace(LOOPBACK, redis_url=redis.url, node_id="solo")
        async with (
            serve(engine, settings) as node,
            serve_door(dataclasses.replace(LOOPBACK, port=0), redis.url) as door,
        ):
            status, _, _, playing = await post_offer(f"{door}/whep")
            assert status == 201
            (visitor,) = _in_use(node)
            redis.stop(kill=True)
            # The door answers with a clear code (its Redis calls are bounded: a hang would
            # fail this test by its timeout; how fast is bench/cluster.py's to measure).
            status, _, body, pc = await post_offer(f"{door}/whep")
            await pc.close()
            assert (status, body["code"]) == (503, "CLUSTER_UNAVAILABLE")
            assert (await door_samples(door))["museion_cluster_up"] == 0

            # The node refuses new visitors once it has lost Redis for a few seconds...
            async def refused() -> bool:
                status, _, body, pc = await post_offer(f"{node.url}/whep")
                await pc.close()
                return status == 503 and body["code"] == "CLUSTER_UNAVAILABLE"

            await until(refused, 10.0)
            # ...while the visitor it has goes on.
            assert visitor in _in_use(node) and visitor.end_reason is None
            sent = visitor.track.frames_sent
            await until(lambda: visitor.track.frames_sent > sent + 5)
            # Redis back: the node is registered again and takes visitors.
            redis.start()

            async def registered() -> bool:
                return [n.id for n in await _nodes(redis.url)] == ["solo"]

            await until(registered, 10.0)
            status, _, _, again = await post_offer(f"{door}/whep")
            assert status == 201
            for pc in (playing, again):
                await pc.close()


async def test_tls_and_an_acl_user_work_and_a_wrong_password_is_unavailable(
    engine: RenderEngine,
) -> None:
    with redis_server(tls=True) as redis:
        assert redis.url.startswith("rediss://")
        settings = dataclasses.replace(LOOPBACK, redis_url=redis.url, node_id="tls")
        async with serve(engine, settings):
            assert [n.id for n in await _nodes(redis.url)] == ["tls"]
    with redis_server(password="admin-pw") as redis:
        redis.add_user("museion", "node-pw")
        user = redis.user_url("museion", "node-pw")
        settings = dataclasses.replace(LOOPBACK, redis_url=user, node_id="acl")
        async with serve(engine, settings) as node:
            assert [n.id for n in await _nodes(redis.url)] == ["acl"]
        wrong = redis.user_url("museion", "nope")
        settings = dataclasses.replace(LOOPBACK, redis_url=wrong, node_id="wrong")
        async with serve(engine, settings) as node:
            status, _, body, pc = await post_offer(f"{node.url}/whep")
            await pc.close()
            assert (status, body["code"]) == (503, "CLUSTER_UNAVAILABLE")


async def test_the_door_lists_every_nodes_tours_and_sends_followers_to_theirs(
    engine: RenderEngine,
) -> None:
    from tests.streaming.tours.test_tours import BEARER, TOURS, tour_of

    with redis_server() as redis:
        cluster = dataclasses.replace(TOURS, redis_url=redis.url)
        async with (
            serve(engine, dataclasses.replace(cluster, node_id="a")) as a,
            serve(engine, dataclasses.replace(cluster, node_id="b")),
            serve_door(dataclasses.replace(LOOPBACK, port=0), redis.url) as door,
            viewer(a.url, "?title=Bronzes", BEARER),
        ):
            tour = tour_of(a)
            await _stream_registered(redis.url, f"tour-{tour}")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{door}/tours") as listed:
                    (entry,) = (await listed.json())["tours"]
                assert (entry["id"], entry["url"]) == (tour, f"/tour/{tour}")
                for path in (f"/tour/{tour}", f"/tours/{tour}"):
                    async with http.get(f"{door}{path}", allow_redirects=False) as page:
                        assert page.status == 307
                        assert page.headers["Location"] == f"{a.url}{path}"
                async with http.get(f"{door}/tour/none", allow_redirects=False) as missing:
                    assert missing.status == 404
                async with http.get(f"{door}/docent", allow_redirects=False) as docent:
                    assert docent.status == 307
                async with http.get(f"{door}/live") as shows:
                    assert (await shows.json()) == {"shows": []}


async def _stream_registered(url: str, stream: str) -> None:
    async def flowing() -> bool:
        return any(stream in n.streams for n in await _nodes(url))

    await until(flowing, 10.0)


async def test_a_full_node_sends_a_visitor_on_to_one_with_room(engine: RenderEngine) -> None:
    with redis_server() as redis:
        one = dataclasses.replace(LOOPBACK, redis_url=redis.url, max_sessions=1, admission_fps=0)
        async with (
            serve(engine, dataclasses.replace(one, node_id="a")) as a,
            serve(engine, dataclasses.replace(one, node_id="b")) as b,
        ):
            status, _, _, first = await post_offer(f"{a.url}/whep")
            assert status == 201
            await _registered_use(redis.url, 1)
            # A is full: any node acts as the door, sending the next visitor to B.
            async with (
                aiohttp.ClientSession() as http,
                http.post(f"{a.url}/whep?lang=zh", data="v=0", allow_redirects=False) as sent,
            ):
                assert (sent.status, sent.headers["Location"]) == (307, f"{b.url}/whep?lang=zh")
            status, where, _, second = await post_offer(f"{a.url}/whep")
            assert status == 201 and where.startswith(b.url)
            await _registered_use(redis.url, 2)
            # Both full: A's own refusal.
            status, _, full, third = await post_offer(f"{a.url}/whep")
            assert (status, full["code"]) == (503, "SERVER_FULL")
            for pc in (first, second, third):
                await pc.close()
