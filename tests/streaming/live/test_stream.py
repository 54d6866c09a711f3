"""The live fan-out core: keyframes, joining mid-show, slow viewers, the publisher leaving."""

from __future__ import annotations

import asyncio

from museion.streaming.live.stream import (
    LiveStream,
    RelayLimits,
    h264_is_keyframe,
    vp8_is_keyframe,
)
from tests.conftest import Clock

IDR = (
    b"\x00\x00\x00\x01\x67\x42\xe0\x1f"
    + b"\x00\x00\x00\x01\x68\xce"
    + b"\x00\x00\x01\x65"
    + bytes(50)
)
P_FRAME = b"\x00\x00\x00\x01\x41" + bytes(20)


def test_h264_keyframes_are_told_apart_by_nal_type() -> None:
    assert h264_is_keyframe(IDR)
    assert h264_is_keyframe(b"\x00\x00\x01\x65\x88")  # an IDR slice alone
    assert not h264_is_keyframe(P_FRAME)
    assert not h264_is_keyframe(b"")
    assert not h264_is_keyframe(b"\x00\x00\x01")  # a start code and nothing after


def test_vp8_keyframes_by_the_frame_tag() -> None:
    assert vp8_is_keyframe(b"\x10\x02\x00\x9d\x01\x2a")
    assert not vp8_is_keyframe(b"\x11\x02\x00")
    assert not vp8_is_keyframe(b"")


def _stream(**limits: int) -> tuple[LiveStream, list[float], Clock]:
    clock = Clock(0.0)
    requests: list[float] = []
    stream = LiveStream("show", RelayLimits(**limits), clock=clock)  # type: ignore[arg-type]
    stream.start("H264", lambda: requests.append(clock.now))
    return stream, requests, clock


async def _drain(feed: object) -> list[bytes]:
    out = []
    while feed.queue:  # type: ignore[attr-defined]
        frame = await feed.next()  # type: ignore[attr-defined]
        if frame is None:
            break
        out.append(frame.data)
    return out


async def test_a_joining_viewer_starts_at_the_last_keyframe() -> None:
    stream, requests, _ = _stream()
    stream.publish_frame(P_FRAME, 0)  # before any keyframe: nobody can start here
    stream.publish_frame(IDR, 3000)
    stream.publish_frame(P_FRAME + b"1", 6000)
    feed = stream.join()
    assert await _drain(feed) == [IDR, P_FRAME + b"1"]
    assert requests == []  # the kept group was enough: no keyframe asked of the publisher
    stream.publish_frame(P_FRAME + b"2", 9000)
    assert await _drain(feed) == [P_FRAME + b"2"]


async def test_a_viewer_joining_before_any_keyframe_asks_for_one_rate_limited() -> None:
    stream, requests, clock = _stream(keyframe_interval=1)
    feed = stream.join()
    assert requests == [0.0]
    stream.publish_frame(P_FRAME, 0)
    clock.now = 0.5
    stream.publish_frame(P_FRAME, 3000)
    assert requests == [0.0]  # at most one request a second
    clock.now = 1.2
    stream.publish_frame(P_FRAME, 6000)
    assert requests == [0.0, 1.2]
    stream.publish_frame(IDR, 9000)
    assert await _drain(feed) == [IDR]


async def test_a_stalled_viewer_is_cut_back_to_the_next_keyframe_and_others_go_on() -> None:
    stream, _, _ = _stream(max_queue_bytes=400)
    slow, fast = stream.join(), stream.join()
    stream.publish_frame(IDR, 0)
    received = await _drain(fast)
    for n in range(1, 40):
        stream.publish_frame(P_FRAME, n * 3000)
        received += await _drain(fast)
        assert slow.queued_bytes <= 400
    assert len(received) == 40  # the fast viewer got every frame
    assert slow.waiting_for_keyframe and slow.dropped_frames > 0
    stream.publish_frame(IDR, 40 * 3000)
    assert await _drain(slow) == [IDR]  # back on a clean picture


async def test_the_publisher_leaving_ends_every_viewer() -> None:
    stream, _, _ = _stream()
    feed = stream.join()
    waiting = asyncio.ensure_future(feed.next())
    await asyncio.sleep(0)
    stream.stop("publisher left")
    assert await asyncio.wait_for(waiting, 1) is None
    assert await feed.next() is None
    assert feed.ended == "publisher left"
    assert not stream.live and not stream.viewers


async def test_a_long_group_of_pictures_is_not_kept_past_its_cap() -> None:
    stream, _, _ = _stream(max_gop_bytes=200)
    stream.publish_frame(IDR, 0)
    for n in range(1, 20):
        stream.publish_frame(P_FRAME, n * 3000)
    feed = stream.join()
    assert await _drain(feed) == []  # nothing decodable kept: it waits for a keyframe
    assert feed.waiting_for_keyframe
