"""DTLS interoperability: accept peers whose certificate is RSA.

aiortc's DTLS context offers ECDSA cipher suites only.  Answering a WHIP offer, aiortc takes
the DTLS client role, so a publisher whose certificate is RSA (GStreamer's ``webrtcbin``,
hence its ``whipsink``, by default) fails the handshake with "no shared cipher".  This adds
the ECDHE-RSA suites browsers also offer; as a DTLS server nothing changes (our certificate
stays ECDSA, so an RSA suite can never be chosen).  Applied once, process-wide, by
:func:`allow_rsa_peers`; ``tests/e2e/test_gst_publisher.py`` shows why.
"""

from __future__ import annotations

from typing import Any

from aiortc.rtcdtlstransport import RTCCertificate

__all__ = ["CIPHERS", "allow_rsa_peers"]

CIPHERS = b":".join(
    [
        b"ECDHE-ECDSA-AES128-GCM-SHA256",
        b"ECDHE-ECDSA-CHACHA20-POLY1305",
        b"ECDHE-ECDSA-AES128-SHA",
        b"ECDHE-ECDSA-AES256-SHA",
        b"ECDHE-RSA-AES128-GCM-SHA256",
        b"ECDHE-RSA-AES256-GCM-SHA384",
        b"ECDHE-RSA-CHACHA20-POLY1305",
        b"ECDHE-RSA-AES128-SHA",
        b"ECDHE-RSA-AES256-SHA",
    ]
)
_original = RTCCertificate._create_ssl_context


def _create_ssl_context(self: RTCCertificate, srtp_profiles: Any) -> Any:
    context = _original(self, srtp_profiles)
    context.set_cipher_list(CIPHERS)
    return context


def allow_rsa_peers() -> None:
    """Let aiortc's DTLS handshake agree with RSA-certified peers (idempotent)."""
    RTCCertificate._create_ssl_context = _create_ssl_context  # type: ignore[method-assign]
