"""Walking the exhibition in headless Chromium: keys walk, the mouse looks, walls stop you."""

from __future__ import annotations

import asyncio
import itertools
import math
import shutil
import time
from collections.abc import Callable
from typing import Any

import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.visit.session import Session
from tests.conftest import REPO, serve, until
from tests.e2e.browser import WAIT, browser_page, next_frames

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]


def _plan(session: Session) -> tuple[float, float]:
    x, _, z = session.view.eye()
    return x, z


def _still(read: Callable[[], Any], quiet: float = 0.5) -> Callable[[], bool]:
    """A condition for ``until``: ``read()`` has kept one value for ``quiet`` seconds (the
    page's last steps or turns, sent already, have all been applied: they come on a
    loopback channel, not half a second apart)."""
    last = [read(), time.monotonic()]

    def check() -> bool:
        now = read()
        if now != last[0]:
            last[:] = [now, time.monotonic()]
        return time.monotonic() - last[1] >= quiet

    return check


def _arrived(session: Session) -> bool:
    """The camera is where it was heading: any flight between modes has ended."""
    return session.view == session.nav.rest_view()


async def test_a_visitor_walks_looks_around_and_is_stopped_by_walls(
    exhibition: RenderEngine,
) -> None:
    assert exhibition.spawn is not None
    async with serve(exhibition) as server, browser_page() as page:
        await page.goto(f"{server.url}/?lang=en")
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
        walk_button = page.get_by_role("button", name="Walk")
        assert await walk_button.get_attribute("aria-pressed") == "true"  # one enters walking
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        start = _plan(session)
        assert start == pytest.approx((exhibition.spawn.position[0], exhibition.spawn.position[2]))

        # Hold W for two seconds: about 2.8 m straight ahead (the spawn faces -Z).
        await page.focus("#stage")
        await page.keyboard.down("KeyW")
        await asyncio.sleep(2.0)  # the key held down, not a wait
        await page.keyboard.up("KeyW")
        await next_frames(page)
        await until(_still(lambda: session.view), 30)
        ahead = _plan(session)
        assert ahead[0] == pytest.approx(start[0], abs=0.05)
        assert 1.5 < start[1] - ahead[1] < 3.5

        # Turn with the mouse: dragging right turns right (the heading decreases).
        heading = session.nav.walker.heading if session.nav.walker else 0.0
        box = await page.locator("video").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        await page.mouse.move(cx, cy)
        await page.mouse.down()
        for step in range(1, 11):
            await page.mouse.move(cx + 20 * step, cy)
            await asyncio.sleep(0.02)  # the hand's pace
        await page.mouse.up()
        await next_frames(page)
        await until(_still(lambda: session.view), 30)
        assert session.nav.walker is not None
        assert math.remainder(heading - session.nav.walker.heading, 360) == pytest.approx(50, abs=8)

        # Walk on for a long while: whatever stands in the way, the walker never passes
        # through a wall, a partition or a pedestal, and ends up stopped in front of it.
        trail = [_plan(session)]
        await page.keyboard.down("KeyW")
        for _ in range(120):  # the key held down for 12 s, the place sampled 10 times a second
            await asyncio.sleep(0.1)
            trail.append(_plan(session))
        await page.keyboard.up("KeyW")
        # Every sampled place is free floor, and no hop between samples is long enough to
        # jump a blocked band (each is at least a body, 0.6 m, wide).
        walk = exhibition.walk_map
        assert walk is not None
        assert all(walk.is_free(x, z) for x, z in trail), trail
        assert max(math.dist(a, b) for a, b in itertools.pairwise(trail)) < 0.3
        assert math.dist(trail[-1], trail[-10]) < 0.05  # blocked, not still walking
        assert math.dist(trail[0], trail[-1]) > 2.0
        await page.screenshot(path=str(REPO / "build" / "e2e-walk.png"))

        # Orbit the nearest relic, then walk again from there; the page follows each mode.
        await page.get_by_role("button", name="Orbit").click()
        await page.wait_for_function("document.body.dataset.mode === 'orbit'", timeout=WAIT)
        await until(lambda: _arrived(session), 30)
        assert session.nav.mode == "orbit"
        assert session.view == session.nav.orbit_view
        await walk_button.click()
        await page.wait_for_function("document.body.dataset.mode === 'walk'", timeout=WAIT)
        await until(lambda: _arrived(session), 30)
        x, y, z = session.view.eye()
        assert y == pytest.approx(exhibition.spawn.position[1])
        assert exhibition.walk_map is not None and exhibition.walk_map.is_free(x, z)

        # Back at the entrance, a click on the relic ahead and "Look closer" orbit it.
        await page.get_by_role("button", name="Reset view").click()
        await until(lambda: session.view.eye() == pytest.approx(exhibition.spawn.position), 30)
        assert session.view.eye() == pytest.approx(exhibition.spawn.position)
        frame = await page.evaluate("window.museion.frameRect()")
        await page.mouse.click(
            frame["left"] + frame["width"] / 2, frame["top"] + frame["height"] * 0.55
        )
        await page.get_by_role("dialog").wait_for(state="visible", timeout=WAIT)
        assert await page.locator("#label-title").inner_text() == "Bronze hu vessel"
        await page.get_by_role("button", name="Look closer").click()
        await page.wait_for_function("document.body.dataset.mode === 'orbit'", timeout=WAIT)
        assert await page.evaluate("window.museion.modes.exhibit") == "bronze-hu"
        await until(lambda: _arrived(session), 30)
        assert session.view == exhibition.exhibit_views["bronze-hu"][0]
