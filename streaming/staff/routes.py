"""The studio's sign-in over HTTP: login, logout, the session, CSRF and ``require``.

:class:`StaffGate` joins the pieces for one server: ``install(app)`` adds its middleware
(which puts the request's staff member, or None, on the request and checks the CSRF token
of every state-changing ``/studio`` and ``/api`` request that carries a session) and its
routes.  The app needs :func:`museion.streaming.http_errors.error_middleware` before it,
so refusals become ``{"code", "message"}`` JSON.

A state-changing request *without* a session is not a CSRF risk (a forged request
carries no credentials); it reaches the handler and :func:`require` answers 401.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from argon2 import PasswordHasher

from museion.streaming.errors import (
    ActionForbidden,
    CsrfRejected,
    SignInFailed,
    SignInRequired,
    SignInThrottled,
    StaffError,
)
from museion.streaming.signalling import read_body
from museion.streaming.staff.directory import UsersDirectory
from museion.streaming.staff.roles import Action, Role, allowed
from museion.streaming.staff.sessions import (
    COOKIE_NAME,
    CSRF_HEADER,
    Session,
    csrf_matches,
    csrf_token,
    new_session,
    read_session,
    sign_session,
)
from museion.streaming.staff.settings import StaffSettings
from museion.streaming.staff.throttle import SignInThrottle
from museion.streaming.staff.users import update_users, verify_user, with_hash

__all__ = [
    "GATE_KEY",
    "LOGIN_PATH",
    "LOGOUT_PATH",
    "SESSION_PATH",
    "StaffGate",
    "current_staff",
    "require",
    "staff_name",
]

logger = logging.getLogger(__name__)

LOGIN_PATH = "/studio/login"
LOGOUT_PATH = "/studio/logout"
SESSION_PATH = "/studio/session"
STAFF_KEY: web.RequestKey[Session | None] = web.RequestKey("museion.staff")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
GUARDED_PREFIXES = ("/studio", "/api")
MAX_LOGIN_BYTES = 8192
LOGIN_BODY_TIMEOUT = 10.0
"""Seconds a sign-in's body may take to arrive (a trickling client is refused, 408)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def current_staff(request: web.Request) -> Session | None:
    """The request's signed-in staff member, or None for an anonymous visitor."""
    if STAFF_KEY not in request:
        raise RuntimeError("the staff middleware is not installed on this app")
    return request[STAFF_KEY]


def staff_name(request: web.Request) -> str:
    """Who made the request, for the audit and the log (``anonymous`` for a visitor)."""
    session = current_staff(request)
    return session.name if session is not None else "anonymous"


def check(request: web.Request, action: Action) -> Session | None:
    """Refuse the request unless its staff member (or a visitor) may take ``action``."""
    session = current_staff(request)
    if allowed(Role.VISITOR, action):
        return session
    if session is None:
        raise SignInRequired("Sign in to the studio first.")
    if not allowed(session.role, action):
        raise ActionForbidden(f"A {session.role} may not do this ({action}).")
    return session


