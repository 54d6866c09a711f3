"""Docent tours over HTTP: the list, one tour, the follower page and the room's WebSocket.

``GET /tours`` → ``{"tours": [{id, title, stream, url, followers, languages, started}]}``;
``GET /tours/{id}`` → one of them, or ``404 TOUR_NOT_FOUND``; ``GET /tour/{id}`` → the
follower page (its video is the live stream ``tour-<id>``, watched with ``POST
/whep/tour-<id>``); ``GET /tours/{id}/room?name=NAME`` → the room (WebSocket, JSON text
messages, :mod:`.room` and :mod:`.tour`).  A docent starts a tour with ``POST /whep``
and their bearer token (:mod:`.docent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib import resources
from pathlib import Path

from aiohttp import WSMsgType, web

from museion.streaming.errors import CapacityReached, TourMessageError, TourNotFound
from museion.streaming.outbox import write_outbox
from museion.streaming.settings import StreamSettings
from museion.streaming.tours.room import MAX_ROOM_MESSAGE_BYTES, parse_follower_message
from museion.streaming.tours.tour import Follower, Tour

__all__ = ["TOURS_KEY", "add_tour_routes"]

logger = logging.getLogger(__name__)

TOURS_KEY = web.AppKey("tours", dict[str, Tour])
_SETTINGS_KEY = web.AppKey("tour_settings", StreamSettings)
HEARTBEAT = 4.0  # seconds between pings: a closed tab leaves the room within two


def _tour(request: web.Request) -> Tour:
    tour = request.app[TOURS_KEY].get(request.match_info["tour"])
    if tour is None:
        raise TourNotFound("No such tour: it has ended, or never existed.")
    return tour


async def tour_list(request: web.Request) -> web.Response:
    """The running tours (the gallery page lists them)."""
    tours = sorted(request.app[TOURS_KEY].values(), key=lambda t: t.started)
    return web.json_response({"tours": [t.summary() for t in tours]})


async def tour_info(request: web.Request) -> web.Response:
    return web.json_response(_tour(request).summary())


async def tour_page(request: web.Request) -> web.StreamResponse:
    """The follower page.  An ended tour's link still opens it for a browser (status 404;
    the page says the tour is over); other clients get the JSON error."""
    known = request.match_info["tour"] in request.app[TOURS_KEY]
    if not known and "text/html" not in request.headers.get("Accept", ""):
        _tour(request)
    page = Path(str(resources.files("museion.streaming").joinpath("client"))) / "tour.html"
    return web.FileResponse(
        page, status=200 if known else 404, headers={"Cache-Control": "no-cache"}
    )


async def tour_room(request: web.Request) -> web.StreamResponse:
    """A follower's place in the room, for as long as their socket stays open."""
    tour = _tour(request)
    settings = request.app[_SETTINGS_KEY]
    if len(tour.followers) >= settings.max_live_viewers:  # no more than can watch
        raise CapacityReached(
            "This tour's room is full; please try again shortly.",
            retry_after=settings.retry_after,
        )
    socket = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_ROOM_MESSAGE_BYTES)
    await socket.prepare(request)
    follower = tour.join(request.query.get("name"))
    writer = asyncio.ensure_future(write_outbox(socket, follower))
    try:
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                _take(tour, follower, message.data, settings)
            elif message.type == WSMsgType.BINARY:
                _refuse(follower, TourMessageError("Room messages are JSON text."))
            if follower.gone is not None:
                break
    finally:
        tour.leave(follower)
        follower.send(None)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(writer, 2.0)
        writer.cancel()
        await socket.close()
    return socket


def _take(tour: Tour, follower: Follower, raw: str, settings: StreamSettings) -> None:
    """One message from a follower: applied, refused with an error, or (past the rate)
    dropped; a flood closes their room."""
    if not follower.messages.allow():
        if follower.messages.flooding:
            _refuse(follower, TourMessageError("Too many messages.", code="ROOM_FLOOD"))
            follower.gone = "flood"
        return
    try:
        tour.from_follower(follower, parse_follower_message(raw, settings.max_chat_chars))
    except TourMessageError as exc:
        _refuse(follower, exc)


def _refuse(follower: Follower, error: TourMessageError) -> None:
    follower.send({"type": "error", "code": error.code, "message": error.message})


def add_tour_routes(app: web.Application, settings: StreamSettings) -> None:
    """The tour routes on ``app``; its tours are in ``app[TOURS_KEY]``."""
    app[TOURS_KEY] = {}
    app[_SETTINGS_KEY] = settings
    app.router.add_get("/tours", tour_list)
    app.router.add_get("/tours/{tour}", tour_info)
    app.router.add_get("/tours/{tour}/room", tour_room)
    app.router.add_get("/tour/{tour}", tour_page)
