"""Many exhibitions behind one server, each a whole gallery at ``/e/<id>/``.

Each exhibition's published version is served by a *generation*: a renderer for that
version and the gallery application of a one-exhibition server around it
(:func:`museion.streaming.server.make_app`), mounted at ``/e/<id>/``.  A generation is
built when the first visitor asks for it, so a hall of a hundred exhibitions costs nothing
until they are visited.

**Publishing without a restart.**  Every request looks at the exhibition's published
pointer.  When it names a new version, a new generation is built (the requests that asked
wait for it, once) and becomes current: new visits get the new version.  Visits in
progress finish on the version they started with: their session's later requests go to
``/e/<id>/@<version>/…`` (the ``Location`` a generation's replies give is rewritten to
that), and the superseded generation is closed when its last visitor leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp.web_urldispatcher import (
    AbstractResource,
    AbstractRoute,
    PlainResource,
    UrlMappingMatchInfo,
)
from yarl import URL

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from museion.scenes.errors import MuseionError
from museion.streaming.errors import ExhibitionNotFound, ExhibitionUnavailable
from museion.streaming.hall.catalog import Catalog, Served, valid_id
from museion.streaming.live import LIVE_KEY
from museion.streaming.server import SESSIONS_KEY, SessionRegistry
from museion.streaming.settings import StreamSettings

__all__ = ["HALL_KEY", "PREFIX", "Generation", "Hall", "MountedExhibitions"]

logger = logging.getLogger(__name__)

PREFIX = "/e"
PIN = "@"
"""``/e/<id>/@<version>/…``: a request for the generation serving that version."""
PIN_LENGTH = 12
RETIRE_POLL = 1.0
"""How often a superseded generation looks whether its last visitor has left (seconds)."""

AppFactory = Callable[[RenderEngine, StreamSettings, SessionRegistry], web.Application]


@dataclass
class Generation:
    """One exhibition's version being served: its renderer and its gallery app."""

    exhibition: str
    key: str
    engine: RenderEngine
    app: web.Application
    built_in: float
    retiring: bool = field(default=False)

    @property
    def pin(self) -> str:
        return self.key[:PIN_LENGTH]

    @property
    def mount(self) -> str:
        """The path every ``Location`` this generation gives starts with."""
        return f"{PREFIX}/{self.exhibition}/{PIN}{self.pin}"

    def busy(self) -> bool:
        """Whether anyone still uses it: a visitor, a docent's followers or a live show."""
        live = self.app[LIVE_KEY].health()
        sessions = self.app[SESSIONS_KEY].of(self.engine)
        return bool(sessions) or bool(live["viewers"] or live["publishers"])

    def describe(self) -> dict[str, object]:
        return {
            "version": self.key,
            "sessions": len(self.app[SESSIONS_KEY].of(self.engine)),
            "retiring": self.retiring,
            "built_in_s": round(self.built_in, 3),
        }


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _location_middleware(mount: str) -> Middleware:
    """Replies' ``Location`` paths made to name this generation, so a visitor's session stays
    on the version it began with after the next publish."""

    @web.middleware
    async def pinned(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        location = response.headers.get("Location")
        if location and location.startswith("/") and not location.startswith("//"):
            response.headers["Location"] = mount + location
        return response

    return pinned


class Hall:
    """The generations of every exhibition in ``catalog``; close it when the server stops."""

    def __init__(
        self,
        catalog: Catalog,
        runtime: RuntimeSettings,
        settings: StreamSettings,
        app_factory: AppFactory,
    ) -> None:
        self.catalog = catalog
        self.runtime = runtime
        # One process relays a hall's live shows: worker processes per exhibition and
        # version would multiply with every publish.
        self.settings = replace(
            settings,
            relay_workers=0,
            # Stream and docent tokens the studio signs are good until the server stops
            # unless a key is configured.
            token_key=settings.token_key or secrets.token_urlsafe(32),
        )
        self.app_factory = app_factory
        # One render thread for every exhibition: one set of places, one load, one queue.
        self.registry = SessionRegistry(self.settings)
        self.current: dict[str, Generation] = {}
        self.retiring: list[Generation] = []
        self._building: dict[tuple[str, str], asyncio.Task[Generation]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def generation(self, exhibition: str, pin: str | None = None) -> Generation:
        """The generation serving ``exhibition`` now (built or switched to if its published
        version changed), or the one serving version ``pin`` for a visit in progress."""
        if self._closed:
            raise ExhibitionUnavailable("The server is shutting down.")
        if pin is not None:
            for generation in self._serving(exhibition):
                if generation.pin == pin:
                    return generation
            raise ExhibitionNotFound("That version of the exhibition is no longer served.")
        entry = self.catalog.get(exhibition)
        served = await asyncio.get_running_loop().run_in_executor(None, entry.served)
        if served is None:
            raise ExhibitionNotFound(f"Exhibition {exhibition!r} has not been published yet.")
        current = self.current.get(exhibition)
        if current is not None and current.key == served.key:
            return current
        built = await self._build(exhibition, served)
        now = self.current.get(exhibition)
        if now is not built and (now is None or now.key != built.key):
            self.current[exhibition] = built
            if now is not None:
                logger.info("%s: version %s replaces %s", exhibition, built.pin, now.pin)
                self._retire(now)
        return self.current[exhibition]

    def _serving(self, exhibition: str) -> Iterator[Generation]:
        current = self.current.get(exhibition)
        if current is not None:
            yield current
        yield from (g for g in self.retiring if g.exhibition == exhibition)

    async def _build(self, exhibition: str, served: Served) -> Generation:
        """One build per version however many requests wait for it."""
        key = (exhibition, served.key)
        task = self._building.get(key)
        if task is None:
            task = asyncio.create_task(self._make(exhibition, served))
            self._building[key] = task
            task.add_done_callback(lambda _t: self._building.pop(key, None))
        return await asyncio.shield(task)

    async def _make(self, exhibition: str, served: Served) -> Generation:
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        try:
            scene = await loop.run_in_executor(None, open_scene, served.path)
            engine = await loop.run_in_executor(None, RenderEngine, scene, self.runtime)
        except MuseionError as exc:
            logger.error("%s: version %s cannot be served: %s", exhibition, served.key[:12], exc)
            raise ExhibitionUnavailable(
                f"Exhibition {exhibition!r} cannot be shown now ({exc.code})."
            ) from exc
        app = self.app_factory(engine, self.settings, self.registry)
        generation = Generation(exhibition, served.key, engine, app, 0.0)
        app.middlewares.append(_location_middleware(generation.mount))
        app.freeze()
        await app.startup()
        generation.built_in = time.monotonic() - started
        logger.info(
            "%s: version %s ready in %.1f s", exhibition, generation.pin, generation.built_in
        )
        return generation

    def _retire(self, generation: Generation) -> None:
        generation.retiring = True
        self.retiring.append(generation)
        task = asyncio.create_task(self._retire_when_idle(generation))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retire_when_idle(self, generation: Generation) -> None:
        while generation.busy():
            await asyncio.sleep(RETIRE_POLL)
        await self._close(generation)

    async def _close(self, generation: Generation) -> None:
        with contextlib.suppress(ValueError):
            self.retiring.remove(generation)
        try:
            await generation.app.shutdown()
            await generation.app.cleanup()
        finally:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, generation.engine.close)
        logger.info("%s: version %s closed", generation.exhibition, generation.pin)

    def describe(self) -> dict[str, object]:
        """Health: what each exhibition serves and what is still finishing."""
        return {
            "places_in_use": self.registry.places.in_use,
            "max_sessions": self.settings.max_sessions,
            "waiting": len(self.registry.room.waiting),
            "exhibitions": {k: g.describe() for k, g in self.current.items()},
            "retiring": [{"exhibition": g.exhibition, **g.describe()} for g in self.retiring],
        }

    async def close(self) -> None:
        """End every visit and close every renderer (server shutdown)."""
        self._closed = True
        for waiting in list(self._tasks):
            waiting.cancel()
        for building in list(self._building.values()):
            with contextlib.suppress(BaseException):
                self.retiring.append(await building)
        every = [*self.current.values(), *self.retiring]
        self.current.clear()
        for generation in every:
            await self._close(generation)


async def _unavailable(request: web.Request) -> web.StreamResponse:
    """The handler a request that no generation can take is routed to."""
    code = request.match_info.get("code", "")
    message = request.match_info.get("message", "")
    if code == ExhibitionNotFound.code:
        raise ExhibitionNotFound(message)
    raise ExhibitionUnavailable(message)


HALL_KEY = web.AppKey("hall", Hall)


class MountedExhibitions(AbstractResource):
    """The router's resource for ``/e/<id>/…``: it finds (or builds) the generation and hands
    the rest of the path to that generation's own router, as a mounted sub-application is
    handed it; mounts change at run time, which aiohttp's sub-applications cannot."""

    def __init__(self, hall: Hall) -> None:
        super().__init__(name="exhibitions")
        self.hall = hall
        self._fallback = PlainResource(PREFIX)
        self._fallback_route = self._fallback.add_route("*", _unavailable)

    @property
    def canonical(self) -> str:
        return PREFIX

    def url_for(self, **kwargs: str) -> URL:
        raise RuntimeError("exhibitions are reached by path, not by name")

    def add_prefix(self, prefix: str) -> None:
        raise RuntimeError("the hall is mounted at the root")

    def get_info(self) -> dict[str, object]:  # type: ignore[override]
        return {"prefix": PREFIX}

    def raw_match(self, path: str) -> bool:
        return path.startswith(PREFIX + "/")

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Iterator[AbstractRoute]:
        return iter(())

    async def resolve(self, request: web.Request) -> tuple[UrlMappingMatchInfo | None, set[str]]:
        parts = request.rel_url.path.split("/", 4)  # "", "e", id, [@pin or first, rest]
        if len(parts) < 3 or parts[1] != PREFIX[1:] or not valid_id(parts[2]):
            return None, set()
        exhibition, tail = parts[2], "/" + "/".join(parts[3:])
        pin = None
        if len(parts) > 3 and parts[3].startswith(PIN):
            pin, tail = parts[3][1:], "/" + "/".join(parts[4:])
        try:
            generation = await self.hall.generation(exhibition, pin)
        except (ExhibitionNotFound, ExhibitionUnavailable) as exc:
            info = {"code": exc.code, "message": str(exc)}
            return UrlMappingMatchInfo(info, self._fallback_route), set()
        inner = request.clone(rel_url=request.rel_url.with_path(tail))
        match_info = await generation.app.router.resolve(inner)
        match_info.add_app(generation.app)
        allowed: set[str] = set(getattr(match_info.http_exception, "allowed_methods", ()))
        return match_info, allowed
