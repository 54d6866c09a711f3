"""The door: the cluster's one public address.  It has no renderer; it serves the gallery
page and places each visitor on a node, by redirect (RFC 9725 §4.5: WHIP/WHEP load
balancing by ``307 Temporary Redirect``, which ``fetch`` follows keeping the POST body).

- ``POST /whep`` (a visitor's own gallery session): to the registered node with the most
  places free (the least busy render thread between equals); none free: ``503
  SERVER_FULL``.
- ``POST /whep/<stream>`` (a live show's or a docent tour's viewer): once the stream flows
  anywhere, to the node with the fewest live viewers, which pulls it from its origin on
  its first viewer (:mod:`museion.streaming.live.cascade`); none: ``404 STREAM_NOT_LIVE``.
- ``GET /media/<name>``: to a node serving the exhibition (every node has its files).
- ``GET /live/<stream>``: the show's page itself (its viewers' offers then come here and
  are spread); ``/live/<stream>/status``, ``/tour/<id>``, ``/tours/<id>``: to the stream's
  origin, where a tour's page and room are.
- ``GET /docent``: to the node a new visitor would get (the docent's page, its room and
  its session stay on that node).
- ``GET /tours`` and ``GET /live``: every node's lists, merged.

The door redirects only to nodes registered in Redis, never to an address a request names.
Redis unreachable: ``503 CLUSTER_UNAVAILABLE`` at once, never a hang.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from museion.streaming.client_files import client_dir, index, page_config, static_files
from museion.streaming.cluster.line import QUEUE_KEY, Line, add_line
from museion.streaming.cluster.placing import choose_node, node_for_stream, node_for_viewer
from museion.streaming.cluster.queue import pass_node
from museion.streaming.cluster.records import NodeRecord
from museion.streaming.cluster.store import ClusterStore
from museion.streaming.cors import add_cors
from museion.streaming.errors import (
    CapacityReached,
    ClusterUnavailable,
    StreamNotLive,
)
from museion.streaming.http_errors import error_middleware
from museion.streaming.listening import start_site
from museion.streaming.metrics import CONTENT_TYPE
from museion.streaming.passes import PASS_HEADER
from museion.streaming.settings import StreamSettings

__all__ = ["DOOR_STORE_KEY", "make_door_app", "serve_door"]

logger = logging.getLogger(__name__)

DOOR_STORE_KEY = web.AppKey("door_store", ClusterStore)
_DOOR_SETTINGS_KEY = web.AppKey("door_settings", StreamSettings)


class Placements:
    """The visitors this door sent to each node since that node last wrote its record: a
    record is rewritten every second, so a burst of visitors within that second would
    otherwise all be sent to the one node that looked emptiest.  (Wall clocks, the door's
    against the node's ``updated``: a skew of a second costs a second of this.)"""

    def __init__(self, window: float = 3.0) -> None:
        self._window = window
        self._sent: list[tuple[str, float]] = []

    def recent(self, nodes: list[NodeRecord]) -> dict[str, int]:
        """Per node, the visitors sent there that its record does not count yet."""
        now = time.time()
        self._sent = [(n, t) for n, t in self._sent if now - t < self._window]
        written = {node.id: node.updated for node in nodes}
        counts: dict[str, int] = {}
        for node, at in self._sent:
            if at > written.get(node, now):
                counts[node] = counts.get(node, 0) + 1
        return counts

    def sent(self, node: str) -> None:
        self._sent.append((node, time.time()))


_PLACEMENTS_KEY = web.AppKey("door_placements", Placements)


def _redirect(node: NodeRecord, request: web.Request) -> web.Response:
    location = f"{node.url}{request.path_qs}"
    logger.debug("door: %s %s -> %s", request.method, request.path, node.id)
    return web.Response(status=307, headers={"Location": location, "Cache-Control": "no-store"})


async def _place(request: web.Request) -> web.Response:
    """A visitor's own session: the node their pass names, or (nobody waiting) the node
    with the most room, or the line."""
    nodes = await request.app[DOOR_STORE_KEY].nodes()
    line = request.app.get(QUEUE_KEY)
    held = request.headers.get(PASS_HEADER)
    full = CapacityReached(
        "Every gallery in this cluster is full just now; you are in line.",
        retry_after=request.app[_DOOR_SETTINGS_KEY].retry_after,
        queue=None if line is None else "/queue",
    )
    if line is not None and held is not None:
        wanted = pass_node(held, line.secret, time.time())
        node = next((n for n in nodes if n.id == wanted), None)
        if node is None:  # that node went away since: the line again
            raise full
        return _redirect(node, request)
    if line is not None and await line.queue.length() > 0:
        raise full  # people are waiting: nobody walks in ahead of them
    placements = request.app[_PLACEMENTS_KEY]
    node = choose_node(nodes, placements.recent(nodes))
    if node is None:
        raise full
    placements.sent(node.id)
    return _redirect(node, request)


async def _watch(request: web.Request) -> web.Response:
    stream = request.match_info["stream"]
    nodes = await request.app[DOOR_STORE_KEY].nodes()
    node = node_for_viewer(nodes, stream)
    if node is None:
        raise StreamNotLive("Nothing is being shown on that stream in this cluster now.")
    return _redirect(node, request)


async def _media(request: web.Request) -> web.Response:
    nodes = await request.app[DOOR_STORE_KEY].nodes()
    if not nodes:
        raise web.HTTPNotFound(reason="No gallery is running")
    return _redirect(min(nodes, key=lambda n: (n.busy, n.id)), request)


async def _to_stream(request: web.Request) -> web.Response:
    """A tour's or a show's page or status, on the node it flows through."""
    if "tour" in request.match_info:
        stream = f"tour-{request.match_info['tour']}"
    else:
        stream = request.match_info["stream"]
    # A tour's page and room, a show's page and status, are at its origin.
    node = node_for_stream(await request.app[DOOR_STORE_KEY].nodes(), stream, origin=True)
    if node is None:
        raise web.HTTPNotFound(reason="Nothing is being shown there now")
    return _redirect(node, request)


async def _live_page(request: web.Request) -> web.FileResponse:
    """A show's page, from the door: its viewer's WHEP then comes here too and is spread
    over the nodes (its status is at the origin)."""
    return web.FileResponse(client_dir() / "live.html", headers={"Cache-Control": "no-cache"})


async def _docent(request: web.Request) -> web.Response:
    node = choose_node(await request.app[DOOR_STORE_KEY].nodes())
    if node is None:
        raise CapacityReached(
            "Every gallery in this cluster is full just now.",
            retry_after=request.app[_DOOR_SETTINGS_KEY].retry_after,
        )
    return _redirect(node, request)


def _merged(key: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """``GET /tours`` or ``GET /live``: each node's list under ``key``, merged (a node
    that does not answer within a second is left out, not waited for)."""

    async def merged(request: web.Request) -> web.Response:
        nodes = await request.app[DOOR_STORE_KEY].nodes()
        timeout = aiohttp.ClientTimeout(total=1.0)
        async with aiohttp.ClientSession(timeout=timeout) as http:

            async def listed(node: NodeRecord) -> list[Any]:
                try:
                    async with http.get(f"{node.url}{request.path}") as reply:
                        body = await reply.json() if reply.status == 200 else {}
                except (aiohttp.ClientError, TimeoutError, ValueError):
                    return []
                items = body.get(key) if isinstance(body, dict) else None
                return items if isinstance(items, list) else []

            lists = await asyncio.gather(*(listed(n) for n in nodes))
        merged: dict[str, Any] = {}  # a pulled show is listed by its edge too: once
        for item in (item for items in lists for item in items):
            name = item.get("stream", item.get("id")) if isinstance(item, dict) else None
            merged.setdefault(str(name), item)
        return web.json_response({key: list(merged.values())})

    return merged


async def _config(request: web.Request) -> web.Response:
    return web.json_response(page_config(request.app[_DOOR_SETTINGS_KEY]))


async def _healthz(request: web.Request) -> web.Response:
    nodes = await request.app[DOOR_STORE_KEY].nodes()
    return web.json_response(
        {
            "status": "ok",
            "nodes": len(nodes),
            "places": sum(n.places for n in nodes),
            "places_in_use": sum(n.in_use for n in nodes),
        }
    )


class _ClusterFigures(Collector):
    """The cluster as the door sees it in Redis at a scrape (never a URL or a secret)."""

    def __init__(self, nodes: list[NodeRecord] | None, waiting: int) -> None:
        self._nodes = nodes
        self._waiting = waiting

    def collect(self) -> Iterator[Metric]:
        nodes = self._nodes or []
        yield GaugeMetricFamily(
            "museion_cluster_up",
            "1 while the cluster's Redis answers the door, else 0.",
            value=0 if self._nodes is None else 1,
        )
        yield GaugeMetricFamily(
            "museion_cluster_nodes", "Gallery nodes registered now.", value=len(nodes)
        )
        yield GaugeMetricFamily(
            "museion_cluster_places",
            "Places on all nodes together.",
            value=sum(n.places for n in nodes),
        )
        yield GaugeMetricFamily(
            "museion_cluster_places_in_use",
            "Places taken on all nodes together.",
            value=sum(n.in_use for n in nodes),
        )
        yield GaugeMetricFamily(
            "museion_cluster_queue_length",
            "Visitors waiting in the cluster's one line.",
            value=self._waiting,
        )
        busy = GaugeMetricFamily(
            "museion_cluster_node_render_busy_ratio",
            "Each node's render thread busy share, as it last told.",
            labels=["node"],
        )
        for node in nodes:
            busy.add_metric([node.id], node.busy)
        yield busy


async def _metrics(request: web.Request) -> web.Response:
    line = request.app.get(QUEUE_KEY)
    try:
        nodes: list[NodeRecord] | None = await request.app[DOOR_STORE_KEY].nodes()
        waiting = 0 if line is None else await line.queue.length()
    except ClusterUnavailable:
        nodes, waiting = None, 0  # the door's own figure says so: museion_cluster_up 0
    figures = _ClusterFigures(nodes, waiting)
    return web.Response(body=generate_latest(figures), headers={"Content-Type": CONTENT_TYPE})


def make_door_app(settings: StreamSettings, store: ClusterStore) -> web.Application:
    """The door's web application over ``store`` (closed with the app)."""
    app = web.Application(middlewares=[error_middleware], client_max_size=settings.max_sdp_bytes)
    app[DOOR_STORE_KEY] = store
    app[_DOOR_SETTINGS_KEY] = settings
    app[_PLACEMENTS_KEY] = Placements()
    app.router.add_get("/", index)
    app.router.add_get("/static/{name:.*}", static_files(client_dir()))
    app.router.add_get("/config", _config)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    app.router.add_post("/whep", _place)
    app.router.add_post("/whep/{stream}", _watch)
    app.router.add_get("/media/{name:.+}", _media)
    app.router.add_get("/docent", _docent)
    app.router.add_get("/tours", _merged("tours"))
    app.router.add_get("/live", _merged("shows"))
    app.router.add_get("/tour/{tour}", _to_stream)
    app.router.add_get("/tours/{tour}", _to_stream)
    app.router.add_get("/live/{stream}", _live_page)
    app.router.add_get("/live/{stream}/status", _to_stream)
    if settings.cluster_secret is not None:  # the shared line needs passes all nodes can read
        add_line(app, Line(store, settings.cluster_secret.encode()))
    add_cors(app)

    async def _close(app: web.Application) -> None:
        await store.close()

    app.on_cleanup.append(_close)
    return app


@contextlib.asynccontextmanager
async def serve_door(settings: StreamSettings, redis_url: str) -> AsyncIterator[str]:
    """The door on ``settings.host``:``settings.port`` (0: a free port) for the block;
    yields its ``http://HOST:PORT``."""
    runner = web.AppRunner(
        make_door_app(settings, ClusterStore(redis_url)),
        access_log=None,
        keepalive_timeout=settings.header_timeout,
    )
    await runner.setup()
    try:
        port = await start_site(runner, settings.host, settings.port)
        logger.info("door: placing visitors from http://%s:%d", settings.host, port)
        yield f"http://{settings.host}:{port}"
    finally:
        await runner.cleanup()
