"""A scene document together with every glTF it names, each through the gate.

This is what the engine receives: it never resolves a path from a document itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from museion.scenes.errors import AssetRejected, SceneInvalid, SceneIssue
from museion.scenes.gltf_gate import CheckedGltf, check_gltf
from museion.scenes.scene_file import read_scene
from museion.scenes.scene_model import SceneDocument

__all__ = ["CheckedScene", "check_scene", "open_scene"]


@dataclass(frozen=True)
class CheckedScene:
    """The document and its models: ``models[name]`` for the venue, pedestal and exhibits."""

    document: SceneDocument
    models: dict[str, CheckedGltf]
    asset_root: Path

    def model(self, name: str) -> CheckedGltf:
        """The checked model the document calls ``name``."""
        return self.models[name]


def check_scene(document: SceneDocument, asset_root: Path) -> CheckedScene:
    """Gate every model ``document`` names; raises :class:`SceneInvalid` listing failures."""
    names = {"/venue": document.venue}
    for index, exhibit in enumerate(document.exhibits):
        names[f"/exhibits/{index}/asset"] = exhibit.asset
    if any(e.pedestal for e in document.exhibits):
        names["/pedestal_asset"] = document.pedestal_asset
    models: dict[str, CheckedGltf] = {}
    issues: list[SceneIssue] = []
    for pointer, name in names.items():
        if name in models:
            continue
        try:
            models[name] = check_gltf(asset_root, name)
        except AssetRejected as exc:
            issues.append(SceneIssue(pointer, exc.code, exc.detail))
    if issues:
        raise SceneInvalid(issues)
    return CheckedScene(document=document, models=models, asset_root=asset_root)


def open_scene(path: Path, asset_root: Path | None = None) -> CheckedScene:
    """Read, validate and gate the scene at ``path`` (assets default to its folder)."""
    root = asset_root if asset_root is not None else path.parent
    return check_scene(read_scene(path, asset_root=root), root)
