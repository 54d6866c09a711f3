"""The constrained-link scenario of the quality ladder, run as root inside a network
namespace of its own (``unshare -n``; nothing outside it is touched): the gallery server
on the sample relic, and a headless Chromium visitor in a second namespace behind a veth
(:mod:`tests.netns`).  The visitor orbits all along.  Once the stream plays at full size
the link is held to ``--rate`` each way by a token bucket for ``--seconds``, then cleared.

This kernel has no netem: the issue's fixed 80 ms round trip and random 3 % loss cannot be
made here.  The bucket drops what overflows its small queue (loss as a real bottleneck
makes it) and its queue delays by up to ``--latency``.

Prints one JSON object: the samples taken every half second while constrained (Chromium's
inbound video: size, decoded frames, freezes; the server's rung), the freezes Chromium
counted, and how long after the link cleared the stream was back to full size (None if
not within ``--recover`` seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.showcase import open_showcase
from museion.streaming.server import SESSIONS_KEY, serve_engine
from museion.streaming.settings import StreamSettings
from museion.streaming.visit.session import Session
from tests.chromium import CHROMIUM_ARGS
from tests.conftest import ASSETS
from tests.e2e.simulcast_link import INBOUND
from tests.netns import far_namespace, limit, unlimit

SERVER, VISITOR = "10.81.0.1", "10.81.0.2"
ORBIT = "setInterval(() => window.museion.sendCommand({type: 'orbit', yaw: 1.5, pitch: 0}), 33)"


def _session(app: Any) -> Session | None:
    sessions = list(app[SESSIONS_KEY].sessions.values())
    return sessions[0] if sessions else None


async def _sample(page: Any, session: Session, started: float) -> dict[str, Any]:
    seen: dict[str, Any] = await page.evaluate(INBOUND)
    rung = session.quality.rung
    encoder = session.encoder
    return {
        **seen,
        "t": round(time.monotonic() - started, 2),
        "rung": [rung.width, rung.height, rung.fps],
        "remb": None if encoder is None else encoder.estimate,
    }


STALL_WINDOW = 5.0
"""Seconds a window of the constrained run lasts when counting windows without a frame."""


def _stalled_windows(samples: list[dict[str, Any]], window: float) -> int:
    """How many whole ``window``-second spans of the run decoded no new frame: a picture
    that stood still that long is a stopped stream, not a freeze of a busy machine."""
    stalled, start = 0, samples[0]
    for sample in samples[1:]:
        if sample["t"] - start["t"] >= window:
            stalled += sample["decoded"] <= start["decoded"]
            start = sample
    return stalled


async def _until(check: Any, seconds: float) -> float | None:
    """Seconds until ``check()`` holds (polled every 0.1 s), None if not within."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await check():
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    return None


async def scenario(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    settings = StreamSettings(
        host="0.0.0.0", port=0, ice_addresses=(SERVER,), ladder=not args.no_ladder
    )
    engine = RenderEngine(open_showcase(ASSETS), RuntimeSettings(asset_root=ASSETS))
    try:
        with far_namespace(SERVER, VISITOR, "mlad") as ns:
            chromium = ns.wrapper(folder, shutil.which("chromium") or "chromium")
            async with (
                serve_engine(engine, settings) as server,
                async_playwright() as playwright,
            ):
                port = server.port
                browser = await playwright.chromium.launch(
                    executable_path=str(chromium), args=CHROMIUM_ARGS
                )
                page = await browser.new_page(viewport={"width": 1280, "height": 800})
                await page.goto(f"http://{SERVER}:{port}/")
                full = await _until(
                    lambda: page.evaluate(f"({INBOUND})().then((s) => s.width === 1280)"), 60
                )
                if full is None:
                    raise TimeoutError("the stream never played at full size")
                session = _session(server.app)
                assert session is not None
                await page.evaluate(ORBIT)
                result = await _constrained(args, ns, page, session)
                await browser.close()
    finally:
        engine.close()
    return result


async def _constrained(
    args: argparse.Namespace, ns: Any, page: Any, session: Session
) -> dict[str, Any]:
    started = time.monotonic()
    before = await _sample(page, session, started)
    limit(ns, args.rate, latency=args.latency)
    samples = [before]
    while time.monotonic() - started < args.seconds:
        await asyncio.sleep(0.5)
        samples.append(await _sample(page, session, started))
    unlimit(ns)
    cleared = time.monotonic()

    async def full_size() -> bool:
        seen = await page.evaluate(INBOUND)
        return bool(seen["width"] == 1280 and session.quality.rung.width == 1280)

    recovered = await _until(full_size, args.recover)
    after = await _sample(page, session, started)
    constrained = samples[1:]
    pixels = [s["width"] * s["height"] for s in constrained]
    return {
        "ladder": not args.no_ladder,
        "freezes": samples[-1]["freezes"] - before["freezes"],
        "decoded": samples[-1]["decoded"] - before["decoded"],
        "mean_pixels": sum(pixels) / max(1, len(pixels)),
        "stalled_windows": _stalled_windows(samples, STALL_WINDOW),
        "smallest": min((s["width"], s["height"]) for s in constrained),
        "recovered": None if recovered is None else round(recovered, 2),
        "cleared_at": round(cleared - started, 2),
        "after": after,
        "steps": [
            [round(t - started, 2), [r.width, r.height, r.fps], why]
            for t, r, why in session.quality.steps
        ],
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", default="1500kbit")
    parser.add_argument("--latency", default="50ms", help="the bucket's queue, as delay")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--recover", type=float, default=30.0)
    parser.add_argument("--no-ladder", action="store_true", help="today's fixed size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(scenario(args, Path(folder)))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
