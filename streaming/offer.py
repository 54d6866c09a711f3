"""Checking a WHEP/WHIP offer before any peer connection exists: pure functions, fuzzed.

aiortc's SDP parser asserts on malformed input (``AssertionError``, ``ValueError``, ...), so
the offer is parsed here, once, and anything it cannot use becomes :class:`SdpMalformed`.

Remote candidates are where ICE will send STUN checks: an offer may not name hundreds of
them (a reflection tool), nor addresses no client can have or a deployment rules out
(:class:`CandidatePolicy`); those lines are dropped before aiortc sees the offer.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiortc import sdp

from museion.streaming.errors import SdpMalformed
from museion.streaming.settings import StreamSettings

__all__ = ["CandidatePolicy", "check_offer", "count_candidates", "screen_candidates"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_SECTIONS = 8
"""Media sections an offer may have (ours take two or three; each costs a transceiver)."""

# No client has these: unspecified, multicast, reserved and broadcast.
ALWAYS_DENIED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "::/128", "ff00::/8")
)


@dataclass(frozen=True)
class CandidatePolicy:
    """At most ``limit`` remote candidates per offer or fragment; none in ``denied``
    networks; hosts are IP literals or mDNS names (``.local``, as browsers hide theirs)."""

    limit: int = 64
    denied: tuple[Network, ...] = ALWAYS_DENIED

    @classmethod
    def of(cls, settings: StreamSettings) -> CandidatePolicy:
        extra = tuple(ipaddress.ip_network(n, strict=False) for n in settings.ice_denied_networks)
        return cls(settings.max_remote_candidates, ALWAYS_DENIED + extra)

    def allows(self, host: str, port: int) -> bool:
        """Whether ICE may send checks to ``host``:``port``."""
        if not 0 < port < 65536:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return host.lower().endswith(".local") and len(host) <= 253
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return not any(address in network for network in self.denied)


def screen_candidates(text: str, policy: CandidatePolicy) -> str:
    """``text`` without the candidates ``policy`` rules out; :class:`SdpMalformed` when it
    names more than ``policy.limit`` (an offer that large is an attack, not a browser)."""
    lines = text.split("\n")
    count = sum(1 for line in lines if line.startswith("a=candidate:"))
    if count > policy.limit:
        raise SdpMalformed(
            f"The offer names {count} ICE candidates; at most {policy.limit} are taken."
        )
    if not count:
        return text
    return "\n".join(line for line in lines if _kept(line, policy))


def _kept(line: str, policy: CandidatePolicy) -> bool:
    if not line.startswith("a=candidate:"):
        return True
    bits = line.split()
    if len(bits) < 8 or not bits[5].isdigit():
        return True  # malformed: aiortc's parser refuses it and check_offer says so
    return policy.allows(bits[4], int(bits[5]))


def count_candidates(parsed: sdp.SessionDescription) -> int:
    """How many remote candidates ``parsed`` gives ICE."""
    return sum(len(media.ice_candidates) for media in parsed.media)


def check_offer(text: str) -> sdp.SessionDescription:
    """Parse ``text``; it must hold a video section with ICE credentials and a fingerprint."""
    if not text.startswith("v=0"):
        raise SdpMalformed("The offer is not an SDP (it must start with v=0).")
    try:
        parsed = sdp.SessionDescription.parse(text)
    except Exception as exc:  # a third-party parser: every failure means "malformed"
        raise SdpMalformed(f"The offer could not be parsed ({type(exc).__name__}).") from exc
    _check_sections(parsed)
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


def _check_sections(parsed: sdp.SessionDescription) -> None:
    """The shape aiortc's answer relies on (it raises deep inside ``createAnswer``
    otherwise): a few sections, unique mids, a BUNDLE group naming only sections that exist
    and carry a mid, a direction on every audio and video section."""
    if len(parsed.media) > MAX_SECTIONS:
        raise SdpMalformed(
            f"The offer has {len(parsed.media)} media sections; at most {MAX_SECTIONS} are taken."
        )
    mids = [m.rtp.muxId for m in parsed.media]
    named = [mid for mid in mids if mid]
    if len(set(named)) != len(named):
        raise SdpMalformed("Two media sections of the offer share one a=mid.")
    for group in parsed.group:
        if group.semantic != "BUNDLE":
            continue
        if len(set(group.items)) != len(group.items):
            raise SdpMalformed("The offer's a=group:BUNDLE names one section twice.")
        missing = [str(item) for item in group.items if item not in named]
        if missing:
            raise SdpMalformed(
                f"The offer's a=group:BUNDLE names {missing[0][:40]!r}, which no media "
                "section's a=mid is."
            )
        if len(named) != len(mids):
            raise SdpMalformed("With a=group:BUNDLE every media section needs an a=mid.")
    for media in parsed.media:
        if media.kind in ("audio", "video") and media.direction is None:
            raise SdpMalformed(
                f"The offer's {media.kind} section has no direction "
                "(a=sendrecv, a=recvonly, a=sendonly or a=inactive)."
            )
