"""Sign-in over real HTTP: login and logout, the cookie's flags, wrong passwords and the
throttle, forged and expired cookies, the role x action matrix and CSRF."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from argon2 import PasswordHasher
from yarl import URL

from museion.streaming.staff.roles import STAFF_ROLES, Role, allowed
from museion.streaming.staff.sessions import COOKIE_NAME, CSRF_HEADER
from museion.streaming.staff.users import add_user, load_users, save_users
from tests.streaming.staff.studio_server import SAMPLE_ROUTES, Clock, studio

PASSWORD = "a long studio password"


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One account per staff role, named after it (hashed once for the module)."""
    path = tmp_path_factory.mktemp("staff") / "users.json"
    users: dict[str, Any] = {}
    for role in STAFF_ROLES:
        users = add_user(users, str(role), role, PASSWORD, PasswordHasher())
    save_users(path, users)
    yield path


async def login(client: aiohttp.ClientSession, name: str, password: str = PASSWORD) -> str:
    async with client.post("/studio/login", json={"name": name, "password": password}) as r:
        body = await r.json()
        assert r.status == 200, body
        return str(body["csrf"])


async def test_login_sets_a_strict_http_only_cookie_and_logout_ends_it(accounts: Path) -> None:
    async with studio(accounts, Clock(), cookie_secure=False) as app, app.client() as client:
        form = {"name": "curator", "password": PASSWORD}
        async with client.post("/studio/login", data=form) as r:
            assert r.status == 200
            body = await r.json()
            assert body["name"] == "curator" and body["role"] == "curator"
            cookie = r.cookies[COOKIE_NAME]
            assert cookie["httponly"] is True
            assert cookie["samesite"] == "Strict"
            assert not cookie["secure"]
            assert PASSWORD not in r.headers["Set-Cookie"]
        async with client.get("/studio/session") as r:
            assert (await r.json())["csrf"] == body["csrf"]
        async with client.get("/studio/home") as r:
            assert (await r.json()) == {"done": "studio.read", "by": "curator"}
        stolen = client.cookie_jar.filter_cookies(URL(app.url))[COOKIE_NAME].value
        async with client.post("/studio/logout", headers={CSRF_HEADER: body["csrf"]}) as r:
            assert r.status == 204
        async with client.get("/studio/home") as r:
            assert r.status == 401
            assert (await r.json())["code"] == "SIGN_IN_REQUIRED"
        # the cookie kept from before the logout no longer works either
        async with client.get("/studio/home", headers={"Cookie": f"{COOKIE_NAME}={stolen}"}) as r:
            assert r.status == 401


async def test_the_cookie_is_secure_when_configured(accounts: Path) -> None:
    credentials = {"name": "admin", "password": PASSWORD}
    async with (
        studio(accounts, Clock(), cookie_secure=True) as app,
        app.client() as client,
        client.post("/studio/login", json=credentials) as r,
    ):
        assert r.status == 200
        assert r.cookies[COOKIE_NAME]["secure"] is True
        assert "Secure" in r.headers["Set-Cookie"]


async def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(accounts: Path) -> None:
    async with studio(accounts, Clock(), cookie_secure=False) as app, app.client() as client:
        answers = []
        for name in ("curator", "nobody"):
            async with client.post("/studio/login", json={"name": name, "password": "wrong!"}) as r:
                answers.append((r.status, await r.json(), COOKIE_NAME in r.cookies))
        assert answers[0] == answers[1]
        assert answers[0][0] == 401 and answers[0][1]["code"] == "SIGN_IN_FAILED"
        async with client.post("/studio/login", data=b"name=x", headers={}) as r:
            assert r.status == 400


async def test_failures_are_throttled_then_recover(accounts: Path) -> None:
    clock = Clock()
    async with studio(accounts, clock, cookie_secure=False) as app, app.client() as client:
        for _ in range(5):
            async with client.post("/studio/login", json={"name": "venue", "password": "x"}) as r:
                assert r.status == 401
        # the right password too, while the account is throttled
        async with client.post("/studio/login", json={"name": "venue", "password": PASSWORD}) as r:
            assert r.status == 429
            assert (await r.json())["code"] == "SIGN_IN_THROTTLED"
            assert r.headers["Retry-After"] == "60"
        clock.now += 30
        async with client.post("/studio/login", json={"name": "admin", "password": PASSWORD}) as r:
            assert r.status == 429  # the same address, another name
            assert r.headers["Retry-After"] == "30"
        clock.now += 30
        assert await login(client, "venue")


async def test_attempts_at_once_cannot_slip_past_the_limit(accounts: Path) -> None:
    async with studio(accounts, Clock(), cookie_secure=False) as app, app.client() as client:

        async def attempt(n: int) -> int:
            credentials = {"name": "admin", "password": f"guess {n}"}
            async with client.post("/studio/login", json=credentials) as r:
                return r.status

        statuses = await asyncio.gather(*(attempt(n) for n in range(12)))
        assert sorted(statuses) == [401] * 5 + [429] * 7


