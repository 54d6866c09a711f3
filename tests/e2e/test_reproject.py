"""The headset page's timewarp shader in real Chromium (WebGL2): each eye samples its own
half of the video, a turned head samples beside the centre, and a stalled stream fades to
the neutral room instead of a frozen picture (slow: e2e)."""

from __future__ import annotations

import base64
import shutil
from typing import Any

import pytest

from tests.conftest import REPO
from tests.e2e.browser import browser_page
from tests.streaming.client.test_reproject import perspective, yaw

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

SOURCE = base64.b64encode((REPO / "streaming/client/reproject.js").read_bytes()).decode()

# A 64x32 "video": the left eye's half red with a yellow left quarter and a green stripe
# down its middle, the right eye's blue; one eye drawn into a 32x32 canvas, its pixel at
# (x, y) read back.
DRAW = """async ([source, eye, x, y]) => {
  const m = await import('data:text/javascript;base64,' + source);
  const video = document.createElement('canvas');
  video.width = 64; video.height = 32;
  const paint = video.getContext('2d');
  paint.fillStyle = '#ff0000'; paint.fillRect(0, 0, 32, 32);
  paint.fillStyle = '#0000ff'; paint.fillRect(32, 0, 32, 32);
  paint.fillStyle = '#00ff00'; paint.fillRect(15, 0, 2, 32);
  paint.fillStyle = '#ffff00'; paint.fillRect(0, 0, 8, 32);
  const canvas = document.createElement('canvas');
  canvas.width = 32; canvas.height = 32;
  const gl = canvas.getContext('webgl2');
  const warp = m.createReprojector(gl, [0.5, 0.5, 0.5]);
  warp.upload(video);
  warp.draw({x: 0, y: 0, width: 32, height: 32}, eye);
  const out = new Uint8Array(4);
  gl.readPixels(x, y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
  return Array.from(out.slice(0, 3));
}"""


def eye(half: int, turned: float = 0.0, fresh: float = 1.0) -> dict[str, Any]:
    p = perspective(90)
    return {
        "half": half,
        "displayProjection": p,
        "renderedProjection": p,
        "displayOrientation": yaw(turned),
        "renderedOrientation": [0, 0, 0, 1],
        "fresh": fresh,
    }


async def test_each_eye_its_half_a_turn_beside_the_centre_and_a_stall_fades() -> None:
    async with browser_page() as page:
        await page.set_content("<!doctype html><title>warp</title>")

        async def pixel(eye_: dict[str, Any], x: int = 16, y: int = 16) -> list[int]:
            result: list[int] = await page.evaluate(DRAW, [SOURCE, eye_, x, y])
            return result

        assert await pixel(eye(0), 10) == [255, 0, 0]  # the left eye reads the left half
        assert await pixel(eye(1)) == [0, 0, 255]  # the right eye the right half
        assert (await pixel(eye(0), 16))[1] > 200  # the green stripe at the centre...
        # ...and a head turned 35 degrees left sees at its centre what was left of it
        # (tan 35 deg: 0.15 of the width, the yellow), turned right what was right of it.
        assert await pixel(eye(0, turned=35.0), 16) == [255, 255, 0]
        assert await pixel(eye(0, turned=-35.0), 16) == [255, 0, 0]
        assert await pixel(eye(0, turned=80.0), 2) == [128, 128, 128]  # past the picture
        assert await pixel(eye(0, fresh=0.0), 8) == [128, 128, 128]  # a stalled stream
