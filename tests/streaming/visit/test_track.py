"""The video track: pacing, reuse of unchanged frames, and the latency stamp."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import av
import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.visit.track import (
    STAMP_BITS,
    STAMP_BLOCK,
    VIDEO_CLOCK,
    ViewTrack,
    stamp_time,
    to_video,
)

VISITOR_PAUSE = 0.1
"""Seconds a visitor rests between looking and turning again."""


def read_stamp(image: np.ndarray) -> int:
    """What a page does: sample each block's centre and rebuild the number."""
    value = 0
    for i in range(STAMP_BITS):
        pixel = image[STAMP_BLOCK // 2, i * STAMP_BLOCK + STAMP_BLOCK // 2]
        value = (value << 1) | int(pixel.mean() > 127)
    return value


def test_stamp_round_trips_and_leaves_the_original_alone() -> None:
    image = np.full((72, 800, 3), 90, np.uint8)
    millis = int(time.time() * 1000)
    stamped = stamp_time(image, millis)
    assert read_stamp(stamped) == millis
    assert (image == 90).all()
    assert (stamped[STAMP_BLOCK:] == 90).all()


@pytest.mark.render
def test_a_preview_is_enlarged_within_the_yuv_conversion(engine: RenderEngine) -> None:
    """The half-size preview becomes the same full-size video picture (luma exactly) as its
    enlarged RGB copy would, and a full-size frame converts as it always did."""
    source = engine.open_view(640, 360)
    try:
        source.frame(engine.home)
        turned = replace(engine.home, yaw=engine.home.yaw + 30)
        small, enlarged = source.rendered(turned), source.frame(turned)
        assert small.shape == (180, 320, 3)
        video, reference = to_video(small, 640, 360), to_video(enlarged, 640, 360)
        assert (video.width, video.height, video.format.name) == (640, 360, "yuv420p")
        luma = video.to_ndarray()[:360]
        assert np.array_equal(luma, reference.to_ndarray()[:360])
        chroma = video.to_ndarray()[360:].astype(int) - reference.to_ndarray()[360:]
        assert np.abs(chroma).mean() < 3
        full = source.frame(engine.home)
        plain = av.VideoFrame.from_ndarray(full, format="rgb24").reformat(format="yuv420p")
        assert np.array_equal(to_video(full, 640, 360).to_ndarray(), plain.to_ndarray())
    finally:
        source.close()


@pytest.mark.render
async def test_paced_frames_reuse_the_unchanged_picture(engine: RenderEngine) -> None:
    source = engine.open_view(320, 180)
    track = ViewTrack(source, engine.executor, lambda: engine.home, fps=30)
    try:
        await track.recv()
        start = time.monotonic()
        frames, pts = [], []
        for _ in range(15):
            frames.append(await track.recv())
            pts.append(frames[-1].pts)
        elapsed = time.monotonic() - start
        steps = np.diff(pts)
        assert (steps > 0).all()
        assert np.median(steps) == VIDEO_CLOCK // 30
        assert elapsed >= 14 / 30 * 0.9  # paced, not as fast as possible
        assert all(f is frames[0] for f in frames)  # unchanged picture: converted once
        assert source.renders == 1  # the camera never moved: one render for all frames
        assert all(f.pict_type == av.video.frame.PictureType.NONE for f in frames)
        assert (frames[0].width, frames[0].height, frames[0].format.name) == (320, 180, "yuv420p")
    finally:
        track.stop()
        source.close()


@pytest.mark.render
async def test_stamped_track_carries_the_send_time(engine: RenderEngine) -> None:
    source = engine.open_view(960, 540)
    track = ViewTrack(source, engine.executor, lambda: engine.home, fps=30, stamp_clock=True)
    try:
        before = int(time.time() * 1000)
        frame = await track.recv()
        after = int(time.time() * 1000)
        assert before <= read_stamp(frame.to_ndarray(format="rgb24")) <= after
    finally:
        track.stop()
        source.close()


@pytest.mark.render
async def test_an_idle_picture_slows_down_and_a_move_speeds_it_up(engine: RenderEngine) -> None:
    source = engine.open_view(320, 180)
    view = {"state": engine.home}
    track = ViewTrack(source, engine.executor, lambda: view["state"], fps=30, idle_fps=5)
    try:
        start = time.monotonic()
        count = 0
        while time.monotonic() - start < 1.0:  # the first second runs at full rate
            await track.recv()
            count += 1
        assert count >= 25
        start, count = time.monotonic(), 0
        while time.monotonic() - start < 2.0:  # then idle: about 5 a second
            await track.recv()
            count += 1
        assert 8 <= count <= 12
        # The visitor rests a moment more before turning (time meant to pass: nobody asks
        # for a frame, so none is made or sent).
        sent = track.frames_sent
        await asyncio.sleep(VISITOR_PAUSE)
        assert track.frames_sent == sent
        start, count = time.monotonic(), 0
        while time.monotonic() - start < 1.0:  # turning again: back to the full rate at once
            view["state"] = replace(engine.home, yaw=engine.home.yaw + count + 1)
            await track.recv()
            count += 1
        assert count >= 20
    finally:
        track.stop()
        source.close()
