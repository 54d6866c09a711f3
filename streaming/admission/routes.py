"""The waiting room over HTTP: ``GET /queue`` is a WebSocket whose messages are JSON text.

The server sends ``{"type": "queue", "position", "waiting", "estimate"}`` (seconds) when
the line moves, then ``{"type": "admitted", "pass": ...}`` and closes; the page then
offers ``POST /whep`` with the pass in ``X-Museion-Pass``.  The visitor sends nothing
(anything sent is ignored); closing the socket leaves the queue, and a tab that vanishes
is noticed within two heartbeats.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import WSMsgType, web

from museion.streaming.admission.waiting import QUEUE_PATH, WaitingRoom
from museion.streaming.outbox import write_outbox

__all__ = ["ADMISSION_KEY", "add_admission_routes", "run_waiting_room"]

ADMISSION_KEY = web.AppKey("admission", WaitingRoom)
HEARTBEAT = 4.0  # seconds between pings: a vanished tab leaves the queue within ~8 s
TICK = 1.0  # seconds between looks at the render load for the head of the queue


async def queue(request: web.Request) -> web.StreamResponse:
    """A visitor waits here until admitted (or until they close the tab)."""
    room = request.app[ADMISSION_KEY]
    address = request.remote or ""
    room.check_room(address)  # before the upgrade: a refusal is a plain 503 with a code
    socket = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=1024)
    await socket.prepare(request)
    waiter = room.join(address)
    writer = asyncio.ensure_future(write_outbox(socket, waiter))
    try:
        async for message in socket:
            if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                break
    finally:
        room.leave(waiter)
        waiter.close("left")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(writer, 2.0)
        writer.cancel()
        await socket.close()
    return socket


async def _tick(room: WaitingRoom) -> None:
    """The render load falls without an event (visitors stop moving): look again."""
    while True:
        await asyncio.sleep(TICK)
        room.pump()


def add_admission_routes(app: web.Application, room: WaitingRoom, run_room: bool = True) -> None:
    """``GET /queue`` on ``app``, served by ``room``; with ``run_room``, ``app`` also pumps
    the room while it runs and sends its waiters away when it stops (an app that shares
    another's room, a hall's exhibition, leaves that to the room's owner)."""
    app[ADMISSION_KEY] = room
    app.router.add_get(QUEUE_PATH, queue)
    if run_room:
        run_waiting_room(app, room)


def run_waiting_room(app: web.Application, room: WaitingRoom) -> None:
    """Pump ``room`` while ``app`` runs; its waiters are sent away when ``app`` stops."""
    tasks: list[asyncio.Task[None]] = []

    async def start(app: web.Application) -> None:
        tasks.append(asyncio.ensure_future(_tick(room)))

    async def stop(app: web.Application) -> None:
        for task in tasks:
            task.cancel()
        for waiter in list(room.waiting.values()):
            waiter.close("server shutdown")

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
