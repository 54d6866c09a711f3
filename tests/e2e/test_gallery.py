"""The exhibition page in headless Chromium: click a relic, read its label in zh and en."""

from __future__ import annotations

import asyncio
import math
import shutil
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.visit.session import Session
from tests.conftest import REPO, serve, until
from tests.e2e.browser import WAIT, browser_page, turn

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]


async def _open_hall(page: Any, url: str, lang: str) -> None:
    """The hall's page in ``lang`` at the bronze hu, once it shows pictures."""
    await page.goto(f"{url}/?lang={lang}&exhibit=bronze-hu")
    await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)


def _refined(session: Session) -> bool:
    """The camera rests and its picture was refined to full size: the last two pictures
    sent (a preview, then the full-size one) show the view the camera has now."""
    pictures = list(session.pictures)[-2:]
    return len(pictures) == 2 and pictures[0][1] == pictures[1][1] == session.view


async def _at_rest(page: Any, session: Session) -> None:
    """Wait until the camera rests, refined, and the page shows that picture with its
    hotspot marks (they are applied with the frame whose RTP timestamp they carry)."""
    await until(lambda: session.rtp_origin is not None and _refined(session), 30)
    assert session.rtp_origin is not None
    rtp = (session.rtp_origin + session.pictures[-1][0]) % 2**32
    await page.wait_for_function(
        "(rtp) => window.museion.hotspots.sync().applied === rtp", arg=rtp, timeout=WAIT
    )


async def test_clicking_the_relic_opens_its_label_in_both_languages(
    exhibition: RenderEngine,
) -> None:
    async with serve(exhibition) as server, browser_page() as page:
        # This Chromium prefers English; the visitor chooses Chinese with ?lang=zh.
        await _open_hall(page, server.url, "zh")
        assert await page.locator("#exhibition").inner_text() == "中华文物厅"
        box = await page.locator("video").bounding_box()
        await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        label = page.get_by_role("dialog")
        await label.wait_for(state="visible", timeout=WAIT)
        assert await page.locator("#label-title").inner_text() == "青铜壶"
        assert await page.locator("#reset").inner_text() == "重置视角"  # the page's words too
        assert "东周" in await label.inner_text()

        await page.get_by_role("button", name="EN").click()
        assert await page.locator("#label-title").inner_text() == "Bronze hu vessel"
        assert "Eastern Zhou" in await label.inner_text()
        assert await page.locator("#exhibition").inner_text() == "Hall of Chinese Antiquities"
        assert await page.locator("#reset").inner_text() == "Reset view"
        assert await page.get_by_role("region", name="Guided tours").count() == 1
        assert await page.evaluate("document.documentElement.lang") == "en"
        # Real text: selectable, in the page, not pixels in the video.
        assert (
            await page.evaluate("getComputedStyle(document.querySelector('#label')).userSelect")
            == "text"
        )
        (REPO / "build").mkdir(exist_ok=True)
        await page.screenshot(path=str(REPO / "build" / "e2e-label.png"))

        # A click on the wall closes the label.
        await page.mouse.click(box["x"] + 20, box["y"] + 20)
        await label.wait_for(state="hidden", timeout=WAIT)
        await asyncio.sleep(0)


async def test_hotspot_markers_sit_on_their_hotspots(exhibition: RenderEngine) -> None:
    from museion.runtime.camera import project
    from museion.streaming.server import SESSIONS_KEY

    async with serve(exhibition) as server, browser_page() as page:
        await _open_hall(page, server.url, "en")
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        applied = session.commands_applied
        # Turn the relic for a while, then rest: the markers must settle where the hotspots
        # are.  (How closely they follow a turning relic is the next test's business.)
        await turn(page, 0.4, 45)
        await until(lambda: session.commands_applied >= applied + 45, 30)  # the turn's orbits
        await _at_rest(page, session)  # rest: full-size frame and fresh marks
        markers = page.locator("button.hotspot:not([hidden])")
        count = await markers.count()
        assert count >= 1
        frame = await page.evaluate("window.museion.frameRect()")  # letterboxing excluded
        scale = frame["width"] / 1280
        for index in range(count):
            marker = markers.nth(index)
            key = (
                await marker.get_attribute("data-exhibit"),
                await marker.get_attribute("data-hotspot"),
            )
            where = project(session.view, 1280, 720, exhibition.hotspot_positions[key])
            assert where is not None
            mbox = await marker.bounding_box()
            mx, my = mbox["x"] + mbox["width"] / 2, mbox["y"] + mbox["height"] / 2
            ex, ey = frame["left"] + where[0] * scale, frame["top"] + where[1] * scale
            assert abs(mx - ex) <= 8 and abs(my - ey) <= 8, (key, (mx, my), (ex, ey))
            assert await marker.get_attribute("aria-label")  # named for screen readers
        await page.screenshot(path=str(REPO / "build" / "e2e-hotspots.png"))
        # Clicking a marker opens the label with that detail highlighted.
        first = markers.first
        hotspot = await first.get_attribute("data-hotspot")
        await first.click()
        await page.get_by_role("dialog").wait_for(state="visible", timeout=WAIT)
        current = page.locator(f"#label li.current[data-hotspot='{hotspot}']")
        assert await current.count() == 1


