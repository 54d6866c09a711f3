"""Museion's documents: scenes, exhibits and glTF files read as data (no rendering, no I/O
beyond reading the files it is asked to check)."""

import logging

from museion.scenes.errors import AssetRejected, MuseionError, SceneError
from museion.scenes.gltf_gate import CheckedGltf, check_gltf
from museion.scenes.showcase import Showcase, open_showcase

__all__ = [
    "AssetRejected",
    "CheckedGltf",
    "MuseionError",
    "SceneError",
    "Showcase",
    "check_gltf",
    "open_showcase",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
