"""The simulcast link scenario, run as root inside a network namespace of its own (``unshare
-n``; nothing outside it is touched): a live relay, Chromium publishing its fake camera in
three layers, and two viewers on the real viewer page, each in a Chromium of its own: one on
loopback, one in a second namespace behind a veth whose relay side is held to ``RATE`` by a
token bucket (``tc tbf``: this kernel has no netem).  Both are on Auto: the relay finds each
one's layer from its feedback alone (loss, NACKs, REMB); nothing tells it which is which.
Then the free viewer picks Low and High on its page.  Prints one JSON object: what each
viewer decoded and what the relay says of them."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from museion.streaming.http_errors import error_middleware
from museion.streaming.ice import configure_ice
from museion.streaming.live import LIVE_KEY, add_live_routes
from museion.streaming.settings import StreamSettings
from tests.chromium import CHROMIUM_ARGS
from tests.e2e.browser import FAKE_MEDIA

RATE = "250kbit"  # the low layer (~100 kbit/s) fits; the medium (~300) and high (~800) not
TOKEN = "link-token"
HERE = Path(__file__).parent
SERVER, VIEWER = "10.79.0.1", "10.79.0.2"


def _run(*command: str) -> None:
    subprocess.run(command, check=True)


async def _layers_up(app: web.Application, publisher: Any, deadline: float) -> None:
    while time.monotonic() < deadline:
        stream = app[LIVE_KEY].streams.get("show")
        layers = stream.layers if stream is not None else {}
        up = stream is not None and all(stream.sending(r) and layers[r].size for r in layers)
        # ...and Chromium's ramp is over: the high layer is past half a megabit
        if up and stream is not None and stream.bitrate(stream.ranked()[0]) > 500_000:
            return
        await asyncio.sleep(0.2)
    sent = await publisher.evaluate("window.publisher.pc ? window.layers() : window.publisher")
    raise TimeoutError(f"Chromium never sent its three layers: it reports {sent}")


INBOUND = """async () => {
  const pc = window.museion && window.museion.pc;
  if (!pc) return {width: 0, decoded: 0};
  for (const r of (await pc.getStats()).values()) {
    if (r.type === 'inbound-rtp' && r.kind === 'video') {
      return {width: r.frameWidth || 0, height: r.frameHeight || 0, decoded: r.framesDecoded || 0,
              freezes: r.freezeCount || 0};
    }
  }
  return {width: 0, decoded: 0};
}"""


PAGE_STATE = "`${document.body.dataset.state}: ${document.getElementById('message').textContent}`"


async def serve_relay(
    settings: StreamSettings, pages: dict[str, str] | None = None
) -> tuple[web.AppRunner, web.Application, int]:
    """The live relay alone (no gallery, no renderer) on ``settings.host``, an ephemeral
    port, with the viewer page and ``pages`` (path → HTML): (runner, app, port)."""
    configure_ice(settings)
    app = web.Application(middlewares=[error_middleware])
    add_live_routes(app, settings)
    app.router.add_static("/static/", Path(str(resources.files("museion.streaming") / "client")))
    for path, html in (pages or {}).items():

        async def page(request: web.Request, html: str = html) -> web.Response:
            return web.Response(text=html, content_type="text/html")

        app.router.add_get(path, page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, 0)
    await site.start()
    return runner, app, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def _constrained_namespace(holder: int) -> None:
    """A veth from here to ``holder``'s namespace, this side held to :data:`RATE`."""
    inside = ["nsenter", f"--net=/proc/{holder}/ns/net"]
    _run("ip", "link", "add", "msim0", "type", "veth", "peer", "name", "msim1",
         "netns", str(holder))  # fmt: skip
    _run("ip", "addr", "add", f"{SERVER}/24", "dev", "msim0")
    _run("ip", "link", "set", "msim0", "up")
    _run(*inside, "ip", "addr", "add", f"{VIEWER}/24", "dev", "msim1")
    _run(*inside, "ip", "link", "set", "msim1", "up")
    _run(*inside, "ip", "link", "set", "lo", "up")
    _run("tc", "qdisc", "add", "dev", "msim0", "root", "tbf", "rate", RATE,
         "burst", "16kbit", "latency", "1s")  # fmt: skip