ORBIT_AND_RECORD = """() => new Promise((resolve) => {
  const video = document.querySelector('video');
  const samples = [];
  let frames = 0;
  const turn = () => {
    window.museion.sendCommand({type: 'orbit', yaw: 3, pitch: 0.05});
    if (frames < 60) requestAnimationFrame(turn);
  };
  requestAnimationFrame(turn);
  const sample = (now, metadata) => {
    setTimeout(() => {  // after the markers' own callback for this frame
      const frame = window.museion.frameRect();
      const marks = [];
      for (const b of document.querySelectorAll('button.hotspot:not([hidden])')) {
        const r = b.getBoundingClientRect();
        marks.push({exhibit: b.dataset.exhibit, hotspot: b.dataset.hotspot,
                    x: r.left + r.width / 2 - frame.left, y: r.top + r.height / 2 - frame.top});
      }
      samples.push({rtp: metadata.rtpTimestamp, scale: frame.width / 1280, marks,
                    applied: window.museion.hotspots.sync().applied});
      if (++frames < 60) video.requestVideoFrameCallback(sample); else resolve(samples);
    }, 0);
  };
  video.requestVideoFrameCallback(sample);
})"""


async def test_hotspot_markers_stay_on_their_hotspots_while_orbiting(
    exhibition: RenderEngine,
) -> None:
    from museion.runtime.camera import project
    from museion.streaming.server import SESSIONS_KEY

    async with serve(exhibition) as server, browser_page() as page:
        await _open_hall(page, server.url, "en")
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        # The server knows its RTP origin (marks go out with their frame's timestamp), and
        # the page has the first picture's marks.
        await until(lambda: session.rtp_origin is not None, 30)
        await page.wait_for_function(
            "document.querySelectorAll('button.hotspot:not([hidden])').length > 0",
            timeout=WAIT,
        )
        samples = await page.evaluate(ORBIT_AND_RECORD)
        origin = session.rtp_origin
        assert origin is not None
        pictures = sorted(session.pictures, key=lambda item: item[0])
        errors: list[float] = []
        for sample in samples:
            pts = (sample["rtp"] - origin) % 2**32
            # The picture shown: the newest one rendered at or before this frame (Chromium
            # reports some RTP timestamps a tick low).
            shown = [view for p, view in pictures if p <= pts + 4]
            if not shown or not sample["marks"]:
                continue
            for mark in sample["marks"]:
                key = (mark["exhibit"], mark["hotspot"])
                where = project(shown[-1], 1280, 720, exhibition.hotspot_positions[key])
                assert where is not None
                errors.append(
                    math.hypot(
                        mark["x"] - where[0] * sample["scale"],
                        mark["y"] - where[1] * sample["scale"],
                    )
                )
        assert len(errors) >= 40, len(errors)  # the relic really turned under the markers
        assert max(errors) <= 8.0, sorted(errors)[-5:]


async def test_the_highlights_tour_visits_four_different_views(exhibition: RenderEngine) -> None:
    from museion.streaming.server import SESSIONS_KEY

    grab = """() => {
      const v = document.querySelector('video');
      const c = document.createElement('canvas');
      c.width = 160; c.height = 90;
      const x = c.getContext('2d');
      x.drawImage(v, 0, 0, 160, 90);
      return Array.from(x.getImageData(0, 0, 160, 90).data);
    }"""
    async with serve(exhibition) as server, browser_page() as page:
        await _open_hall(page, server.url, "en")
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        bar = page.get_by_role("region", name="Guided tours")
        await bar.get_by_role("button", name="Start tour").click()
        pictures = []
        for step in range(4):
            await page.wait_for_function(
                f"document.querySelector('[data-role=step]').textContent === '{step + 1} / 4'",
                timeout=WAIT,
            )
            # The flight (1.6 s) and the refinement, on the page; its narration under way.
            await _at_rest(page, session)
            await page.wait_for_function("window.museion.tours.audio.time > 0.5", timeout=WAIT)
            narration = await bar.locator("[data-role=narration]").inner_text()
            assert narration, step
            # The step's recording in the visitor's language plays with it.
            audio = await page.evaluate("window.museion.tours.audio")
            assert audio["src"].endswith(f"/media/narration/highlights-{step + 1}.en.ogg"), audio
            assert (not audio["paused"] or audio["ended"]) and audio["time"] > 0.5, audio
            pictures.append(await page.evaluate(grab))
            if step < 3:
                await bar.get_by_role("button", name="Next step").click()
        frames = [np.array(p, dtype=int) for p in pictures]
        for a in range(4):
            for b in range(a + 1, 4):
                assert np.abs(frames[a] - frames[b]).mean() > 2, (a, b)
        await page.screenshot(path=str(REPO / "build" / "e2e-tour.png"))
        await bar.get_by_role("button", name="Leave the tour").click()
        await page.wait_for_function(
            "document.querySelector('#tours').dataset.state === 'idle'", timeout=WAIT
        )
