"""A gallery node's membership of the cluster: its record in Redis, refreshed every second.

Started with the app when ``redis_url`` is set (without it nothing changes).  Each second
the node writes what it is and holds (:class:`~museion.streaming.cluster.records.NodeRecord`)
with a short TTL; when Redis cannot be reached the node goes on serving the visitors it
has, logs that once, keeps trying, and refuses new visitors with ``503
CLUSTER_UNAVAILABLE`` (it cannot account for them) until Redis answers again: a Redis that
restarts finds every node registered again within a second of coming back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from museion.streaming.cluster.placing import choose_node
from museion.streaming.cluster.queue import ClusterQueue
from museion.streaming.cluster.records import NODE_ID, NodeRecord
from museion.streaming.cluster.store import NODE_TTL, ClusterStore
from museion.streaming.errors import ClusterUnavailable, StreamingError

__all__ = ["CLUSTER_KEY", "ClusterMember", "cluster_member", "join_cluster", "node_id"]

logger = logging.getLogger(__name__)

REFRESH = 1.0
"""Seconds between two writes of a node's record."""
_REACHABLE_FOR = 3.0  # seconds after the last good write that the cluster counts as up


def node_id(given: str | None) -> str:
    """``given`` (checked), or this host's name with a random suffix."""
    if given is not None:
        if not NODE_ID.match(given):
            raise StreamingError(
                "a node id is 1-64 letters, digits, '.', '_' or '-'", code="NODE_ID_INVALID"
            )
        return given
    host = "".join(c for c in socket.gethostname() if c.isalnum() or c in "._-")[:40]
    return f"{host or 'node'}-{secrets.token_hex(3)}"


class ClusterMember:
    """This node in the cluster: ``record(url)`` says what it is now, reached at ``url``
    (set once the node listens); :meth:`run` keeps that in Redis until cancelled, then
    forgets it."""

    def __init__(
        self,
        store: ClusterStore,
        node_id: str,
        record: Callable[[str], NodeRecord],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.id = node_id
        """This node's name in the cluster (its records carry it)."""
        self._queue: ClusterQueue | None = None
        self.url = ""
        """Where the other nodes and the door reach this node (``http://ADDR:PORT``)."""
        self._record = record
        self._clock = clock
        self._written_at: float | None = None
        self._down_since: float | None = None
        self.writes = 0

    @property
    def reachable(self) -> bool:
        """Redis took this node's record within the last few seconds."""
        written = self._written_at
        return written is not None and self._clock() - written < _REACHABLE_FOR

    def check(self) -> None:
        """Raise :class:`ClusterUnavailable` when new visitors cannot be accounted for."""
        if not self.reachable:
            raise ClusterUnavailable(
                "This gallery cannot reach its cluster just now; try again in a few seconds."
            )

    async def redeem(self, pass_text: str, secret: bytes) -> None:
        """Take a pass the cluster's line gave for this node (``PassRefused`` if forged,
        lapsed, used before or for another node)."""
        if self._queue is None:
            self._queue = ClusterQueue(self.store)
        await self._queue.redeem(pass_text, self.id, secret, time.time())

    async def elsewhere(self) -> NodeRecord | None:
        """Another node with room for a visitor this one cannot take (None: none has, or
        Redis does not answer: the visitor then gets this node's own refusal)."""
        try:
            nodes = await self.store.nodes()
        except ClusterUnavailable:
            return None
        return choose_node([n for n in nodes if n.id != self.id])

    async def refresh(self) -> None:
        """Write the record once (raises :class:`ClusterUnavailable`)."""
        await self.store.publish(self._record(self.url), NODE_TTL)
        self._written_at = self._clock()
        self.writes += 1

    async def run(self) -> None:
        """Refresh every ``REFRESH`` seconds until cancelled; then leave the cluster."""
        try:
            while True:
                try:
                    await self.refresh()
                    if self._down_since is not None:
                        logger.warning(
                            "cluster: %s reachable again after %.0f s",
                            self.store.shown,
                            self._clock() - self._down_since,
                        )
                        self._down_since = None
                except ClusterUnavailable:
                    if self._down_since is None:
                        self._down_since = self._clock()
                        logger.warning(
                            "cluster: %s unreachable; serving the visitors here, refusing "
                            "new ones until it answers",
                            self.store.shown,
                        )
                await asyncio.sleep(REFRESH)
        finally:
            with contextlib.suppress(ClusterUnavailable):
                await self.store.forget(self.id)
            await self.store.close()


CLUSTER_KEY = web.AppKey("cluster", ClusterMember)


@contextlib.asynccontextmanager
async def join_cluster(member: ClusterMember, url: str) -> AsyncIterator[None]:
    """``member``, reached at ``url``, in the cluster for the block (its first write before
    the block starts, if Redis answers)."""
    member.url = url
    logger.info("cluster: joining through %s", member.store.shown)
    with contextlib.suppress(ClusterUnavailable):
        await member.refresh()
    task = asyncio.ensure_future(member.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def cluster_member(
    redis_url: str,
    given_id: str | None,
    exhibition: str,
    places: int,
    state: Callable[[], tuple[int, float, tuple[str, ...], tuple[str, ...], int]],
) -> ClusterMember:
    """The member a node joins with: ``state()`` gives its places in use, its render
    thread's busy share, the live streams flowing through it, those of them it pulls
    from another node and its live viewers, read at each refresh."""
    ident = node_id(given_id)

    def record(url: str) -> NodeRecord:
        in_use, busy, streams, pulled, watching = state()
        return NodeRecord(
            id=ident,
            url=url,
            exhibition=exhibition[:200] or "exhibition",
            places=places,
            in_use=in_use,
            busy=min(1.0, max(0.0, busy)),
            streams=streams,
            updated=time.time(),
            pulled=pulled,
            watching=watching,
        )

    return ClusterMember(ClusterStore(redis_url), ident, record)
