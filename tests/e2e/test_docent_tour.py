"""A docent tour with real browsers: a Chromium docent (token asked once, fake microphone)
leads; twenty aiortc followers and a Chromium follower page in Chinese follow; chat, a
raised hand and the docent leaving, as people would see them (slow: e2e)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import shutil
from typing import Any

import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from museion.streaming.tours import TOURS_KEY
from tests.conftest import serve, until
from tests.e2e.browser import FAKE_MEDIA, WAIT, browser_page, turn
from tests.streaming.tours.test_tours import TOKEN, TOURS, follower

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

AUDIO_IN = """async () => {
  const stats = await window.museion.pc.getStats();
  for (const r of stats.values()) {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') return r.packetsReceived || 0;
  }
  return 0;
}"""

HOSTILE = "<script>window.pwned = 1</script><img src=x onerror='window.pwned = 2'>hi"


async def _lead(page: Any, url: str) -> str:
    """Open the docent page, give the token once, and return the tour's id."""
    await page.goto(f"{url}/docent?exhibit=bronze-hu&lang=en")
    login = page.locator("#docent-login")
    await login.wait_for(state="visible", timeout=WAIT)
    await login.locator("input[name=token]").fill(TOKEN)
    await login.locator("input[name=title]").fill("Bronzes of the Zhou")
    await login.get_by_role("button", name="Start the tour").click()
    await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
    await page.wait_for_function("window.museion.docent.tour !== null", timeout=WAIT)
    tour: str = await page.evaluate("window.museion.docent.tour.id")
    return tour


