"""While a headset's poses arrive, a session streams both eyes rendered from the predicted
head, tells the page what each frame was rendered with, and goes back to the flat view
when the poses stop (real aiortc peers, real Panda3D)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.eye_pose import Frustum
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.visit.headset import EyeBudget, eye_size
from tests.conftest import Clock, serve, until, viewer
from tests.streaming.test_metrics import scrape, sessions
from tests.streaming.visit.test_pose import message, projection, yaw

pytestmark = pytest.mark.render

EYE = eye_size(Frustum.from_projection(projection()).widened(0.1), 1280 * 720)


def test_the_eye_size_spends_the_flat_streams_pixels_in_the_eyes_shape() -> None:
    assert EYE == (672, 672)  # 1280 x 720 pixels over two square eyes, in 16-pixel blocks
    wide = Frustum.from_projection(projection(fovy_degrees=90.0, aspect=1.5))
    width, height = eye_size(wide, 1280 * 720)
    assert width % 16 == height % 16 == 0
    assert width / height == pytest.approx(1.5, rel=0.05)
    assert 0.9 * 1280 * 720 <= 2 * width * height <= 1280 * 720


def test_the_eye_budget_follows_the_render_time_between_its_floor_and_ceiling() -> None:
    clock = Clock()
    ceiling = 1280 * 720
    budget = EyeBudget(ceiling, fps=24.0, clock=clock)
    assert budget.pixels == ceiling  # the flat stream's pixels, until measured

    def settle(per_pixel: float) -> None:
        """Renders taking ``per_pixel`` seconds a pixel, until the budget stays put."""
        for _ in range(20):
            changed = False
            for _ in range(30):  # 3 s of renders
                clock.now += 0.1
                changed = budget.rendered(per_pixel * budget.pixels) or changed
            if not changed:
                return
        raise AssertionError("the budget never settled")

    # The flat stream's pixels take twice a frame: it settles near half as many (within
    # the band where a 15 % step, 0.7 of the way, is not worth remaking the view).
    settle(2.0 / 24.0 / ceiling)
    assert 0.75 * ceiling / 2 <= budget.pixels <= 1.3 * ceiling / 2
    # Far too slow: never below two eyes of 320 x 320 pixels.
    settle(10.0 / ceiling)
    assert budget.pixels == 2 * 320 * 320
    # Quick again: back up, never above the flat stream's pixels.
    settle(0.001 / ceiling)
    assert budget.pixels == ceiling
    # Noise about a frame's time moves nothing, and a few renders alone never do.
    for n in range(60):
        clock.now += 0.1
        assert not budget.rendered((0.95 if n % 2 else 1.05) / 24.0)
    fresh = EyeBudget(ceiling, fps=24.0, clock=clock)
    for _ in range(7):
        clock.now += 1.0
        assert not fresh.rendered(1.0)


@contextlib.asynccontextmanager
async def headset(view: Any, head_yaw: list[float]) -> AsyncIterator[Any]:
    """A pose channel sending the head at ``head_yaw[0]`` degrees 72 times a second (the
    list may be changed while it runs), until the block ends."""
    channel = view.pc.createDataChannel("pose", ordered=False, maxRetransmits=0)
    await until(lambda: channel.readyState == "open")

    async def send() -> None:
        t = 1000.0
        while True:
            t += 1000.0 / 72.0
            channel.send(json.dumps(message(t=t, q=yaw(head_yaw[0]))))
            await asyncio.sleep(1.0 / 72.0)

    task = asyncio.ensure_future(send())
    try:
        yield channel
    finally:
        task.cancel()


async def next_frame(view: Any, shape: tuple[int, int]) -> Any:
    """The next received picture ``shape`` (width, height) big, as RGB."""
    while True:
        frame = await asyncio.wait_for(view.track.recv(), 10)
        if (frame.width, frame.height) == shape:
            return frame.to_ndarray(format="rgb24")


def stereo_messages(view: Any) -> list[dict[str, Any]]:
    return [m for m in view.messages if m.get("type") == "stereo"]


async def test_poses_turn_the_stream_into_both_eyes_and_back(engine: RenderEngine) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        flat = await next_frame(view, (1280, 720))
        head = [0.0]
        async with headset(view, head):
            image = await next_frame(view, (2 * EYE[0], EYE[1]))
            # Two eyes 64 mm apart see the relic from two places: the halves differ.
            left, right = image[:, : EYE[0]].astype(int), image[:, EYE[0] :].astype(int)
            assert np.abs(left - right).mean() > 1.0
            await until(lambda: any(m["rtp"] is not None for m in stereo_messages(view)))
            told = next(m for m in stereo_messages(view) if m["rtp"] is not None)
            assert len(told["eyes"]) == 2 and len(told["eyes"][0]["m"]) == 16
            # The projection used is wider than the headset's own (the reprojection margin).
            assert told["eyes"][0]["m"][0] < projection()[0]
            assert told["t"] > 1000.0  # the page time the head was predicted for
            assert session.headset.view is not None
            # Metrics count a visitor with a headset on as a headset.
            samples = await scrape(server.url)
            assert (sessions(samples, "headset"), sessions(samples, "visitor")) == (1, 0)

            head[0] = 40.0  # turn the head: the eyes rendered follow it
            await until(
                lambda: abs(_yaw(stereo_messages(view)[-1]["eyes"][0]["q"]) - 40.0) < 1.0,
                what=lambda: stereo_messages(view)[-1]["eyes"][0]["q"],
            )
        # The poses stopped (the visitor left VR): flat frames again, where they stood.
        again = await next_frame(view, (1280, 720))
        assert np.abs(again.astype(int) - flat.astype(int)).mean() < 8.0
        assert not session.headset.active
        samples = await scrape(server.url)
        assert (sessions(samples, "headset"), sessions(samples, "visitor")) == (0, 1)


def _yaw(q: list[float]) -> float:
    return math.degrees(2.0 * math.atan2(q[1], q[3]))


async def test_a_snap_turn_turns_the_hall_about_the_head(engine: RenderEngine) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        async with headset(view, [0.0]):
            await until(lambda: stereo_messages(view))
            before = session.visit.headset_place()
            view.send({"type": "turn", "degrees": -30, "head": [0.0, 0.0], "seq": 3})
            await until(lambda: stereo_messages(view)[-1]["heading"] != before.heading)
            turned = stereo_messages(view)[-1]["heading"]
            assert math.remainder(turned - before.heading, 360.0) == pytest.approx(-30.0)
            assert session.visit.headset_place().floor == pytest.approx(before.floor)
            # The page's measure of how late its frames are shown moves the prediction.
            latency = session.headset.latency
            view.send({"type": "shown", "late": 0.02})
            await until(lambda: session.headset.latency > latency)
            view.send({"type": "shown", "late": 5})
            await until(lambda: any(m.get("code") == "COMMAND_OUT_OF_RANGE" for m in view.messages))


async def test_ending_the_session_frees_the_headsets_render(engine: RenderEngine) -> None:
    async with serve(engine) as server:
        async with viewer(server.url) as view:
            (session,) = server.app[SESSIONS_KEY].sessions.values()
            async with headset(view, [0.0]):
                await until(lambda: session.headset.view is not None)
                stereo = session.headset.view
        await until(lambda: session.end_reason is not None)
        await until(lambda: stereo.closed)
        assert session.headset.view is None
