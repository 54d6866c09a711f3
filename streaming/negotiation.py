"""Answers a relay gives: the publisher's codec as offered; for a viewer, its own entry.

H.264 profiles and levels decide most of it: a relay passes the publisher's own.

aiortc knows two H.264 entries, both Constrained Baseline level 3.1, and drops every offered
H.264 of another profile.  A venue's encoder sends Main or High (levels up to 5.1 for 4K,
6.x for 8K), and browsers offer those too.  So:

- :func:`register_profiles` adds Main and the High entries (with RTX) to aiortc's codec
  table, process-wide and idempotent;
- a WHIP answer keeps exactly the publisher's first video codec, as offered, so it echoes
  its ``profile-level-id`` (:func:`answer_publisher`): a relay can receive any level, and
  an answer of level 3.1 would tell a strict encoder to stay at 3.1, no 4K;
- a WHEP answer keeps the first entry of the viewer's offer whose profile can decode the
  show's (:func:`answer_viewer`): Constrained Baseline plays anywhere, Main on Main or
  a High, High on High or High 4:4:4 Predictive (Chromium offers only the latter, which
  decodes all of High).  Levels are not compared: browsers offer level 3.1 and decode 4K;
  a viewer that cannot decode a picture says so on its page.

aiortc's own H.264 encoder makes Constrained Baseline; :data:`ENCODED_PROFILES` are the
entries to offer for what it encodes.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import re
from collections.abc import Iterator
from typing import Any

from aiortc import RTCRtpTransceiver, RTCSessionDescription
from aiortc.codecs import CODECS
from aiortc.exceptions import OperationError
from aiortc.rtcrtpparameters import RTCRtcpFeedback, RTCRtpCodecParameters
from aiortc.sdp import H264Level, H264Profile, parse_h264_profile_level_id

from museion.scenes.errors import MuseionError
from museion.streaming.errors import CodecUnsupported, SdpMalformed

__all__ = [
    "ENCODED_PROFILES",
    "aiortc_readable",
    "answer_publisher",
    "answer_viewer",
    "level_name",
    "offer_refusals",
    "preferred_codecs",
    "profile_level_id",
    "profile_name",
    "register_profiles",
    "set_offer",
]

logger = logging.getLogger(__name__)

ENCODED_PROFILES = ("42001f", "42e01f")
"""The profile-level-ids aiortc's encoder makes (Baseline, Constrained Baseline, 3.1)."""
# Main, Constrained High, High, High 4:4:4 Predictive (level 3.1): Chromium offers High
# decoding as the last only (its superset), no 64001f.
_ADDED = ("4d001f", "640c1f", "64001f", "f4001f")
_NAMES = {
    H264Profile.PROFILE_CONSTRAINED_BASELINE: "Constrained Baseline",
    H264Profile.PROFILE_BASELINE: "Baseline",
    H264Profile.PROFILE_MAIN: "Main",
    H264Profile.PROFILE_CONSTRAINED_HIGH: "Constrained High",
    H264Profile.PROFILE_HIGH: "High",
    H264Profile.PROFILE_PREDICTIVE_HIGH_444: "High 4:4:4 Predictive",
}
# Which offered profiles can decode a show of each profile.
_DECODERS: dict[H264Profile, tuple[H264Profile, ...]] = {
    H264Profile.PROFILE_CONSTRAINED_BASELINE: tuple(_NAMES),
    H264Profile.PROFILE_BASELINE: tuple(_NAMES),
    H264Profile.PROFILE_MAIN: (
        H264Profile.PROFILE_MAIN,
        H264Profile.PROFILE_HIGH,
        H264Profile.PROFILE_PREDICTIVE_HIGH_444,
    ),
    H264Profile.PROFILE_CONSTRAINED_HIGH: (
        H264Profile.PROFILE_CONSTRAINED_HIGH,
        H264Profile.PROFILE_HIGH,
        H264Profile.PROFILE_PREDICTIVE_HIGH_444,
    ),
    H264Profile.PROFILE_HIGH: (H264Profile.PROFILE_HIGH, H264Profile.PROFILE_PREDICTIVE_HIGH_444),
    H264Profile.PROFILE_PREDICTIVE_HIGH_444: (H264Profile.PROFILE_PREDICTIVE_HIGH_444,),
}


def _profile(codec: RTCRtpCodecParameters | dict[str, Any]) -> H264Profile | None:
    parameters = codec.parameters if isinstance(codec, RTCRtpCodecParameters) else codec
    # No profile-level-id means Constrained Baseline 3.1 (RFC 6184, as aiortc reads it).
    # The level is not aiortc's business here: it knows none above 5.2 (8K is 6.x).
    value = str(parameters.get("profile-level-id", "42e01f"))
    try:
        return parse_h264_profile_level_id(value[:4] + "1f")[0] if len(value) == 6 else None
    except ValueError:
        return None


