"""Admission passes: what lets the head of the queue in, once, for a short while; and, in
the same form, the expiring stream and docent tokens the studio hands out.

A pass is ``<id>.<expiry>.<mac>``: a random id, a Unix expiry and an HMAC-SHA256 of both
under a key made when the server starts.  Pure functions: :func:`sign` and :func:`read`
(which refuses a forged, malformed or expired pass with :class:`PassRefused`); that a
pass is used once is the waiting room's to enforce, by its id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from museion.streaming.errors import PassRefused

__all__ = [
    "DOCENT_TOKEN_ID",
    "MAX_PASS_CHARS",
    "PASS_HEADER",
    "new_key",
    "read",
    "sign",
    "stream_token_id",
]

MAX_PASS_CHARS = 200
PASS_HEADER = "X-Museion-Pass"
"""The request header a pass travels in (``POST /whep``)."""


DOCENT_TOKEN_ID = "docent"
"""What a signed token that may lead tours names (the studio hands them out)."""


def stream_token_id(name: str) -> str:
    """What a signed token that may publish live stream ``name`` names."""
    return f"live-{name}"


def new_key() -> bytes:
    return secrets.token_bytes(32)


def _mac(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign(key: bytes, pass_id: str, expires: int) -> str:
    """The pass for ``pass_id``, good until ``expires`` (Unix seconds)."""
    body = f"{pass_id}.{expires}"
    return f"{body}.{_mac(key, body)}"


def read(key: bytes, text: str, now: float) -> str:
    """The id of the genuine, unexpired pass ``text``; raises :class:`PassRefused`."""
    if len(text) > MAX_PASS_CHARS or text.count(".") != 2:
        raise PassRefused("This admission pass is not one of ours.", code="PASS_INVALID")
    pass_id, expires, mac = text.split(".")
    try:
        good = hmac.compare_digest(mac.encode("ascii"), _mac(key, f"{pass_id}.{expires}").encode())
        deadline = int(expires)
    except (UnicodeEncodeError, ValueError):
        good, deadline = False, 0
    if not good:
        raise PassRefused("This admission pass is not one of ours.", code="PASS_INVALID")
    if now > deadline:
        raise PassRefused(
            "This admission pass has expired; join the queue again.", code="PASS_EXPIRED"
        )
    return pass_id
