"""An exhibit's ``animation`` and a tour step's ``play``: loaded, saved canonically,
bounded by the schema, and an animation its model lacks refused when the scene is
checked (UNKNOWN_ANIMATION)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from museion.scenes.checked_scene import check_scene
from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import Animation, TourPlay
from museion.scenes.errors import SceneInvalid
from tests.conftest import ASSETS, CORPUS
from tests.scenes.document.scene_examples import VALID, _edit, _set


def _with_fields(document: dict[str, Any]) -> None:
    document["exhibits"][0]["animation"] = {"name": "Walk", "speed": 0.5}
    document["exhibits"][1]["animation"] = False
    document["tours"][0]["steps"][0]["play"] = {"exhibit": "lid", "animation": "Open"}


def test_fields_load_with_their_defaults_and_save_canonically() -> None:
    raw = _edit(_with_fields)
    document = load_scene(raw)
    assert document.exhibits[0].animation == Animation("Walk", True, 0.5)
    assert document.exhibits[1].animation is False
    assert all(e.animation is None for e in document.exhibits[2:])
    assert document.tours[0].steps[0].play == TourPlay("lid", "Open", True, 1.0)
    once = dump_scene(document)
    saved = json.loads(once)
    assert saved["exhibits"][0]["animation"] == {"name": "Walk", "loop": True, "speed": 0.5}
    assert saved["exhibits"][1]["animation"] is False
    assert all("animation" not in e for e in saved["exhibits"][2:])
    assert load_scene(once) == document
    assert dump_scene(load_scene(once)) == once


def test_a_document_without_them_saves_without_them() -> None:
    saved = dump_scene(load_scene(json.dumps(VALID, ensure_ascii=False).encode()))
    assert b'"animation"' not in saved and b'"play"' not in saved


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        ("/exhibits/0/animation", True, "INVALID_VALUE"),
        ("/exhibits/0/animation", {"speed": 0}, None),
        ("/exhibits/0/animation", {"speed": 11}, None),
        ("/exhibits/0/animation", {"name": ""}, None),
        ("/exhibits/0/animation", {"loop": "yes"}, None),
        ("/exhibits/0/animation", {"dance": 1}, None),
        ("/tours/0/steps/0/play", {"animation": "Open"}, None),
        ("/tours/0/steps/0/play", {"exhibit": "nobody"}, "DANGLING_REFERENCE"),
    ],
)
def test_bad_values_are_refused_with_a_pointer(path: str, value: Any, code: str | None) -> None:
    with pytest.raises(SceneInvalid) as refused:
        load_scene(_set(path, value))
    issues = refused.value.issues
    assert any(i.pointer.startswith(path) for i in issues), issues
    if code is not None:
        assert any(i.code == code for i in issues), issues


def _truck_scene(folder: Path, animation: Any, play: Any = None) -> Any:
    shutil.copy(ASSETS / "venue.glb", folder / "venue.glb")
    for part in (CORPUS / "valid" / "CesiumMilkTruck").iterdir():
        shutil.copy(part, folder / part.name)
    step: dict[str, Any] = {"narration": {"en": "Look"}, "exhibit": "truck"}
    if play is not None:
        step["play"] = play
    document = {
        "format": "museion.scene",
        "version": 2,
        "default_language": "en",
        "title": {"en": "Truck"},
        "venue": "venue.glb",
        "exhibits": [
            {
                "id": "truck",
                "asset": "CesiumMilkTruck.gltf",
                "metadata": {"title": {"en": "Truck"}},
                "pedestal": False,
                "animation": animation,
            },
            {
                "id": "hall",
                "asset": "venue.glb",
                "metadata": {"title": {"en": "Hall"}},
                "pedestal": False,
            },
        ],
        "tours": [{"id": "t", "title": {"en": "T"}, "steps": [step]}],
    }
    return load_scene(json.dumps(document).encode())


@pytest.mark.skipif(not (CORPUS / "valid").is_dir(), reason="the glTF corpus is absent")
def test_an_animation_the_model_lacks_is_refused_when_checked(tmp_path: Path) -> None:
    good = _truck_scene(tmp_path, {"name": "Wheels"}, {"exhibit": "truck", "animation": "Wheels"})
    assert check_scene(good, tmp_path).document is good
    bad = _truck_scene(tmp_path, {"name": "Honk"}, {"exhibit": "hall", "animation": "Wheels"})
    with pytest.raises(SceneInvalid) as refused:
        check_scene(bad, tmp_path)
    found = {(i.pointer, i.code) for i in refused.value.issues}
    assert ("/exhibits/0/animation", "UNKNOWN_ANIMATION") in found
    assert ("/tours/0/steps/0/play", "UNKNOWN_ANIMATION") in found  # the venue has none
    assert any("'Wheels'" in i.message for i in refused.value.issues)
