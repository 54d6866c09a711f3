"""Scene documents: the model (exhibits, metadata, tours, stage screens), its JSON Schema,
loading with every issue at once, migrations of older versions, atomic canonical saves."""

from museion.scenes.document.file import dump_scene, read_scene, save_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import SceneDocument
from museion.scenes.document.schema import SCENE_SCHEMA

__all__ = ["SCENE_SCHEMA", "SceneDocument", "dump_scene", "load_scene", "read_scene", "save_scene"]
