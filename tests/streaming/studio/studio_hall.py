"""A hall with the studio switched on, one account per staff role, and signed-in clients."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from argon2 import PasswordHasher

from museion.streaming.staff import StaffGate, StaffSettings
from museion.streaming.staff.roles import STAFF_ROLES
from museion.streaming.staff.sessions import CSRF_HEADER
from museion.streaming.staff.users import add_user, save_users
from museion.streaming.studio import studio_installers
from museion.tools.studio import import_for_server, narrate_for_server
from tests.streaming.hall.hall_fixtures import hall, hall_folder

PASSWORD = "a long studio password"


def accounts(path: Path) -> Path:
    """One account per staff role, named after it."""
    users: dict[str, Any] = {}
    for role in STAFF_ROLES:
        users = add_user(users, str(role), role, PASSWORD, PasswordHasher())
    save_users(path, users)
    return path


@dataclass
class Staff:
    """A signed-in client (or an anonymous one: ``csrf`` empty)."""

    http: aiohttp.ClientSession
    csrf: str

    def headers(self, **more: str) -> dict[str, str]:
        return {CSRF_HEADER: self.csrf, **more} if self.csrf else dict(more)


@dataclass
class StudioHall:
    url: str
    folder: Path

    @contextlib.asynccontextmanager
    async def staff(self, name: str | None) -> AsyncIterator[Staff]:
        """A client signed in as ``name`` (None: an anonymous visitor)."""
        jar = aiohttp.CookieJar(unsafe=True)  # keep the cookie of a 127.0.0.1 host
        async with aiohttp.ClientSession(self.url, cookie_jar=jar) as http:
            csrf = ""
            if name is not None:
                login = {"name": name, "password": PASSWORD}
                async with http.post("/studio/login", json=login) as reply:
                    body = await reply.json()
                    assert reply.status == 200, body
                    csrf = str(body["csrf"])
            yield Staff(http, csrf)


@contextlib.asynccontextmanager
async def studio_hall(folder: Path, users: Path) -> AsyncIterator[StudioHall]:
    """The example hall (:func:`hall_folder`) served with the studio's gate and API."""
    settings = StaffSettings(users_file=str(users), session_key="k" * 32, cookie_secure=False)
    gate = StaffGate(settings)
    studio = studio_installers(gate, import_for_server, narrator=narrate_for_server)
    async with hall(hall_folder(folder), studio) as url:
        yield StudioHall(url, folder)
