"""The waiting room in real Chromium: with one place, three tabs; each sees its place in
the queue and enters in arrival order when the one before it leaves, without a reload."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from museion.runtime.engine import RenderEngine
from tests.conftest import LOOPBACK, serve
from tests.e2e.browser import WAIT, browser_page, wait_in_line

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

ONE_PLACE = dataclasses.replace(LOOPBACK, max_sessions=1, admission_fps=0)
PLAYING = "window.museion.framesShown > 0"


async def test_three_tabs_enter_in_arrival_order_without_reloading(engine: RenderEngine) -> None:
    async with serve(engine, ONE_PLACE) as server, browser_page() as first:
        await first.goto(f"{server.url}/?lang=en")
        await first.wait_for_function(PLAYING, timeout=WAIT)
        tabs = []
        for position in (1, 2):
            tab = await first.context.browser.new_page(viewport={"width": 1280, "height": 800})
            await tab.goto(f"{server.url}/?lang=en")
            await wait_in_line(tab, position)
            await tab.evaluate("window.sameDocument = true")  # gone if the page reloads
            tabs.append(tab)
        second, third = tabs
        text = await second.locator("#waiting [data-role=position]").inner_text()
        assert text.startswith("You are #1 · ") and ("min" in text or "minute" in text)
        assert await first.locator("#waiting").is_hidden()

        await first.close(run_before_unload=True)  # the first visitor leaves
        await second.wait_for_function(PLAYING, timeout=WAIT)
        assert await second.evaluate("window.sameDocument") is True
        assert await second.locator("#waiting").is_hidden()
        await wait_in_line(third, 1)

        await second.close(run_before_unload=True)
        await third.wait_for_function(PLAYING, timeout=WAIT)
        assert await third.evaluate("window.sameDocument") is True
        health = await server.health()
        assert (health["sessions"], health["waiting"]) == (1, 0)
