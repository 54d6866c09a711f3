"""Accounts and tokens from the studio: an admin manages people, a venue gets its encoder's
token without anyone editing a config file.

    GET    /api/users             the accounts (names and roles, never hashes)   admin
    POST   /api/users             {name, role, password}                         admin
    DELETE /api/users/{name}                                                    admin
    POST   /api/tokens            {kind: "stream", stream, hours}               venue, admin
                                  {kind: "docent", hours}                        admin

A token is signed with the server's ``token_key`` and expires; the live relay and docent
tours accept it beside the tokens configured at start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiohttp import web

from museion.streaming.errors import ActionForbidden, RequestInvalid, StaffError
from museion.streaming.hall.hall import HALL_KEY
from museion.streaming.passes import DOCENT_TOKEN_ID, sign, stream_token_id
from museion.streaming.staff import Action, allowed, current_staff, require, staff_name
from museion.streaming.staff.roles import parse_role
from museion.streaming.staff.routes import GATE_KEY, check
from museion.streaming.staff.users import add_user, remove_user, update_users
from museion.streaming.studio.api import read_object

__all__ = ["MAX_TOKEN_HOURS", "add_people_routes"]

logger = logging.getLogger(__name__)

MAX_TOKEN_HOURS = 24 * 7
_STREAM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _accounts_file(request: web.Request) -> Any:
    path = request.app[GATE_KEY].directory.path
    if path is None:
        raise StaffError("This server has no accounts file.", code="USERS_FILE_MISSING")
    return path


@require(Action.MANAGE_USERS)
async def list_users(request: web.Request) -> web.Response:
    users = request.app[GATE_KEY].directory.users()
    listed = [
        {"name": u.name, "role": str(u.role)} for u in sorted(users.values(), key=lambda u: u.name)
    ]
    return web.json_response({"users": listed})


@require(Action.MANAGE_USERS)
async def create_user(request: web.Request) -> web.Response:
    body = await read_object(request, "{name, role, password}")
    name, role_name, password = body.get("name"), body.get("role"), body.get("password")
    role = parse_role(role_name) if isinstance(role_name, str) else None
    if role is None:
        raise RequestInvalid("role must be curator, publisher, admin or venue.", pointer="/role")
    if not isinstance(name, str):
        raise RequestInvalid("name must be text.", pointer="/name")
    if not isinstance(password, str):
        raise RequestInvalid("password must be text.", pointer="/password")
    gate = request.app[GATE_KEY]
    path = _accounts_file(request)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(
        None, update_users, path, lambda u: add_user(u, name, role, password, gate.hasher)
    )
    logger.info("%s added account %s (%s)", staff_name(request), name, role)
    return web.json_response({"name": name, "role": str(role)}, status=201)


@require(Action.MANAGE_USERS)
async def delete_user(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name == staff_name(request):
        raise StaffError("You cannot remove your own account.", code="USER_IS_YOU")
    path = _accounts_file(request)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, update_users, path, lambda u: remove_user(u, name))
    logger.info("%s removed account %s", staff_name(request), name)
    return web.Response(status=204)


@require(Action.READ_STUDIO)
async def make_token(request: web.Request) -> web.Response:
    """A signed, expiring token: a stream's (venue or admin) or a docent's (admin)."""
    body = await read_object(request, "{kind, stream, hours}")
    kind = body.get("kind")
    hours = body.get("hours", 12)
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 168:
        raise RequestInvalid(f"hours must lie in (0, {MAX_TOKEN_HOURS}].", pointer="/hours")
    session = current_staff(request)
    assert session is not None  # READ_STUDIO needs one
    if kind == "stream":
        stream = body.get("stream")
        if not isinstance(stream, str) or not 0 < len(stream) <= 64 or set(stream) - _STREAM_CHARS:
            raise RequestInvalid("stream must be 1-64 letters, digits, _ or -.", pointer="/stream")
        if not allowed(session.role, Action.PUBLISH_LIVE):
            check(request, Action.MANAGE_TOKENS)
        token_id, use = stream_token_id(stream), f"WHIP to /e/<exhibition>/whip/{stream}"
    elif kind == "docent":
        check(request, Action.MANAGE_TOKENS)
        token_id, use = DOCENT_TOKEN_ID, "Authorization: Bearer for /e/<exhibition>/docent"
    else:
        raise RequestInvalid('kind must be "stream" or "docent".', pointer="/kind")
    key = request.app[HALL_KEY].settings.token_key
    if key is None:  # the hall always has one; a bare app might not
        raise ActionForbidden("This server hands out no tokens.")
    expires = int(time.time() + float(hours) * 3600)
    token = sign(key.encode(), token_id, expires)
    logger.info("%s made a %s token (%s) until %d", session.name, kind, token_id, expires)
    return web.json_response(
        {"kind": kind, "token": token, "expires": expires, "use": use},
        status=201,
        headers={"Cache-Control": "no-store"},
    )


def add_people_routes(app: web.Application) -> None:
    """Accounts and tokens on a hall's app (after the staff gate)."""
    app.router.add_get("/api/users", list_users)
    app.router.add_post("/api/users", create_user)
    app.router.add_delete("/api/users/{name}", delete_user)
    app.router.add_post("/api/tokens", make_token)