def require(action: Action) -> Callable[[Handler], Handler]:
    """A handler decorator: 401 without a session, 403 without a role allowing ``action``."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            check(request, action)
            return await handler(request)

        return guarded

    return wrap


def _guarded(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in GUARDED_PREFIXES)


class StaffGate:
    """Sign-in, sessions and CSRF for one server; ``clock`` is wall time (injectable)."""

    def __init__(
        self,
        settings: StaffSettings,
        *,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        key = settings.session_key
        self.key = key.encode("utf-8") if key is not None else secrets.token_bytes(32)
        path = Path(settings.users_file) if settings.users_file else None
        self.directory = UsersDirectory(path)
        self.throttle = SignInThrottle(settings.max_failures, settings.failure_window)
        self._signed_out: dict[str, int] = {}  # session id -> its expiry
        # Argon2 takes ~64 MiB and tens of ms per check: a small pool bounds both.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="staff-argon2")
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(24))

    def install(self, app: web.Application) -> None:
        """Add the middleware, the routes and the pool's shutdown to ``app``."""
        app[GATE_KEY] = self
        app.middlewares.append(self.middleware)
        app.router.add_post(LOGIN_PATH, self.login)
        app.router.add_post(LOGOUT_PATH, self.logout)
        app.router.add_get(SESSION_PATH, self.session)
        app.on_cleanup.append(self._close)

    async def _close(self, _app: web.Application) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _read_cookie(self, request: web.Request) -> Session | None:
        text = request.cookies.get(COOKIE_NAME)
        if text is None:
            return None
        now = self.clock()
        session = read_session(self.key, text, now)
        if session is None or session.session_id in self._signed_out:
            return None
        user = self.directory.users().get(session.name)
        if user is None or user.role is not session.role:
            return None  # removed, or given another role, since signing in
        return session

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        session = self._read_cookie(request)
        request[STAFF_KEY] = session
        if (
            session is not None
            and request.method not in SAFE_METHODS
            and _guarded(request.path)
            and request.path != LOGIN_PATH
            and not csrf_matches(self.key, session, request.headers.get(CSRF_HEADER))
        ):
            logger.warning("CSRF token missing or wrong: %s %s", request.method, request.path)
            raise CsrfRejected(f"This studio request lacks its session's {CSRF_HEADER} header.")
        return await handler(request)

    async def login(self, request: web.Request) -> web.Response:
        _same_origin(request)
        name, password = await _credentials(request)
        address = request.remote or "unknown"
        account = name[:65]  # no account name is longer: a bounded key, still unique
        now = self.clock()
        wait = self.throttle.retry_after(address, account, now)
        if wait:
            raise SignInThrottled(
                f"Too many failed sign-ins; try again in {wait} seconds.", retry_after=wait
            )
        self.throttle.attempt(address, account, now)
        users = self.directory.users()
        loop = asyncio.get_running_loop()
        verified = await loop.run_in_executor(
            self._pool, verify_user, users, name, password, self.hasher, self._dummy_hash
        )
        if verified is None:
            logger.warning("failed sign-in for %r from %s", name[:64], address)
            raise SignInFailed("The name or password is wrong.")
        self.throttle.succeeded(address, account, now)
        if verified.rehashed is not None and self.directory.path is not None:
            rehashed, path = verified.rehashed, self.directory.path
            await loop.run_in_executor(
                self._pool, update_users, path, lambda u: with_hash(u, name, rehashed)
            )
            logger.info("rehashed %s's password with the current Argon2 parameters", name)
        user = verified.user
        session = new_session(user.name, user.role, self.clock(), self.settings.session_seconds)
        logger.info("%s signed in as %s from %s", user.name, user.role, address)
        response = web.json_response(self._describe(session))
        response.set_cookie(
            COOKIE_NAME,
            sign_session(self.key, session),
            max_age=self.settings.session_seconds,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self.settings.cookie_secure,
        )
        return response

    async def logout(self, request: web.Request) -> web.Response:
        session = current_staff(request)
        if session is not None:
            self._forget_expired()
            self._signed_out[session.session_id] = session.expires
            logger.info("%s signed out", session.name)
        response = web.Response(status=204)
        response.del_cookie(
            COOKIE_NAME, path="/", secure=self.settings.cookie_secure, samesite="Strict"
        )
        return response

    async def session(self, request: web.Request) -> web.Response:
        """Who is signed in, with the CSRF token again (a reloaded studio page's way back)."""
        session = current_staff(request)
        if session is None:
            raise SignInRequired("Sign in to the studio first.")
        return web.json_response(self._describe(session))

    def _describe(self, session: Session) -> dict[str, object]:
        return {
            "name": session.name,
            "role": str(session.role),
            "expires": session.expires,
            "csrf": csrf_token(self.key, session),
        }

    def _forget_expired(self) -> None:
        now = self.clock()
        for sid in [sid for sid, expires in self._signed_out.items() if expires <= now]:
            del self._signed_out[sid]


GATE_KEY = web.AppKey("staff_gate", StaffGate)
"""The app's gate: its accounts file and hasher, for the routes that manage accounts."""


def _same_origin(request: web.Request) -> None:
    """Refuse a sign-in another site's page sent (login CSRF: the victim would work signed
    in as the attacker).  Browsers name the page's origin on every POST; a client that
    sends none (a script, a collection system) is not a browser page and may sign in."""
    origin = request.headers.get("Origin")
    if origin is None:
        return
    # Hosts, not schemes: behind a TLS-terminating proxy the page is https, we see http.
    if urlsplit(origin).netloc != request.host:
        logger.warning("sign-in from another origin refused: %s", origin[:100])
        raise CsrfRejected("Sign in from this server's own studio page.")


async def _credentials(request: web.Request) -> tuple[str, str]:
    """Name and password from a JSON body or an HTML form."""

    def malformed() -> StaffError:
        return StaffError(
            "Send a name and a password (JSON or form fields).", code="SIGN_IN_MALFORMED"
        )

    if request.content_length is not None and request.content_length > MAX_LOGIN_BYTES:
        raise malformed()
    raw = await read_body(
        request, MAX_LOGIN_BYTES, LOGIN_BODY_TIMEOUT, "sign-in", lambda _: malformed()
    )
    try:
        if request.content_type == "application/json":
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise malformed()
            name, password = data.get("name"), data.get("password")
        elif request.content_type == "application/x-www-form-urlencoded":
            form = parse_qs(raw.decode("utf-8"), max_num_fields=8)
            name = form.get("name", [None])[0]
            password = form.get("password", [None])[0]
        else:
            raise malformed()
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed() from exc
    if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
        raise malformed()
    return name, password
