"""Animated models against the same models standing still, in one run.

Workload: one exhibit alone in the sample venue (``assets/venue.glb``), seen from its
orbit view at 1280x720, full-size frames (no preview), the camera turning one degree a
frame so that every frame renders whether or not the model moves.  Models (from
``../shared/corpus/valid``; issue 19 names CesiumMan, which is not in the corpus): the
Fox (skinned, 24 joints, 1,728 vertices, its Walk), RiggedSimple_Draco (skinned, 2 joints,
Draco-compressed) and the CesiumMilkTruck (node animation: the wheels).  Ours: the model
playing; reference: the same engine with the model stopped (its rest pose), so the ratio
is what posing costs a frame (skins posed by Panda3D on the CPU).  Then the Fox skinned on
the GPU (:func:`~museion.runtime.skinning.skin_on_gpu`, the lean shader's SKINNING
variant) against its CPU-skinned figure.  Each pair alternates three rounds, every other
one in reverse order, keeping the median.  A still view with a
still camera does not render at all: that costs one check a frame, not measured here.

python bench/animation.py
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from instruments.orbit import orbit_loop as orbit  # noqa: E402
from instruments.table import Row, ratio, table  # noqa: E402
from render_encode import Clock  # noqa: E402

from museion.runtime.engine import RenderEngine  # noqa: E402
from museion.runtime.settings import RuntimeSettings  # noqa: E402
from museion.runtime.skinning import skin_on_gpu  # noqa: E402
from museion.scenes.checked_scene import open_scene  # noqa: E402

ASSETS = HERE.parent / "assets"
CORPUS = HERE.parent.parent / "shared" / "corpus" / "valid"
SIZE = (1280, 720)
FRAMES = 30
ROUNDS = 3
# (label, corpus folder, file, scale, animation)
MODELS = (
    ("Fox walking", "Fox", "Fox.glb", 0.01, "Walk"),
    ("RiggedSimple", "RiggedSimple_Draco", "RiggedSimple.gltf", 0.2, None),
    ("CesiumMilkTruck wheels", "CesiumMilkTruck", "CesiumMilkTruck.gltf", 0.5, None),
)


def scene(folder: Path, corpus: str, asset: str, scale: float) -> Path:
    """The sample venue with the corpus model ``asset`` as its one exhibit."""
    folder.mkdir()
    shutil.copy(ASSETS / "venue.glb", folder)
    for part in (CORPUS / corpus).iterdir():
        shutil.copy(part, folder)
    data = {
        "format": "museion.scene",
        "version": 2,
        "default_language": "en",
        "title": {"en": "Animation bench"},
        "venue": "venue.glb",
        "exhibits": [
            {
                "id": "model",
                "asset": asset,
                "metadata": {"title": {"en": corpus}},
                "pedestal": False,
                "transform": {"translation": [-1, 0, 0], "scale": scale},
            }
        ],
    }
    path = folder / "bench.scene.json"
    path.write_text(json.dumps(data))
    return path


def orbit_loop(engine: RenderEngine) -> Clock:
    """FRAMES full-size renders, one degree apart."""
    return orbit(engine, engine.exhibit_views["model"][0], SIZE, FRAMES)


def measure(engine: RenderEngine, animation: str | None) -> tuple[float, float]:
    """(fps playing, fps stopped) over alternating rounds, each the median round."""
    clocks: dict[bool, list[Clock]] = {True: [], False: []}
    for r in range(ROUNDS):
        for playing in (True, False) if r % 2 == 0 else (False, True):
            if playing:
                engine._call(engine.animator.play, "model", animation)
            else:
                engine._call(engine.animator.stop, "model")
            clocks[playing].append(orbit_loop(engine))
    median = {k: sorted(c, key=lambda c: c.wall)[ROUNDS // 2] for k, c in clocks.items()}
    return FRAMES / median[True].wall, FRAMES / median[False].wall


def run() -> list[Row]:
    if not CORPUS.is_dir():
        return [("animation bench", "-", "the glTF corpus is absent", "-")]
    folder = Path(tempfile.mkdtemp(prefix="museion-bench-animation-"))
    size = f"{SIZE[0]}x{SIZE[1]}"
    rows: list[Row] = []
    try:
        for label, corpus, asset, scale, animation in MODELS:
            path = scene(folder / corpus, corpus, asset, scale)
            engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=path.parent))
            try:
                playing, still = measure(engine, animation)
                rows.append(
                    (
                        f"render {size} orbit, {label} (fps)",
                        f"{playing:.1f}",
                        f"{still:.1f} still",
                        ratio(playing, still),
                    )
                )
                if corpus == "Fox" and engine.lights is not None:
                    characters = engine.root.find_all_matches("**/+Character")
                    engine._call(skin_on_gpu, characters, engine.lights.defines(moving=False))
                    gpu, _ = measure(engine, animation)
                    rows.append(
                        (
                            f"render {size} orbit, {label}, GPU skinning (fps)",
                            f"{gpu:.1f}",
                            f"{playing:.1f} CPU",
                            ratio(gpu, playing),
                        )
                    )
            finally:
                engine.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


if __name__ == "__main__":
    sys.stdout.write(table(run()))
