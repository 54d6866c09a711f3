"""A scene document together with every glTF it names, each through the gate.

This is what the engine receives: it never resolves a path from a document itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from museion.scenes.document.file import read_scene
from museion.scenes.document.loader import media_file
from museion.scenes.document.model import ModelCamera, SceneDocument
from museion.scenes.errors import AssetRejected, SceneInvalid, SceneIssue
from museion.scenes.gltf.cameras import ModelCameraPose, camera_label, find_camera, model_cameras
from museion.scenes.gltf.gate import CheckedGltf, check_gltf, read_gltf

__all__ = [
    "CheckedScene",
    "animation_names",
    "check_scene",
    "media_names",
    "model_camera_poses",
    "model_facts",
    "open_scene",
]


@dataclass(frozen=True)
class CheckedScene:
    """The document and its models: ``models[name]`` for the venue, pedestal and exhibits.

    ``media`` maps every narration recording and hotspot image the document names to its
    file: the only files besides the page that a server may hand to visitors (the models
    themselves never leave it).
    """

    document: SceneDocument
    models: dict[str, CheckedGltf]
    asset_root: Path
    media: dict[str, Path] = field(default_factory=dict)

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
    media = _media(document, asset_root, issues)
    issues.extend(_animation_issues(document, models))
    issues.extend(_camera_issues(document, models))
    if issues:
        raise SceneInvalid(issues)
    return CheckedScene(document=document, models=models, asset_root=asset_root, media=media)


def animation_names(model: CheckedGltf) -> tuple[str, ...]:
    """``model``'s animations in glTF order, named as the runtime names them (``anim<i>``
    when unnamed)."""
    document = read_gltf(model.path.parent, model.path.name).document
    animations = document.get("animations")
    return tuple(
        str(a.get("name", f"anim{i}")) if isinstance(a, dict) else f"anim{i}"
        for i, a in enumerate(animations if isinstance(animations, list) else [])
    )


def model_facts(model: CheckedGltf) -> dict[str, Any]:
    """What a scene document may name of ``model`` (the studio's forms offer it): its
    animations' names and its cameras (index and the names each answers to), in glTF order."""
    cameras = [{"index": pose.index, "names": list(pose.names)} for pose in _cameras_of(model)]
    return {"animations": list(animation_names(model)), "cameras": cameras}


def _animation_issues(document: SceneDocument, models: dict[str, CheckedGltf]) -> list[SceneIssue]:
    """UNKNOWN_ANIMATION where an exhibit or a tour step names an animation its model does
    not have (or asks one of a model that has none)."""
    wanted: list[tuple[str, str, str | None]] = []  # (pointer, exhibit id, name)
    for e, exhibit in enumerate(document.exhibits):
        if exhibit.animation:
            wanted.append((f"/exhibits/{e}/animation", exhibit.id, exhibit.animation.name))
    for t, tour in enumerate(document.tours):
        for s, step in enumerate(tour.steps):
            if step.play is not None:
                play = step.play
                wanted.append((f"/tours/{t}/steps/{s}/play", play.exhibit, play.animation))
    assets = {e.id: e.asset for e in document.exhibits}
    known: dict[str, tuple[str, ...]] = {}
    issues = []
    for pointer, exhibit_id, name in wanted:
        asset = assets.get(exhibit_id)
        if asset is None or asset not in models:
            continue  # a dangling exhibit or a refused model is reported already
        if asset not in known:
            known[asset] = animation_names(models[asset])
        names = known[asset]
        if not names:
            issues.append(
                SceneIssue(pointer, "UNKNOWN_ANIMATION", f"the model {asset} has no animations")
            )
        elif name is not None and name not in names:
            issues.append(
                SceneIssue(
                    pointer,
                    "UNKNOWN_ANIMATION",
                    f"the model {asset} has no animation {name!r}; it has "
                    + ", ".join(repr(n) for n in names),
                )
            )
    return issues


def model_camera_poses(scene: CheckedScene) -> dict[ModelCamera, ModelCameraPose]:
    """Each glTF camera the document's tours rest on, as its model places it (in the model's
    own frame); one the model lacks is left out (the checker refused it already)."""
    assets = {e.id: e.asset for e in scene.document.exhibits}
    found: dict[ModelCamera, ModelCameraPose] = {}
    read: dict[str, tuple[ModelCameraPose, ...]] = {}
    for wanted in _model_cameras(scene.document).values():
        asset = assets.get(wanted.exhibit)
        if asset is None or asset not in scene.models:
            continue
        if asset not in read:
            read[asset] = _cameras_of(scene.models[asset])
        pose = find_camera(read[asset], wanted.name, wanted.index)
        if pose is not None:
            found[wanted] = pose
    return found


def _cameras_of(model: CheckedGltf) -> tuple[ModelCameraPose, ...]:
    return model_cameras(read_gltf(model.path.parent, model.path.name).document)


def _model_cameras(document: SceneDocument) -> dict[str, ModelCamera]:
    """Every tour step's glTF camera, by the step's JSON pointer."""
    return {
        f"/tours/{t}/steps/{s}/camera": step.camera
        for t, tour in enumerate(document.tours)
        for s, step in enumerate(tour.steps)
        if isinstance(step.camera, ModelCamera)
    }


def _camera_issues(document: SceneDocument, models: dict[str, CheckedGltf]) -> list[SceneIssue]:
    """UNKNOWN_CAMERA where a tour step rests on a camera its exhibit's model lacks."""
    assets = {e.id: e.asset for e in document.exhibits}
    read: dict[str, tuple[ModelCameraPose, ...]] = {}
    issues = []
    for pointer, wanted in _model_cameras(document).items():
        asset = assets.get(wanted.exhibit)
        if asset is None or asset not in models:
            continue  # a dangling exhibit or a refused model is reported already
        if asset not in read:
            read[asset] = _cameras_of(models[asset])
        if find_camera(read[asset], wanted.name, wanted.index) is not None:
            continue
        which = repr(wanted.name) if wanted.name is not None else f"with index {wanted.index}"
        have = ", ".join(camera_label(c) for c in read[asset])
        issues.append(
            SceneIssue(
                pointer,
                "UNKNOWN_CAMERA",
                f"the model {asset} has no camera {which}; "
                + (f"it has {have}" if have else "it has none"),
            )
        )
    return issues


def media_names(document: SceneDocument) -> dict[str, str]:
    """Every narration recording and hotspot image ``document`` names, by JSON pointer."""
    names: dict[str, str] = {}
    for t, tour in enumerate(document.tours):
        for s, step in enumerate(tour.steps):
            if isinstance(step.audio, str):
                names[f"/tours/{t}/steps/{s}/audio"] = step.audio
            elif step.audio:
                for tag, name in step.audio.items():
                    names[f"/tours/{t}/steps/{s}/audio/{tag}"] = name
    for e, exhibit in enumerate(document.exhibits):
        for h, hotspot in enumerate(exhibit.hotspots):
            if hotspot.image:
                names[f"/exhibits/{e}/hotspots/{h}/image"] = hotspot.image
    return names


def _media(document: SceneDocument, asset_root: Path, issues: list[SceneIssue]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pointer, name in media_names(document).items():
        path = media_file(asset_root, name, pointer)
        if isinstance(path, SceneIssue):
            issues.append(path)
        else:
            found[name] = path
    return found


def open_scene(path: Path, asset_root: Path | None = None) -> CheckedScene:
    """Read, validate and gate the scene at ``path`` (assets default to its folder)."""
    root = asset_root if asset_root is not None else path.parent
    return check_scene(read_scene(path, asset_root=root), root)
