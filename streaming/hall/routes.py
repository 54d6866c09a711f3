"""The hall's own pages: the public index of exhibitions, the listing it reads, health.

``GET /`` is the index page; ``GET /exhibitions`` lists what visitors may enter (published
exhibitions only, drafts never); each exhibition is a whole gallery under ``/e/<id>/``
(:class:`~museion.streaming.hall.hall.MountedExhibitions`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

from aiohttp import web

from museion.runtime.settings import RuntimeSettings
from museion.scenes.errors import MuseionError
from museion.streaming.client_files import client_dir, static_files
from museion.streaming.cors import add_cors
from museion.streaming.hall.catalog import Catalog
from museion.streaming.hall.hall import HALL_KEY, PREFIX, Hall, MountedExhibitions
from museion.streaming.http_errors import error_middleware
from museion.streaming.ice import configure_ice
from museion.streaming.listening import start_site
from museion.streaming.server import Listening, make_app, make_runner, run_registry
from museion.streaming.settings import StreamSettings

__all__ = ["Installer", "make_hall_app", "serve_hall"]

logger = logging.getLogger(__name__)


async def hall_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(client_dir() / "hall.html", headers={"Cache-Control": "no-cache"})


def _listing(catalog: Catalog) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = []
    for exhibition_id, entry in catalog.entries().items():
        try:
            document = entry.document()
        except MuseionError as exc:  # a damaged one is left out, not the whole index
            logger.warning("exhibition %s left out of the index: %s", exhibition_id, exc)
            continue
        if document is None:
            continue  # nothing published yet: drafts are the studio's
        listed.append(
            {
                "id": exhibition_id,
                "title": document.title,
                "default_language": document.default_language,
                "exhibits": len(document.exhibits),
                "tours": len(document.tours),
                "url": f"{PREFIX}/{exhibition_id}/",
            }
        )
    return listed


async def exhibitions(request: web.Request) -> web.Response:
    """The published exhibitions, for the index page and for other sites."""
    catalog = request.app[HALL_KEY].catalog
    listed = await asyncio.get_running_loop().run_in_executor(None, _listing, catalog)
    return web.json_response({"exhibitions": listed}, headers={"Cache-Control": "no-cache"})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", **request.app[HALL_KEY].describe()})


async def exhibition_root(request: web.Request) -> web.Response:
    """``/e/<id>`` without its slash: the page's paths are relative to ``/e/<id>/``."""
    raise web.HTTPPermanentRedirect(f"{request.path}/")


Installer = Callable[[web.Application], None]
"""Adds routes or middleware to a hall's app before it starts (the studio, for one)."""


def make_hall_app(
    hall: Hall, settings: StreamSettings, install: Sequence[Installer] = ()
) -> web.Application:
    """The server of a hall: its index, what ``install`` adds (the studio), and every
    exhibition mounted under ``/e/``."""
    configure_ice(settings)
    app = web.Application(middlewares=[error_middleware], client_max_size=settings.max_sdp_bytes)
    app[HALL_KEY] = hall
    run_registry(app, hall.registry)
    for installer in install:
        installer(app)
    app.router.add_get("/", hall_page)
    app.router.add_get("/exhibitions", exhibitions)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/static/{name:.*}", static_files(client_dir()))
    app.router.add_get(PREFIX + "/{exhibition:[a-z0-9][a-z0-9-]{0,62}}", exhibition_root)
    app.router.register_resource(MountedExhibitions(hall))
    add_cors(app)

    async def _close(_app: web.Application) -> None:
        await hall.close()

    app.on_shutdown.append(_close)
    return app


@contextlib.asynccontextmanager
async def serve_hall(
    folder: Path,
    runtime: RuntimeSettings,
    settings: StreamSettings,
    install: Sequence[Installer] = (),
) -> AsyncIterator[Listening]:
    """Every exhibition in ``folder`` served on ``settings.host``:``settings.port`` for the
    block; each renderer is built on its first visit and closed when the block ends."""
    hall = Hall(Catalog(folder), runtime, settings, make_app)
    runner = make_runner(make_hall_app(hall, settings, install), settings)
    await runner.setup()
    try:
        port = await start_site(runner, settings.host, settings.port)
        yield Listening(runner.app, settings.host, port)
    finally:
        await runner.cleanup()
