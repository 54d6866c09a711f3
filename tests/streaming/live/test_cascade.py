"""Cascaded live relay: a show published to one node (the origin) pulled by another (the
edge) over one internal link, never re-encoded (real ``redis-server``, two real gallery
servers, a real WHIP publisher, aiortc viewers; all on loopback here, the tests across
network namespaces are in tests/e2e)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiortc.contrib.media import MediaPlayer

from museion.runtime.engine import RenderEngine
from museion.streaming.cluster.store import ClusterStore
from museion.streaming.live import LIVE_KEY
from museion.streaming.live.cascade import CASCADE_KEY
from museion.streaming.live.registry import EDGE_HEADER
from museion.streaming.live.stream import EncodedFrame, LiveStream
from museion.streaming.tours import TOURS_KEY
from tests.conftest import Server, offer, serve, until, viewer
from tests.streaming.cluster.redis_server import RedisServer, redis_server
from tests.streaming.live import test_live
from tests.streaming.live.test_live import LIVE, publisher, watcher
from tests.streaming.tours.test_tours import BEARER, TOURS, follower

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed"),
]

SECRET = "cluster-secret-0123456789"
clip = test_live.clip  # the same 20 s H.264 show, as a fixture here too


async def _listed(redis_url: str, node: str, stream: str) -> bool:
    store = ClusterStore(redis_url)
    try:
        return any(n.id == node and stream in n.streams for n in await store.nodes())
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def cluster(
    engine: RenderEngine, clip: Path
) -> AsyncIterator[tuple[Server, Server, RedisServer]]:
    """Node ``a`` with the show published to it, node ``b`` beside it (its viewers served
    by a relay worker), both in one Redis; yields once the cluster lists the show on a."""
    with redis_server() as redis:
        common = dataclasses.replace(LIVE, redis_url=redis.url, cluster_secret=SECRET)
        origin = dataclasses.replace(common, node_id="a", relay_workers=0)
        edge = dataclasses.replace(common, node_id="b", relay_workers=1)
        async with serve(engine, origin) as a, serve(engine, edge) as b, publisher(a.url, clip):
            await until(lambda: _listed(redis.url, "a", "show"))
            yield a, b, redis


def _hashes(stream: LiveStream) -> set[str]:
    """The SHA-1 of every frame ``stream`` holds or takes from now on."""
    seen = {hashlib.sha1(f.data).hexdigest() for f in stream.kept_frames()}

    def sink(frame: EncodedFrame) -> None:
        seen.add(hashlib.sha1(frame.data).hexdigest())

    stream.sinks.append(sink)
    return seen


async def test_an_edge_pulls_a_show_once_and_serves_its_viewers_the_origins_own_frames(
    engine: RenderEngine, clip: Path
) -> None:
    async with cluster(engine, clip) as (a, b, _):
        live_a, live_b = a.app[LIVE_KEY], b.app[LIVE_KEY]
        b.app[CASCADE_KEY].linger = 0.5
        show = live_a.streams["show"]
        at_origin = _hashes(show)
        async with (
            watcher(b.url) as (first, _),
            watcher(b.url) as (second, _),
            watcher(b.url) as (third, _),
        ):
            pulled = live_b.streams["show"]
            at_edge = _hashes(pulled)
            await until(lambda: min(w.frames for w in (first, second, third)) >= 30, 60)
            await until(lambda: len(at_edge) >= 30, 30)
            # One link whatever the number of the edge's viewers; it took no public place.
            assert live_a.watching(show) == 1 and live_a.seats.in_use == 0
            assert live_b.watching(pulled) == 3
            # The edge's frames are the origin's own bytes: passed through, not re-encoded.
            assert at_edge <= at_origin, len(at_edge - at_origin)
            assert first.sizes == {(640, 360)}
            assert pulled.codec == show.codec == "H264"
            # The edge lists the stream: the door may send further viewers to it.
            await until(lambda: _listed(a.settings.redis_url or "", "b", "show"))
        # The last viewer gone, the pull ends after its linger, and its link with it.
        await until(lambda: "show" not in live_b.streams and live_a.watching(show) == 0, 30)
        assert live_b.publishers == {} and live_b.pulled == set()


async def test_an_edge_whose_link_drops_pulls_again_and_its_viewers_resume(
    engine: RenderEngine, clip: Path
) -> None:
    async with cluster(engine, clip) as (a, b, redis), watcher(b.url) as (seen, _):
        live_a = a.app[LIVE_KEY]
        show = live_a.streams["show"]
        await until(lambda: seen.frames >= 30, 60)
        links: list[str] = []
        for redis_down in (False, True):
            if redis_down:  # the origin is looked up in Redis; without it, the last one's
                redis.stop(kill=True)
            (link,) = [v for v in live_a.viewers.values() if v.stream is show]
            links.append(link.id)
            await live_a.end_viewer(link, "cut by the test")  # the origin ends the link
            await until(lambda: any(v.id not in links for v in live_a.viewers.values()), 30)
            # The viewer decodes again: the new link starts at a keyframe.
            await until(lambda after=seen.frames: seen.frames >= after + 30, 30)
            assert live_a.watching(show) == 1 and not seen.ended


async def test_the_show_ending_at_its_origin_ends_it_at_the_edge(
    engine: RenderEngine, clip: Path
) -> None:
    with redis_server() as redis:
        common = dataclasses.replace(LIVE, redis_url=redis.url, cluster_secret=SECRET)
        origin = dataclasses.replace(common, node_id="a", relay_workers=0)
        edge = dataclasses.replace(common, node_id="b", relay_workers=0)
        async with serve(engine, origin) as a, serve(engine, edge) as b:
            publishing = contextlib.AsyncExitStack()
            await publishing.enter_async_context(publisher(a.url, clip))
            try:
                await until(lambda: _listed(redis.url, "a", "show"))
                async with watcher(b.url) as (seen, _):
                    await until(lambda: seen.frames >= 10, 60)
                    await publishing.aclose()  # the publisher leaves the origin
                    # No node lists the show any more: the edge ends it, not retrying.
                    await until(lambda: seen.ended, 30)
            finally:
                await publishing.aclose()
            live = b.app[LIVE_KEY]
            await until(lambda: "show" not in live.streams, 10)
            assert live.viewers == {} and live.pulled == set() and live.publishers == {}


async def _refusal(url: str, headers: dict[str, str]) -> tuple[int, str]:
    sdp = await offer(channel=False)
    headers = {**headers, "Content-Type": "application/sdp"}
    async with aiohttp.ClientSession() as http, http.post(url, data=sdp, headers=headers) as r:
        return r.status, await r.text()


async def test_a_pull_needs_the_cluster_secret_and_only_an_origin_serves_one(
    engine: RenderEngine, clip: Path
) -> None:
    async with cluster(engine, clip) as (a, b, _):
        pull = {EDGE_HEADER: b.url}
        status, body = await _refusal(f"{a.url}/whep/show", pull)
        assert status == 401 and '"CLUSTER_SECRET_REQUIRED"' in body
        wrong = {**pull, "Authorization": "Bearer not-the-cluster-secret"}
        status, body = await _refusal(f"{a.url}/whep/show", wrong)
        assert status == 403 and '"CLUSTER_SECRET_REJECTED"' in body
        assert a.app[LIVE_KEY].viewers == {}
        # Nowhere live: the edge says so at once, and pulls nothing.
        status, body = await _refusal(f"{b.url}/whep/nothing", {})
        assert status == 404 and '"STREAM_NOT_LIVE"' in body
        assert "nothing" not in b.app[LIVE_KEY].streams
        async with watcher(b.url) as (seen, _):
            await until(lambda: seen.frames > 0, 60)
            # An edge serves no pull itself: two edges never pull from each other.
            right = {**pull, "Authorization": f"Bearer {SECRET}"}
            status, body = await _refusal(f"{b.url}/whep/show", right)
            assert status == 409 and '"STREAM_NOT_ORIGIN"' in body


async def test_a_docent_tour_cascades_the_same_way_voice_included(engine: RenderEngine) -> None:
    microphone = MediaPlayer("sine=frequency=440:sample_rate=48000", format="lavfi")
    with redis_server() as redis:
        common = dataclasses.replace(TOURS, redis_url=redis.url, cluster_secret=SECRET)
        origin = dataclasses.replace(common, node_id="a", relay_workers=0)
        edge = dataclasses.replace(common, node_id="b", relay_workers=0)
        async with (
            serve(engine, origin) as a,
            serve(engine, edge) as b,
            viewer(a.url, "?title=Bronzes", BEARER, microphone.audio),
        ):
            (tour,) = a.app[TOURS_KEY]
            name = f"tour-{tour}"
            await until(lambda: _listed(redis.url, "a", name))
            published = _hashes(a.app[LIVE_KEY].streams[name])
            async with follower(b.url, name) as following:
                await until(lambda: len(following.hashes) >= 20 and following.audio > 20, 60)
                # The docent's own encoded frames reach the edge's follower, voice beside.
                assert set(following.hashes) <= published
                assert b.app[LIVE_KEY].streams[name].listed is False  # listed with its tour
                assert a.app[LIVE_KEY].watching(a.app[LIVE_KEY].streams[name]) == 1
