"""H.264 profile negotiation: the publisher's profile and level are echoed, and a viewer
gets the offered entry that can decode the show, under the offer's own payload type."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiortc.rtcrtpparameters import RTCRtcpFeedback, RTCRtpCodecParameters
from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.negotiation import (
    answer_publisher,
    answer_viewer,
    profile_level_id,
    profile_name,
    register_profiles,
)

FEEDBACK = [RTCRtcpFeedback("nack"), RTCRtcpFeedback("nack", "pli"), RTCRtcpFeedback("goog-remb")]


def h264(pt: int, level_id: str, mode: str = "1") -> RTCRtpCodecParameters:
    parameters: dict[str, Any] = {"packetization-mode": mode, "profile-level-id": level_id}
    return RTCRtpCodecParameters(mimeType="video/H264", clockRate=90_000, payloadType=pt,
                                 parameters=parameters, rtcpFeedback=list(FEEDBACK))  # fmt: skip


def rtx(pt: int, apt: int) -> RTCRtpCodecParameters:
    return RTCRtpCodecParameters(
        mimeType="video/rtx", clockRate=90_000, payloadType=pt, parameters={"apt": apt}
    )


# What Debian's Chromium 156 offers to receive (its High decoding only as High 4:4:4, under
# a payload type below 96), and what aiortc made of it before: its own 109 for that entry,
# the very number of the offer's RTX for 42e01f.
CHROMIUM = [
    h264(102, "42001f"), rtx(103, 102), h264(104, "42001f", mode="0"),
    h264(108, "42e01f"), rtx(109, 108), h264(116, "4d001f"), rtx(117, 116),
    h264(41, "f4001f"), rtx(42, 41), h264(43, "f4001f", mode="0"),
]  # fmt: skip
AIORTC_COMMON = [h264(102, "42001f"), rtx(103, 102), h264(108, "42e01f"), rtx(109, 108),
                 h264(116, "4d001f"), rtx(117, 116), h264(109, "f4001f")]  # fmt: skip


def _chosen(profile: str | None, offered: list[RTCRtpCodecParameters]) -> list[tuple[int, Any]]:
    transceiver: Any = SimpleNamespace(_codecs=list(AIORTC_COMMON))
    if not answer_viewer(transceiver, "H264", profile, offered):
        return []
    return [(c.payloadType, c.parameters.get("profile-level-id", c.parameters.get("apt")))
            for c in transceiver._codecs]  # fmt: skip


def test_a_viewer_gets_the_entry_that_decodes_the_shows_profile() -> None:
    assert _chosen("640033", CHROMIUM) == [(41, "f4001f"), (42, 41)]  # High: on High 4:4:4
    assert _chosen("4d0033", CHROMIUM) == [(116, "4d001f"), (117, 116)]  # Main: on Main
    # Constrained Baseline plays on all: the viewer's first choice is kept (Baseline here).
    assert _chosen("42e01f", CHROMIUM) == [(102, "42001f"), (103, 102)]
    assert _chosen(None, CHROMIUM) == [(102, "42001f"), (103, 102)]
    assert _chosen("42e01f", [h264(108, "42e01f"), h264(102, "42001f")]) == [(108, "42e01f")]
    assert _chosen("42e01f", [h264(116, "4d001f")]) == [(116, "4d001f")]  # CB plays on Main
    baseline_only = [h264(102, "42001f"), h264(108, "42e01f")]
    assert _chosen("640033", baseline_only) == []  # a High show it cannot decode
    assert _chosen("640033", [h264(41, "f4001f", mode="0")]) == []  # mode 0 is not sent


def test_the_publishers_codec_is_answered_as_offered() -> None:
    offered = [h264(45, "640033"), rtx(46, 45), h264(102, "42e01f"), rtx(103, 102)]
    # aiortc kept its own payload type (and level) for the entry it matched by profile.
    transceiver: Any = SimpleNamespace(_codecs=[h264(105, "64001f"), h264(102, "42e01f")])
    answer_publisher(transceiver, offered)
    kept = transceiver._codecs
    assert [(c.payloadType, c.name) for c in kept] == [(45, "H264"), (46, "rtx")]
    assert kept[0].parameters["profile-level-id"] == "640033"  # level 5.1 echoed, not 3.1
    assert {(f.type, f.parameter) for f in kept[0].rtcpFeedback} >= {("nack", "pli")}


def test_profile_level_id_from_extradata() -> None:
    assert profile_level_id(bytes.fromhex("01640033ffe1")) == "640033"  # avcC
    assert profile_level_id(bytes.fromhex("0000016742c033da00f0010f")) == "42c033"  # Annex B
    assert profile_level_id(bytes.fromhex("000000016764002aac")) == "64002a"
    assert profile_level_id(b"") is None and profile_level_id(None) is None
    assert profile_level_id(bytes.fromhex("0000000168ce3c80")) is None  # a PPS, no SPS
    assert profile_name("640033") == "High" and profile_name("4d0033") == "Main"
    assert profile_name("zz") == "unknown"


@given(st.binary(max_size=64))
def test_profile_level_id_of_any_bytes_is_six_hex_digits_or_none(data: bytes) -> None:
    found = profile_level_id(data)
    assert found is None or (len(found) == 6 and int(found, 16) >= 0)


def test_registering_profiles_is_idempotent_and_keeps_payload_types_unique() -> None:
    from aiortc.codecs import CODECS

    register_profiles()
    register_profiles()
    video = CODECS["video"]
    ids = [c.parameters.get("profile-level-id") for c in video if c.name == "H264"]
    assert {"42001f", "42e01f", "4d001f", "640c1f", "64001f", "f4001f"} == set(ids)
    assert len(ids) == len(set(ids))
    types = [c.payloadType for c in video]
    assert len(types) == len(set(types)) and all(96 <= t <= 127 for t in types if t)


def test_another_codec_is_answered_under_the_viewers_own_payload_type() -> None:
    opus = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48_000, channels=2,
                                 payloadType=63)  # fmt: skip
    ours = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48_000, channels=2,
                                 payloadType=96)  # fmt: skip
    transceiver: Any = SimpleNamespace(_codecs=[ours])
    assert answer_viewer(transceiver, "opus", None, [opus])
    assert [c.payloadType for c in transceiver._codecs] == [63]
    transceiver = SimpleNamespace(_codecs=[ours])
    assert not answer_viewer(transceiver, "VP8", None, [opus])
