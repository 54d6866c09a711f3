"""A WHEP player on another origin (the venue's own site), in real headless Chromium: it
reads the codes of refusals, plays the show, and ends its session with DELETE (which needs
a CORS preflight on the session's URL).  Before issue 13 it saw only "Failed to fetch"
for every error, and its DELETE was refused by the preflight (slow: e2e)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from tests.conftest import serve, until
from tests.e2e.browser import browser_page
from tests.streaming.live.test_live import clip, publisher
from tests.streaming.test_hostile import HOSTILE

__all__ = ["clip"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

PLAYER = """async (base) => {
  const out = {};
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', {direction: 'recvonly'});
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    if (pc.iceGatheringState === 'complete') done();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && done();
  });
  const offer = pc.localDescription.sdp;
  const sdp = {'Content-Type': 'application/sdp'};
  const call = async (path, init) => {
    try {
      const reply = await fetch(new URL(path, base), init);
      const type = reply.headers.get('Content-Type') || '';
      return {status: reply.status, location: reply.headers.get('Location'),
              retry: reply.headers.get('Retry-After'),
              body: type.includes('json') ? await reply.json() : await reply.text()};
    } catch (error) {
      return {status: 0, body: String(error)};
    }
  };
  out.forbidden = await call('/whip/show', {method: 'POST', body: offer,
                                             headers: {...sdp, Authorization: 'Bearer nope'}});
  out.notLive = await call('/whep/later', {method: 'POST', headers: sdp, body: offer});
  out.play = await call('/whep/show', {method: 'POST', headers: sdp, body: offer});
  await pc.setRemoteDescription({type: 'answer', sdp: out.play.body});
  const deadline = Date.now() + 30000;
  out.decoded = 0;
  while (Date.now() < deadline && out.decoded < 10) {
    await new Promise((r) => setTimeout(r, 200));
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') out.decoded = s.framesDecoded || 0;
    });
  }
  out.stop = await call(out.play.location, {method: 'DELETE'});
  out.again = await call(out.play.location, {method: 'DELETE'});
  pc.close();
  return out;
}"""


@contextlib.asynccontextmanager
async def other_origin() -> AsyncIterator[str]:
    """A blank page on another port of 127.0.0.1: another origin than the server's."""
    app = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<!doctype html><title>venue</title>", content_type="text/html")

    app.router.add_get("/", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()


async def test_a_player_on_another_origin_reads_errors_plays_and_stops(
    engine: RenderEngine, clip: Path
) -> None:
    async with (
        serve(engine, HOSTILE) as server,
        publisher(server.url, clip),
        other_origin() as venue,
        browser_page() as page,
    ):
        registry = server.app[LIVE_KEY]
        await page.goto(venue)
        out = await page.evaluate(PLAYER, server.url)
        assert (out["forbidden"]["status"], out["forbidden"]["body"]["code"]) == (
            403,
            "TOKEN_REJECTED",
        )
        assert out["forbidden"]["body"]["message"]
        assert (out["notLive"]["status"], out["notLive"]["body"]["code"]) == (
            404,
            "STREAM_NOT_LIVE",
        )
        assert out["play"]["status"] == 201 and out["play"]["location"].startswith("/whep/show/")
        assert out["decoded"] >= 10, out
        assert out["stop"]["status"] == 200, out["stop"]
        assert (out["again"]["status"], out["again"]["body"]["code"]) == (
            404,
            "SESSION_NOT_FOUND",
        )
        await until(lambda: registry.health()["viewers"] == 0, 30)
