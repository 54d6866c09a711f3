"""An emulated VR headset in headless Chromium: Meta's WebXR emulation runtime (npm
``iwer``, installed by ``make test`` into ``build/npm``, never committed) injected before
the page loads, as a Quest 3 with its two controllers.

The page then finds ``navigator.xr`` as a headset's browser offers it; the test moves the
head and the controllers through ``window.__headset`` (the ``IWER.XRDevice``).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import REPO
from tests.e2e.browser import WAIT, browser_page

IWER = REPO / "build" / "npm" / "node_modules" / "iwer" / "build" / "iwer.min.js"

needs_iwer = pytest.mark.skipif(
    not IWER.is_file(),
    reason="the WebXR emulator is not installed (make test runs "
    "`npm install --prefix build/npm iwer@2.5.0`)",
)
"""Skips a test where the emulator was not installed."""

_INSTALL = """
(() => {
  const device = new IWER.XRDevice(IWER.metaQuest3, { stereoEnabled: true });
  device.installRuntime({ forceInstall: true });  // over Chromium's own navigator.xr
  window.__headset = device;
  // What the page asked the headset for: sessions (mode, features) and reference spaces.
  const asked = window.__headsetAsked = [];
  const request = navigator.xr.requestSession.bind(navigator.xr);
  navigator.xr.requestSession = (mode, options) => {
    asked.push({ mode, options });
    return request(mode, options);
  };
  const space = XRSession.prototype.requestReferenceSpace;
  XRSession.prototype.requestReferenceSpace = function (type) {
    asked.push({ space: type });
    return space.call(this, type);
  };
})();
"""


@contextlib.asynccontextmanager
async def headset_page() -> AsyncIterator[Any]:
    """A page (as :func:`browser_page`) whose every document starts with the emulated
    headset installed."""
    if not IWER.is_file():
        pytest.skip(f"the WebXR emulator is not installed ({IWER.relative_to(REPO)} missing)")
    async with browser_page() as page:
        await page.add_init_script(path=str(IWER))
        await page.add_init_script(script=_INSTALL)
        yield page


def yaw_quaternion(degrees: float) -> tuple[float, float, float, float]:
    """A turn of the head about the vertical axis (positive: to the left), as x, y, z, w."""
    half = math.radians(degrees) / 2.0
    return 0.0, math.sin(half), 0.0, math.cos(half)


async def move_head(
    page: Any,
    position: tuple[float, float, float] | None = None,
    orientation: tuple[float, float, float, float] | None = None,
) -> None:
    """Put the emulated head at ``position`` (local-floor metres) looking ``orientation``;
    the next XR frame reports it."""
    await page.evaluate(
        """([p, q]) => {
          const device = window.__headset;
          if (p) device.position.set(...p);
          if (q) device.quaternion.set(...q);
        }""",
        [position, orientation],
    )


async def move_controller(
    page: Any,
    hand: str,
    position: tuple[float, float, float] | None = None,
    orientation: tuple[float, float, float, float] | None = None,
) -> None:
    """Put the ``hand`` ("left" or "right") controller at ``position`` pointing
    ``orientation`` (its target ray runs along its -Z)."""
    await page.evaluate(
        """([hand, p, q]) => {
          const controller = window.__headset.controllers[hand];
          if (p) controller.position.set(...p);
          if (q) controller.quaternion.set(...q);
        }""",
        [hand, position, orientation],
    )


async def press(page: Any, hand: str, button: str = "trigger", value: float = 1.0) -> None:
    """Press (``value`` 1) or release (0) a controller's button: the trigger is ``select``,
    the grip ``squeeze``."""
    await page.evaluate(
        "([hand, button, value]) => window.__headset.controllers[hand]"
        ".updateButtonValue(button, value)",
        [hand, button, value],
    )


async def stick(page: Any, hand: str, x: float, y: float) -> None:
    """Hold ``hand``'s thumbstick at (x, y): forward is negative y."""
    await page.evaluate(
        "([hand, x, y]) => window.__headset.controllers[hand].updateAxes('thumbstick', x, y)",
        [hand, x, y],
    )


def pointing(direction: tuple[float, float, float]) -> tuple[float, float, float, float]:
    """The orientation (x, y, z, w) that turns a controller's -Z onto ``direction``."""
    length = math.sqrt(sum(c * c for c in direction))
    dx, dy, dz = (c / length for c in direction)
    # The shortest arc from (0, 0, -1) to d: axis (0,0,-1) x d, half-angle quaternion.
    ax, ay, az = dy, -dx, 0.0
    w = 1.0 - dz
    norm = math.sqrt(ax * ax + ay * ay + az * az + w * w)
    if norm < 1e-9:  # pointing straight back: half a turn about up
        return 0.0, 1.0, 0.0, 0.0
    return ax / norm, ay / norm, az / norm, w / norm


async def enter_vr(page: Any, url: str, lang: str = "en") -> None:
    """Open the gallery at ``url``, press Enter VR and wait for stereo frames in the
    headset."""
    await page.goto(f"{url}/?lang={lang}")
    await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT)
    await page.locator("#enter-vr").click()
    await page.wait_for_function("window.museion.xr.stereoFrames > 3", timeout=WAIT)


# The middle row of each eye, read from the headset's layer in the XR frame after the one
# now running (``turn``: first turn the head by that many degrees to the left), and what
# the shown picture was rendered with.
_NEXT_FRAME_ROWS = """async (turn) => {
  const session = window.museion.xr.session;
  if (turn !== null) {
    const half = turn * Math.PI / 360;
    window.__headset.quaternion.set(0, Math.sin(half), 0, Math.cos(half));
  }
  const request = session.requestAnimationFrame.bind(session);
  return await new Promise((resolve) => {
    // The page's own callback was asked for first, so it draws before this one reads.
    request((time, frame) => {
      const layer = session.renderState.baseLayer;
      const gl = layer.context;
      const pose = frame.getViewerPose(window.museion.xr.space);
      gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
      const eyes = pose.views.map((view) => {
        const v = layer.getViewport(view);
        const row = new Uint8Array(v.width * 4);
        const middle = v.y + Math.floor(v.height / 2);
        gl.readPixels(v.x, middle, v.width, 1, gl.RGBA, gl.UNSIGNED_BYTE, row);
        const { x, y, z } = view.transform.position;
        return { eye: view.eye, row: Array.from(row), m: Array.from(view.projectionMatrix),
                 p: [x, y, z] };
      });
      const shown = window.museion.xr.shown;  // the gallery's stereo picture, if any
      const rendered = shown ? shown.eyes.map((e) => e.q) : null;
      resolve({ eyes, rendered, t: shown ? shown.t : null });
    });
  });
}"""


async def next_frame_rows(page: Any, turn: float | None = None) -> dict[str, Any]:
    """Each eye's middle row as drawn in the next XR frame (RGB arrays under ``rows``),
    its projection and position, and the head orientations the shown picture was rendered
    with (``rendered``: None on a page without a stereo stream); ``turn`` first turns the
    emulated head (degrees, left)."""
    import numpy as np

    grabbed: dict[str, Any] = await page.evaluate(_NEXT_FRAME_ROWS, turn)
    for eye in grabbed["eyes"]:
        eye["row"] = np.asarray(eye["row"], dtype=int).reshape(-1, 4)[:, :3]
    return grabbed