async def test_a_chromium_docent_leads_twenty_aiortc_followers_and_a_follower_page(
    exhibition: RenderEngine,
) -> None:
    settings = dataclasses.replace(TOURS, width=960, height=540)
    async with (
        serve(exhibition, settings) as server,
        browser_page(FAKE_MEDIA) as docent,
        contextlib.AsyncExitStack() as crowd,
    ):
        tour = await _lead(docent, server.url)
        assert server.app[TOURS_KEY][tour].title == "Bronzes of the Zhou"
        link = await docent.locator("#docent [data-role=link]").inner_text()
        assert link == f"{server.url}/tour/{tour}"

        page = await docent.context.browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(f"{server.url}/tour/{tour}?lang=zh&name=Mei")
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
        assert await page.locator("#tour-title").inner_text() == "Bronzes of the Zhou"
        watching = [
            await crowd.enter_async_context(follower(server.url, f"tour-{tour}")) for _ in range(20)
        ]
        await until(lambda: all(f.hashes for f in watching), 60)
        # The docent's voice reaches the followers: Opus passed through.
        await until(lambda: all(f.audio > 10 for f in watching), 30, lambda: "no voice")
        await page.wait_for_function(f"({AUDIO_IN})().then((n) => n > 10)", timeout=WAIT)

        # The docent turns: every follower receives (nearly) every frame of it.
        stream = server.app[LIVE_KEY].streams[f"tour-{tour}"]
        published: list[str] = []
        stream.sinks.append(lambda f: published.append(hashlib.sha1(f.data).hexdigest()))
        shown_before = await page.evaluate("window.museion.framesShown")
        await turn(docent, 0.5, 60)
        await until(lambda: len(published) >= 45, 20)
        sent = set(published[:-5])
        await until(lambda: all(len(sent & set(f.hashes)) >= 0.95 * len(sent) for f in watching))
        await page.wait_for_function(
            "(n) => window.museion.framesShown > n + 30", arg=shown_before, timeout=WAIT
        )
        await docent.wait_for_function("window.museion.docent.tour !== null")
        # The follower's markers are drawn on the very frame they belong to: the page
        # matches each marks message's RTP timestamp with the frame it shows.
        room = server.app[TOURS_KEY][tour]

        async def marks_on_their_frame() -> bool:
            last = room.shown("hotspots")
            sync = await page.evaluate("window.museion.hotspots.sync()")
            if last is None or last["rtp"] is None or sync["applied"] != last["rtp"]:
                return False
            # ...and that frame is one the page has just shown, not one from far away
            # (a wrong timestamp behind the picture would be applied at once).
            return bool((sync["shown"] - sync["applied"]) % 2**32 < 5 * 90_000)

        await until(marks_on_their_frame, 30)
        await until(lambda: server.app[TOURS_KEY][tour].summary()["followers"] == 21)

        # The docent opens the label: the follower reads it in Chinese, as text.
        box = await docent.locator("video").bounding_box()
        await docent.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        await docent.locator("#label").wait_for(state="visible", timeout=WAIT)
        assert await docent.locator("#label-title").inner_text() == "Bronze hu vessel"
        await page.locator("#label").wait_for(state="visible", timeout=WAIT)
        assert await page.locator("#label-title").inner_text() == "青铜壶"
        await docent.locator("#label .close").click()
        await page.locator("#label").wait_for(state="hidden", timeout=WAIT)

        # Chat is text on every page; nothing a follower types runs anywhere.
        await page.locator("#chat-input").fill(HOSTILE)
        await page.locator("#chat-input").press("Enter")
        line = docent.locator("#docent .chat-line .chat-text").last
        await line.wait_for(timeout=WAIT)
        assert await line.inner_text() == HOSTILE
        assert await page.locator(".chat-line .chat-text").last.inner_text() == HOSTILE
        for each in (docent, page):
            assert await each.evaluate("window.pwned") is None
        await docent.locator("#docent [data-role=chat-input]").fill("Look at the handles.")
        await docent.locator("#docent [data-role=chat-input]").press("Enter")
        await page.locator(".chat-line.docent").wait_for(timeout=WAIT)
        assert "Look at the handles." in await page.locator(".chat-line.docent").inner_text()

        # A raised hand: the docent sees it and lowers it.
        await page.locator("#hand").click()
        hand = docent.locator("#docent .hands li")
        await hand.wait_for(timeout=WAIT)
        assert "Mei" in await hand.inner_text()
        await hand.get_by_role("button").click()
        await page.wait_for_function(
            "document.getElementById('hand').getAttribute('aria-pressed') === 'false'",
            timeout=WAIT,
        )
        await hand.wait_for(state="detached", timeout=WAIT)

        # Mei leaves the tour to roam alone (a place is free), sees the tour listed in the
        # gallery, and comes back to it, still in Chinese.
        explore = page.locator("#explore")
        await page.wait_for_function(
            "document.getElementById('explore').getAttribute('aria-disabled') === 'false'",
            timeout=WAIT,
        )
        await explore.click()
        await page.wait_for_url(f"**/?tour={tour}&lang=zh", timeout=WAIT)
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
        listed = page.locator("#docent-tours a")
        await listed.first.wait_for(timeout=WAIT)
        assert "Bronzes of the Zhou" in await listed.first.inner_text()
        assert await listed.first.get_attribute("href") == f"/tour/{tour}"
        await until(lambda: server.app[TOURS_KEY][tour].summary()["followers"] == 20)
        await page.locator("#back-to-tour").click()
        await page.wait_for_url(f"**/tour/{tour}?lang=zh", timeout=WAIT)
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
        await page.wait_for_function("window.museion.you && window.museion.you.name === 'Mei'")
        await until(lambda: server.app[TOURS_KEY][tour].summary()["followers"] == 21)

        # The docent closes their tab: every follower is told, the page says so.
        await docent.close(run_before_unload=True)
        await page.locator("#overlay").wait_for(state="visible", timeout=WAIT)
        message = await page.locator("#overlay-message").inner_text()
        assert message == "讲解员已离开\uff0c导览已结束\u3002"  # in the follower's language
        await until(lambda: not server.app[TOURS_KEY], 15)
