"""The cluster's waiting room at the door: ``GET /queue`` (a WebSocket, as on one box)
over the shared line in Redis (:class:`~museion.streaming.cluster.queue.ClusterQueue`).

The page gets what one box sends it: ``{"type": "queue", "position", "waiting",
"estimate"}`` as the line moves, then ``{"type": "admitted", "pass"}`` and the socket
closes; its next ``POST /whep`` carries the pass, which the door sends to the node it was
made for.  Every door admits the head of the line while nodes have room (one Lua script
in Redis, so two doors never promise one place twice); a door that holds a visitor's
socket hands over their pass whichever door admitted them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import WSMsgType, web

from museion.streaming.cluster.queue import ClusterQueue, Ticket
from museion.streaming.cluster.store import ClusterStore
from museion.streaming.errors import ClusterUnavailable

__all__ = ["QUEUE_KEY", "Line", "add_line"]

logger = logging.getLogger(__name__)

TICK = 1.0  # seconds between looks for room, and between a socket's updates
_HEARTBEAT = 4.0  # websocket pings: a vanished tab leaves the line within ~8 s
_TURNOVER = 120.0  # seconds a place is assumed to take to free up, for the estimate


class Line:
    """The door's side of the shared line."""

    def __init__(self, store: ClusterStore, secret: bytes) -> None:
        self.store = store
        self.queue = ClusterQueue(store)
        self.secret = secret
        self._places = 1

    async def admit(self) -> None:
        """Let the head of the line in while nodes have room (any door may, at once)."""
        if await self.queue.length() == 0:
            return
        nodes = await self.store.nodes()
        self._places = max(1, sum(n.places for n in nodes))
        admitted = await self.queue.admit(nodes, self.secret, time.time())
        for admission in admitted:
            logger.info("door: admitted a visitor from the line to %s", admission.node)

    def estimate(self, position: int) -> int:
        """Seconds until ``position`` is let in, roughly: places turn over in about two
        minutes each, across all nodes."""
        return round(position * _TURNOVER / self._places)

    async def wait(self, socket: web.WebSocketResponse, ticket: Ticket) -> None:
        """Tell ``socket`` where ``ticket`` stands until it is admitted or gone."""
        told = None
        while not socket.closed:
            if not await self.queue.heartbeat(ticket):
                standing = await self.queue.standing(ticket, self.secret)
                if standing.pass_text is not None:
                    await socket.send_json({"type": "admitted", "pass": standing.pass_text})
                return
            standing = await self.queue.standing(ticket, self.secret)
            now = (standing.position, standing.waiting)
            if now != told:
                told = now
                await socket.send_json(
                    {
                        "type": "queue",
                        "position": standing.position,
                        "waiting": standing.waiting,
                        "estimate": self.estimate(standing.position),
                    }
                )
            await asyncio.sleep(TICK)


QUEUE_KEY = web.AppKey("line", Line)


async def _queue(request: web.Request) -> web.StreamResponse:
    line = request.app[QUEUE_KEY]
    ticket = await line.queue.join(request.remote or "")  # a full line: a plain 503
    socket = web.WebSocketResponse(heartbeat=_HEARTBEAT, max_msg_size=1024)
    try:
        await socket.prepare(request)
        waiting = asyncio.ensure_future(line.wait(socket, ticket))
        reading = asyncio.ensure_future(_drain(socket))
        await asyncio.wait({waiting, reading}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, reading):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ClusterUnavailable, ConnectionError):
            await waiting
    finally:
        with contextlib.suppress(ClusterUnavailable):
            await line.queue.leave(ticket)
        await socket.close()
    return socket


async def _drain(socket: web.WebSocketResponse) -> None:
    """Read (and ignore) what the page sends, until it closes."""
    async for message in socket:
        if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
            break


async def _admitting(line: Line) -> None:
    while True:
        with contextlib.suppress(ClusterUnavailable):
            await line.admit()
        await asyncio.sleep(TICK)


def add_line(app: web.Application, line: Line) -> None:
    """``GET /queue`` on the door's ``app``, and its admitting task."""
    app[QUEUE_KEY] = line
    app.router.add_get("/queue", _queue)
    tasks: list[asyncio.Task[None]] = []

    async def start(app: web.Application) -> None:
        tasks.append(asyncio.ensure_future(_admitting(line)))

    async def stop(app: web.Application) -> None:
        for task in tasks:
            task.cancel()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
