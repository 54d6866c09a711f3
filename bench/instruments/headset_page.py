"""A gallery page in headless Chromium wearing an emulated Quest 3, for the benches.

Meta's WebXR emulation runtime (npm ``iwer``, put in ``build/npm`` by ``make test``, never
committed) is injected before the page loads, so the page finds ``navigator.xr`` as a
headset's browser offers it; the bench turns the head through ``window.__headset``.  The
page-side measures read the eye's picture from the XR layer after the page drew it: a head
turn's motion-to-photon (``TURN_JS``) and a sweep's pose-to-picture times (``SWEEP_JS``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

__all__ = ["IWER", "SWEEP_JS", "TURN_JS", "WAIT_MS", "enter_vr", "missing", "put_head", "wearing"]

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


# One head turn: the left eye's middle row in the next XR frame (the page's own callback,
# asked for first, has drawn it), the turn, then each XR frame's row until the picture has
# moved by the turn's pixels (ms: page time of that read less the turn's; shift: by how
# much, an overshoot too) and until it is within 15 % of them (settled).
TURN_JS = """async ([from, to, most]) => {
  const xr = window.museion.xr, session = xr.session;
  const grab = () => new Promise((resolve) => session.requestAnimationFrame((time, frame) => {
    const layer = session.renderState.baseLayer, gl = layer.context;
    const view = frame.getViewerPose(xr.space).views.find((v) => v.eye !== 'right');
    const v = layer.getViewport(view), row = new Uint8Array(v.width * 4);
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    gl.readPixels(v.x, v.y + (v.height >> 1), v.width, 1, gl.RGBA, gl.UNSIGNED_BYTE, row);
    resolve({ row, at: performance.now(), scale: v.width * view.projectionMatrix[0] / 2 });
  }));
  // The s for which after[x] ~ before[x - s] over the row's middle half.
  const shift = (before, after, reach) => {
    const width = before.length / 4, lo = width >> 2, hi = (3 * width) >> 2;
    let best = 0, least = Infinity;
    for (let s = -reach; s <= reach; s++) {
      let sum = 0;
      for (let x = lo; x < hi; x++)
        for (let c = 0; c < 3; c++) sum += Math.abs(after[4 * x + c] - before[4 * (x - s) + c]);
      if (sum < least) { least = sum; best = s; }
    }
    return best;
  };
  const before = await grab();
  const expected = before.scale * Math.tan((to - from) * Math.PI / 180);
  const reach = Math.min(before.row.length / 16, Math.ceil(6 * Math.abs(expected)));
  const near = Math.max(3, 0.15 * Math.abs(expected));
  const half = to * Math.PI / 360;
  window.__headset.quaternion.set(0, Math.sin(half), 0, Math.cos(half));
  const t0 = performance.now();
  let moved = null;
  for (let n = 1; n <= most; n++) {
    const got = await grab();
    const s = shift(before.row, got.row, reach);
    if (!moved && s * Math.sign(expected) >= 0.85 * Math.abs(expected))
      moved = { ms: got.at - t0, frames: n, shift: s };
    if (moved && Math.abs(s - expected) <= near)
      return { ...moved, settled: got.at - t0, expected };
  }
  return { ...(moved || { ms: null, shift: null }), settled: null, expected };
}"""

# The head sweeping +-range degrees at rate degrees a second, set each XR frame, for
# seconds; the pose-to-photon time of each new picture (one a frame at most: the page
# measures a picture on its first draw).
SWEEP_JS = """async ([seconds, range, rate]) => {
  const xr = window.museion.xr, session = xr.session;
  const start = performance.now(), frames0 = xr.stereoFrames, got = [];
  let last = xr.shown ? xr.shown.t : null, xrFrames = 0;
  return await new Promise((resolve) => {
    const step = () => {
      const now = performance.now(), elapsed = (now - start) / 1000;
      const shown = xr.shown;
      if (shown && shown.t !== last) {
        last = shown.t;
        const all = xr.latencies;
        if (typeof shown.from === 'number' && all.length) got.push(all[all.length - 1]);
      }
      xrFrames += 1;
      const phase = (rate * elapsed) % (4 * range);  // a triangle wave, from 0 going left
      const yaw = phase < range ? phase : phase < 3 * range ? 2 * range - phase : phase - 4 * range;
      const half = yaw * Math.PI / 360;
      window.__headset.quaternion.set(0, Math.sin(half), 0, Math.cos(half));
      if (elapsed >= seconds)
        resolve({ latencies: got, stereo: xr.stereoFrames - frames0, xrFrames, seconds: elapsed });
      else session.requestAnimationFrame(step);
    };
    session.requestAnimationFrame(step);
  });
}"""
