"""The cluster's one waiting room in a real ``redis-server``: arrival order, caps, tickets
that stop heartbeating, admissions raced by many doors (connections and processes), and
passes used once across the cluster."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest

from museion.streaming import passes
from museion.streaming.admission import waiting
from museion.streaming.cluster.queue import (
    MAX_WAITING,
    MAX_WAITING_FROM_ONE,
    TICKET_TTL,
    Admission,
    ClusterQueue,
    Ticket,
)
from museion.streaming.cluster.records import NodeRecord
from museion.streaming.cluster.store import ClusterStore
from museion.streaming.errors import CapacityReached, ClusterUnavailable, PassRefused
from tests.conftest import until
from tests.streaming.cluster.redis_server import RedisServer, redis_server

SECRET = b"0123456789abcdef-cluster"
NOW = 1_800_000_000.0


def _node(node_id: str, places: int, in_use: int = 0, updated: float = NOW - 1) -> NodeRecord:
    return NodeRecord(node_id, "http://10.0.0.1:8080", "Hall", places, in_use, 0.1, (), updated)


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@contextlib.asynccontextmanager
async def _doors(url: str, count: int = 1) -> AsyncIterator[list[ClusterQueue]]:
    """``count`` doors' queues, each over its own connection pool."""
    stores = [ClusterStore(url) for _ in range(count)]
    try:
        yield [ClusterQueue(store) for store in stores]
    finally:
        for store in stores:
            await store.close()


async def _line(queue: ClusterQueue, count: int, address: str = "") -> list[Ticket]:
    return [await queue.join(address or f"10.0.{i // 50}.{i % 50}") for i in range(count)]


async def test_the_line_keeps_arrival_order_and_tells_positions(redis: RedisServer) -> None:
    async with _doors(redis.url, 2) as (one, two):
        tickets = [await (one if i % 2 else two).join(f"10.0.0.{i}") for i in range(5)]
        assert [t.seq for t in tickets] == sorted({t.seq for t in tickets})
        assert [await one.position(t) for t in tickets] == [(i, 5) for i in range(1, 6)]
        await two.leave(tickets[1])
        assert await one.length() == 4
        assert [await two.position(t) for t in tickets] == [(1, 4), (0, 4), (2, 4), (3, 4), (4, 4)]
        standing = await one.standing(tickets[1], SECRET)
        assert (standing.position, standing.pass_text) == (0, None)
        assert not await one.heartbeat(tickets[1])


async def test_the_line_is_capped_per_address_and_in_all(redis: RedisServer) -> None:
    assert MAX_WAITING == waiting.MAX_WAITING  # the same caps as one box's waiting room
    assert MAX_WAITING_FROM_ONE == waiting.MAX_WAITING_FROM_ONE
    async with _doors(redis.url) as (queue,):
        school = await _line(queue, MAX_WAITING_FROM_ONE, "192.0.2.7")
        with pytest.raises(CapacityReached) as refused:
            await queue.join("192.0.2.7")
        assert refused.value.code == "SERVER_FULL" and refused.value.retry_after > 0
        await queue.join("192.0.2.8")  # another address still may
        await queue.leave(school[0])
        await queue.join("192.0.2.7")  # and this one again, once one of its tickets left
        await _line(queue, MAX_WAITING - MAX_WAITING_FROM_ONE - 1)
        assert (await queue.position(school[-1]))[1] == MAX_WAITING
        with pytest.raises(CapacityReached):
            await queue.join("198.51.100.1")


async def test_a_ticket_without_heartbeats_leaves_the_line(redis: RedisServer) -> None:
    async with _doors(redis.url) as (queue,):
        quiet, alive = await queue.join("10.0.0.1"), await queue.join("10.0.0.2")

        async def dropped() -> bool:
            assert await queue.heartbeat(alive)
            return (await queue.position(quiet))[0] == 0

        await until(dropped, timeout=TICKET_TTL + 2)
        assert await queue.position(alive) == (1, 1)
        assert not await queue.heartbeat(quiet)  # a lapsed ticket is not revived


def _check(admitted: list[Admission], line: list[Ticket], nodes: list[NodeRecord]) -> None:
    """Exactly as many admissions as places, the heads of the line in order, no node
    over its room, every pass good on its node."""
    assert len(admitted) == sum(node.spare for node in nodes)
    ordered = sorted(admitted, key=lambda a: [t.id for t in line].index(a.ticket))
    assert [a.ticket for a in ordered] == [t.id for t in line[: len(admitted)]]
    per_node = Counter(a.node for a in admitted)
    assert all(per_node[node.id] <= node.spare for node in nodes)
    for admission in admitted:
        pass_id = passes.read(SECRET, admission.pass_text, NOW)
        assert len(admission.pass_text) <= passes.MAX_PASS_CHARS and pass_id


async def test_doors_admitting_at_once_never_admit_twice(redis: RedisServer) -> None:
    nodes = [_node("a", 3), _node("b.long-node-id_" + "x" * 48, 2), _node("c", 5, in_use=3)]
    async with _doors(redis.url, 20) as doors:
        line = await _line(doors[0], 200)
        rounds = await asyncio.gather(*(door.admit(nodes, SECRET, NOW) for door in doors))
        admitted = [admission for found in rounds for admission in found]
        _check(admitted, line, nodes)
        assert await doors[5].position(line[7]) == (1, 193)
        # The same records again: every place is promised already.
        assert await doors[3].admit(nodes, SECRET, NOW) == []
        # Whichever door holds a ticket's socket finds its pass.
        standing = await doors[9].standing(line[0], SECRET)
        assert standing.position == 0
        assert standing.pass_text == next(a.pass_text for a in admitted if a.ticket == line[0].id)


