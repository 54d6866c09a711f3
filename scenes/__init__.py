"""Museion's documents: scenes, exhibits and glTF files read as data (no rendering, no I/O
beyond reading the files it is asked to check)."""

import logging

from museion.scenes.document.file import dump_scene, read_scene, save_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import SceneDocument
from museion.scenes.document.schema import SCENE_SCHEMA
from museion.scenes.errors import AssetRejected, MuseionError, SceneError, SceneInvalid, SceneIssue
from museion.scenes.gltf.gate import CheckedGltf, check_gltf
from museion.scenes.showcase import Showcase, open_showcase

__all__ = [
    "SCENE_SCHEMA",
    "AssetRejected",
    "CheckedGltf",
    "MuseionError",
    "SceneDocument",
    "SceneError",
    "SceneInvalid",
    "SceneIssue",
    "Showcase",
    "check_gltf",
    "dump_scene",
    "load_scene",
    "open_showcase",
    "read_scene",
    "save_scene",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
