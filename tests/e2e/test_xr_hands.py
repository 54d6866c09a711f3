"""The controllers in VR (headless Chromium, emulated Quest 3, real server): a select on
the hu opens its label as a panel in the world in the visitor's language; a teleport into
the hu's pedestal or through the hall's wall is refused and the hall stays, one onto free
floor moves the headset there; a snap turn turns it by 30 degrees; the grip starts a
guided tour, whose steps move the headset by a blink, never a flight, with the narration
on the panel."""

from __future__ import annotations

import math
import shutil
from typing import Any

import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.eye_pose import Place
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.visit.session import Session
from tests.conftest import serve, until
from tests.e2e.browser import WAIT
from tests.e2e.headset import (
    enter_vr,
    headset_page,
    move_controller,
    move_head,
    pointing,
    press,
    stick,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

HEAD = (0.0, 1.6, 0.0)
DISTANCE = 1.1  # metres from the head to the hu's middle


async def before_the_hu(page: Any, server: Any, exhibition: RenderEngine) -> Session:
    """In VR, the head ``DISTANCE`` south of the hu's middle at its height, facing it."""
    await enter_vr(page, server.url)
    await move_head(page, HEAD, (0.0, 0.0, 0.0, 1.0))
    (session,) = server.app[SESSIONS_KEY].sessions.values()
    assert isinstance(session, Session)
    # Only once the server has the head where it was put (frames from before would see
    # the hu from elsewhere).
    await until(lambda: session.pose is not None and session.pose.pose.position == HEAD)
    tx, ty, tz = exhibition.exhibit_views["bronze-hu"][0].target
    session.visit.place = Place(floor=(tx, ty - HEAD[1], tz + DISTANCE), heading=0.0)
    await page.wait_for_function(
        "(spot) => window.museion.xr.shown.spot >= spot",
        arg=await _spot_after_move(session),
        timeout=WAIT,
    )
    return session


async def _spot_after_move(session: Session) -> int:
    start = session.headset.spot
    await until(lambda: session.headset.spot > start, what=lambda: session.headset.spot)
    return session.headset.spot


async def panel_lines(page: Any) -> list[str]:
    lines: list[str] = await page.evaluate("window.museion.xr.hands.panel.lines")
    return lines


async def test_a_select_on_the_hu_opens_its_label_in_the_world(exhibition: RenderEngine) -> None:
    async with serve(exhibition) as server, headset_page() as page:
        await before_the_hu(page, server, exhibition)
        # From the right hand, up and left towards the hu's middle (0, 1.6, -1.1).
        await move_controller(page, "right", (0.15, 1.35, -0.25), pointing((-0.15, 0.25, -0.85)))
        await press(page, "right")  # the trigger: select along the ray
        await page.wait_for_function("window.museion.xr.hands.panel.visible", timeout=WAIT)
        await press(page, "right", value=0.0)
        assert (await panel_lines(page))[0] == "Bronze hu vessel"
        # The hu's hotspots are markers in the world, on the hu: about 1.1 m ahead.
        await page.wait_for_function("window.museion.xr.hands.marks.length > 0", timeout=WAIT)
        marks = await page.evaluate("window.museion.xr.hands.marks")
        hu_marks = [m for m in marks if m["exhibit"] == "bronze-hu"]
        assert hu_marks, marks
        for mark in hu_marks:
            x, y, z = mark["p"]
            assert abs(x) < 0.4 and 0.6 < -z < 1.5 and 0.5 < y < 2.5, mark
        # The visitor's language is the panel's: the words, not a picture of them.  (The
        # headset's picture covers the page: the button is pressed as a keyboard would.)
        await page.evaluate("document.querySelector('button.lang[data-lang=zh]').click()")
        await page.wait_for_function(
            "window.museion.xr.hands.panel.lines[0] === '青铜壶'", timeout=WAIT
        )


async def throw_arc(page: Any, origin: Any, direction: Any) -> list[float]:
    """Aim the right controller from ``origin`` along ``direction`` with the stick forward
    and let go: the floor point (local-floor) the arc landed on."""
    await move_controller(page, "right", origin, pointing(direction))
    await stick(page, "right", 0.0, -0.9)
    await page.wait_for_function(
        "window.museion.xr.hands.arc && window.museion.xr.hands.arc.ok", timeout=WAIT
    )
    arc = await page.evaluate("window.museion.xr.hands.arc.points")
    await stick(page, "right", 0.0, 0.0)
    landed: list[float] = arc[-1]
    return landed


async def test_teleports_are_checked_and_a_snap_turn_turns_about_the_head(
    exhibition: RenderEngine,
) -> None:
    async with serve(exhibition) as server, headset_page() as page:
        refusals: list[str] = []
        page.on("console", lambda m: refusals.append(m.text) if "TELEPORT" in m.text else None)
        session = await before_the_hu(page, server, exhibition)
        walk_map = exhibition.walk_map
        assert walk_map is not None
        stood = session.visit.headset_place()

        # Into the hu's pedestal, just ahead: refused, and the hall stays where it was.
        landed = await throw_arc(page, (0.0, 1.0, -0.6), (0.0, -1.0, -0.25))
        x, _, z = stood.point((landed[0], 0.0, landed[2]))
        assert not walk_map.is_free(x, z)  # the arc did land on the pedestal
        await until(lambda: any("TELEPORT_BLOCKED" in text for text in refusals))
        assert session.visit.headset_place() == stood
        await page.wait_for_function("!window.museion.xr.dimmed", timeout=WAIT)

        # Into the hall's east wall, from 1.5 m before it: refused too.
        x, z = stood.point(HEAD)[0], stood.point(HEAD)[2]
        while walk_map.is_free(x + 0.05, z):
            x += 0.05  # the last free floor before the wall
        near_wall = Place(floor=(x - 1.5, stood.floor[1], z), heading=0.0)
        session.visit.place = near_wall
        await page.wait_for_function(
            "(spot) => window.museion.xr.shown.spot >= spot",
            arg=await _spot_after_move(session),
            timeout=WAIT,
        )
        blocked = len([t for t in refusals if "TELEPORT_BLOCKED" in t])
        landed = await throw_arc(page, (0.2, 1.2, 0.0), (1.0, 0.1, 0.0))
        wx, _, wz = near_wall.point((landed[0], 0.0, landed[2]))
        assert wx > x and not walk_map.is_free(wx, wz)  # beyond the wall
        await until(lambda: len([t for t in refusals if "TELEPORT_BLOCKED" in t]) > blocked)
        assert session.visit.headset_place() == near_wall
        session.visit.place = stood
        await page.wait_for_function(
            "(spot) => window.museion.xr.shown.spot >= spot",
            arg=await _spot_after_move(session),
            timeout=WAIT,
        )

        # Onto the free floor to the right: the head now stands over where the arc landed.
        landed = await throw_arc(page, (0.2, 1.2, 0.0), (1.0, -0.6, 0.0))
        x, _, z = stood.point((landed[0], 0.0, landed[2]))
        assert walk_map.is_free(x, z)
        await until(lambda: session.visit.headset_place() != stood)
        moved = session.visit.headset_place()
        assert moved.point((HEAD[0], 0.0, HEAD[2])) == pytest.approx(
            (x, stood.floor[1], z), abs=1e-3
        )
        await page.wait_for_function(
            "(spot) => window.museion.xr.shown.spot >= spot",
            arg=session.headset.spot,
            timeout=WAIT,
        )

        # The stick to the right: one snap turn right, about the head, which stays put.
        await stick(page, "right", 0.9, 0.0)
        await until(lambda: session.visit.headset_place().heading != moved.heading)
        await stick(page, "right", 0.0, 0.0)
        turned = session.visit.headset_place()
        assert math.remainder(turned.heading - moved.heading, 360.0) == pytest.approx(-30.0)
        head = (HEAD[0], 0.0, HEAD[2])
        assert turned.point(head) == pytest.approx(moved.point(head))


async def test_a_guided_tour_in_vr_moves_by_blinks_and_shows_its_narration(
    exhibition: RenderEngine,
) -> None:
    async with serve(exhibition) as server, headset_page() as page:
        session = await before_the_hu(page, server, exhibition)
        first = len(session.headset.rendered)
        await press(page, "right", "squeeze")  # the grip: the tour starts
        await until(lambda: session.visit.tour is not None)
        await press(page, "right", "squeeze", 0.0)
        await page.wait_for_function(
            "window.museion.xr.hands.panel.lines.join(' ').startsWith('Welcome')", timeout=WAIT
        )
        stepped = session.headset.spot
        await page.wait_for_function(
            "(spot) => window.museion.xr.shown.spot >= spot", arg=stepped, timeout=WAIT
        )
        # The next step, by the grip again: the headset is at the next stop at once.
        await press(page, "right", "squeeze")
        await until(lambda: session.headset.spot > stepped, what=lambda: session.headset.spot)
        await press(page, "right", "squeeze", 0.0)
        await until(lambda: len(session.headset.rendered) > first + 10)
        # Never a flight: every frame since the tour began stood at one of its stops.
        places = {frame.stereo.place for _, frame in list(session.headset.rendered)[first:]}
        assert 2 <= len(places) <= 3, places  # before, the first stop, the second
        # The narration plays in the headset as on the flat page: this step's recording.
        await page.wait_for_function("window.museion.tours.audio.time > 0.5", timeout=WAIT)
        audio = await page.evaluate("window.museion.tours.audio")
        assert audio["src"].endswith("/media/narration/highlights-2.en.ogg"), audio