_LEVEL = re.compile(r"(profile-level-id=[0-9a-fA-F]{4})([0-9a-fA-F]{2})")
_AIORTC_LEVELS = {int(level) for level in H264Level if level > 0} | {0x0B}


def aiortc_readable(offer: str) -> str:
    """``offer`` with H.264 levels aiortc does not know (6, 6.1, 6.2: 8K) written as 5.2.

    Only for aiortc's parse: it refuses a codec whose level it cannot name, so an 8K
    encoder's offer would find no common codec.  The answer is built from the offer as
    written (:func:`answer_publisher`, :func:`answer_viewer`), so it keeps the level.
    """

    def readable(match: re.Match[str]) -> str:
        level = int(match.group(2), 16)
        return match.group(0) if level in _AIORTC_LEVELS else match.group(1) + "34"

    return _LEVEL.sub(readable, offer)


def profile_name(profile_level_id: str | None) -> str:
    """``'640033'`` → ``'High'``; unknown or None → ``'unknown'``."""
    found = _profile({"profile-level-id": profile_level_id or "42e01f"})
    return _NAMES.get(found, "unknown") if found is not None else "unknown"


def profile_level_id(extradata: bytes | None) -> str | None:
    """The ``profile-level-id`` (six hex digits) of H.264 ``extradata``: an ``avcC`` box
    (MP4, Matroska) or Annex B with an SPS (MPEG-TS); None when there is none."""
    if not extradata:
        return None
    if extradata[0] == 1 and len(extradata) >= 4:  # avcC: version, profile, flags, level
        return extradata[1:4].hex()
    at = 0
    while (at := extradata.find(b"\x00\x00\x01", at)) != -1:
        at += 3
        if at + 4 <= len(extradata) and extradata[at] & 0x1F == 7:  # sequence parameter set
            return extradata[at + 1 : at + 4].hex()
    return None


def preferred_codecs(
    capabilities: list[Any], codec: str, profile_level_id: str | None = None
) -> list[Any]:
    """The entries of ``capabilities`` (aiortc's) to offer for ``codec`` video, and RTX.

    For H.264, those of ``profile_level_id``'s profile (None: what aiortc's encoder makes).
    """
    entries = [c for c in capabilities if c.mimeType.lower() == f"video/{codec.lower()}"]
    if codec.upper() != "H264":
        chosen = entries
    elif profile_level_id is None:
        chosen = [c for c in entries if c.parameters.get("profile-level-id") in ENCODED_PROFILES]
    else:
        wanted = _profile({"profile-level-id": profile_level_id})
        chosen = [c for c in entries if _profile(c.parameters) == wanted] or entries
    rtx = [c for c in capabilities if c.mimeType.lower() == "video/rtx"]
    return chosen + rtx


def level_name(profile_level_id: str | None) -> str | None:
    """``'640033'`` → ``'5.1'``, ``'64003c'`` → ``'6'``; None when not six hex digits."""
    if profile_level_id is None or not re.fullmatch(r"[0-9a-fA-F]{6}", profile_level_id):
        return None
    level = int(profile_level_id[4:], 16)
    if level == 11 and int(profile_level_id[2:4], 16) & 0x10:
        return "1b"
    return f"{level // 10}.{level % 10}".removesuffix(".0")


def register_profiles() -> None:
    """Add Main, Constrained High, High and High 4:4:4 Predictive H.264 to aiortc's codec
    table (once)."""
    video = CODECS["video"]
    known = {c.parameters.get("profile-level-id") for c in video if c.name == "H264"}
    payload_type = max(c.payloadType or 0 for c in video) + 1
    for added in _ADDED:
        if added in known:
            continue
        video.append(
            RTCRtpCodecParameters(
                mimeType="video/H264",
                clockRate=90_000,
                payloadType=payload_type,
                rtcpFeedback=[
                    RTCRtcpFeedback(type="nack"),
                    RTCRtcpFeedback(type="nack", parameter="pli"),
                    RTCRtcpFeedback(type="goog-remb"),
                ],
                parameters={
                    "level-asymmetry-allowed": "1",
                    "packetization-mode": "1",
                    "profile-level-id": added,
                },
            )
        )
        video.append(
            RTCRtpCodecParameters(
                mimeType="video/rtx",
                clockRate=90_000,
                payloadType=payload_type + 1,
                parameters={"apt": payload_type},
            )
        )
        payload_type += 2


