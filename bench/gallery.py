"""Gallery figures: loading a scene document, walking its hall, and picking a relic.

Workload: the example exhibition (``assets/example.scene.json``, whatever it holds now) and
a generated document with 200 exhibits on a grid, reusing the example's relic files in
rotation.  Each load runs in a fresh subprocess (``gallery.py --load KIND SCENE``) so its
time and memory start from nothing; the reference loads the same glTF files bare with
panda3d-gltf (each file once, instanced per exhibit) and renders the same first frame.
The browser figures come from headless Chromium against ``museion serve`` on the example:
walking with the keyboard (reference: the orbiting drag of ``browser.py``, same server),
two visitors walking at once, and the round trip of a click on a relic to its label.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from browser import INBOUND, open_page, orbit, server  # noqa: E402
from instruments.proc_stats import (  # noqa: E402
    cpu_seconds,
    machine_busy,
    own_status_kib,
    start_peak_measure,
)
from instruments.processes import museion_command, run_tool  # noqa: E402
from instruments.table import Row, percentile, table  # noqa: E402
from references.bare_gltf import HEIGHT, WIDTH, load_bare  # noqa: E402
from workloads.grid_scene import EXAMPLE, GRID_EXHIBITS, grid_scene  # noqa: E402

FALLBACK_EXHIBIT = "bronze-hu"
ORBIT_SECONDS = 10.0
PICKS = 30

# (seconds, arrow key held) while KeyW stays down, 15 s in all: a short straight walk out of
# the spawn, then loops to the left and to the right (90 deg/s: a full turn per 4 s), so the
# view changes every frame and the walker stays near the spawn instead of pressing on a wall.
WALK_PHASES = (
    (1.5, None),
    (4.0, "ArrowLeft"),
    (4.0, "ArrowRight"),
    (4.0, "ArrowLeft"),
    (1.5, "ArrowRight"),
)

# Counts the walk messages a page puts on its datachannel (to be sure the keys walked).
COUNT_WALKS = """() => {
  const channel = window.museion.channel;
  if (!channel.countingWalks) {
    const send = channel.send.bind(channel);
    channel.countingWalks = true;
    window.museionWalks = 0;
    channel.send = (data) => {
      if (typeof data === 'string' && data.includes('"walk"')) window.museionWalks += 1;
      send(data);
    };
  }
  return window.museionWalks;
}"""

# Times each click from its pointerdown to the label dialog losing its hidden attribute.
WATCH_LABEL = """() => {
  const panel = document.getElementById('label');
  const state = window.museionPicks = {down: 0, shown: []};
  window.addEventListener('pointerdown', () => { state.down = performance.now(); }, true);
  new MutationObserver(() => {
    if (!panel.hidden && state.down) {
      state.shown.push(performance.now() - state.down);
      state.down = 0;
    }
  }).observe(panel, {attributes: true, attributeFilter: ['hidden']});
}"""

LABEL_SHOWN = "!document.getElementById('label').hidden"
LABEL_HIDDEN = "document.getElementById('label').hidden"


# -- loading, in a fresh process -----------------------------------------------------------


def load_ours(path: Path) -> dict[str, float]:
    """open_scene + RenderEngine until the first 1280x720 frame of the home view."""
    import gltf  # noqa: F401  (imports are not part of the load)
    import panda3d.core  # noqa: F401

    from museion.runtime.engine import RenderEngine
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import open_scene

    t0, rss0 = start_peak_measure()
    scene = open_scene(path)
    engine = RenderEngine(scene, RuntimeSettings(asset_root=path.parent))
    image = engine.open_view(WIDTH, HEIGHT).frame(engine.home)
    seconds = time.perf_counter() - t0
    assert image.shape == (HEIGHT, WIDTH, 3), image.shape
    return {"seconds": seconds, "mib": (own_status_kib("VmHWM") - rss0) / 1024}


def measure_load(kind: str, scene: Path) -> dict[str, float]:
    """Load ``scene`` in a fresh process, ``kind`` "ours" or "bare"."""
    done = run_tool(
        [sys.executable, str(Path(__file__).resolve()), "--load", kind, str(scene)], timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"loading {scene.name} ({kind}) failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def load_rows(scene: Path, name: str, repeats: int) -> list[Row]:
    """Load time and memory, ours then the reference, each the median of ``repeats`` runs."""
    runs = [(measure_load("ours", scene), measure_load("bare", scene)) for _ in range(repeats)]
    ours = {k: statistics.median(r[0][k] for r in runs) for k in ("seconds", "mib")}
    bare = {k: statistics.median(r[1][k] for r in runs) for k in ("seconds", "mib")}
    return [
        (
            f"scene load to first 720p frame, {name} (s)",
            f"{ours['seconds']:.2f}",
            f"{bare['seconds']:.2f} bare panda3d-gltf",
            f"{ours['seconds'] / bare['seconds']:.2f}",
        ),
        (
            "  peak RSS growth (MiB)",
            f"{ours['mib']:.0f}",
            f"{bare['mib']:.0f}",
            f"{ours['mib'] / max(1.0, bare['mib']):.2f}",
        ),
    ]


# -- in Chromium ---------------------------------------------------------------------------


def _counters(page: Any) -> tuple[int, int, int, int]:
    """(frames shown, frames decoded, Chromium freezes, walk messages sent) on ``page``."""
    inbound = page.evaluate(INBOUND)
    shown = page.evaluate("window.museion.framesShown")
    return shown, inbound["frames"], inbound["freezes"], page.evaluate(COUNT_WALKS)


def walk(pages: list[Any], pid: int) -> dict[str, Any]:
    """Walk every page's visitor with the keyboard for WALK_PHASES.

    Returns the frames shown and decoded per second on each page, walk messages sent per
    second on each, freezes in all, and the cores used by the server and by the machine.
    """
    for page in pages:
        page.wait_for_function(
            "window.museion.modes.mode === 'walk' && window.museion.modes.canWalk",
            timeout=10_000,
        )
        page.focus("#stage")
    before = [_counters(page) for page in pages]
    cpu0, busy0, t0 = cpu_seconds(pid), machine_busy(), time.monotonic()
    for page in pages:
        page.keyboard.down("KeyW")
    held: str | None = None
    end = 0.0
    for seconds, arrow in WALK_PHASES:
        for page in pages:
            if held:
                page.keyboard.up(held)
            if arrow:
                page.keyboard.down(arrow)
        held = arrow
        end += seconds
        time.sleep(max(0.0, t0 + end - time.monotonic()))
    wall = time.monotonic() - t0
    cores = (cpu_seconds(pid) - cpu0) / wall
    busy1 = machine_busy()
    after = [_counters(page) for page in pages]
    for page in pages:
        if held:
            page.keyboard.up(held)
        page.keyboard.up("KeyW")
    rates = [
        [(a - b) / wall for a, b in zip(x, y, strict=True)]
        for x, y in zip(after, before, strict=True)
    ]
    return {
        "fps": [r[0] for r in rates],
        "decoded": [r[1] for r in rates],
        "freezes": round(sum(r[2] for r in rates) * wall),
        "walks": [r[3] for r in rates],
        "cores": cores,
        "machine": (busy1 - busy0) / wall,
    }


def pick_round_trips(page: Any, samples: int) -> tuple[float, list[float]]:
    """ms from a click on the centred relic to its label showing: the first click, then
    ``samples`` more; after each, a click beside the relic closes the label again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(WATCH_LABEL)
    for _ in range(samples + 1):
        box = page.evaluate("window.museion.frameRect()")
        page.mouse.click(box["left"] + box["width"] / 2, box["top"] + box["height"] / 2)
        page.wait_for_function(LABEL_SHOWN, timeout=10_000)
        page.mouse.click(box["left"] + box["width"] * 0.04, box["top"] + box["height"] * 0.94)
        try:
            page.wait_for_function(LABEL_HIDDEN, timeout=3_000)
        except PlaywrightTimeout:  # something else stood in that corner: use the close button
            page.click("#label .close")
            page.wait_for_function(LABEL_HIDDEN, timeout=3_000)
        time.sleep(0.15)
    times: list[float] = page.evaluate("window.museionPicks.shown")
    return times[0], times[1:]


