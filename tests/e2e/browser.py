"""A page in Debian's headless Chromium, as the end-to-end tests open it."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from typing import Any

from tests.chromium import CHROMIUM_ARGS

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
"""A fake camera and microphone (a beeping test pattern), allowed without asking."""


async def launch(playwright: Any, extra: list[str] | None = None) -> Any:
    """Debian's Chromium, started with the arguments this closed network needs (and
    ``extra`` ones)."""
    return await playwright.chromium.launch(
        executable_path=shutil.which("chromium"), args=[*CHROMIUM_ARGS, *(extra or [])]
    )


@contextlib.asynccontextmanager
async def browser_page(extra: list[str] | None = None) -> AsyncIterator[Any]:
    """A 1280x800 page in a fresh browser, closed on the way out (more pages of the same
    browser: ``page.context.browser.new_page()``)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch(playwright, extra)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            yield page
        finally:
            await browser.close()


async def next_frames(page: Any) -> None:
    """Wait until the page has drawn two more animation frames: by then its controls have
    flushed what the keys or the mouse did (they send once a frame) onto the datachannel."""
    await page.evaluate(
        "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
    )


async def turn(page: Any, yaw: float, frames: int) -> None:
    """Orbit ``page``'s visitor by ``yaw`` degrees each animation frame for ``frames``
    frames, as a finger dragging does."""
    await page.evaluate(
        """([yaw, count]) => new Promise((resolve) => {
          let frames = 0;
          const step = () => {
            window.museion.sendCommand({type: 'orbit', yaw, pitch: 0});
            if (++frames < count) requestAnimationFrame(step); else resolve();
          };
          requestAnimationFrame(step);
        })""",
        [yaw, frames],
    )


async def wait_in_line(page: Any, position: int) -> None:
    """Wait until ``page`` (in English) shows the waiting room with the visitor at
    ``position`` in the queue."""
    await page.locator("#waiting").wait_for(state="visible", timeout=WAIT)
    await page.wait_for_function(
        "(n) => document.querySelector('#waiting [data-role=position]').textContent"
        ".startsWith(`You are #${n} ·`)",
        arg=position,
        timeout=WAIT,
    )


WAIT = 30_000
"""How long (ms) a page may take to show anything it waits for: generous, for a busy box."""
