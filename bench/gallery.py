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

import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from browser import INBOUND, Row, cpu_seconds, open_page, orbit, p, server  # noqa: E402

EXAMPLE = HERE.parent / "assets" / "example.scene.json"
FALLBACK_EXHIBIT = "bronze-hu"
WIDTH, HEIGHT = 1280, 720
GRID_EXHIBITS = 200
GRID_SPACING = 2.5  # metres between exhibits
EYE = 1.6
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


# -- scene documents -----------------------------------------------------------------------


def grid_scene(folder: Path, count: int = GRID_EXHIBITS) -> Path:
    """A copy of the example's folder plus ``grid.scene.json``: ``count`` exhibits on a grid.

    The exhibits reuse the example's exhibits (asset, metadata, hotspots) in rotation, with
    no pedestal, in a walkable square around the grid; the spawn faces the grid's front row.
    Files are copied, not linked: the glTF gate refuses links leading out of the asset root.
    """
    shutil.copytree(EXAMPLE.parent, folder, dirs_exist_ok=True)
    data = json.loads(EXAMPLE.read_text("utf-8"))
    sources = data["exhibits"]
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    x0 = -(columns - 1) * GRID_SPACING / 2
    z0 = -(rows - 1) * GRID_SPACING / 2
    exhibits = []
    for n in range(count):
        source = sources[n % len(sources)]
        exhibit = {
            k: v for k, v in source.items() if k not in ("id", "transform", "parent", "anchor")
        }
        row, column = divmod(n, columns)
        exhibit["id"] = f"grid-{n:03d}"
        exhibit["pedestal"] = False
        exhibit["transform"] = {
            "translation": [x0 + column * GRID_SPACING, 0.0, z0 + row * GRID_SPACING],
            "rotation": [0.0, 0.0, 0.0],
            "scale": source.get("transform", {}).get("scale", 1.0),
        }
        exhibits.append(exhibit)
    half_x = (columns - 1) * GRID_SPACING / 2 + GRID_SPACING
    half_z = (rows - 1) * GRID_SPACING / 2 + GRID_SPACING
    data["exhibits"] = exhibits
    data["tours"] = []
    data["walkable"] = [[-half_x, -half_z], [half_x, -half_z], [half_x, half_z], [-half_x, half_z]]
    data["spawn"] = {"position": [0.0, EYE, half_z - GRID_SPACING / 2], "yaw": 0.0}
    path = folder / "grid.scene.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    return path


# -- loading, in a fresh process -----------------------------------------------------------


