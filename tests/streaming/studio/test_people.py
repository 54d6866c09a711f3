"""Accounts and tokens from the studio over real HTTP: an admin manages people, a venue
gets a token its encoder publishes with, and each role is held to its row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import offer
from tests.streaming.studio.studio_hall import PASSWORD, studio_hall
from tests.streaming.studio.test_api import call


async def test_an_admin_adds_and_removes_an_account_that_can_then_sign_in(
    tmp_path: Path, users_file: Path
) -> None:
    users = tmp_path / "users.json"
    users.write_bytes(users_file.read_bytes())  # this test changes the accounts
    async with (
        studio_hall(tmp_path / "hall", users) as studio,
        studio.staff("admin") as root,
        studio.staff("curator") as ada,
    ):
        status, listed, _ = await call(root, "GET", "/api/users")
        assert status == 200
        assert {"name": "curator", "role": "curator"} in listed["users"]
        assert all(set(u) == {"name", "role"} for u in listed["users"])  # never a hash
        new = {"name": "grace", "role": "publisher", "password": PASSWORD}
        status, _, _ = await call(root, "POST", "/api/users", new)
        assert status == 201
        async with studio.staff("grace") as grace:
            status, _, _ = await call(grace, "GET", "/api/exhibitions")
            assert status == 200
            status, body, _ = await call(root, "DELETE", "/api/users/grace")
            assert status == 204
            status, body, _ = await call(grace, "GET", "/api/exhibitions")
            assert (status, body["code"]) == (401, "SIGN_IN_REQUIRED")  # her session ended
        status, body, _ = await call(root, "DELETE", "/api/users/admin")
        assert (status, body["code"]) == (400, "USER_IS_YOU")
        for bad, where in (({**new, "role": "visitor"}, "/role"), ({**new, "name": 5}, "/name")):
            status, body, _ = await call(root, "POST", "/api/users", bad)
            assert (status, body["pointer"]) == (400, where)
        status, body, _ = await call(root, "POST", "/api/users", {**new, "password": "short"})
        assert (status, body["code"]) == (400, "PASSWORD_TOO_SHORT")
        status, body, _ = await call(ada, "GET", "/api/users")
        assert (status, body["code"]) == (403, "ROLE_FORBIDDEN")


async def whip(url: str, token: str) -> tuple[int, Any]:
    sdp = await offer("sendonly", channel=False)
    headers = {"Content-Type": "application/sdp", "Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http, http.post(url, data=sdp, headers=headers) as r:
        return r.status, await r.text()


async def test_a_venue_gets_a_token_its_encoder_publishes_with_and_only_for_its_stream(
    tmp_path: Path, users_file: Path
) -> None:
    async with (
        studio_hall(tmp_path / "hall", users_file) as studio,
        studio.staff("venue") as vic,
        studio.staff("admin") as root,
        studio.staff("curator") as ada,
    ):
        status, made, _ = await call(
            vic, "POST", "/api/tokens", {"kind": "stream", "stream": "gala"}
        )
        assert status == 201 and made["expires"] > 0
        status, body = await whip(f"{studio.url}/e/bronzes/whip/gala", made["token"])
        assert status == 201, body
        status, body = await whip(f"{studio.url}/e/bronzes/whip/other", made["token"])
        assert status == 403 and "TOKEN_REJECTED" in body
        status, body, _ = await call(vic, "POST", "/api/tokens", {"kind": "docent"})
        assert (status, body["code"]) == (403, "ROLE_FORBIDDEN")
        status, body, _ = await call(ada, "POST", "/api/tokens", {"kind": "stream", "stream": "x"})
        assert (status, body["code"]) == (403, "ROLE_FORBIDDEN")
        status, docent, _ = await call(root, "POST", "/api/tokens", {"kind": "docent", "hours": 1})
        assert status == 201 and docent["token"] != made["token"]
        for bad, where in (
            ({"kind": "stream", "stream": "no spaces"}, "/stream"),
            ({"kind": "stream", "stream": "x", "hours": 10_000}, "/hours"),
            ({"kind": "everything"}, "/kind"),
        ):
            status, body, _ = await call(root, "POST", "/api/tokens", bad)
            assert (status, body["pointer"]) == (400, where)
