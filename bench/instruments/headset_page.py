"""A gallery page in headless Chromium wearing an emulated Quest 3, for the benches.

Meta's WebXR emulation runtime (npm ``iwer``, put in ``build/npm`` by ``make test``, never
committed) is injected before the page loads, so the page finds ``navigator.xr`` as a
headset's browser offers it; the bench turns the head through ``window.__headset``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

__all__ = ["IWER", "WAIT_MS", "enter_vr", "missing", "put_head", "wearing"]

IWER = (
    Path(__file__).resolve().parents[2] / "build" / "npm" / "node_modules" / "iwer" / "build"
) / "iwer.min.js"
WAIT_MS = 60_000
"""How long (ms) a page may take to show what a bench waits for: generous, the box is shared."""

_INSTALL = """(() => {
  const device = new IWER.XRDevice(IWER.metaQuest3, { stereoEnabled: true });
  device.installRuntime({ forceInstall: true });  // over Chromium's own navigator.xr
  window.__headset = device;
})();"""


def missing() -> str | None:
    """Why the emulated headset cannot run here, or None when it can."""
    if not IWER.is_file():
        return (
            f"the WebXR emulator is not installed ({IWER} missing; "
            "make test runs `npm install --prefix build/npm iwer@2.5.0`)"
        )
    return None


async def wearing(browser: Any) -> Any:
    """A new 1280x800 page of ``browser`` whose every document starts with the headset."""
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.add_init_script(path=str(IWER))
    await page.add_init_script(script=_INSTALL)
    return page


async def enter_vr(page: Any, url: str) -> None:
    """Open the gallery at ``url``, press Enter VR and wait for stereo frames."""
    await page.goto(f"{url}/?lang=en")
    await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT_MS)
    await page.locator("#enter-vr").click()
    await page.wait_for_function("window.museion.xr.stereoFrames > 3", timeout=WAIT_MS)


async def put_head(page: Any, position: tuple[float, float, float], yaw: float) -> None:
    """Stand the emulated head at ``position`` (local-floor metres), turned ``yaw`` degrees
    to the left, and wait until the picture shown was rendered for that turn."""
    half = math.radians(yaw) / 2.0
    await page.evaluate(
        """([p, q]) => {
          window.__headset.position.set(...p);
          window.__headset.quaternion.set(...q);
        }""",
        [list(position), [0.0, math.sin(half), 0.0, math.cos(half)]],
    )
    await page.wait_for_function(
        """(yaw) => {
          const q = window.museion.xr.shown && window.museion.xr.shown.eyes[0].q;
          return q && Math.abs(2 * Math.atan2(q[1], q[3]) * 180 / Math.PI - yaw) < 0.3;
        }""",
        arg=yaw,
        timeout=WAIT_MS,
    )
