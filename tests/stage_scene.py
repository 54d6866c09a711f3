"""A venue with one stage screen, for the runtime's and the relay's stage-screen tests."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.runtime.camera import ViewState, project, view_from_pose
from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import check_scene
from museion.scenes.document.loader import load_scene
from tests.conftest import ASSETS

W, H = 480, 270
SCREEN_AT = (0.0, 1.6, -1.5)
SCREEN_W, SCREEN_H = 1.6, 0.9
STAGE_SCENE: dict[str, Any] = {
    "format": "museion.scene",
    "version": 2,
    "default_language": "en",
    "title": {"en": "Stage"},
    "venue": "venue.glb",
    "exhibits": [],
    "stage_screens": [
        {
            "id": "main",
            "name": {"en": "Main screen"},
            "position": list(SCREEN_AT),
            "width": SCREEN_W,
            "height": SCREEN_H,
            "stream": "show",
        }
    ],
}
FACING = view_from_pose((0.0, 1.6, 1.0), SCREEN_AT, fov=45.0)
"""A visitor 2.5 m in front of the screen, looking at its centre."""


def stage_engine(**settings: Any) -> RenderEngine:
    document = load_scene(json.dumps(STAGE_SCENE).encode(), asset_root=ASSETS)
    runtime = RuntimeSettings(asset_root=ASSETS, **settings)
    return RenderEngine(check_scene(document, ASSETS), runtime)


def on_screen(image: npt.NDArray[np.uint8], u: float, v: float, view: ViewState = FACING) -> Any:
    """The rendered colour (ints) at (u, v) of the screen: (0, 0) its top left, (1, 1) its
    bottom right, in a ``W`` x ``H`` frame seen from ``view``."""
    x, y, z = SCREEN_AT
    point = (x + (u - 0.5) * SCREEN_W, y + (0.5 - v) * SCREEN_H, z)
    where = project(view, W, H, point)
    assert where is not None
    return image[round(where[1]), round(where[0])].astype(int)
