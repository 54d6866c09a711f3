"""Checking a WHEP offer before any peer connection exists: a pure function, fuzzed.

aiortc's SDP parser asserts on malformed input (``AssertionError``, ``ValueError``, ...), so
the offer is parsed here, once, and anything it cannot use becomes :class:`SdpMalformed`.
"""

from __future__ import annotations

from aiortc import sdp

from museion.streaming.errors import SdpMalformed

__all__ = ["check_offer"]


def check_offer(text: str) -> sdp.SessionDescription:
    """Parse ``text``; it must hold a video section with ICE credentials and a fingerprint."""
    if not text.startswith("v=0"):
        raise SdpMalformed("The offer is not an SDP (it must start with v=0).")
    try:
        parsed = sdp.SessionDescription.parse(text)
    except Exception as exc:  # a third-party parser: every failure means "malformed"
        raise SdpMalformed(f"The offer could not be parsed ({type(exc).__name__}).") from exc
    videos = [m for m in parsed.media if m.kind == "video"]
    if not videos:
        raise SdpMalformed("The offer has no video section to answer.")
    for media in parsed.media:
        ice = media.ice
        if ice is None or not ice.usernameFragment or not ice.password:
            raise SdpMalformed(f"The offer's {media.kind} section lacks ICE credentials.")
        if media.dtls is None or not media.dtls.fingerprints:
            raise SdpMalformed(f"The offer's {media.kind} section lacks a DTLS fingerprint.")
    return parsed
