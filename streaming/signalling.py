"""Reading an SDP offer from an HTTP request: type, size and encoding, then :func:`check_offer`.

Shared by the gallery's WHEP endpoint and the live WHIP/WHEP endpoints.  A body arrives in
as many TCP segments as the network cut it into (a browser's 5 KB offer often in several):
it is read to its end, up to the cap (413 past it, however it is sent, chunked or not),
within ``body_timeout`` seconds (408 for a client that stops sending).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web
from aiortc import sdp

from museion.streaming.errors import (
    RequestTimeout,
    SdpMalformed,
    SdpTooLarge,
    UnsupportedMediaType,
)
from museion.streaming.offer import CandidatePolicy, check_offer, screen_candidates
from museion.streaming.settings import StreamSettings

__all__ = ["read_body", "read_offer", "read_text"]


async def read_offer(
    request: web.Request, settings: StreamSettings
) -> tuple[str, sdp.SessionDescription]:
    """The offer's text and its parsed form; raises a :class:`SignallingError` otherwise."""
    text = await read_text(request, settings, "application/sdp", "offer")
    text = screen_candidates(text, CandidatePolicy.of(settings))
    return text, check_offer(text)


async def read_text(
    request: web.Request, settings: StreamSettings, content_type: str, what: str
) -> str:
    """The body as text, if it is ``content_type``, at most ``max_sdp_bytes`` and UTF-8."""
    if request.content_type != content_type:
        raise UnsupportedMediaType(f"Send the {what} as Content-Type: {content_type}.")
    limit = settings.max_sdp_bytes
    if request.content_length is not None and request.content_length > limit:
        raise SdpTooLarge(f"The {what} is larger than {limit} bytes.")
    body = await read_body(request, limit, settings.body_timeout, what)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdpMalformed(f"The {what} is not UTF-8 text.") from exc


async def read_body(
    request: web.Request,
    limit: int,
    timeout: float,
    what: str,
    too_large: Callable[[str], Exception] = SdpTooLarge,
) -> bytes:
    """The whole body, however it was segmented or chunked; ``too_large`` (by default
    :class:`SdpTooLarge`) past ``limit`` bytes, :class:`RequestTimeout` if it is not
    complete within ``timeout`` s."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while chunk := await request.content.readany():
                size += len(chunk)
                if size > limit:
                    raise too_large(f"The {what} is larger than {limit} bytes.")
                chunks.append(chunk)
    except TimeoutError:
        raise RequestTimeout(f"The {what} did not arrive within {timeout:g} seconds.") from None
    return b"".join(chunks)
