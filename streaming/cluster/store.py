"""The cluster's Redis, through the ``redis`` client's asyncio API: the one module that
talks to it.  Every call is bounded (``TIMEOUT``): Redis that is down, restarting or
unreachable is a :class:`~museion.streaming.errors.ClusterUnavailable`, never a hang.

Keys (all under ``museion:``): ``node:<id>`` holds a node's record (JSON) with a TTL of
``NODE_TTL`` seconds, refreshed every second, so a node that stops (crash, cable) is
forgotten within 10 s without anyone having to notice it went.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from museion.streaming.cluster.records import NodeRecord, RecordInvalid, parse_record
from museion.streaming.errors import ClusterUnavailable

__all__ = ["NODE_TTL", "TIMEOUT", "ClusterStore", "redacted"]

logger = logging.getLogger(__name__)

PREFIX = "museion:"
NODE_TTL = 5
"""Seconds a node's record lives without being refreshed (it is, every second)."""
FRESH_WITHIN = 3.0
"""A node whose record was not refreshed for this long (it refreshes every second) is not
given visitors, though its record lives on to ``NODE_TTL``: a node killed a moment ago."""
TIMEOUT = 1.0
"""Seconds any one Redis call may take before the cluster counts as unreachable."""
_SKIP_LOG_EVERY = 60.0
_SECRET_KEYS = frozenset({"password", "username", "ssl_password"})

T = TypeVar("T")


def redacted(url: str) -> str:
    """``url`` with any user and password replaced (in the address or the query), for
    logs and metrics."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        netloc = f"***@{host}" if parts.port is None else f"***@{host}:{parts.port}"
    query = "&".join(
        f"{key}=***" if key.lower() in _SECRET_KEYS else f"{key}={value}"
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class ClusterStore:
    """One connection pool to the cluster's Redis (``redis://``, ``rediss://`` for TLS,
    ``unix://``; a password or ACL user in the URL)."""

    def __init__(self, url: str) -> None:
        self.shown = redacted(url)
        """The URL as logs may show it."""
        self._redis: Any = aioredis.from_url(
            url,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
            retry_on_timeout=False,
        )
        self._skipped_at = 0.0

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, 2 * TIMEOUT)
        except (RedisError, OSError, TimeoutError) as exc:
            raise ClusterUnavailable(
                "The cluster cannot be reached just now; try again in a few seconds."
            ) from exc

    @property
    def client(self) -> Any:
        """The pool itself, for the cluster's other Redis users (:mod:`.queue`); their
        calls go through :meth:`bounded`."""
        return self._redis

    async def bounded(self, call: Awaitable[T]) -> T:
        """``call``'s result, or :class:`ClusterUnavailable` if Redis fails or is slow."""
        return await self._call(call)

    async def ping(self) -> None:
        """Raises :class:`ClusterUnavailable` unless Redis answers."""
        await self._call(self._redis.ping())

    async def publish(self, record: NodeRecord, ttl: int = NODE_TTL) -> None:
        """Store ``record`` for ``ttl`` seconds."""
        await self._call(self._redis.set(f"{PREFIX}node:{record.id}", record.to_json(), ex=ttl))

    async def forget(self, node_id: str) -> None:
        """Drop a node's record at once (a node leaving cleanly)."""
        await self._call(self._redis.delete(f"{PREFIX}node:{node_id}"))

    async def nodes(self, fresh_within: float = FRESH_WITHIN) -> list[NodeRecord]:
        """Every node that refreshed its record within ``fresh_within`` seconds (by the
        record's remaining TTL in Redis: no box's clock is trusted); records that do not
        parse are skipped (logged at most once a minute)."""

        async def read() -> list[Any]:
            keys = [key async for key in self._redis.scan_iter(f"{PREFIX}node:*", count=200)]
            if not keys:
                return []
            pipe = self._redis.pipeline(transaction=False)
            for key in keys:
                pipe.get(key)
                pipe.pttl(key)
            return list(await pipe.execute())

        found: list[NodeRecord] = []
        replies = await self._call(read())
        least_left = (NODE_TTL - fresh_within) * 1000.0
        for raw, left in zip(replies[::2], replies[1::2], strict=True):
            if raw is None or not left > least_left:  # gone, or not refreshed lately
                continue
            try:
                found.append(parse_record(raw))
            except RecordInvalid as exc:
                now = time.monotonic()
                if now - self._skipped_at > _SKIP_LOG_EVERY:
                    self._skipped_at = now
                    logger.warning("cluster: skipping a node record: %s", exc.message)
        return sorted(found, key=lambda r: r.id)

    async def close(self) -> None:
        """Close the pool (errors on the way out are not the caller's problem)."""
        try:
            await self._redis.aclose()
        except (RedisError, OSError):
            logger.debug("cluster: closing the Redis pool failed", exc_info=True)
