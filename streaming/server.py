"""The aiohttp application: the visitor page, WHEP signalling and session bookkeeping.

``POST /whep`` (``application/sdp`` offer) → ``201`` with the answer and a ``Location``;
``DELETE`` on that location ends the session.  ``GET /config`` gives the page its ICE
servers and video size; ``GET /healthz`` reports sessions and the renderer.

:func:`serve_scene` is the one way a gallery goes up (renderer, app, runner, listening
socket) and comes down again; :func:`serve_engine` is its part after the renderer, for a
caller (a test) that keeps one renderer across servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import CheckedScene
from museion.scenes.showcase import Showcase
from museion.streaming.admission import (
    PASS_HEADER,
    RenderLoad,
    WaitingRoom,
    add_admission_routes,
    run_waiting_room,
)
from museion.streaming.client_files import client_dir, index, page_config, static_files
from museion.streaming.cluster.node import CLUSTER_KEY, ClusterMember, cluster_member, join_cluster
from museion.streaming.cors import add_cors
from museion.streaming.errors import MediaNotFound, SessionNotFound
from museion.streaming.http_errors import error_middleware
from museion.streaming.ice import configure_ice
from museion.streaming.listening import start_site
from museion.streaming.live import LIVE_KEY, add_live_routes
from museion.streaming.live.stage_feed import stage_feeds
from museion.streaming.log_limits import limit_bad_request_logs
from museion.streaming.metrics import CONTENT_TYPE, Held, Metrics, StreamFigures
from museion.streaming.reservation import Places, Reservation
from museion.streaming.settings import StreamSettings
from museion.streaming.signalling import read_offer
from museion.streaming.tours import (
    TOURS_KEY,
    DocentSession,
    add_tour_routes,
    docent_request,
    open_tour,
)
from museion.streaming.visit.session import Session

__all__ = [
    "ENGINE_KEY",
    "MEDIA_TYPES",
    "METRICS_KEY",
    "SESSIONS_KEY",
    "Listening",
    "SessionRegistry",
    "make_app",
    "make_runner",
    "run_registry",
    "serve_engine",
    "serve_scene",
]

logger = logging.getLogger(__name__)


class SessionRegistry:
    """The live sessions, bounded by ``max_sessions`` places and the render thread's load;
    a hall's exhibitions share one, as they share the render thread."""

    def __init__(self, settings: StreamSettings, render_threads: int = 1) -> None:
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self._ending: weakref.WeakSet[Session] = weakref.WeakSet()
        self.places = Places(settings.max_sessions, "viewing places", settings.retry_after)
        self.load = RenderLoad(render_threads)
        self.room = WaitingRoom(self.places, self.load, settings.admission_fps)
        self.places.on_free = self.room.pump  # a place given back goes to the queue's head

    def add(self, session: Session) -> None:
        """Register ``session`` until its reservation is released."""
        self.sessions[session.id] = session

        def ended() -> None:
            # The first give-back (newest first): the view and the peer are still being
            # given back, so a shutdown now must wait for them (see close_all).
            self.sessions.pop(session.id, None)
            self._ending.add(session)
            self.room.visit_ended(time.monotonic() - session.started)

        session.held.add(ended)

    def get(self, session_id: str) -> Session:
        """The live session ``session_id``; raises :class:`SessionNotFound`."""
        session = self.sessions.get(session_id)
        if session is None:
            raise SessionNotFound("No such session: it has ended or never existed.")
        return session

    def of(self, engine: RenderEngine) -> list[Session]:
        """The sessions rendered by ``engine`` (one exhibition's, in a hall)."""
        return [s for s in self.sessions.values() if s.engine is engine]

    async def close_all(self, engine: RenderEngine | None = None) -> None:
        """End every session (server shutdown), or every one ``engine`` renders, and wait
        for those already ending: a session leaves the registry as its ending begins, and
        a shutdown that did not wait would leave its render view and peer held when the
        loop stops."""
        live = [*self.sessions.values(), *self._ending]
        ending = live if engine is None else [s for s in live if s.engine is engine]
        await asyncio.gather(*(s.close("server shutdown") for s in ending))


