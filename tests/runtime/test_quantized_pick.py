"""A model the optimizer quantized (integer positions under a ~1e-5 node scale) is clicked
as surely as its original: picking and a hotspot on an imported scan depend on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from museion.runtime.engine import RenderEngine
from museion.scenes.checked_scene import open_scene
from museion.tools.studio import import_model
from tests.conftest import ASSETS

pytestmark = pytest.mark.render


def _scene_with(folder: Path, asset: str) -> Path:
    """The example hall's venue with one exhibit of ``asset``, no tours, no walking."""
    data = json.loads((ASSETS / "example.scene.json").read_text())
    data["exhibits"] = [
        {"id": "bell", "asset": asset, "metadata": {"title": {"zh": "钟"}}, "pedestal": False}
    ]
    for key in ("tours", "spawn", "walkable", "stage_screens"):
        data.pop(key, None)
    path = folder / f"{Path(asset).stem}.scene.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


@pytest.mark.parametrize("quantized", [False, True], ids=["original", "optimized"])
def test_a_click_on_the_relic_finds_it(tmp_path: Path, quantized: bool) -> None:
    for glb in ASSETS.glob("*.glb"):
        shutil.copy(glb, tmp_path)
    asset = "relic-bell.glb"
    if quantized:
        asset = import_model(tmp_path, ASSETS / "relic-bell.glb", "bell.glb").asset
    engine = RenderEngine(open_scene(_scene_with(tmp_path, asset)))
    try:
        view = engine.exhibit_views["bell"][0]
        hit = engine._call(engine.picker.pick, view, 320, 180, 160, 90)
        assert hit is not None and hit.exhibit == "bell", hit
    finally:
        engine.close()
