"""A docent tour in a headset (headless Chromium, emulated Quest 3, real server, an aiortc
docent): the follower enters VR from the tour page and sees the docent's view on a screen
standing in the room, hears the docent, reads the label the docent opens on a panel in
their own language, and is told in the headset when the docent leaves."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from tests.conftest import is_neutral, serve, viewer
from tests.e2e.browser import WAIT
from tests.e2e.headset import headset_page, next_frame_rows
from tests.streaming.tours.test_tours import BEARER, TOURS, tour_of

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]


async def test_a_follower_in_vr_sees_the_docents_view_and_label(exhibition: RenderEngine) -> None:
    async with serve(exhibition, TOURS) as server, headset_page() as page:
        async with viewer(server.url, "?exhibit=bronze-hu", BEARER) as docent:
            tour = tour_of(server)
            await page.goto(f"{server.url}/tour/{tour}?lang=zh")
            await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
            button = page.locator("#enter-vr")
            await button.wait_for(state="visible", timeout=WAIT)
            await button.click()
            await page.wait_for_function("window.museion.xr.drawn > 10", timeout=WAIT)
            assert not await page.evaluate("document.getElementById('video').muted")

            # Straight ahead, the screen: the docent's view of the hu, not the room.
            grabbed = await next_frame_rows(page)
            row = grabbed["eyes"][0]["row"]
            middle = row[len(row) // 2 - 40 : len(row) // 2 + 40]
            assert not all(is_neutral(c) for c in middle)
            assert np.abs(np.diff(middle, axis=0)).sum() > 0  # a picture, not a flat colour

            # The docent opens the hu's label: it stands beside the screen, in Chinese.
            docent.send({"type": "pick", "x": 0.5, "y": 0.5})
            await page.wait_for_function(
                "window.museion.xr.panel.visible && window.museion.xr.panel.lines[0] === '青铜壶'",
                timeout=WAIT,
            )
        # The docent left: the headset says so, in the follower's language.
        await page.wait_for_function(
            "window.museion.xr.panel.lines.join('').includes('讲解员已离开')", timeout=WAIT
        )