def _same(ours: RTCRtpCodecParameters, theirs: RTCRtpCodecParameters) -> bool:
    if ours.mimeType.lower() != theirs.mimeType.lower() or ours.clockRate != theirs.clockRate:
        return False
    if ours.name != "H264":
        return True
    mode = str(ours.parameters.get("packetization-mode", "0"))
    return mode == str(theirs.parameters.get("packetization-mode", "0")) and _profile(
        ours
    ) == _profile(theirs)


def _keep(
    transceiver: RTCRtpTransceiver,
    codec: RTCRtpCodecParameters,
    offered: list[RTCRtpCodecParameters],
) -> None:
    """Answer with exactly ``offered`` codec ``codec`` (and its RTX), as the offer wrote it.

    The offer's own payload type and parameters, not aiortc's copy: aiortc keeps its own
    payload type for one offered outside 96-127 (Chromium numbers some H.264 entries from
    35 up), which then collides with another of the offer's (seen: High 4:4:4 on the
    offer's RTX number, and Chromium could not tell the frames apart).
    """
    rtx = [
        copy.deepcopy(c)
        for c in offered
        if c.mimeType.lower().endswith("/rtx") and c.parameters.get("apt") == codec.payloadType
    ]
    transceiver._codecs = [codec, *rtx[:1]]


@contextlib.contextmanager
def offer_refusals() -> Iterator[None]:
    """Around aiortc's negotiation: whatever it raises on an offer it cannot use
    (``ValueError``, ``AttributeError``, ``KeyError``, ``InvalidAccessError``, ...: a
    duplicated mid, a BUNDLE naming no section) becomes :class:`SdpMalformed` (400)."""
    try:
        yield
    except MuseionError:
        raise
    except Exception as exc:  # a third-party negotiator: every failure means "malformed"
        detail = str(exc)[:120] or type(exc).__name__
        raise SdpMalformed(f"The offer could not be answered: {detail}.") from exc


async def set_offer(pc: Any, offer: str) -> None:
    """``pc.setRemoteDescription`` of ``offer``, readable by aiortc; an offer with no codec
    aiortc can take raises :class:`CodecUnsupported` (422), not aiortc's OperationError."""
    try:
        await pc.setRemoteDescription(RTCSessionDescription(aiortc_readable(offer), "offer"))
    except OperationError as exc:
        raise CodecUnsupported(f"No codec in the offer can be relayed ({exc}).") from exc


def answer_publisher(transceiver: RTCRtpTransceiver, offered: list[RTCRtpCodecParameters]) -> None:
    """Keep the publisher's first video codec aiortc can take, as the offer wrote it.

    ``offered`` are the offer's codecs for this media.  aiortc's answer would otherwise
    state aiortc's H.264 level (3.1) and list every common codec, any of which the
    publisher could then send.  Call between ``setRemoteDescription`` and ``createAnswer``.
    """
    common = [c for c in transceiver._codecs if not c.mimeType.lower().endswith("/rtx")]
    for theirs in offered:
        if common and _same(common[0], theirs):
            _keep(transceiver, _with_feedback(theirs, common[0]), offered)
            return


def answer_viewer(
    transceiver: RTCRtpTransceiver,
    codec: str,
    profile_level_id: str | None,
    offered: list[RTCRtpCodecParameters],
) -> bool:
    """Keep the first of the viewer's ``offered`` entries (and its RTX) for ``codec`` that
    can decode the show (H.264: of ``profile_level_id``); False when there is none.

    The offer's order is the viewer's preference (JSEP).  An answerer's transceiver is
    made, and its codecs chosen, inside ``setRemoteDescription``, too late for
    ``setCodecPreferences``: a relay must send the publisher's codec and no other.
    """
    ours = next((c for c in transceiver._codecs if c.name.upper() == codec.upper()), None)
    if codec.upper() == "H264":
        show = _profile({"profile-level-id": profile_level_id or "42e01f"})
        decoders = _DECODERS.get(show, ()) if show is not None else ()
        candidates = [
            c
            for c in offered
            if c.name == "H264"
            and str(c.parameters.get("packetization-mode", "0")) == "1"
            and _profile(c) in decoders
        ]
    else:
        candidates = [c for c in offered if c.name.upper() == codec.upper()]
    if ours is None or not candidates:
        return False
    _keep(transceiver, _with_feedback(candidates[0], ours), offered)
    return True


def _with_feedback(
    theirs: RTCRtpCodecParameters, ours: RTCRtpCodecParameters
) -> RTCRtpCodecParameters:
    """``theirs`` with only the RTCP feedback both sides named."""
    both = {(f.type, f.parameter) for f in ours.rtcpFeedback}
    codec = copy.deepcopy(theirs)
    codec.rtcpFeedback = [f for f in theirs.rtcpFeedback if (f.type, f.parameter) in both]
    return codec
