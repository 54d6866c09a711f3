"""Drag-to-photon in the studio: a gizmo drag to the moved exhibit on screen, median / p95.

Workload: the example exhibition published once in a hall folder (``studio.make_hall``:
7 exhibits on pedestals), served by ``museion serve DIR --users FILE`` in its own process
(``studio.ENV``: 640x360 video, every visitor admitted, ICE on loopback), seen in Debian's
headless Chromium at 1280x800.  A curator signs in, opens the draft, and selects the
exhibit whose gizmo handle is nearest the picture's centre; then, holding the move handle
down, the mouse steps ``STEP_PX`` px right and back ``DRAGS`` times.  Each sample runs from
``performance.now()`` in the page's first ``pointermove`` listener to the first video frame
(``requestVideoFrameCallback``) whose pixels in a box over the exhibit (its old and new
place) differ from the settled frame before the step; between steps the picture is let
settle.  The page also notes when the server's ``edit.moved`` answer arrives (the move was
applied on the render thread), splitting the path into datachannel + edit and the rest
(render, encode, RTP, decode).

Reference, the same server and page size in the same run: the visitor's own path, a drag
orbiting the same exhibit on ``/e/hall/?exhibit=ID`` by the same steps, timed the same way
over a box of the same size at the picture's centre.  Ratio: drag over orbit.  The draft
view's own orbit (the same steps on the studio page's picture) is timed too, telling the
edit path's cost from the studio page's and its session's.  Before each page's steps,
idle checks (armed, no input) show whether the box changes by itself.

Server side: ``SceneEditor.move_exhibit`` timed in a fresh process on the example scene
(the call, with its hop onto the render thread, and the move alone on that thread), and
the next 640x360 frame it renders.

    .venv/bin/python bench/studio_drag.py
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from instruments.photon_steps import IDLE_CHECKS, INSTRUMENT, Steps, centre, steps  # noqa: E402
from instruments.processes import run_tool  # noqa: E402
from instruments.table import Row, percentile, ratio, table  # noqa: E402
from studio import (  # noqa: E402
    ASSETS,
    EXHIBITION,
    PASSWORD,
    Server,
    example_document,
    make_accounts,
    make_hall,
)

__all__ = ["run"]

logger = logging.getLogger(__name__)

DRAGS = 48
STEP_PX = 24
BOX_PX = (240, 300)  # page px: the watched box, width x height (above the handle)
WAIT_MS = 30_000
EDITOR_MOVES = 200
WIDTH, HEIGHT = 640, 360

STUDIO_FRAME = "window.studio.view.frame()"
VISITOR_FRAME = "window.museion.frameRect()"

# Each exhibit selected in turn: its move handle's centre on the page (null when the
# camera does not see its origin).
HANDLES = """async () => {
  const out = {};
  for (const e of window.studio.history.doc.exhibits) {
    document.querySelector(`#exhibit-list button[data-exhibit="${e.id}"]`).click();
    window.studio.view.draw();
    const c = document.querySelector('#gizmo circle[data-role=move]');
    if (!c) { out[e.id] = null; continue; }
    const r = c.getBoundingClientRect();
    out[e.id] = [r.left + r.width / 2, r.top + r.height / 2];
  }
  return out;
}"""


async def sign_in(page: Any, url: str) -> None:
    """The studio, signed in as the curator, the hall's draft open and playing."""
    await page.goto(f"{url}/studio")
    await page.fill("#login-name", "curator")
    await page.fill("#login-password", PASSWORD)
    await page.click("#login-submit")
    await page.click(f"#exhibition-list button[data-exhibition='{EXHIBITION}']", timeout=WAIT_MS)
    await page.wait_for_function("window.studio.history.doc !== null", timeout=WAIT_MS)
    await page.wait_for_function("document.getElementById('video').videoWidth > 0", timeout=WAIT_MS)
    await page.wait_for_function("window.studio.view.pose_ !== null", timeout=WAIT_MS)


