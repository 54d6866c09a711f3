"""A page whose gallery goes away carries on by itself (headless Chromium, real servers):
it makes a new session at the same address within seconds and puts the visitor back where
they were, the camera and the tour step, with no error shown.  (Through a cluster's door
the new session lands on another node: tests/e2e/test_cluster.py.)"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.visit.session import Session
from tests.conftest import serve, until
from tests.e2e.browser import WAIT, browser_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]


def _session(server: Any) -> Session:
    (session,) = server.app[SESSIONS_KEY].sessions.values()
    assert isinstance(session, Session)
    return session


@contextlib.asynccontextmanager
async def _found_again(page: Any, exhibition: RenderEngine, port: int) -> AsyncIterator[Any]:
    """(The gallery at ``port`` was just stopped.) Another answers at the same address, as
    a door's next node would: it, once the page has a session there again."""
    recovered = await page.evaluate("window.museion.failover.recoveries")
    async with serve(exhibition, port=port) as server:
        await until(lambda: len(server.app[SESSIONS_KEY].sessions) == 1, 20)
        await page.wait_for_function(
            "(n) => window.museion.failover.recoveries > n", arg=recovered, timeout=WAIT
        )
        await page.wait_for_function("document.body.dataset.state === 'connected'")
        assert await page.locator("#overlay").is_hidden()
        yield server


async def test_a_lost_gallery_is_found_again_where_the_visitor_was(
    exhibition: RenderEngine,
) -> None:
    async with browser_page() as page:
        async with serve(exhibition) as first:
            port = int(first.url.rsplit(":", 1)[1])
            await page.goto(f"{first.url}/?lang=zh")
            await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
            session = _session(first)
            for _ in range(5):
                await page.evaluate(
                    "window.museion.sendCommand({type: 'walk', forward: 0.3, turn: 8, look: -2})"
                )
            await until(lambda: session.commands_applied >= 5)
            stood = session.nav.walker
            assert stood is not None
            await page.wait_for_function(
                "(x) => window.museion.where && Math.abs(window.museion.where.at[0] - x) < 1e-3",
                arg=stood.position[0],
                timeout=WAIT,
            )
        # The gallery is gone: the page finds the next one and stands where it stood.
        async with _found_again(page, exhibition, port) as second:
            moved = _session(second)
            await until(lambda: moved.nav.walker is not None and moved.commands_applied >= 1)
            walker = moved.nav.walker
            assert walker is not None
            assert walker.position == pytest.approx(stood.position, abs=1e-3)
            assert (walker.heading, walker.look) == pytest.approx((stood.heading, stood.look))
            assert await page.evaluate("window.museion.labels.language") == "zh"
            # A guided tour at its second step...
            await page.evaluate(
                "window.museion.sendCommand({type: 'tour', action: 'start', tour: 'highlights'})"
            )
            await page.evaluate("window.museion.sendCommand({type: 'tour', action: 'next'})")
            await until(lambda: moved.visit.tour is not None and moved.visit.tour.index == 1)
            await page.wait_for_function(
                "window.museion.where && window.museion.where.step === 1", timeout=WAIT
            )
        # ...carries on at that step on the next gallery.
        async with _found_again(page, exhibition, port) as third:
            resumed = _session(third)
            await until(lambda: resumed.visit.tour is not None and resumed.visit.tour.index == 1)
            shown = await page.evaluate("window.museion.framesShown")
            await page.wait_for_function(
                "(n) => window.museion.framesShown > n + 5", arg=shown, timeout=WAIT
            )