def run_registry(app: web.Application, registry: SessionRegistry) -> None:
    """Run ``registry``'s waiting room while ``app`` runs: the owner of a registry that
    several galleries share (a hall's exhibitions, one render thread) is not any of them."""
    run_waiting_room(app, registry.room)


ENGINE_KEY = web.AppKey("engine", RenderEngine)
SESSIONS_KEY = web.AppKey("sessions", SessionRegistry)
SETTINGS_KEY = web.AppKey("settings", StreamSettings)
METRICS_KEY = web.AppKey("metrics", Metrics)


async def visit_post(request: web.Request) -> web.Response:
    """Create a session from an SDP offer; a refused offer keeps nothing."""
    settings = request.app[SETTINGS_KEY]
    registry = request.app[SESSIONS_KEY]
    engine = request.app[ENGINE_KEY]
    # A bearer token (or ``?docent``) makes it a docent's session, leading a tour.
    docent = docent_request(
        settings, request.headers.get("Authorization"), "docent" in request.query
    )
    member = request.app.get(CLUSTER_KEY)
    if member is not None:  # in a cluster: no visitor it cannot account for
        member.check()
        full = not docent and PASS_HEADER not in request.headers and not registry.room.room()
        other = await member.elsewhere() if full else None
        if other is not None:  # any node acts as the door: on to one with room
            location = f"{other.url}{request.path_qs}"
            return web.Response(status=307, headers={"Location": location})
    offer, parsed = await read_offer(request, settings)
    loop = asyncio.get_running_loop()
    async with Reservation("gallery session") as held:
        held_pass = request.headers.get(PASS_HEADER)
        if docent:  # staff: a free place, ahead of the queue
            registry.places.take(held)
        elif member is not None and held_pass and settings.cluster_secret:
            # The cluster's line (at the door) promised this node a place for this pass.
            await member.redeem(held_pass, settings.cluster_secret.encode())
            registry.places.take(held)
        else:  # a free place if nobody waits, or the one the visitor's pass reserved
            registry.room.enter(held, held_pass)
        source = await loop.run_in_executor(
            engine.executor, engine.open_view, settings.width, settings.height
        )
        held.add(lambda: loop.run_in_executor(engine.executor, source.close))
        meter = registry.load.meter(engine.executor)  # what this visitor costs the renderer
        held.add(lambda: registry.load.forget(meter))
        # ``?exhibit=ID`` (a shared link to one relic) starts orbiting it; unknown ids are
        # ignored and the visitor enters at the spawn point.
        start_at = request.query.get("exhibit")
        metrics = request.app[METRICS_KEY].visit
        kind = DocentSession if docent else Session
        session = kind(
            engine,
            source,
            settings,
            held,
            start_at=start_at,
            metrics=metrics,
            executor=meter,
        )
        answer = await session.answer(offer, parsed)
        if isinstance(session, DocentSession):
            open_tour(
                session,
                request.app[LIVE_KEY],
                request.app[TOURS_KEY],
                engine.exhibition_info(),
                request.query.get("title"),
            )
        registry.add(session)
    location = f"/whep/{session.id}"
    logger.info("session %s created (%d live)", session.id, len(registry.sessions))
    return web.Response(
        status=201,
        text=answer,
        content_type="application/sdp",
        headers={"Location": location},
    )


async def visit_delete(request: web.Request) -> web.Response:
    """End a session and free everything it held."""
    session = request.app[SESSIONS_KEY].get(request.match_info["session_id"])
    await session.close("DELETE")
    return web.Response(status=204)


async def config(request: web.Request) -> web.Response:
    """What the page needs before it offers: ICE servers and the stream's size."""
    return web.json_response(page_config(request.app[SETTINGS_KEY]))