async def central_exhibit(page: Any) -> tuple[str, tuple[float, float]]:
    """The exhibit whose handle is nearest the picture's centre, selected; its handle."""
    frame = await page.evaluate(STUDIO_FRAME)
    cx, cy = frame["left"] + frame["width"] / 2, frame["top"] + frame["height"] / 2
    handles = await page.evaluate(HANDLES)
    inside = {
        k: v
        for k, v in handles.items()
        if v is not None
        and frame["left"] + BOX_PX[0] / 2 < v[0] < frame["left"] + frame["width"] - BOX_PX[0] / 2
        and frame["top"] + BOX_PX[1] / 2 < v[1] < frame["top"] + frame["height"]
    }
    if not inside:
        raise RuntimeError(f"no exhibit's handle is inside the draft view: {handles}")
    best = min(inside, key=lambda k: (inside[k][0] - cx) ** 2 + (inside[k][1] - cy) ** 2)
    await page.evaluate(
        "(id) => { document.querySelector(`#exhibit-list button[data-exhibit='${id}']`).click();"
        " window.scrollTo(0, 0); window.studio.view.draw(); }",
        best,
    )
    box = await page.locator("#gizmo circle[data-role=move]").bounding_box()
    return best, (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


async def studio_drags(browser: Any, url: str) -> tuple[str, Steps, Steps]:
    """The curator's gizmo steps on the exhibit nearest the centre, then orbit steps of the
    draft view (a box at the picture's centre): (its id, the drags, the orbits)."""
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        await sign_in(page, url)
        exhibit, (x, y) = await central_exhibit(page)
        await page.evaluate(INSTRUMENT, STUDIO_FRAME)
        box = {
            "left": x + STEP_PX / 2 - BOX_PX[0] / 2,
            "top": y - BOX_PX[1] + 40,
            "width": BOX_PX[0],
            "height": BOX_PX[1],
        }
        drags = await steps(page, (x, y), box, DRAGS, STEP_PX)
        await page.wait_for_function(
            "document.getElementById('save-state').dataset.state === 'saved'", timeout=WAIT_MS
        )
        at, box = centre(await page.evaluate(STUDIO_FRAME), BOX_PX)
        orbits = await steps(page, at, box, DRAGS, STEP_PX)
    finally:
        await page.close()
    return exhibit, drags, orbits


async def visitor_orbits(browser: Any, url: str, exhibit: str) -> Steps:
    """The visitor's orbit steps around ``exhibit``, a box at the picture's centre."""
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        await page.goto(f"{url}/e/{EXHIBITION}/?lang=en&exhibit={exhibit}")
        await page.wait_for_function("window.museion.framesShown > 0", timeout=WAIT_MS)
        await page.evaluate(INSTRUMENT, VISITOR_FRAME)
        at, box = centre(await page.evaluate(VISITOR_FRAME), BOX_PX)
        return await steps(page, at, box, DRAGS, STEP_PX)
    finally:
        await page.close()


@dataclass
class Figures:
    exhibit: str
    drags: Steps
    orbits: Steps
    studio_orbits: Steps


async def measure(folder: Path, users: Path, log: Path) -> Figures:
    """One server: the curator's drags, then (the studio page closed) the visitor's orbits."""
    from playwright.async_api import async_playwright

    from tests.chromium import CHROMIUM_ARGS

    async with Server(folder, users, log) as server, async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        try:
            exhibit, drags, studio_orbits = await studio_drags(browser, server.url)
            orbits = await visitor_orbits(browser, server.url, exhibit)
        finally:
            await browser.close()
    return Figures(exhibit, drags, orbits, studio_orbits)


# -- the server's side, in a fresh process ----------------------------------------------------


def editor_figures() -> dict[str, list[float]]:
    """``SceneEditor.move_exhibit`` on the example scene ``EDITOR_MOVES`` times (seconds):
    the call as ``move_exhibit`` makes it (with its hop onto the render thread), the move
    alone on that thread, and the next frame of a 640x360 view."""
    from museion.runtime.editing import SceneEditor
    from museion.runtime.engine import RenderEngine
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import open_scene

    path = ASSETS / "example.scene.json"
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=path.parent))
    view = engine.open_view(WIDTH, HEIGHT)
    view.frame(engine.home)
    editor = SceneEditor(engine)
    document = engine.document
    assert document is not None
    exhibit = document.exhibits[0]
    out: dict[str, list[float]] = {"call": [], "body": [], "frame": []}

    def timed(transform: Any) -> float:
        t = time.perf_counter()
        editor._move(exhibit.id, transform)
        return time.perf_counter() - t

    for n in range(EDITOR_MOVES):
        x, y, z = exhibit.transform.translation
        moved = dataclasses.replace(exhibit.transform, translation=(x + 0.05 * (n % 2), y, z))
        t0 = time.perf_counter()
        body = engine._call(timed, moved)  # what move_exhibit does, the move itself timed
        t1 = time.perf_counter()
        view.frame(engine.home)
        out["frame"].append(time.perf_counter() - t1)
        out["call"].append(t1 - t0)
        out["body"].append(body)
    return out


