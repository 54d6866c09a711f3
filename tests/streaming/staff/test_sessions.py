"""Session cookies: genuine and unexpired, or nothing; CSRF tokens per session."""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.staff.roles import Role
from museion.streaming.staff.sessions import (
    csrf_matches,
    csrf_token,
    new_session,
    read_session,
    sign_session,
)

KEY = b"k" * 32
NOW = 1_800_000_000.0


def test_round_trip_until_expiry() -> None:
    session = new_session("ada", Role.CURATOR, NOW, 3600)
    cookie = sign_session(KEY, session)
    assert read_session(KEY, cookie, NOW + 3599) == session
    assert read_session(KEY, cookie, NOW + 3600) is None
    assert read_session(b"x" * 32, cookie, NOW) is None


def test_a_forged_role_is_refused() -> None:
    cookie = sign_session(KEY, new_session("ada", Role.CURATOR, NOW, 3600))
    version, body, mac = cookie.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    assert read_session(KEY, f"{version}.{forged}.{mac}", NOW) is None


def test_csrf_token_is_per_session() -> None:
    one = new_session("ada", Role.CURATOR, NOW, 3600)
    two = new_session("ada", Role.CURATOR, NOW, 3600)
    assert csrf_matches(KEY, one, csrf_token(KEY, one))
    assert not csrf_matches(KEY, two, csrf_token(KEY, one))
    assert not csrf_matches(KEY, one, None)
    assert not csrf_matches(KEY, one, "")


@given(st.text(max_size=300))
def test_any_text_reads_as_no_session(text: str) -> None:
    assert read_session(KEY, text, NOW) is None


@given(st.text(max_size=200))
def test_any_csrf_text_is_refused(text: str) -> None:
    assert not csrf_matches(KEY, new_session("a", Role.ADMIN, NOW, 60), text)
