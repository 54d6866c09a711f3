"""A real aiohttp server with the staff gate and a few sample studio routes, for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from museion.streaming.http_errors import error_middleware
from museion.streaming.staff import Action, StaffGate, StaffSettings, current_staff, require


class Clock:
    """Wall time the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


SAMPLE_ROUTES: list[tuple[str, str, Action]] = [
    ("GET", "/gallery", Action.VIEW_GALLERY),
    ("GET", "/studio/home", Action.READ_STUDIO),
    ("POST", "/studio/drafts", Action.EDIT_DRAFTS),
    ("POST", "/api/publish", Action.PUBLISH),
    ("POST", "/api/users", Action.MANAGE_USERS),
    ("POST", "/api/live", Action.PUBLISH_LIVE),
]


def _handler(action: Action) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @require(action)
    async def handle(request: web.Request) -> web.Response:
        staff = current_staff(request)
        return web.json_response({"done": str(action), "by": staff.name if staff else None})

    return handle


@dataclass
class Studio:
    url: str
    gate: StaffGate

    def client(self) -> aiohttp.ClientSession:
        # unsafe: the jar keeps cookies of an IP-address host (127.0.0.1).
        return aiohttp.ClientSession(self.url, cookie_jar=aiohttp.CookieJar(unsafe=True))


@contextlib.asynccontextmanager
async def studio(users_file: Path, clock: Clock, **settings: object) -> AsyncIterator[Studio]:
    options = StaffSettings(
        users_file=str(users_file),
        session_key="s" * 32,
        **settings,  # type: ignore[arg-type]
    )
    gate = StaffGate(options, clock=clock)
    app = web.Application(middlewares=[error_middleware])
    gate.install(app)
    for method, path, action in SAMPLE_ROUTES:
        app.router.add_route(method, path, _handler(action))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Studio(f"http://127.0.0.1:{port}", gate)
    finally:
        await runner.cleanup()