async def healthz(request: web.Request) -> web.Response:
    """Liveness and load, for operators and tests."""
    registry = request.app[SESSIONS_KEY]
    engine = request.app[ENGINE_KEY]
    return web.json_response(
        {
            "status": "ok",
            "sessions": len(registry.sessions),
            "max_sessions": registry.settings.max_sessions,
            "places_in_use": registry.places.in_use,
            "waiting": len(registry.room.waiting),
            "render": registry.load.figures(),
            "views_in_use": engine.views_in_use,
            "live": request.app[LIVE_KEY].health(),
            # Models whose load failed are left out of the render; operators see why here.
            "load_errors": [
                {"asset": e.asset, "code": e.code, "message": e.message}
                for e in getattr(engine, "load_errors", ())
            ],
        }
    )


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format (``museion.streaming.metrics``)."""
    body = request.app[METRICS_KEY].text(await _held(request.app))
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _held(app: web.Application) -> Held:
    """What ``app`` holds now, with each visitor's link as RTCP last told it."""
    registry, live = app[SESSIONS_KEY], app[LIVE_KEY]
    links = await asyncio.gather(*(s.link_figures() for s in registry.sessions.values()))
    health = live.health()
    docents = sum(isinstance(s, DocentSession) for s in registry.sessions.values())
    headsets = sum(
        s.headset.active and not isinstance(s, DocentSession) for s in registry.sessions.values()
    )
    tours = {tour.stream for tour in app[TOURS_KEY].values()}
    followers = sum(v.stream.name in tours for v in live.viewers.values())
    return Held(
        sessions={
            "visitor": len(registry.sessions) - docents - headsets,
            "headset": headsets,
            "docent": docents,
            "follower": followers,
            "live_viewer": health["viewers"] - followers,
            "waiting": len(registry.room.waiting),
        },
        render_busy=registry.load.busy(),
        places_in_use=registry.places.in_use,
        max_sessions=registry.settings.max_sessions,
        views_in_use=app[ENGINE_KEY].views_in_use,
        publishers=health["publishers"],
        streams=[
            StreamFigures(
                name,
                live.watching(stream),
                stream.frames_in,
                stream.bytes_in,
                sum(int(str(v.get("sent_bytes", 0))) for v in await live.viewer_stats(stream)),
                stream.layer_status() if stream.simulcast else [],
            )
            for name, stream in list(live.streams.items())
        ],
        links=list(links),
    )


MEDIA_TYPES = {
    # what recordings and hotspot images are served as (visitors; the studio's drafts)
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".oga": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".webm": "audio/webm",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}


async def media(request: web.Request) -> web.FileResponse:
    """A narration recording or hotspot image the scene names, and nothing else."""
    path = request.app[ENGINE_KEY].media.get(request.match_info["name"])
    if path is None:
        raise MediaNotFound("This exhibition has no such recording or image.")
    content_type = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": content_type,
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
        },
    )


def make_app(
    engine: RenderEngine, settings: StreamSettings, registry: SessionRegistry | None = None
) -> web.Application:
    """The web application; closing it ends every session of ``engine`` (the engine stays
    the caller's).  ``registry``: places and render load shared with other apps (a hall's
    exhibitions), else the app's own."""
    configure_ice(settings)
    app = web.Application(middlewares=[error_middleware], client_max_size=settings.max_sdp_bytes)
    app[ENGINE_KEY] = engine
    app[SETTINGS_KEY] = settings
    own = registry is None
    if registry is None:
        registry = SessionRegistry(settings, getattr(engine.executor, "_max_workers", 1))
    app[SESSIONS_KEY] = registry
    app[METRICS_KEY] = Metrics()
    if settings.redis_url is not None:
        app[CLUSTER_KEY] = _member(app, engine, settings, settings.redis_url)
    app.router.add_get("/", index)
    app.router.add_get("/docent", index)  # the same page, leading a tour (docent.js)
    app.router.add_get("/config", config)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/whep", visit_post)
    app.router.add_delete("/whep/{session_id}", visit_delete)
    app.router.add_get("/static/{name:.*}", static_files(client_dir()))
    app.router.add_get("/media/{name:.+}", media)
    add_live_routes(app, settings)
    add_tour_routes(app, settings)
    add_admission_routes(app, registry.room, run_room=own)  # a shared room is run by its owner
    registry.room.on_wait = app[METRICS_KEY].queue_waits.observe
    add_cors(app)
    feeds = stage_feeds(engine, settings.stage_fps)
    app[LIVE_KEY].taps.extend(feed.attach for feed in feeds)

    async def _shutdown(app: web.Application) -> None:
        await app[SESSIONS_KEY].close_all(engine)
        for feed in feeds:
            await asyncio.get_running_loop().run_in_executor(None, feed.close)

    app.on_shutdown.append(_shutdown)
    return app


