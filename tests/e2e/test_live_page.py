"""The live-show page in real headless Chromium: it plays the publisher's H.264 as sent,
counts who watches, and says so when the show ends (slow: e2e)."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from museion.streaming.live.stream import LiveStream
from tests.conftest import serve, until
from tests.e2e.browser import WAIT, browser_page
from tests.streaming.live.test_live import HEIGHT, LIVE, TOKEN, WIDTH, clip, publisher

__all__ = ["clip"]  # the fixture, shared with test_live

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
    pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed"),
]

INBOUND = """async () => {
  const stats = await window.museion.pc.getStats();
  for (const r of stats.values()) {
    if (r.type === 'inbound-rtp' && r.kind === 'video') {
      return {decoded: r.framesDecoded || 0, width: r.frameWidth || 0, height: r.frameHeight || 0,
              codec: stats.get(r.codecId) ? stats.get(r.codecId).mimeType : ''};
    }
  }
  return {decoded: 0, width: 0, height: 0, codec: ''};
}"""


async def watch_playback(
    page: Page, base: str, stream: LiveStream, frames: int = 150
) -> tuple[Any, Any, int]:
    """Open the show's page, wait for pictures, then count ``frames`` more from the
    publisher (5 s at 30 fps): the page's inbound stats before and after, and how many
    frames the publisher sent meanwhile."""
    await page.goto(f"{base}/live/{stream.name}")
    await page.wait_for_function("document.body.dataset.state === 'live'", timeout=WAIT)
    await page.wait_for_function("document.getElementById('video').videoWidth > 0", timeout=WAIT)
    first = await page.evaluate(INBOUND)
    sent_before = stream.frames_in
    await until(lambda: stream.frames_in >= sent_before + frames, 60)
    last = await page.evaluate(INBOUND)
    return first, last, stream.frames_in - sent_before


async def test_a_visitor_watches_the_show_and_sees_it_end(engine: RenderEngine, clip: Path) -> None:
    async with (
        serve(engine, LIVE) as server,
        publisher(server.url, clip) as location,
        browser_page() as page,
    ):
        stream = server.app[LIVE_KEY].streams["show"]
        await until(lambda: stream.frames_in > 0, 30)
        first, last, sent = await watch_playback(page, server.url, stream)
        assert last["codec"] == "video/H264"  # the publisher's own frames, not re-encoded
        assert (last["width"], last["height"]) == (WIDTH, HEIGHT)
        assert sent >= 100, sent
        assert last["decoded"] - first["decoded"] >= 0.95 * sent - 3, (first, last, sent)
        await page.wait_for_function(
            "document.getElementById('viewers').textContent === '1 watching'", timeout=WAIT
        )
        quality = await page.text_content("#quality")
        assert quality is not None and quality.startswith(f"{WIDTH}\u00d7{HEIGHT}")

        # The venue ends the show: the page says so, and the viewer's resources are freed.
        async with aiohttp.ClientSession() as http, http.delete(f"{server.url}{location}") as r:
            assert r.status == 200
        await page.wait_for_function("document.body.dataset.state === 'ended'", timeout=WAIT)
        message = await page.text_content("#message")
        assert message is not None and "ended" in message
        assert not server.app[LIVE_KEY].viewers


async def test_a_show_not_yet_live_is_explained(engine: RenderEngine) -> None:
    async with serve(engine, LIVE) as server, browser_page() as page:
        await page.goto(f"{server.url}/live/later")
        await page.wait_for_function("document.body.dataset.state === 'error'", timeout=WAIT)
        message = await page.text_content("#message")
        assert message is not None and "not live" in message


async def test_a_publisher_that_vanishes_ends_the_show_on_the_page(
    engine: RenderEngine, clip: Path
) -> None:
    """The venue's encoder is killed (SIGKILL: no DELETE): ICE consent notices, the show
    ends and the page says so, and the viewer is let go."""
    async with serve(engine, LIVE) as server, browser_page() as page:
        museion = str(Path(sys.executable).with_name("museion"))
        encoder = await asyncio.create_subprocess_exec(
            museion, "publish", str(clip), "--whip", f"{server.url}/whip/show",
            "--token", TOKEN, "--loop",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            registry = server.app[LIVE_KEY]
            await until(lambda: "show" in registry.streams and registry.streams["show"].live, 30)
            await page.goto(f"{server.url}/live/show")
            await page.wait_for_function(
                "document.getElementById('video').videoWidth > 0", timeout=WAIT
            )
            encoder.send_signal(signal.SIGKILL)
            await encoder.wait()
            killed = time.monotonic()
            await page.wait_for_function("document.body.dataset.state === 'ended'", timeout=WAIT)
            ended_after = time.monotonic() - killed
            message = await page.text_content("#message")
            await until(lambda: not registry.viewers and not registry.publishers, 30)
        finally:
            if encoder.returncode is None:
                encoder.kill()
                await encoder.wait()
    assert message is not None and "ended" in message, message
    assert ended_after < 15, ended_after
