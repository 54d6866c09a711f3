"""Signed session cookies and their CSRF tokens: pure functions over a server key.

A session is ``v1.<payload>.<mac>``: the payload is base64url JSON (a random session id,
the name, the role, a Unix expiry) and the mac an HMAC-SHA256 of it under the server key,
so the server keeps no session table, only the ids signed out before their expiry.  The
CSRF token is a second HMAC of the session id under the same key: per session, never
stored, checked in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from museion.streaming.staff.roles import Role, parse_role

__all__ = ["COOKIE_NAME", "CSRF_HEADER", "Session", "csrf_token", "read_session", "sign_session"]

COOKIE_NAME = "museion_staff"
CSRF_HEADER = "X-CSRF-Token"
MAX_COOKIE_CHARS = 1024


@dataclass(frozen=True)
class Session:
    """A signed-in staff member, as the cookie says."""

    session_id: str
    name: str
    role: Role
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _mac(key: bytes, purpose: str, body: str) -> str:
    message = f"{purpose}\x00{body}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def new_session(name: str, role: Role, now: float, lifetime: int) -> Session:
    return Session(secrets.token_urlsafe(16), name, role, int(now) + lifetime)


def sign_session(key: bytes, session: Session) -> str:
    """The cookie value for ``session``."""
    payload: dict[str, object] = {
        "sid": session.session_id,
        "name": session.name,
        "role": str(session.role),
        "exp": session.expires,
    }
    body = _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"v1.{body}.{_mac(key, 'session', body)}"


def read_session(key: bytes, text: str, now: float) -> Session | None:
    """The session in a genuine, unexpired cookie; None for anything else."""
    if len(text) > MAX_COOKIE_CHARS or text.count(".") != 2:
        return None
    version, body, mac = text.split(".")
    expected = _mac(key, "session", body).encode("ascii")
    if version != "v1" or not hmac.compare_digest(mac.encode("utf-8", "replace"), expected):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    sid, name, role, expires = data.get("sid"), data.get("name"), data.get("role"), data.get("exp")
    if not (isinstance(sid, str) and isinstance(name, str) and isinstance(role, str)):
        return None
    staff_role = parse_role(role)
    if staff_role is None or not isinstance(expires, int) or now >= expires:
        return None
    return Session(sid, name, staff_role, expires)


def csrf_token(key: bytes, session: Session) -> str:
    """The CSRF token of ``session`` (what the studio page sends back in :data:`CSRF_HEADER`)."""
    return _mac(key, "csrf", session.session_id)


def csrf_matches(key: bytes, session: Session, sent: str | None) -> bool:
    """Whether ``sent`` is ``session``'s CSRF token, compared in constant time."""
    if sent is None or len(sent) > 128:
        return False
    return hmac.compare_digest(sent.encode("utf-8", "replace"), csrf_token(key, session).encode())