def _forge(cookie: str, **changes: object) -> str:
    version, body, mac = cookie.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{version}.{forged}.{mac}"


async def test_forged_and_expired_cookies_are_anonymous(accounts: Path) -> None:
    clock = Clock()
    async with (
        studio(accounts, clock, cookie_secure=False, session_seconds=3600) as app,
        app.client() as client,
    ):
        await login(client, "curator")
        cookie = client.cookie_jar.filter_cookies(URL(app.url))[COOKIE_NAME].value
        client.cookie_jar.clear()
        async with aiohttp.ClientSession(app.url) as bare:
            for value, status in [
                (cookie, 200),
                (_forge(cookie, role="admin"), 401),
                (_forge(cookie, exp=2_000_000_000), 401),
                (cookie[:-2] + "AA", 401),
                ("v1.e30.x", 401),
            ]:
                headers = {"Cookie": f"{COOKIE_NAME}={value}"}
                async with bare.get("/studio/home", headers=headers) as r:
                    assert r.status == status, value
            clock.now += 3600
            async with bare.get("/studio/home", headers={"Cookie": f"{COOKIE_NAME}={cookie}"}) as r:
                assert r.status == 401


async def test_role_by_action_matrix(accounts: Path) -> None:
    async with studio(accounts, Clock(), cookie_secure=False) as app:
        async with app.client() as anonymous:
            for method, path, action in SAMPLE_ROUTES:
                async with anonymous.request(method, path) as r:
                    assert r.status == (200 if allowed(Role.VISITOR, action) else 401), path
        for role in STAFF_ROLES:
            async with app.client() as client:
                csrf = await login(client, str(role))
                for method, path, action in SAMPLE_ROUTES:
                    async with client.request(method, path, headers={CSRF_HEADER: csrf}) as r:
                        expected = 200 if allowed(role, action) else 403
                        assert r.status == expected, (role, path)
                        if expected == 403:
                            assert (await r.json())["code"] == "ROLE_FORBIDDEN"


async def test_csrf_missing_or_wrong_is_refused_right_is_served(accounts: Path) -> None:
    async with studio(accounts, Clock(), cookie_secure=False) as app, app.client() as client:
        csrf = await login(client, "publisher")
        for headers in ({}, {CSRF_HEADER: "wrong"}, {CSRF_HEADER: csrf[:-1]}):
            for path in ("/api/publish", "/studio/drafts", "/studio/logout"):
                async with client.post(path, headers=headers) as r:
                    assert r.status == 403, (path, headers)
                    assert (await r.json())["code"] == "CSRF_REJECTED"
        async with client.get("/studio/home") as r:  # reading needs no token
            assert r.status == 200
        async with client.post("/api/publish", headers={CSRF_HEADER: csrf}) as r:
            assert (await r.json()) == {"done": "scenes.publish", "by": "publisher"}
        # another session's token is not this one's
        async with app.client() as other:
            other_csrf = await login(other, "publisher")
        async with client.post("/api/publish", headers={CSRF_HEADER: other_csrf}) as r:
            assert r.status == 403


async def test_a_removed_account_or_changed_role_ends_its_session(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    hasher = PasswordHasher()
    save_users(path, add_user({}, "ada", Role.PUBLISHER, PASSWORD, hasher))
    async with studio(path, Clock(), cookie_secure=False) as app, app.client() as client:
        csrf = await login(client, "ada")
        async with client.post("/api/publish", headers={CSRF_HEADER: csrf}) as r:
            assert r.status == 200
        save_users(path, add_user({}, "ada", Role.CURATOR, PASSWORD, hasher))
        async with client.post("/api/publish", headers={CSRF_HEADER: csrf}) as r:
            assert r.status == 401


async def test_old_hash_parameters_are_upgraded_at_sign_in(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    save_users(path, add_user({}, "ada", Role.ADMIN, PASSWORD, weak))
    old = load_users(path)["ada"].hash
    async with studio(path, Clock(), cookie_secure=False) as app, app.client() as client:
        await login(client, "ada")
    new = load_users(path)["ada"].hash
    assert new != old and not PasswordHasher().check_needs_rehash(new)
    async with studio(path, Clock(), cookie_secure=False) as app, app.client() as client:
        await login(client, "ada")


async def test_a_sign_in_sent_by_another_sites_page_is_refused(accounts: Path) -> None:
    """Login CSRF: a form on another site must not sign the victim in as someone else."""
    async with studio(accounts, Clock(), cookie_secure=False) as app, app.client() as client:
        login = {"name": "curator", "password": PASSWORD}
        evil = {"Origin": "https://evil.example"}
        async with client.post("/studio/login", data=login, headers=evil) as reply:
            assert (reply.status, (await reply.json())["code"]) == (403, "CSRF_REJECTED")
            assert COOKIE_NAME not in {c.key for c in client.cookie_jar}
        own = {"Origin": app.url}
        async with client.post("/studio/login", json=login, headers=own) as reply:
            assert reply.status == 200
