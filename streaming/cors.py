"""CORS for the signalling endpoints, on every reply.

A venue's browser publisher or a WHEP player on the museum's own site is another origin:
unless *every* reply (``201``, ``403 TOKEN_REJECTED``, a router's ``404``) carries
``Access-Control-Allow-Origin``, it sees only "Failed to fetch", never the code; and
unless every resource URL answers a preflight, it cannot ``DELETE`` or ``PATCH`` its
session.  So the headers are added in one place, as each response is prepared, and one
preflight handler serves every WHIP/WHEP URL.  No credentials are involved (bearer tokens
travel in a header), so ``*`` is the right origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

__all__ = ["add_cors"]

Handler = Callable[[web.Request], Awaitable[web.Response]]

_PREFIXES = ("/whep", "/whip", "/live", "/tours", "/config", "/healthz")
_EXPOSED = "Location, ETag, Accept-Patch, Accept-Post, Link, Retry-After, WWW-Authenticate"
# Each WHIP/WHEP URL and what it takes (``/whep/{a}`` is both the gallery's session and
# a live show's WHEP endpoint).
_RESOURCES = {
    "/whep": "OPTIONS, POST",
    "/whep/{a}": "OPTIONS, POST, DELETE",
    "/whep/{a}/{b}": "OPTIONS, DELETE",
    "/whep/{a}/{b}/layer": "OPTIONS, POST",
    "/whip/{a}": "OPTIONS, POST",
    "/whip/{a}/{b}": "OPTIONS, DELETE, PATCH",
}


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(_PREFIXES):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED


def _preflight(allow: str) -> Handler:
    async def preflight(request: web.Request) -> web.Response:
        """A CORS preflight, and what the URL accepts (RFC 9725 4.2: ``Accept-Post``)."""
        headers = {
            "Allow": allow,
            "Access-Control-Allow-Methods": allow,
            "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match, X-Museion-Pass",
            "Access-Control-Max-Age": "86400",
        }
        if "POST" in allow:
            headers["Accept-Post"] = "application/sdp"
        return web.Response(status=204, headers=headers)

    return preflight


def add_cors(app: web.Application) -> None:
    """Preflight routes for every WHIP/WHEP URL, and CORS headers on every reply there."""
    for resource, allow in _RESOURCES.items():
        app.router.add_route("OPTIONS", resource, _preflight(allow))
    app.on_response_prepare.append(_headers)
