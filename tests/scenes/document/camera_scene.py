"""A small exhibition whose one exhibit is glTF-Sample's Cameras model, and a tour resting
on its cameras: for the document, checker and runtime tests of model cameras."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import ASSETS

CAMERAS = Path("/work/shared/corpus/valid/Cameras")
PLACED = {"translation": [0.4, 1.1, 0.5], "rotation": [30, 0, 0], "scale": 1.5}
"""Where the Cameras exhibit stands (yaw 30 degrees, 1.5x): the step's view goes through it."""


def camera_document(camera: dict[str, Any]) -> dict[str, Any]:
    """The exhibition, its tour's one step resting on ``camera``."""
    return {
        "format": "museion.scene",
        "version": 2,
        "default_language": "en",
        "title": {"en": "Cameras"},
        "venue": "hall.glb",
        "exhibits": [
            {
                "id": "cams",
                "asset": "Cameras.gltf",
                "transform": PLACED,
                "pedestal": False,
                "metadata": {"title": {"en": "A square and two cameras"}},
            }
        ],
        "tours": [
            {
                "id": "through",
                "title": {"en": "Through its camera"},
                "steps": [{"camera": camera, "narration": {"en": "As its maker framed it"}}],
            }
        ],
    }


def camera_exhibition(folder: Path, camera: dict[str, Any]) -> Path:
    """Write the exhibition in ``folder`` (hall and model copied); its document's path."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ASSETS / "hall.glb", folder)
    for name in ("Cameras.gltf", "simpleSquare.bin"):
        shutil.copy(CAMERAS / name, folder)
    path = folder / "cameras.scene.json"
    path.write_text(json.dumps(camera_document(camera)), "utf-8")
    return path
