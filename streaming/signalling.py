"""Reading an SDP offer from an HTTP request: type, size and encoding, then :func:`check_offer`.

Shared by the gallery's WHEP endpoint and the live WHIP/WHEP endpoints.
"""

from __future__ import annotations

from aiohttp import web
from aiortc import sdp

from museion.streaming.errors import SdpMalformed, SdpTooLarge, UnsupportedMediaType
from museion.streaming.offer import check_offer
from museion.streaming.settings import StreamSettings

__all__ = ["read_offer", "read_text"]


async def read_offer(
    request: web.Request, settings: StreamSettings
) -> tuple[str, sdp.SessionDescription]:
    """The offer's text and its parsed form; raises a :class:`SignallingError` otherwise."""
    text = await read_text(request, settings, "application/sdp", "offer")
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
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        raise SdpTooLarge(f"The {what} is larger than {limit} bytes.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SdpMalformed(f"The {what} is not UTF-8 text.") from exc
