"""The studio end to end in headless Chromium, as museum staff use it: a curator uploads a
relic, places it, adds a hotspot by clicking it, labels it in two languages and records a
two-step tour; a publisher publishes; a visitor in another browser context sees the new
relic and its label without a restart; a restore brings the old version back to visitors."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ASSETS
from tests.e2e.browser import WAIT, browser_page
from tests.streaming.studio.studio_hall import PASSWORD, accounts, studio_hall

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

DOC = "window.studio.history.doc"
SELECTED = f"{DOC}.exhibits.find((e) => e.id === window.studio.selected)"


async def sign_in(page: Any, url: str, name: str) -> None:
    """The studio page, signed in as ``name``, with the bronzes' draft open and playing."""
    await page.goto(f"{url}/studio")
    await page.fill("#login-name", name)
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await page.click("#exhibition-list button[data-exhibition='bronzes']", timeout=WAIT)
    await page.wait_for_function("document.body.dataset.exhibition === 'bronzes'", timeout=WAIT)
    await page.wait_for_function(f"{DOC} !== null", timeout=WAIT)
    await page.wait_for_function("document.getElementById('video').videoWidth > 0", timeout=WAIT)
    await page.wait_for_function("window.studio.view.pose_ !== null", timeout=WAIT)


async def saved(page: Any) -> None:
    await page.wait_for_function(
        "document.getElementById('save-state').dataset.state === 'saved'", timeout=WAIT
    )


async def visit(page: Any, url: str, exhibit: str) -> dict[str, Any]:
    """The visitor page at ``exhibit`` (a shared link), once it shows pictures: its hello."""
    await page.goto(f"{url}/e/bronzes/?lang=en&exhibit={exhibit}")
    await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
    hello: dict[str, Any] = await page.evaluate("window.museion.hello")
    return hello


FIND_ON_SCREEN = """async (id) => {
  // Where on the page the relic ``id`` shows: the server's pick, up from its gizmo handle.
  const frame = window.studio.view.frame();
  const handle = document.querySelector('#gizmo circle[data-role=move]').getBoundingClientRect();
  const fx = (handle.left + handle.width / 2 - frame.left) / frame.width;
  const fy0 = (handle.top + handle.height / 2 - frame.top) / frame.height;
  for (let up = 0.04; up < 0.3; up += 0.01) {  // clear of the handle itself
    const y = fy0 - up;
    const hit = await window.studio.view.pick(fx, y);
    if (hit.exhibit === id) return [frame.left + fx * frame.width, frame.top + y * frame.height];
  }
  return null;
}"""


def hotspot_exhibits(hello: dict[str, Any]) -> set[str]:
    return {spot["exhibit"] for spot in hello.get("hotspots", [])}


async def test_a_curator_builds_a_publisher_publishes_a_visitor_sees_and_a_restore_undoes(
    tmp_path: Path,
) -> None:
    users = accounts(tmp_path / "users.json")
    async with studio_hall(tmp_path / "hall", users) as studio, browser_page() as page:
        await sign_in(page, studio.url, "curator")
        assert await page.locator("#publish").is_hidden()  # a curator does not publish

        # Upload: through the gate and the optimizer, the new exhibit selected.
        await page.set_input_files("#upload-input", str(ASSETS / "relic-bell.glb"))
        await page.wait_for_function(
            "document.getElementById('upload-progress').dataset.stage === 'done'", timeout=WAIT
        )
        new = await page.evaluate("window.studio.selected")
        assert new and new in await page.evaluate(f"{DOC}.exhibits.map((e) => e.id)")

        # Place: drag the gizmo's move handle; the exhibit's translation follows.
        handle = page.locator("#gizmo circle[data-role=move]")
        box = await handle.bounding_box()
        assert box is not None
        before = await page.evaluate(f"JSON.stringify({SELECTED}.transform)")
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        await page.mouse.move(x, y)
        await page.mouse.down()
        for step in range(1, 9):
            await page.mouse.move(x - 6 * step, y + 2 * step)
        await page.mouse.up()
        await page.wait_for_function(
            f"JSON.stringify({SELECTED}.transform) !== {before!r}", timeout=WAIT
        )

        # A hotspot by clicking on the relic: the server's pick, in the relic's own frame.
        await page.click("#hotspot-mode")
        spot = await page.evaluate(FIND_ON_SCREEN, new)
        assert spot is not None, "the server's pick never finds the new relic above its handle"
        await page.mouse.click(*spot)
        await page.wait_for_function(f"({SELECTED}.hotspots || []).length === 1", timeout=WAIT)
        await page.click("#hotspot-mode")

        # Its label in two languages, shown as visitors will see it.
        await page.fill("#meta-title-en", "Bronze bell, newly scanned")
        await page.fill("#meta-title-zh", "新扫描的铜钟")
        await page.wait_for_function(
            "document.querySelector('#label-preview h2')?.textContent.includes('铜钟')"
            " || document.querySelector('#label-preview h2')?.textContent.includes('bell')",
            timeout=WAIT,
        )

        # A two-step tour, flown and recorded.
        await page.click("#tour-record")
        await page.click("#tour-add-step")
        await page.click("#tour-add-step")
        await page.wait_for_function(
            f"{DOC}.tours.some((t) => t.steps.length === 2 && t.steps.every((s) => s.camera))",
            timeout=WAIT,
        )
        await saved(page)

        # The publisher publishes.
        async with page.expect_navigation(timeout=WAIT):  # signing out reloads the page
            await page.click("#logout")
        await sign_in(page, studio.url, "publisher")
        async with page.expect_response(lambda r: r.url.endswith("/publish"), timeout=WAIT) as r:
            await page.click("#publish")
        assert (await r.value).status == 201
        await page.wait_for_selector("#versions li button[data-role=restore]", timeout=WAIT)

        # A visitor, in another context, sees the new relic and its label: no restart.
        visitor = await page.context.browser.new_context(viewport={"width": 1280, "height": 800})
        watcher = await visitor.new_page()
        hello = await visit(watcher, studio.url, new)
        assert new in hotspot_exhibits(hello)
        box = await watcher.locator("video").bounding_box()
        assert box is not None
        await watcher.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await watcher.get_by_role("dialog").wait_for(state="visible", timeout=WAIT)
        assert await watcher.locator("#label-title").inner_text() == "Bronze bell, newly scanned"
        await watcher.get_by_role("button", name="ZH").click()
        assert await watcher.locator("#label-title").inner_text() == "新扫描的铜钟"

        # Restore the version before: the next visit is to the old hall.
        await page.click("#versions li button[data-role=restore]")
        await page.wait_for_function(
            "document.getElementById('notice').textContent.length > 0", timeout=WAIT
        )
        hello = await visit(watcher, studio.url, new)
        assert new not in hotspot_exhibits(hello)
        await visitor.close()
