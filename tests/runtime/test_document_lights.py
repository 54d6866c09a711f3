"""A scene document's lights light the render (the lean shader's key light and ambient)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from tests.conftest import copy_gallery

pytestmark = pytest.mark.render


def _mean_brightness(folder: Path, lights: list[dict[str, Any]]) -> float:
    folder.mkdir()
    path = copy_gallery(folder)
    data = json.loads(path.read_text())
    data["lights"] = lights
    path.write_text(json.dumps(data, ensure_ascii=False))
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=folder))
    try:
        source = engine.open_view(320, 180, preview=False)
        return float(np.asarray(source.frame(engine.home), float).mean())
    finally:
        engine.close()


def test_dimming_the_documents_lights_darkens_the_picture(tmp_path: Path) -> None:
    key = {"type": "directional", "color": [1, 1, 1], "direction": [-0.45, -0.75, -0.5]}
    bright = _mean_brightness(tmp_path / "a", [{**key, "intensity": 3.0}])
    dim = _mean_brightness(
        tmp_path / "b", [{**key, "intensity": 0.3}, {"type": "ambient", "intensity": 0.3}]
    )
    assert dim < 0.6 * bright, (dim, bright)