def _member(
    app: web.Application, engine: RenderEngine, settings: StreamSettings, redis_url: str
) -> ClusterMember:
    """This node's membership of the cluster: its places, load and live streams."""
    info = engine.exhibition_info()
    title = info["title"]
    exhibition = str(title.get(info["default_language"]) or next(iter(title.values()), ""))

    def state() -> tuple[int, float, tuple[str, ...], tuple[str, ...], int]:
        registry, live = app[SESSIONS_KEY], app[LIVE_KEY]
        streams, pulled = tuple(sorted(live.streams)), tuple(sorted(live.pulled))
        watching = live.health()["viewers"]
        return registry.places.in_use, registry.load.busy(), streams, pulled, watching

    return cluster_member(redis_url, settings.node_id, exhibition, settings.max_sessions, state)


def make_runner(app: web.Application, settings: StreamSettings) -> web.AppRunner:
    """The runner every server uses (the CLI's and the tests'): a connection that has not
    sent a whole request line and headers within ``header_timeout`` seconds of opening
    (or of its last reply) is closed (aiohttp's idle timer), and malformed requests are
    logged at a bounded rate."""
    limit_bad_request_logs()
    return web.AppRunner(app, access_log=None, keepalive_timeout=settings.header_timeout)


@dataclass(frozen=True)
class Listening:
    """A gallery taking requests: its application and the address it listens on."""

    app: web.Application
    host: str
    port: int

    @property
    def url(self) -> str:
        """``http://HOST:PORT``, without a trailing slash."""
        return f"http://{self.host}:{self.port}"


@contextlib.asynccontextmanager
async def serve_engine(engine: RenderEngine, settings: StreamSettings) -> AsyncIterator[Listening]:
    """The gallery app on ``settings.host``:``settings.port`` (0: a free port) for the
    block; the engine stays the caller's.  A port that cannot be had is a
    ``LISTEN_FAILED`` error, not a traceback."""
    runner = make_runner(make_app(engine, settings), settings)
    await runner.setup()
    try:
        port = await start_site(runner, settings.host, settings.port)
        listening = Listening(runner.app, settings.host, port)
        member = runner.app.get(CLUSTER_KEY)
        if member is None:
            yield listening
        else:
            where = settings.announced_address or settings.host
            async with join_cluster(member, f"http://{where}:{listening.port}"):
                yield listening
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def serve_scene(
    scene: CheckedScene | Showcase, runtime: RuntimeSettings, settings: StreamSettings
) -> AsyncIterator[Listening]:
    """A renderer for ``scene`` and the gallery serving it for the block; when it ends the
    sessions close first, then the renderer."""
    loop = asyncio.get_running_loop()
    # Panda3D setup blocks for a while: off the loop, as the render thread's own calls are.
    engine = await loop.run_in_executor(None, RenderEngine, scene, runtime)
    try:
        async with serve_engine(engine, settings) as listening:
            yield listening
    finally:
        await loop.run_in_executor(None, engine.close)
