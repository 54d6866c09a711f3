"""Trickle ICE for WHIP (RFC 9725 section 4.3): the SDP fragments a client PATCHes.

A fragment (``application/trickle-ice-sdpfrag``, RFC 8840) carries the client's ICE
credentials, then per media section its ``a=mid``, ``a=candidate`` lines and perhaps
``a=end-of-candidates``.  :func:`parse_sdpfrag` is pure and accepts a fragment or raises
:class:`SdpMalformed` (fuzzed); the server adds the candidates to the publisher's peer
connection.  New credentials mean an ICE restart, which the relay refuses (422).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiortc import RTCIceCandidate
from aiortc.sdp import candidate_from_sdp

from museion.streaming.errors import SdpMalformed
from museion.streaming.offer import CandidatePolicy

__all__ = ["SDPFRAG", "SdpFragment", "parse_sdpfrag"]

SDPFRAG = "application/trickle-ice-sdpfrag"
MAX_CANDIDATES = CandidatePolicy.limit
_DEFAULT_POLICY = CandidatePolicy()


@dataclass
class SdpFragment:
    """What one PATCH says: credentials, candidates (with their mid), and whether the
    client has no more."""

    ufrag: str | None = None
    pwd: str | None = None
    candidates: list[RTCIceCandidate] = field(default_factory=list)
    end_of_candidates: bool = False


def parse_sdpfrag(text: str, policy: CandidatePolicy = _DEFAULT_POLICY) -> SdpFragment:
    """The fragment in ``text``; raises :class:`SdpMalformed` with a sentence otherwise.

    Candidates ``policy`` rules out are left out of the fragment (ICE never checks them).
    """
    fragment = SdpFragment()
    mid: str | None = None
    seen = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("a="):
            if line.startswith("m="):
                mid = None  # a new media section: its a=mid follows
                continue
            raise SdpMalformed(f"Line {number} of the fragment is not an SDP attribute.")
        name, _, value = line[2:].partition(":")
        if name == "ice-ufrag":
            fragment.ufrag = value
        elif name == "ice-pwd":
            fragment.pwd = value
        elif name == "mid":
            mid = value
        elif name == "end-of-candidates":
            fragment.end_of_candidates = True
        elif name == "candidate":
            seen += 1
            if seen > policy.limit:
                raise SdpMalformed(f"A fragment carries at most {policy.limit} candidates.")
            candidate = _candidate(value, mid, number)
            if policy.allows(candidate.ip, candidate.port):
                fragment.candidates.append(candidate)
    return fragment


def _candidate(value: str, mid: str | None, number: int) -> RTCIceCandidate:
    if mid is None:
        raise SdpMalformed(f"The candidate on line {number} has no a=mid before it.")
    bits = value.split()
    if len(bits) < 8 or bits[6] != "typ" or not (bits[1] + bits[3] + bits[5]).isdigit():
        raise SdpMalformed(f"The candidate on line {number} is not an ICE candidate.")
    try:
        candidate = candidate_from_sdp(value)
    except (AssertionError, ValueError, IndexError) as exc:
        raise SdpMalformed(f"The candidate on line {number} is not an ICE candidate.") from exc
    if not 0 < candidate.port < 65536 or candidate.protocol.lower() not in ("udp", "tcp"):
        raise SdpMalformed(f"The candidate on line {number} has no usable address.")
    candidate.sdpMid = mid
    return candidate
