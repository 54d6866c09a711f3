"""The studio's floor plan in headless Chromium: a curator adds a light, makes it a dim
reddish ambient light, turns the spawn point by its arrow and saves; the draft has them, the
page says the view needs refreshing, and after "Refresh view" the draft view's picture is
different (a hall lit and faced otherwise)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import WAIT, browser_page
from tests.e2e.test_studio import DOC, saved, sign_in
from tests.streaming.studio.studio_hall import StudioHall, accounts, studio_hall

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

MEAN_COLOUR = """() => {
  // The draft view's picture, averaged: red, green and blue in 0..255.
  const video = document.getElementById('video');
  if (!video.videoWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 36;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(video, 0, 0, 64, 36);
  const data = ctx.getImageData(0, 0, 64, 36).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c += 1) sum[c] += data[i + c];
  return sum.map((v) => v / (data.length / 4));
}"""


async def drag(page: Any, start: list[float], end: list[float]) -> None:
    await page.mouse.move(*start)
    await page.mouse.down()
    for step in range(1, 9):
        t = step / 8
        x, y = start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t
        await page.mouse.move(x, y)
    await page.mouse.up()


async def add_light(page: Any, kind: str) -> tuple[int, str]:
    """Add a light on the plan and make it ``kind`` in its form: its index in the draft's
    lights and the page's expression for it."""
    index = await page.evaluate(f"({DOC}.lights || []).length")
    await page.click("#add-light")
    await page.wait_for_selector("#light-type", timeout=WAIT)
    await page.select_option("#light-type", kind)
    return index, f"{DOC}.lights[{index}]"


async def server_draft(studio: StudioHall) -> dict[str, Any]:
    """The bronzes' draft as the server has it (what was saved, not the page's copy)."""
    async with (
        studio.staff("curator") as staff,
        staff.http.get("/api/exhibitions/bronzes/draft") as reply,
    ):
        draft: dict[str, Any] = await reply.json()
        return draft


async def test_a_curator_lights_the_hall_and_turns_the_spawn_and_the_view_follows(
    tmp_path: Path,
) -> None:
    users = accounts(tmp_path / "users.json")
    async with studio_hall(tmp_path / "hall", users) as studio, browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await sign_in(page, studio.url, "curator")

        # A new light, chosen at once: made a dim reddish ambient light in its form.
        index, light = await add_light(page, "ambient")
        await page.fill("#light-color", "#ff6040")
        await page.fill("#light-intensity", "0.2")
        await page.wait_for_function(
            f"{light}.type === 'ambient' && {light}.intensity === 0.2 && {light}.color[0] === 1",
            timeout=WAIT,
        )

        # The spawn turned by dragging its arrow's tip to its left: about a quarter turn.
        await page.locator("#plan").scroll_into_view_if_needed()
        base = await page.evaluate("window.studio.plan.where({kind: 'spawn'})")
        tip = await page.evaluate("window.studio.plan.where({kind: 'turn'})")
        assert base and tip
        await drag(page, tip, [base[0] - 40, base[1]])
        await page.wait_for_function(f"Math.abs({DOC}.spawn.yaw - 90) <= 5", timeout=WAIT)
        assert await page.input_value("#spawn-yaw") == str(await page.evaluate(f"{DOC}.spawn.yaw"))

        # Saved: the server's draft has both; the page says the view is behind.
        await saved(page)
        draft = await server_draft(studio)
        added = draft["lights"][index]
        assert added["type"] == "ambient"
        assert added["intensity"] == 0.2
        assert added["color"] == [1, 0.376, 0.251]
        assert abs(draft["spawn"]["yaw"] - 90) <= 5
        await page.wait_for_selector("#view-hint", state="visible", timeout=WAIT)
        assert await page.locator("#refresh-view").is_visible()

        # "Refresh view": a new session on the saved draft, pictured otherwise.
        before = await page.evaluate(MEAN_COLOUR)
        assert before is not None
        await page.click("#refresh-view")
        await page.wait_for_function(
            f"""(() => {{
              const now = ({MEAN_COLOUR})();
              const was = {before};
              return now !== null && now.some((v, i) => Math.abs(v - was[i]) > 8);
            }})()""",
            timeout=WAIT,
        )
        assert await page.locator("#view-hint").is_hidden()
        # The new session starts at the turned spawn: it looks along -X (yaw 90).
        await page.wait_for_function("window.studio.view.pose_ !== null", timeout=WAIT)
        pose = await page.evaluate("window.studio.view.pose()")
        look = [t - p for t, p in zip(pose["target"], pose["position"], strict=True)]
        assert look[0] < 0 and abs(look[0]) > abs(look[2]), pose
        assert errors == []


async def test_a_curator_makes_a_light_a_spot_with_its_cone(tmp_path: Path) -> None:
    users = accounts(tmp_path / "users.json")
    async with studio_hall(tmp_path / "hall", users) as studio, browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await sign_in(page, studio.url, "curator")
        index, light = await add_light(page, "spot")
        await page.wait_for_selector("#light-outer-cone", timeout=WAIT)
        await page.fill("#light-outer-cone", "20")
        await page.fill("#light-inner-cone", "5")
        await page.wait_for_function(
            f"{light}.type === 'spot' && {light}.outer_cone === 20 && {light}.inner_cone === 5",
            timeout=WAIT,
        )
        await saved(page)
        spot = (await server_draft(studio))["lights"][index]
        assert (spot["type"], spot["inner_cone"], spot["outer_cone"]) == ("spot", 5, 20)
        assert spot["direction"][1] < -0.99, spot  # it shines straight down until turned
        assert spot["position"][1] == 3
        assert errors == []
