"""Simulcast in a WHIP offer and its answer (RFC 8851 ``a=rid``, RFC 8853 ``a=simulcast``).

aiortc reads neither: a publisher's offer to send layers is parsed here (pure, fuzzed) and
the answer gets the matching ``a=rid:<id> recv`` and ``a=simulcast:recv`` lines, with the
offer's RTP stream id header extensions kept (aiortc would drop them: without them the
packets cannot say their layer).  At most :data:`MAX_LAYERS` layers are taken, the first
named; the answer declines the rest, as RFC 8853 5.3 lets an answerer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from aiortc import RTCRtpTransceiver
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters

from museion.streaming.errors import SdpMalformed

__all__ = [
    "MAX_LAYERS",
    "REPAIRED_STREAM_ID",
    "RTP_STREAM_ID",
    "SimulcastOffer",
    "accept_stream_ids",
    "answer_simulcast",
    "simulcast_offer",
]

logger = logging.getLogger(__name__)

MAX_LAYERS = 3
MAX_RID_LINES = 16  # a=rid lines one video section may have (a browser writes 2-3)
RTP_STREAM_ID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
REPAIRED_STREAM_ID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
RESERVED = frozenset({"auto"})  # a viewer's word for "choose for me", never a layer
_RID = re.compile(r"[A-Za-z0-9_-]{1,16}")  # RFC 8851 rid-id, within one RTP header element
_EXTMAP = re.compile(r"(\d{1,3})(?:/\w+)?\s+(\S+)")


@dataclass(frozen=True)
class SimulcastOffer:
    """A video section that sends layers: its mid, the layers taken (the offer's order),
    those declined, and the offer's ids for the rid and repaired-rid header extensions."""

    mid: str
    rids: tuple[str, ...]
    declined: tuple[str, ...]
    rid_extension: int
    repaired_extension: int | None


def _sections(text: str) -> list[list[str]]:
    sections: list[list[str]] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line.rstrip("\r"))
    return sections


def _rid_lines(lines: list[str]) -> dict[str, str]:
    """``a=rid`` lines: id → direction; :class:`SdpMalformed` for any that breaks RFC 8851."""
    rids: dict[str, str] = {}
    found = [line[6:] for line in lines if line.startswith("a=rid:")]
    if len(found) > MAX_RID_LINES:
        raise SdpMalformed(f"The offer has {len(found)} a=rid lines; at most {MAX_RID_LINES}.")
    for value in found:
        bits = value.split(None, 2)
        if len(bits) < 2 or bits[1] not in ("send", "recv"):
            raise SdpMalformed("An a=rid line must be 'a=rid:<id> send' or '... recv'.")
        if not _RID.fullmatch(bits[0]):
            raise SdpMalformed("A rid is 1 to 16 letters, digits, '-' or '_'.")
        if bits[0] in rids:
            raise SdpMalformed(f"The offer defines rid '{bits[0]}' twice.")
        rids[bits[0]] = bits[1]
    return rids


def _sent_layers(lines: list[str]) -> list[str] | None:
    """The rids of ``a=simulcast``'s send list (the first of each alternative, pause marks
    dropped); None without one."""
    values = [line[12:] for line in lines if line.startswith("a=simulcast:")]
    if len(values) > 1:
        raise SdpMalformed("A media section has at most one a=simulcast line.")
    if not values:
        return None
    bits = values[0].split()
    if len(bits) not in (2, 4) or any(d not in ("send", "recv") for d in bits[::2]):
        raise SdpMalformed("a=simulcast must be 'send <rids>' and/or 'recv <rids>'.")
    lists = dict(zip(bits[::2], bits[1::2], strict=True))
    if len(lists) != len(bits) // 2:
        raise SdpMalformed("a=simulcast names a direction twice.")
    if "send" not in lists:
        return None
    layers = [group.split(",")[0].removeprefix("~") for group in lists["send"].split(";")]
    if len(set(layers)) != len(layers):
        raise SdpMalformed("a=simulcast names one rid twice.")
    return layers


def _extension(lines: list[str], uri: str) -> int | None:
    for line in lines:
        if line.startswith("a=extmap:"):
            match = _EXTMAP.fullmatch(line[9:].strip())
            if match and match.group(2) == uri:
                number = int(match.group(1))
                if not 1 <= number <= 255:
                    raise SdpMalformed("An a=extmap id is 1 to 255.")
                return number
    return None


def simulcast_offer(text: str) -> SimulcastOffer | None:
    """The first video section's layers if it sends simulcast, else None (one stream, as
    before).  :class:`SdpMalformed` for rid or simulcast lines that break the RFCs: an
    unknown or repeated rid, a rid that is not ``send``, too many lines."""
    video = next((s for s in _sections(text) if s[0].startswith("m=video")), None)
    if video is None:
        return None
    rids = _rid_lines(video)
    layers = _sent_layers(video)
    if layers is None:
        return None
    for rid in layers:
        if rids.get(rid) != "send":
            raise SdpMalformed(f"a=simulcast names rid '{rid}', which no 'a=rid:... send' is.")
        if rid in RESERVED:
            raise SdpMalformed(f"'{rid}' is reserved; name the layer otherwise.")
    mid = next((line[6:].strip() for line in video if line.startswith("a=mid:")), "")
    rid_extension = _extension(video, RTP_STREAM_ID)
    if not mid or rid_extension is None:
        logger.info("a simulcast offer without a mid or the rid header extension: one layer")
        return None
    return SimulcastOffer(
        mid,
        tuple(layers[:MAX_LAYERS]),
        tuple(layers[MAX_LAYERS:]),
        rid_extension,
        _extension(video, REPAIRED_STREAM_ID),
    )


def accept_stream_ids(transceiver: RTCRtpTransceiver, offer: SimulcastOffer) -> None:
    """Keep the offer's rid header extensions on ``transceiver`` (its answer names them and
    its transport reads them).  Between ``setRemoteDescription`` and ``createAnswer``."""
    kept = transceiver._headerExtensions
    wanted = [(offer.rid_extension, RTP_STREAM_ID)]
    if offer.repaired_extension is not None:
        wanted.append((offer.repaired_extension, REPAIRED_STREAM_ID))
    for number, uri in wanted:
        if all(e.uri != uri and e.id != number for e in kept):
            kept.append(RTCRtpHeaderExtensionParameters(id=number, uri=uri))


def answer_simulcast(answer: str, offer: SimulcastOffer) -> str:
    """``answer`` with ``a=rid:<id> recv`` for each layer taken and ``a=simulcast:recv``,
    in the section of the offer's mid."""
    lines = answer.split("\r\n")
    added = [f"a=rid:{rid} recv" for rid in offer.rids]
    added.append(f"a=simulcast:recv {';'.join(offer.rids)}")
    for index, line in enumerate(lines):
        if line == f"a=mid:{offer.mid}":
            return "\r\n".join(lines[: index + 1] + added + lines[index + 1 :])
    raise SdpMalformed("The answer has no section for the simulcast offer's mid.")
