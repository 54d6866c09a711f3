"""Input-to-photon on a page's video: from a pointermove to the first video frame whose
pixels in a box changed, timed in the page (``performance.now()`` at both ends).

:data:`INSTRUMENT` installs ``window.dragBench`` on a page with one ``<video>``;
:func:`steps` then holds the mouse down and steps it right and back, one sample a step.
On a studio page it also notes the server's ``edit.moved`` answer to each step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

__all__ = ["IDLE_CHECKS", "INSTRUMENT", "Sample", "Steps", "centre", "steps"]

IDLE_CHECKS = 5
WARM_UP_CHECKS = 10

# ``arm(box)`` waits for the picture to settle and keeps it; the next pointermove starts
# the clock; ``done`` resolves at the first video frame whose box differs: {photon, ack,
# share} (ms, ms, fraction of the box changed; -1 when none within 3 s).  ``box`` is in
# page px; the frame's place on the page (letterboxed) comes from ``frameExpr``.
INSTRUMENT = """(frameExpr) => {
  const video = document.querySelector('video');
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const frameRect = new Function(`return (${frameExpr});`);
  const b = window.dragBench = {src: null, base: null, t0: 0, ack: 0, done: null,
                                noise: []};
  const nextFrame = () => new Promise((r) => video.requestVideoFrameCallback(() => r()));
  const grab = () => {
    const [sx, sy, sw, sh] = b.src;
    ctx.drawImage(video, sx, sy, sw, sh, 0, 0, sw, sh);
    return ctx.getImageData(0, 0, sw, sh).data;
  };
  // Pixels whose colour moved by more than 48 (sum over RGB): codec noise stays under it.
  const changed = (a, c) => {
    let n = 0;
    for (let i = 0; i < a.length; i += 4) {
      const d = Math.abs(a[i] - c[i]) + Math.abs(a[i + 1] - c[i + 1]);
      if (d + Math.abs(a[i + 2] - c[i + 2]) > 48) n++;
    }
    return n;
  };
  // A changed frame changes 1% of the box at least: the exhibit moving 24 px changes ~5%,
  // an orbit ~33%, while the encoder sharpening a still picture changes ~0.3%.
  const enough = () => Math.max(12, 0.01 * b.src[2] * b.src[3]);
  b.arm = async (box) => {
    const f = frameRect();
    const sx = video.videoWidth / f.width, sy = video.videoHeight / f.height;
    const x0 = Math.max(0, Math.round((box.left - f.left) * sx));
    const y0 = Math.max(0, Math.round((box.top - f.top) * sy));
    const x1 = Math.min(video.videoWidth, Math.round((box.left + box.width - f.left) * sx));
    const y1 = Math.min(video.videoHeight, Math.round((box.top + box.height - f.top) * sy));
    b.src = [x0, y0, x1 - x0, y1 - y0];
    canvas.width = b.src[2]; canvas.height = b.src[3];
    b.t0 = 0; b.ack = 0; b.done = null;
    await nextFrame();
    let last = grab(), still = 0;
    const until = performance.now() + 3000;
    while (still < 4 && performance.now() < until) {  // four frames without a change
      await nextFrame();
      const now = grab();
      const n = changed(now, last);
      still = n < enough() ? still + 1 : 0;
      last = now;
    }
    b.noise.push(still >= 4 ? 0 : 1);
    b.base = last;
    b.done = new Promise((resolve) => { b.finish = resolve; });
    return b.src;
  };
  const watch = (limit) => {
    const tick = () => {
      const n = changed(grab(), b.base);
      const ack = b.ack ? b.ack - b.t0 : -1;
      if (n >= enough()) {
        b.finish({photon: performance.now() - b.t0, ack, share: n / (b.src[2] * b.src[3])});
      } else if (performance.now() - b.t0 > limit) {
        b.finish({photon: -1, ack, share: 0});
      } else {
        video.requestVideoFrameCallback(tick);
      }
    };
    video.requestVideoFrameCallback(tick);
  };
  window.addEventListener('pointermove', () => {
    if (b.done && !b.t0) { b.t0 = performance.now(); watch(3000); }
  }, true);
  // No input at all: does the settled box change by itself within `limit` ms?
  b.idle = async (box, limit) => {
    await b.arm(box);
    b.t0 = performance.now();
    watch(limit);
    return (await b.done).photon >= 0;
  };
  // The studio's answers that nobody awaits land in studio.messages: edit.moved among them.
  if (window.studio) {
    const messages = window.studio.messages;
    messages.push = (...items) => {
      const t = performance.now();
      for (const m of items) if (m.type === 'edit.moved' && b.t0 && !b.ack) b.ack = t;
      return Array.prototype.push.apply(messages, items);
    };
  }
}"""


Sample = dict[str, float]


@dataclass
class Steps:
    """One page's steps: the samples, arms whose picture never settled, and idle checks
    (armed, no input) in which the box changed by itself all the same."""

    samples: list[Sample]
    unsettled: int
    idle_changed: int
    fps: float  # frames the page received while stepping, per second


FRAMES = "document.querySelector('video').getVideoPlaybackQuality().totalVideoFrames"


async def steps(
    page: Any, at: tuple[float, float], box: dict[str, float], count: int, step_px: float
) -> Steps:
    """Idle checks until one sees no change (the encoder sharpens a new stream's picture
    for a few seconds), ``IDLE_CHECKS`` more counted; then press at ``at``, step
    ``step_px`` right and back ``count`` times, timing each step; release."""
    idle = "(a) => window.dragBench.idle(...a)"
    for _ in range(WARM_UP_CHECKS):
        if not await page.evaluate(idle, [box, 1000]):
            break
    changed = 0
    for _ in range(IDLE_CHECKS):
        changed += bool(await page.evaluate(idle, [box, 1000]))
    frames, started = await page.evaluate(FRAMES), time.monotonic()
    x, y = at
    await page.mouse.move(x, y)
    await page.mouse.down()
    samples = []
    for n in range(count):
        await page.evaluate("(box) => window.dragBench.arm(box)", box)
        await page.mouse.move(x + (step_px if n % 2 == 0 else 0), y)
        samples.append(await page.evaluate("window.dragBench.done"))
    await page.mouse.up()
    fps = (await page.evaluate(FRAMES) - frames) / (time.monotonic() - started)
    unsettled = await page.evaluate("window.dragBench.noise.reduce((a, b) => a + b, 0)")
    return Steps(samples, int(unsettled), changed, fps)


def centre(
    frame: dict[str, float], size: tuple[float, float]
) -> tuple[tuple[float, float], dict[str, float]]:
    """The picture's centre and a ``size`` (width, height) box around it."""
    x, y = frame["left"] + frame["width"] / 2, frame["top"] + frame["height"] / 2
    box = {"left": x - size[0] / 2, "top": y - size[1] / 2, "width": size[0], "height": size[1]}
    return (x, y), box
