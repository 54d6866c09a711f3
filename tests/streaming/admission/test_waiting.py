"""The waiting room with a real server: arrival order, passes that admit once, a tab that
closes or vanishes leaving the queue; and the render load admission reads."""

from __future__ import annotations

import contextlib
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.runtime.engine import RenderEngine
from museion.streaming import passes
from museion.streaming.admission import PASS_HEADER, RenderLoad
from museion.streaming.admission.waiting import MAX_WAITING_FROM_ONE
from museion.streaming.errors import PassRefused
from museion.streaming.server import SESSIONS_KEY
from tests.conftest import LOOPBACK, delete, offer, serve, until, viewer
from tests.streaming.sockets import Told, told
from tests.streaming.test_metrics import scrape, sessions

FROM_ONE = MAX_WAITING_FROM_ONE
ONE_PLACE = dataclasses.replace(LOOPBACK, max_sessions=1, admission_fps=0)


class Queued(Told):
    """A waiting tab: where it stands, and its pass once admitted."""

    @property
    def position(self) -> int | None:
        spots = [m["position"] for m in self.of("queue")]
        return spots[-1] if spots else None

    @property
    def admitted(self) -> str | None:
        return next((m["pass"] for m in self.of("admitted")), None)


def queued(url: str, listen: bool = True) -> contextlib.AbstractAsyncContextManager[Queued]:
    """A tab waiting in ``url``'s queue."""
    return told(f"{url}/queue", listen=listen, kind=Queued)


async def post(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/whep",
            data=await offer(),
            headers={"Content-Type": "application/sdp", **(headers or {})},
        ) as reply,
    ):
        body = await reply.json() if reply.status != 201 else {}
        if reply.status == 201:
            async with http.delete(url + reply.headers["Location"]):
                pass
        return reply.status, body


async def test_visitors_wait_in_arrival_order_and_a_pass_admits_once(engine: RenderEngine) -> None:
    async with serve(engine, ONE_PLACE) as server, viewer(server.url) as first:
        status, body = await post(server.url)
        assert (status, body["code"], body["queue"]) == (503, "SERVER_FULL", "/queue")
        async with queued(server.url) as second, queued(server.url) as third:
            await until(lambda: second.position == 1 and third.position == 2)
            assert third.of("queue")[-1]["waiting"] == 2
            assert third.of("queue")[-1]["estimate"] > 0
            seen = await scrape(server.url)
            assert sessions(seen, "waiting") == 2 and seen[("museion_queue_length", ())] == 2
            # Nobody jumps the queue: a place freed goes to its head, not to a direct offer.
            assert await delete(server.url + first.location) == 204
            await until(lambda: second.admitted is not None)
            assert (await post(server.url))[0] == 503
            await until(lambda: third.position == 1)
            pass_text = second.admitted
            assert pass_text is not None
            # Forged, tampered, malformed: refused, and the place stays the pass's.
            pass_id, expires, mac = pass_text.split(".")
            for forged in (
                f"{pass_id}.{int(expires) + 999}.{mac}",
                f"x{pass_text}",
                "a.b",
                "é.1.2",
            ):
                status, body = await post(server.url, {PASS_HEADER: forged})
                assert (status, body["code"]) == (403, "PASS_INVALID"), forged
            async with viewer(server.url, headers={PASS_HEADER: pass_text}):
                await until(lambda: second.closed)
                # The same pass again (another tab, a replay) admits nobody.
                status, body = await post(server.url, {PASS_HEADER: pass_text})
                assert (status, body["code"]) == (403, "PASS_USED")
            await until(lambda: third.admitted is not None)
        # The third tab closed without using its pass: it lapses and the place is free.
        health = await server.health()
        assert health["waiting"] == 0