def _memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _start_measuring() -> tuple[float, int]:
    """Reset the peak RSS (where the kernel allows) and return (clock, RSS in KiB)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return time.perf_counter(), _memory_kib("VmRSS")


def load_ours(path: Path) -> dict[str, float]:
    """open_scene + RenderEngine until the first 1280x720 frame of the home view."""
    import gltf  # noqa: F401  (imports are not part of the load)
    import panda3d.core  # noqa: F401

    from museion.runtime.engine import RenderEngine
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import open_scene

    t0, rss0 = _start_measuring()
    scene = open_scene(path)
    engine = RenderEngine(scene, RuntimeSettings(asset_root=path.parent))
    image = engine.open_view(WIDTH, HEIGHT).frame(engine.home)
    seconds = time.perf_counter() - t0
    assert image.shape == (HEIGHT, WIDTH, 3), image.shape
    return {"seconds": seconds, "mib": (_memory_kib("VmHWM") - rss0) / 1024}


def load_bare(path: Path) -> dict[str, float]:
    """Reference: the document's glTF files loaded bare with panda3d-gltf, each file once,
    instanced per exhibit, and one 1280x720 frame rendered to RAM (Panda3D's own shading)."""
    import gltf
    import numpy as np
    from panda3d.core import (
        Camera,
        FrameBufferProperties,
        GraphicsEngine,
        GraphicsOutput,
        GraphicsPipe,
        GraphicsPipeSelection,
        NodePath,
        PerspectiveLens,
        Point3,
        Texture,
        Vec3,
        WindowProperties,
        loadPrcFileData,
    )

    from museion.runtime.camera import ViewState, horizontal_fov
    from museion.runtime.settings import RuntimeSettings

    t0, rss0 = _start_measuring()
    data = json.loads(path.read_text("utf-8"))
    loadPrcFileData("bare", RuntimeSettings().prc_lines())
    pipe = GraphicsPipeSelection.get_global_ptr().make_module_pipe("p3headlessgl")
    engine = GraphicsEngine.get_global_ptr()
    props = FrameBufferProperties()
    props.set_rgba_bits(8, 8, 8, 0)
    props.set_depth_bits(24)
    buffer = engine.make_output(
        pipe, "bare", 0, props, WindowProperties.size(WIDTH, HEIGHT), GraphicsPipe.BF_refuse_window
    )
    texture = Texture()
    buffer.add_render_texture(texture, GraphicsOutput.RTM_copy_ram)
    root = NodePath("bare")
    models: dict[str, Any] = {}

    def model(name: str) -> Any:
        if name not in models:
            settings = gltf.GltfSettings(collision_shapes="none")
            models[name] = NodePath(gltf.load_model(str(path.parent / name), settings))
        return models[name]

    model(data["venue"]).instance_to(root)
    holders = []
    for exhibit in data["exhibits"]:
        transform = exhibit.get("transform", {})
        x, y, z = transform.get("translation", (0.0, 0.0, 0.0))
        holder = root.attach_new_node(exhibit["id"])
        holder.set_pos(x, -z, y)
        holder.set_hpr(*transform.get("rotation", (0.0, 0.0, 0.0)))
        holder.set_scale(transform.get("scale", 1.0))
        model(exhibit["asset"]).instance_to(holder)
        if exhibit.get("pedestal", True):
            stand = root.attach_new_node("pedestal")
            stand.set_pos(x, -z, 0.0)
            model(data.get("pedestal_asset", "pedestal.glb")).instance_to(stand)
        holders.append(holder)
    # The same first view as the engine's: the first exhibit, framed as _orbit_view does.
    low, high = holders[0].get_tight_bounds(root)
    centre = (low + high) / 2
    size = max(high - low)
    home = ViewState(
        target=(centre.x, centre.z, -centre.y), yaw=20.0, pitch=12.0, distance=max(size * 2.2, 0.4)
    )
    lens = PerspectiveLens()
    lens.set_fov(horizontal_fov(45, WIDTH / HEIGHT), 45)
    lens.set_near_far(0.05, 100.0)
    camera = root.attach_new_node(Camera("bare"))
    camera.node().set_lens(lens)
    buffer.make_display_region().set_camera(camera)
    ex, ey, ez = home.eye()
    camera.set_pos(Point3(ex, -ez, ey))
    camera.look_at(Point3(centre), Vec3(0, 0, 1))
    for _ in range(3):  # the buffer opens during the first render_frame
        engine.render_frame()
        if texture.has_ram_image():
            break
    image = np.frombuffer(texture.get_ram_image(), np.uint8)
    seconds = time.perf_counter() - t0
    assert image.size == WIDTH * HEIGHT * 3, image.size
    return {"seconds": seconds, "mib": (_memory_kib("VmHWM") - rss0) / 1024}


def measure_load(kind: str, scene: Path) -> dict[str, float]:
    """Load ``scene`` in a fresh process, ``kind`` "ours" or "bare"."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--load", kind, str(scene)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
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


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, every core), /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


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
    page.evaluate(WATCH_LABEL)
    for _ in range(samples + 1):
        box = page.evaluate("window.museion.frameRect()")
        page.mouse.click(box["left"] + box["width"] / 2, box["top"] + box["height"] / 2)
        page.wait_for_function(LABEL_SHOWN, timeout=10_000)
        page.mouse.click(box["left"] + box["width"] * 0.04, box["top"] + box["height"] * 0.94)
        try:
            page.wait_for_function(LABEL_HIDDEN, timeout=3_000)
        except Exception:  # something else stood in that corner: use the close button
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
    command = [sys.executable, "-m", "museion.tools.cli", "serve", "--port", "PORT", str(scene)]
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
            f"{statistics.median(picks):.0f} / {p(picks, 0.95):.0f}",
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
    from run import table

    t0 = time.monotonic()
    sys.stdout.write(table(run()))
    sys.stdout.write(f"({time.monotonic() - t0:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
