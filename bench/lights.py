"""Point lights and occlusion in the lean shader against the lean path without them.

Workload: the example exhibition (``assets/example.scene.json``: seven relics in one hall)
at 1280x720, full-size frames (no preview) of the first relic's orbit, one degree a frame.
Reference: the same scene with no point light and no occlusion (the lean path as it was:
key light and hemisphere only; its light loop runs zero times).  Ours: one point light
beside the relic with occlusion on (``occlusion_strength`` 1 on the whole scene: the
shader's cost is the same whether a map is packed or not, the red channel being sampled
anyway); four point lights; and twenty lamps through a budget of four (each view draws
the four strongest where it looks: it should cost what four lights cost).  Configurations
alternate three rounds, every other one in reverse order; each keeps its median round
(llvmpipe shares the cores with everything else).  Target: ours at least
0.8x the reference's fps.

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

from instruments.table import Row, ratio, table  # noqa: E402
from render_encode import Clock  # noqa: E402

from museion.runtime.engine import RenderEngine  # noqa: E402
from museion.runtime.settings import RuntimeSettings  # noqa: E402
from museion.scenes.checked_scene import open_scene  # noqa: E402

ASSETS = HERE.parent / "assets"
SIZE = (1280, 720)
FRAMES = 30
ROUNDS = 3


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
    source = engine.open_view(*SIZE, preview=False)
    home = engine.home
    try:
        source.frame(dataclasses.replace(home, yaw=home.yaw - 1))
        with Clock() as clock:
            for i in range(FRAMES):
                source.frame(dataclasses.replace(home, yaw=home.yaw + i))
    finally:
        source.close()
    return clock


def run() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="museion-bench-lights-"))
    engines: dict[str, RenderEngine] = {}
    try:
        plain = gallery(folder / "plain", [])
        engines["plain"] = RenderEngine(open_scene(plain), RuntimeSettings(asset_root=plain.parent))
        target = engines["plain"].home.target
        configurations = (("1 light + occlusion", 1), ("4 lights", 4), ("20 lamps, budget 4", 20))
        for name, count in configurations:
            path = gallery(folder / name.split()[0], lamps_around(target, count))
            engines[name] = RenderEngine(open_scene(path), RuntimeSettings(asset_root=path.parent))
        engines["1 light + occlusion"].root.set_shader_input("occlusion_strength", 1.0)
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
    return rows


if __name__ == "__main__":
    sys.stdout.write(table(run()))