async def test_a_pass_not_used_in_time_gives_the_place_to_the_next(engine: RenderEngine) -> None:
    async with serve(engine, ONE_PLACE) as server, viewer(server.url) as first:
        server.app[SESSIONS_KEY].room.pass_ttl = 0.5
        async with queued(server.url) as second, queued(server.url) as third:
            await until(lambda: third.position == 2)
            assert await delete(server.url + first.location) == 204
            await until(lambda: second.admitted is not None)
            await until(lambda: third.admitted is not None, 10)  # second never came
            status, body = await post(server.url, {PASS_HEADER: second.admitted or ""})
            assert (status, body["code"]) in {(403, "PASS_EXPIRED"), (403, "PASS_USED")}
            async with viewer(server.url, headers={PASS_HEADER: third.admitted or ""}):
                assert (await server.health())["places_in_use"] == 1


async def test_a_waiting_tab_that_vanishes_leaves_the_queue_within_ten_seconds(
    engine: RenderEngine,
) -> None:
    async with (
        serve(engine, ONE_PLACE) as server,
        viewer(server.url),
        # A tab that stops answering (no pongs, nothing read), as a frozen or lost one.
        queued(server.url, listen=False),
        queued(server.url) as behind,
    ):
        await until(lambda: behind.position == 2)
        await until(lambda: behind.position == 1, 10)
        assert (await server.health())["waiting"] == 1


async def test_one_address_cannot_fill_the_line(engine: RenderEngine) -> None:
    async with (
        serve(engine, ONE_PLACE) as server,
        viewer(server.url),
        contextlib.AsyncExitStack() as tabs,
    ):
        line = [await tabs.enter_async_context(queued(server.url)) for _ in range(FROM_ONE)]
        await until(lambda: line[-1].position == FROM_ONE)
        async with aiohttp.ClientSession() as http, http.get(f"{server.url}/queue") as reply:
            assert reply.status == 503 and (await reply.json())["code"] == "SERVER_FULL"
        assert (await server.health())["waiting"] == FROM_ONE


async def test_nobody_waits_while_there_is_room(engine: RenderEngine) -> None:
    async with serve(engine, dataclasses.replace(ONE_PLACE, max_sessions=2)) as server:
        async with viewer(server.url), viewer(server.url):
            assert (await post(server.url))[0] == 503
        async with queued(server.url) as alone:
            await until(lambda: alone.admitted is not None)  # a free place: admitted at once


def test_render_load_admits_while_moving_visitors_keep_their_rate() -> None:
    now = [0.0]
    ticks = iter(range(10**6))  # each job takes 10 ms of the render thread
    load = RenderLoad(capacity=1, clock=lambda: now[0], timer=lambda: next(ticks) * 0.01)
    assert load.room_for(28)  # nothing measured yet: a 720p frame's prior cost
    with ThreadPoolExecutor(1) as pool:
        meters = [load.meter(pool) for _ in range(3)]
        for meter in meters:  # three visitors orbit: 90 renders each in the 3 s window
            for _ in range(90):
                meter.submit(lambda: None).result()
        assert load.frame_cost() == pytest.approx(0.010)
        assert load.busy() == pytest.approx(0.9)
        assert not load.room_for(28)  # a fourth at 28 fps would take 0.28 more of the thread
        load.forget(meters[2])  # one leaves: their load goes with them
        assert load.busy() == pytest.approx(0.6) and load.room_for(28)
        now[0] += 10.0  # the others stop moving: their renders age out of the window
        assert load.busy() == 0.0


@given(st.text(max_size=300))
def test_a_pass_is_ours_and_fresh_or_refused(text: str) -> None:
    key = passes.new_key()
    with contextlib.suppress(PassRefused):
        passes.read(key, text, 0.0)
        raise AssertionError(f"a pass we never signed was read: {text!r}")
    genuine = passes.sign(key, "abc", 100)
    assert passes.read(key, genuine, 99.0) == "abc"
    with pytest.raises(PassRefused) as lapsed:
        passes.read(key, genuine, 101.0)
    assert lapsed.value.code == "PASS_EXPIRED"
    with pytest.raises(PassRefused):
        passes.read(passes.new_key(), genuine, 0.0)  # another server's (or a restart's) key