async def scenario(folder: Path) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    _run("ip", "link", "set", "lo", "up")
    settings = StreamSettings(
        host="0.0.0.0", port=0, ice_addresses=("127.0.0.1", SERVER),
        publish_token=TOKEN, relay_workers=0,
    )  # fmt: skip
    page = (HERE / "simulcast_publisher.html").read_text()
    runner, app, port = await serve_relay(settings, {"/publisher": page})
    base = f"http://127.0.0.1:{port}"
    holder = subprocess.Popen(["unshare", "-n", "sleep", "600"])
    wrapper = folder / "chromium-in-namespace"
    wrapper.write_text(
        f'#!/bin/sh\nexec nsenter --net=/proc/{holder.pid}/ns/net {shutil.which("chromium")} "$@"\n'
    )
    wrapper.chmod(0o755)
    try:
        while os.readlink(f"/proc/{holder.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            await asyncio.sleep(0.01)  # until it has its own namespace
        _constrained_namespace(holder.pid)
        async with async_playwright() as playwright:
            here = await playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=[*CHROMIUM_ARGS, *FAKE_MEDIA]
            )
            there = await playwright.chromium.launch(
                executable_path=str(wrapper), args=CHROMIUM_ARGS
            )
            publisher = await here.new_page()
            await publisher.goto(f"{base}/publisher?stream=show&token={TOKEN}")
            await _layers_up(app, publisher, time.monotonic() + 90)
            free = await here.new_page()
            await free.goto(f"{base}/live/show")
            constrained = await there.new_page()
            await constrained.goto(f"http://{SERVER}:{port}/live/show")
            result = await _settle(app, free, constrained)
            result["page"] = await constrained.evaluate(PAGE_STATE)
            result["chosen"] = await _choose(free)
            result["publisher"] = await publisher.evaluate("window.layers()")
            await here.close()
            await there.close()
    finally:
        holder.kill()
        holder.wait()
        await runner.cleanup()
    return result


async def _relay(app: web.Application) -> list[dict[str, Any]]:
    registry = app[LIVE_KEY]
    return await registry.viewer_stats(registry.streams["show"])


async def _settle(app: web.Application, free: Any, constrained: Any) -> dict[str, Any]:
    """Until the constrained viewer has decoded 60 frames of the low layer since the relay
    sent it that layer, and the free one decodes the high (or 60 s pass): what each saw."""
    deadline = time.monotonic() + 60
    low_since: int | None = None
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        seen = {
            "free": await free.evaluate(INBOUND),
            "constrained": await constrained.evaluate(INBOUND),
        }
        relay = await _relay(app)
        seen["relay"] = {v["layer"]: v for v in relay}
        on_low = [v for v in relay if v["layer"] == "l"]
        if on_low and seen["constrained"]["width"] == 320:
            low_since = seen["constrained"]["decoded"] if low_since is None else low_since
        else:
            low_since = None
        if (
            low_since is not None
            and seen["constrained"]["decoded"] - low_since >= 60
            and seen["free"]["width"] == 1280
        ):
            break
    return seen


async def _choose(page: Any) -> list[int]:
    """The free viewer picks Low, then High, on its page: the widths it then decodes."""
    widths = []
    for layer, width in (("l", 320), ("h", 1280)):
        await page.select_option("#layer", layer)
        await page.wait_for_function(
            f"(window.museion.inbound || {{}}).frameWidth === {width}", timeout=30_000
        )
        widths.append((await page.evaluate(INBOUND))["width"])
    return widths


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        sys.stdout.write(json.dumps(asyncio.run(scenario(Path(folder)))) + "\n")