def browser_rows(scene: Path) -> list[Row]:
    from playwright.sync_api import sync_playwright

    from tests.chromium import CHROMIUM_ARGS

    chromium = shutil.which("chromium")
    if chromium is None:
        return [("gallery browser figures", "skipped: Debian chromium is not installed", "", "")]
    data = json.loads(scene.read_text("utf-8"))
    ids = [e["id"] for e in data["exhibits"]]
    centred = FALLBACK_EXHIBIT if FALLBACK_EXHIBIT in ids else ids[0]
    env = {"MUSEION_STREAMING_ICE_ADDRESSES": "127.0.0.1"}
    command = [*museion_command(), "serve", "--port", "PORT", str(scene)]
    with sync_playwright() as playwright, server(command, env) as (url, pid):
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page, _ = open_page(browser, url)
        time.sleep(1)
        one = walk([page], pid)
        page.close()
        page, _ = open_page(browser, f"{url}?exhibit={centred}")
        time.sleep(1)
        ref_fps, ref_cores, _ = orbit([page], ORBIT_SECONDS, pid)
        time.sleep(1.5)
        first_pick, picks = pick_round_trips(page, PICKS)
        page.close()
        pages = [open_page(browser, url)[0] for _ in range(2)]
        time.sleep(1)
        two = walk(pages, pid)
        browser.close()
    fps = one["fps"][0]
    return [
        (
            "walking the hall, 1 visitor: fps (target >=28)",
            f"{fps:.1f}",
            f"{ref_fps[0]:.1f} orbiting a relic there",
            f"{fps / max(0.1, ref_fps[0]):.2f}",
        ),
        ("  server cores while walking", f"{one['cores']:.2f}", f"{ref_cores:.2f}", ""),
        (f"  machine cores busy (of {os.cpu_count()})", f"{one['machine']:.2f}", "", ""),
        ("  freezes (Chromium freezeCount)", str(one["freezes"]), "", ""),
        (
            "walking, 2 visitors: fps each",
            " / ".join(f"{f:.1f}" for f in two["fps"]),
            "30 sent",
            "",
        ),
        ("  server cores, 2 visitors", f"{two['cores']:.2f}", "", ""),
        (f"  machine cores busy (of {os.cpu_count()})", f"{two['machine']:.2f}", "", ""),
        ("  freezes, 2 visitors", str(two["freezes"]), "", ""),
        (
            "pick: click to label median / p95 (ms)",
            f"{statistics.median(picks):.0f} / {percentile(picks, 0.95):.0f}",
            "target <=150",
            "",
        ),
        ("  first pick on the page (ms)", f"{first_pick:.0f}", "", ""),
    ]


def run() -> list[Row]:
    count = len(json.loads(EXAMPLE.read_text("utf-8"))["exhibits"])
    rows = load_rows(EXAMPLE, f"example, {count} exhibit{'s' * (count != 1)}", repeats=3)
    with tempfile.TemporaryDirectory() as temp:
        grid = grid_scene(Path(temp) / "grid")
        from museion.scenes.checked_scene import open_scene

        open_scene(grid)  # raises SceneInvalid when the generated document is wrong
        rows += load_rows(grid, f"{GRID_EXHIBITS} exhibits", repeats=1)
    rows += browser_rows(EXAMPLE)
    return rows


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--load":
        load = {"ours": load_ours, "bare": load_bare}[argv[1]]
        sys.stdout.write(json.dumps(load(Path(argv[2]))) + "\n")
        return 0
    t0 = time.monotonic()
    sys.stdout.write(table(run()))
    sys.stdout.write(f"({time.monotonic() - t0:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
