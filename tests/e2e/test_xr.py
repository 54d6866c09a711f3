"""Entering VR in headless Chromium with an emulated Quest 3 (Meta's WebXR emulator):
the button, the immersive session, its frames, the poses upstream, and the way back."""

from __future__ import annotations

import io
import math
import shutil
from typing import Any

import numpy as np
import pytest
from PIL import Image

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.visit.session import Session
from tests.conftest import serve, until
from tests.e2e.browser import WAIT, browser_page
from tests.e2e.headset import headset_page, move_head, needs_iwer, yaw_quaternion

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]


async def _open(page: Any, url: str, lang: str = "en") -> None:
    await page.goto(f"{url}/?lang={lang}")
    await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
    await page.wait_for_function("window.museion.xr.checked", timeout=WAIT)


def _session(server: Any) -> Session:
    (session,) = server.app[SESSIONS_KEY].sessions.values()
    assert isinstance(session, Session)
    return session


def _yaw(orientation: tuple[float, float, float, float]) -> float:
    x, y, z, w = orientation
    return math.degrees(math.atan2(2.0 * (w * y + x * z), 1.0 - 2.0 * (x * x + y * y)))


async def test_a_plain_browser_shows_no_enter_vr(engine: RenderEngine) -> None:
    async with serve(engine) as server, browser_page() as page:
        await _open(page, server.url)
        assert await page.locator("#enter-vr").is_hidden()
        assert await page.get_by_role("button", name="Enter VR").count() == 0


@needs_iwer
async def test_a_headset_enters_vr_sends_poses_and_comes_back(exhibition: RenderEngine) -> None:
    async with serve(exhibition) as server, headset_page() as page:
        await _open(page, server.url, "zh")
        session = _session(server)
        button = page.locator("#enter-vr")
        await button.wait_for(state="visible", timeout=WAIT)
        assert await button.inner_text() == "进入 VR"
        await page.get_by_role("button", name="EN").click()
        assert await button.inner_text() == "Enter VR"
        stood = session.view

        await button.click()
        await page.wait_for_function("window.museion.xr.session !== null", timeout=WAIT)
        asked = await page.evaluate("window.__headsetAsked")
        assert asked[0]["mode"] == "immersive-vr"
        assert "local-floor" in asked[0]["options"]["requiredFeatures"]
        assert {"space": "local-floor"} in asked
        assert await button.inner_text() == "Exit VR"

        # XR frames run: thirty more of them within the deadline.
        start = await page.evaluate("window.museion.xr.frames")
        await page.wait_for_function(
            "(n) => window.museion.xr.frames >= n", arg=start + 30, timeout=WAIT
        )

        # Frames become both eyes, rendered from the head's pose: each eye shows its own
        # half (alike but not equal: 64 mm apart), a picture, not the neutral room.
        await page.wait_for_function("window.museion.xr.stereoFrames > 3", timeout=WAIT)
        shot = await page.screenshot()
        image = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)
        half = image.shape[1] // 2
        left_eye, right_eye = image[:, :half], image[:, half : 2 * half]
        assert left_eye.std() > 10 and right_eye.std() > 10
        assert 0 < np.abs(left_eye - right_eye).mean() < 40

        # The head's pose reaches the server, and follows the head as it turns.
        await until(lambda: session.pose is not None, 30)
        await move_head(page, (0.2, 1.7, -0.3), yaw_quaternion(30.0))

        def turned() -> bool:
            kept = session.pose
            return kept is not None and abs(_yaw(kept.pose.orientation) - 30.0) < 0.1

        await until(turned, 30, what=lambda: session.pose)
        assert session.pose is not None
        pose = session.pose.pose
        assert pose.position == pytest.approx((0.2, 1.7, -0.3), abs=1e-4)
        left, right = pose.views
        assert (left.eye, right.eye) == ("left", "right")
        assert 0.05 < math.dist(left.position, right.position) < 0.08  # the headset's IPD
        assert session.poses.refused == 0  # a real headset's poses all pass the parser
        assert session.end_reason is None

        # Leaving VR (the headset's own menu ends the session): the flat page, as it was.
        await page.evaluate("window.__headset.activeSession.end()")
        await page.wait_for_function("window.museion.xr.session === null", timeout=WAIT)
        assert await button.inner_text() == "Enter VR"
        assert not await page.evaluate("document.body.classList.contains('in-vr')")
        assert await page.locator("#video").is_visible()
        shown = await page.evaluate("window.museion.framesShown")
        await page.wait_for_function(
            "(n) => window.museion.framesShown > n + 10", arg=shown, timeout=WAIT
        )
        assert session.view == stood  # where the visitor stood
        assert session.end_reason is None
