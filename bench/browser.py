"""Figures seen from headless Chromium: latency, frame rate and the server's CPU.

Workload: ``museion serve`` on the sample venue with a ~100k-triangle relic, 1280x720,
30 fps, VP8, one visitor (then two).  Reference: the same page against a synthetic aiortc
stream (``synthetic_server.py``: no rendering) measured in the same run.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.chromium import CHROMIUM_ARGS  # noqa: E402

sys.path.insert(0, str(HERE))

from instruments.proc_stats import cpu_seconds  # noqa: E402
from instruments.processes import museion_command, stop  # noqa: E402
from instruments.table import Row, percentile  # noqa: E402

# Collects `count` glass-to-glass samples: Date.now() when a frame is shown minus the
# server's wall-clock stamp drawn into its top-left blocks.
GLASS_TO_GLASS = """(count) => new Promise((resolve) => {
  const video = document.querySelector('video');
  const bits = 42, block = 16;
  const canvas = document.createElement('canvas');
  canvas.width = bits * block; canvas.height = block;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const samples = [];
  const tick = () => {
    const shown = Date.now();
    ctx.drawImage(video, 0, 0, bits * block, block, 0, 0, bits * block, block);
    const data = ctx.getImageData(0, 0, bits * block, block).data;
    let stamp = 0;
    for (let i = 0; i < bits; i++) {
      const o = ((block >> 1) * bits * block + i * block + (block >> 1)) * 4;
      stamp = stamp * 2 + ((data[o] + data[o + 1] + data[o + 2]) / 3 > 127 ? 1 : 0);
    }
    const delay = shown - stamp;
    if (delay > -50 && delay < 5000) samples.push(delay);
    if (samples.length >= count) resolve(samples); else video.requestVideoFrameCallback(tick);
  };
  video.requestVideoFrameCallback(tick);
})"""

# ms from sending one orbit command to the first shown frame whose picture (below the
# stamp strip) differs.
INPUT_TO_PHOTON = """() => new Promise((resolve) => {
  const video = document.querySelector('video');
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 160;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const grab = () => { ctx.drawImage(video, 0, 40, 1280, 640, 0, 0, 320, 160);
                       return ctx.getImageData(0, 0, 320, 160).data; };
  const before = grab();
  const t0 = performance.now();
  window.museion.sendCommand({type: 'orbit', yaw: 20, pitch: 0});
  const tick = () => {
    const now = grab();
    let diff = 0;
    for (let i = 0; i < now.length; i += 4) diff += Math.abs(now[i] - before[i]);
    if (diff / (now.length / 4) > 1.0) resolve(performance.now() - t0);
    else if (performance.now() - t0 > 3000) resolve(-1);
    else video.requestVideoFrameCallback(tick);
  };
  video.requestVideoFrameCallback(tick);
})"""

INBOUND = """async () => {
  for (const r of (await window.museion.pc.getStats()).values())
    if (r.type === 'inbound-rtp' && r.kind === 'video')
      return {frames: r.framesDecoded, freezes: r.freezeCount || 0, width: r.frameWidth};
  return {frames: 0, freezes: 0, width: 0};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(command: list[str], env: dict[str, str]) -> Iterator[tuple[str, int]]:
    port = free_port()
    proc = subprocess.Popen(
        [str(port) if c == "PORT" else c for c in command],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield url, proc.pid
    finally:
        stop(proc, timeout=30)


def open_page(browser: Any, url: str) -> tuple[Any, float]:
    """A connected page and the ms from navigation to its first shown frame."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    page.wait_for_function("window.museion && window.museion.framesShown > 0", timeout=30_000)
    first = page.evaluate("performance.now()")
    return page, float(first)


def orbit(pages: list[Any], seconds: float, pid: int) -> tuple[list[float], float, int]:
    """Drag on every page for ``seconds``: fps per page, server cores, freezes."""
    before = [p.evaluate(INBOUND) for p in pages]
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    for page in pages:
        page.mouse.move(640, 400)
        page.mouse.down()
    step = 0
    while time.monotonic() - t0 < seconds:
        step += 1
        for page in pages:
            page.mouse.move(640 + 200 * ((step % 40) / 40 - 0.5), 400)
        time.sleep(0.016)
    for page in pages:
        page.mouse.up()
    wall = time.monotonic() - t0
    cores = (cpu_seconds(pid) - cpu0) / wall
    after = [p.evaluate(INBOUND) for p in pages]
    fps = [(a["frames"] - b["frames"]) / wall for a, b in zip(after, before, strict=True)]
    freezes = sum(a["freezes"] - b["freezes"] for a, b in zip(after, before, strict=True))
    return fps, cores, freezes


def idle_cores(pid: int, seconds: float) -> float:
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)


def run() -> list[Row]:
    from playwright.sync_api import sync_playwright
    from render_encode import heavy_scene

    chromium = shutil.which("chromium")
    if chromium is None:
        return [("browser figures", "skipped: Debian chromium is not installed", "", "")]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as temp, sync_playwright() as playwright:
        folder = heavy_scene(Path(temp))
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        ours_env = {
            "MUSEION_RUNTIME_ASSET_ROOT": str(folder),
            "MUSEION_STREAMING_ICE_ADDRESSES": "127.0.0.1",
        }
        stamped_env = {**ours_env, "MUSEION_STREAMING_STAMP_CLOCK": "true"}
        museion = [*museion_command(), "serve", "--port", "PORT"]
        synthetic = [sys.executable, str(HERE / "synthetic_server.py"), "PORT"]
        with server(synthetic, {}) as (url, _):
            page, _ = open_page(browser, url)
            ref_g2g = page.evaluate(GLASS_TO_GLASS, 150)
            page.close()
        with server(museion, stamped_env) as (url, pid):
            page, _ = open_page(browser, url)
            time.sleep(1)
            g2g = page.evaluate(GLASS_TO_GLASS, 150)
            page.close()
        with server(museion, ours_env) as (url, pid):
            page, first_frame = open_page(browser, url)
            time.sleep(1)
            photon = []
            for _ in range(12):
                photon.append(page.evaluate(INPUT_TO_PHOTON))
                time.sleep(0.4)
            photon = [x for x in photon if x >= 0]
            time.sleep(1.5)
            idle = idle_cores(pid, 8)
            fps, cores, freezes = orbit([page], 10, pid)
            second, _ = open_page(browser, url)
            fps2, cores2, freezes2 = orbit([page, second], 10, pid)
        browser.close()
    rows.append(("first frame shown after page load (ms)", f"{first_frame:.0f}", "", ""))
    rows.append(
        (
            "glass-to-glass median / p95 (ms)",
            f"{statistics.median(g2g):.0f} / {percentile(g2g, 0.95):.0f}",
            f"{statistics.median(ref_g2g):.0f} / {percentile(ref_g2g, 0.95):.0f} synthetic aiortc",
            f"{statistics.median(g2g) / max(1, statistics.median(ref_g2g)):.2f}",
        )
    )
    if photon:
        rows.append(
            (
                "input-to-photon median / p95 (ms)",
                f"{statistics.median(photon):.0f} / {percentile(photon, 0.95):.0f}",
                "",
                "",
            )
        )
    rows.append(
        ("orbiting, 1 visitor: fps in Chromium", f"{fps[0]:.1f}", "30 sent", f"{fps[0] / 30:.2f}")
    )
    rows.append(("  server cores while orbiting", f"{cores:.2f}", "", ""))
    rows.append(("  freezes (Chromium freezeCount)", str(freezes), "", ""))
    rows.append(("idle visitor: server cores", f"{idle:.3f}", "", ""))
    rows.append(
        ("orbiting, 2 visitors: fps each", " / ".join(f"{f:.1f}" for f in fps2), "30 sent", "")
    )
    rows.append(("  server cores, 2 visitors", f"{cores2:.2f}", "", ""))
    rows.append(("  freezes, 2 visitors", str(freezes2), "", ""))
    return rows
