"""Point lights and occlusion in the lean shader against the lean path without them.

Workload: the example exhibition (``assets/example.scene.json``: seven relics in one hall)
at 1280x720, full-size frames (no preview) of the first relic's orbit, one degree a frame.
Reference: the same scene with no point light and no occlusion (the lean path as it was:
key light and hemisphere only; its light loop runs zero times).  Ours: one point light
beside the relic with occlusion on (``occlusion_strength`` 1 on the whole scene: the
shader's cost is the same whether a map is packed or not, the red channel being sampled
anyway); four point lights; and twenty lamps through a budget of four (each view draws
the four strongest where it looks: it should cost what four lights cost); and the venue's
image-based light (runtime/environment.py: SH9 diffuse, prefiltered cube map specular)
with one point light and occlusion; and the lean path with contact shadows (runtime/
shadows.py: a blended card under each relic).  Every configuration but the IBL one renders
with ``ibl=False``, as the lean path did before IBL, and all but the last with
``contact_shadows=False``.  Configurations
alternate seven rounds (three were too few on a shared VM: the same configuration
moved by 15 % between runs), every other one in reverse order; each keeps its median round
(llvmpipe shares the cores with everything else).  Target: ours at least
0.8x the reference's fps.  Also the IBL's load cost: the venue's six captures and the
numpy work (SH9, prefiltering), against reading it back from its cache file.

python bench/lights.py
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from instruments.orbit import orbit_loop as orbit  # noqa: E402
from instruments.table import Row, ratio, table  # noqa: E402
from render_encode import Clock  # noqa: E402

from museion.runtime import environment  # noqa: E402
from museion.runtime.engine import RenderEngine  # noqa: E402
from museion.runtime.graphics import Graphics  # noqa: E402
from museion.runtime.settings import RuntimeSettings  # noqa: E402
from museion.scenes.checked_scene import open_scene  # noqa: E402

ASSETS = HERE.parent / "assets"
SIZE = (1280, 720)
FRAMES = 20
ROUNDS = 7


def gallery(folder: Path, lamps: list[dict[str, Any]]) -> Path:
    """The example exhibition in ``folder`` with ``lamps`` added to its lights."""
    folder.mkdir()
    for glb in ASSETS.glob("*.glb"):
        shutil.copy(glb, folder)
    data = json.loads((ASSETS / "example.scene.json").read_text())
    for tour in data["tours"]:
        for step in tour["steps"]:
            step.pop("audio", None)  # the recordings are not part of the render
    data["lights"] = [*data.get("lights", []), *lamps]
    path = folder / "example.scene.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def lamps_around(target: tuple[float, float, float], count: int) -> list[dict[str, Any]]:
    """``count`` lamps, 0.6 m and more from ``target``, spread along the hall."""
    tx, ty, tz = target
    return [
        {
            "type": "point",
            "intensity": 2.0,
            "position": [tx + 0.6 * (1 + i // 2) * (-1) ** i, ty + 0.4, tz + 0.3],
        }
        for i in range(count)
    ]


def orbit_loop(engine: RenderEngine) -> Clock:
    """FRAMES full-size renders, one degree apart."""
    return orbit(engine, engine.home, SIZE, FRAMES)


def run() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="museion-bench-lights-"))
    engines: dict[str, RenderEngine] = {}
    try:
        plain = gallery(folder / "plain", [])
        lean = RuntimeSettings(asset_root=plain.parent, ibl=False, contact_shadows=False)
        engines["plain"] = RenderEngine(open_scene(plain), lean)
        target = engines["plain"].home.target
        configurations = (
            ("1 light + occlusion", 1, False),
            ("4 lights", 4, False),
            ("20 lamps, budget 4", 20, False),
            ("IBL + 1 light + occlusion", 1, True),
        )
        for name, count, ibl in configurations:
            path = gallery(folder / name.replace(" ", "-"), lamps_around(target, count))
            settings = RuntimeSettings(asset_root=path.parent, ibl=ibl, contact_shadows=False)
            engines[name] = RenderEngine(open_scene(path), settings)
        shadowed = dataclasses.replace(lean, contact_shadows=True)
        engines["contact shadows"] = RenderEngine(open_scene(plain), shadowed)
        for name in ("1 light + occlusion", "IBL + 1 light + occlusion"):
            engines[name].root.set_shader_input("occlusion_strength", 1.0)
        load_rows = environment_cost(engines["IBL + 1 light + occlusion"], folder)
        clocks: dict[str, list[Clock]] = {name: [] for name in engines}
        for r in range(ROUNDS):
            # Every other round in reverse order, so a load that drifts favours none.
            for name in list(engines)[:: 1 if r % 2 == 0 else -1]:
                clocks[name].append(orbit_loop(engines[name]))
    finally:
        for engine in engines.values():
            engine.close()
        shutil.rmtree(folder, ignore_errors=True)
    median = {name: sorted(c, key=lambda c: c.wall)[ROUNDS // 2] for name, c in clocks.items()}
    base = FRAMES / median["plain"].wall
    size = f"{SIZE[0]}x{SIZE[1]}"
    rows: list[Row] = []
    for name in list(engines)[1:]:
        fps = FRAMES / median[name].wall
        label = f"render {size}, {name} (fps)"
        rows.append((label, f"{fps:.1f}", f"{base:.1f} no lights", ratio(fps, base)))
    return rows + load_rows


def environment_cost(engine: RenderEngine, folder: Path) -> list[Row]:
    """The venue's environment made anew (captures + numpy) against read from its file."""
    hidden = list(engine.exhibit_nodes.values())
    with Clock() as made:
        cube = Graphics.call(environment.capture, engine, engine.venue, hidden)
        assert cube is not None
        env = environment.Environment.from_cube(cube)
    path = folder / "environment.npz"
    env.save(path)
    with Clock() as read:
        environment.Environment.load(path)
    return [
        (
            "venue environment at load, computed vs read back (ms)",
            f"{made.wall * 1000:.0f}",
            f"{read.wall * 1000:.1f} cached",
            ratio(read.wall, made.wall),
        )
    ]


if __name__ == "__main__":
    sys.stdout.write(table(run()))