_RACER = """
import asyncio, json, sys
from museion.streaming import passes
from museion.streaming.cluster.queue import ClusterQueue
from museion.streaming.cluster.records import NodeRecord
from museion.streaming.cluster.store import ClusterStore

async def main():
    url, now, secret = sys.argv[1], float(sys.argv[2]), sys.argv[3].encode()
    nodes = [NodeRecord(n, "http://10.0.0.2:8080", "Hall", 2, 0, 0.1, (), now - 1)
             for n in ("p", "q", "r")]
    stores = [ClusterStore(url) for _ in range(5)]
    print("ready", flush=True)
    sys.stdin.readline()  # everyone starts together
    doors = [ClusterQueue(s) for s in stores]
    found = await asyncio.gather(*(door.admit(nodes, secret, now) for door in doors))
    print(json.dumps([[a.ticket, a.node, a.pass_text] for f in found for a in f]))
    for s in stores:
        await s.close()

asyncio.run(main())
"""


async def test_doors_in_separate_processes_never_admit_twice(redis: RedisServer) -> None:
    command = [sys.executable, "-c", _RACER, redis.url, repr(NOW), SECRET.decode()]
    racers = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for racer in racers:  # started (slowly: imports) before the tickets' time runs
        assert racer.stdout is not None
        assert await asyncio.to_thread(racer.stdout.readline) == "ready\n"
    async with _doors(redis.url) as (queue,):
        line = await _line(queue, 50)
    for racer in racers:
        assert racer.stdin is not None
        racer.stdin.write("go\n")
        racer.stdin.flush()
    admitted = []
    for racer in racers:
        out, _ = await asyncio.to_thread(racer.communicate, None, 60)
        assert racer.returncode == 0
        admitted += [Admission(*found) for found in json.loads(out)]
    _check(admitted, line, [_node(n, 2) for n in ("p", "q", "r")])


async def test_a_pass_admits_once_on_its_own_node(redis: RedisServer) -> None:
    async with _doors(redis.url, 2) as (door, other):
        line = await _line(door, 3)
        (first,) = await door.admit([_node("a", 1)], SECRET, NOW)
        assert (first.ticket, first.node) == (line[0].id, "a")
        with pytest.raises(PassRefused) as refused:
            await door.redeem(first.pass_text, "b", SECRET, NOW)
        assert refused.value.code == "PASS_INVALID"
        body, _, mac = first.pass_text.rpartition(".")
        forged = [f"{body}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}", "x.y.z", "", "a" * 300]
        forged.append(passes.sign(b"another-secret-entirely", body.rpartition(".")[0], 2**40))
        for text in forged:
            with pytest.raises(PassRefused) as refused:
                await door.redeem(text, "a", SECRET, NOW)
            assert refused.value.code == "PASS_INVALID"
        expiry = int(body.rpartition(".")[2])
        with pytest.raises(PassRefused) as refused:
            await door.redeem(first.pass_text, "a", SECRET, expiry + 1)
        assert refused.value.code == "PASS_EXPIRED"
        await door.redeem(first.pass_text, "a", SECRET, NOW + 1)
        with pytest.raises(PassRefused) as refused:
            await other.redeem(first.pass_text, "a", SECRET, NOW + 2)
        assert refused.value.code == "PASS_USED"


async def test_promises_are_kept_handed_on_and_lapse(redis: RedisServer) -> None:
    async with _doors(redis.url) as (queue,):
        line = await _line(queue, 4)
        (first,) = await queue.admit([_node("a", 1)], SECRET, NOW)
        assert await queue.admit([_node("a", 1)], SECRET, NOW + 1) == []  # promised
        await queue.redeem(first.pass_text, "a", SECRET, NOW + 2)
        # The visitor arrived but the node's record predates them: still not free.
        assert await queue.admit([_node("a", 1, updated=NOW + 1)], SECRET, NOW + 3) == []
        # A newer record counts them in ``in_use``; the arrival is no longer counted twice.
        assert await queue.admit([_node("a", 1, 1, updated=NOW + 3)], SECRET, NOW + 4) == []
        (second,) = await queue.admit([_node("a", 1, 0, updated=NOW + 5)], SECRET, NOW + 6)
        assert second.ticket == line[1].id
        # A pass never used lapses with its expiry, and its place goes to the next.
        expiry = int(second.pass_text.split(".")[1])
        assert await queue.admit([_node("a", 1)], SECRET, expiry) == []
        (third,) = await queue.admit([_node("a", 1)], SECRET, expiry + 1)
        assert third.ticket == line[2].id


async def test_redis_down_is_cluster_unavailable_and_back_works(redis: RedisServer) -> None:
    async with _doors(redis.url) as (queue,):
        ticket = await queue.join("10.0.0.1")
        redis.stop(kill=True)
        calls = [
            queue.join("10.0.0.2"),
            queue.heartbeat(ticket),
            queue.position(ticket),
            queue.admit([_node("a", 1)], SECRET, NOW),
            queue.redeem(passes.sign(SECRET, "t~YQ", int(NOW) + 9), "a", SECRET, NOW),
            queue.leave(ticket),
            queue.length(),
        ]
        for call in calls:
            with pytest.raises(ClusterUnavailable):
                await asyncio.wait_for(call, 10)  # bounded: a refusal, never a hang
        redis.start()  # an empty Redis: the scripts are loaded again as needed
        await until(lambda: _joins(queue))
        assert (await queue.admit([_node("a", 1)], SECRET, NOW))[0].node == "a"


async def _joins(queue: ClusterQueue) -> bool:
    with contextlib.suppress(ClusterUnavailable):
        await queue.join("10.0.0.3")
        return True
    return False