def editor_rows() -> list[Row]:
    done = run_tool([sys.executable, str(Path(__file__).resolve()), "--editor"], timeout=300)
    if done.returncode != 0:
        return [("SceneEditor.move_exhibit", f"failed: {done.stderr.strip()[-200:]}", "", "")]
    figures: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])

    def cell(key: str) -> str:
        ms = [v * 1000 for v in figures[key]]
        return f"{statistics.median(ms):.2f} / {percentile(ms, 0.95):.2f}"

    return [
        (f"  server: SceneEditor.move_exhibit call median / p95 (ms, {EDITOR_MOVES} moves)",
         cell("call"), "", ""),
        ("  server: the move alone on the render thread (ms)", cell("body"), "", ""),
        (f"  server: next {WIDTH}x{HEIGHT} frame rendered after it (ms)", cell("frame"), "", ""),
    ]  # fmt: skip


# -- the table ---------------------------------------------------------------------------------


def rows(figures: Figures) -> list[Row]:
    d, o = figures.drags, figures.orbits
    drags = [x["photon"] for x in d.samples if x["photon"] >= 0]
    orbits = [x["photon"] for x in o.samples if x["photon"] >= 0]
    timed = [x for x in d.samples if x["ack"] >= 0 and x["photon"] >= 0]
    if not drags or not orbits:
        return [("studio drag-to-photon", "no frame changed after a step", "", "")]

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):.0f} / {percentile(values, 0.95):.0f}"

    def share(steps: Steps) -> str:
        return f"{100 * statistics.median(x['share'] for x in steps.samples):.1f}%"

    drag_med, orbit_med = statistics.median(drags), statistics.median(orbits)
    drag_p95, orbit_p95 = percentile(drags, 0.95), percentile(orbits, 0.95)
    out: list[Row] = [
        (f"studio drag-to-photon median / p95 (ms; {figures.exhibit}, {STEP_PX} px steps)",
         cell(drags), f"{cell(orbits)} visitor orbit",
         f"{ratio(drag_med, orbit_med)} / {ratio(drag_p95, orbit_p95)}"),
        ("  steps timed (a frame changed within 3 s)", f"{len(drags)}/{len(d.samples)}",
         f"{len(orbits)}/{len(o.samples)}", ""),
        ("  box pixels changed in that frame, median", share(d), share(o), ""),
        ("  frames received per second while stepping", f"{d.fps:.1f}", f"{o.fps:.1f}", ""),
        ("  pictures not settled before a step", str(d.unsettled), str(o.unsettled), ""),
        ("  idle checks (no input, 1 s) with a change", f"{d.idle_changed}/{IDLE_CHECKS}",
         f"{o.idle_changed}/{IDLE_CHECKS}", ""),
    ]  # fmt: skip
    so = [x["photon"] for x in figures.studio_orbits.samples if x["photon"] >= 0]
    if so:
        so_med, so_p95 = statistics.median(so), percentile(so, 0.95)
        out += [
            ("  the draft view's own orbit on the studio page (ms)", cell(so),
             f"{cell(orbits)} visitor orbit",
             f"{ratio(so_med, orbit_med)} / {ratio(so_p95, orbit_p95)}"),
            ("  drag vs the draft view's own orbit (ms)", cell(drags), f"{cell(so)} draft orbit",
             f"{ratio(drag_med, so_med)} / {ratio(drag_p95, so_p95)}"),
        ]  # fmt: skip
    if timed:
        out += [
            ("  pointer to edit.moved answer median / p95 (ms)",
             cell([x["ack"] for x in timed]), "", ""),
            ("  edit.moved to changed frame median / p95 (ms)",
             cell([x["photon"] - x["ack"] for x in timed]), "", ""),
        ]  # fmt: skip
    return out


def run() -> list[Row]:
    """The hall, the curator's drags and orbits and the visitor's orbits, then the editor
    alone."""
    if shutil.which("chromium") is None:
        return [("studio drag-to-photon", "skipped: Debian chromium is not installed", "", "")]
    with tempfile.TemporaryDirectory(prefix="museion-bench-drag-") as work:
        base = Path(work)
        users = make_accounts(base / "users.json")
        folder = make_hall(base / "hall", example_document())
        log = base / "serve.log"
        try:
            figures = asyncio.run(measure(folder, users, log))
        except Exception:
            logger.error("server log:\n%s", log.read_text(errors="replace")[-3000:])
            raise
    return rows(figures) + editor_rows()


def main(argv: list[str]) -> int:
    if argv == ["--editor"]:
        sys.stdout.write(json.dumps(editor_figures()) + "\n")
        return 0
    logging.basicConfig(level=logging.WARNING)
    t0 = time.monotonic()
    sys.stdout.write(table(run()))
    sys.stdout.write(f"({time.monotonic() - t0:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
