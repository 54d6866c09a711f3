"""A tour step resting on a camera an exhibit's glTF carries: loaded, saved canonically,
malformed ones refused by the loader, and one the model lacks by the scene checker
(UNKNOWN_CAMERA, naming the cameras it has)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from museion.scenes.checked_scene import model_camera_poses, open_scene
from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import ModelCamera, Pose
from museion.scenes.errors import SceneInvalid
from museion.scenes.gltf.cameras import find_camera, model_cameras
from tests.scenes.document.camera_scene import CAMERAS, camera_exhibition
from tests.scenes.document.scene_examples import _set

STEP = "/tours/0/steps/1/camera"


def test_a_model_camera_loads_and_saves_canonically() -> None:
    document = load_scene(_set(STEP, {"exhibit": "vessel", "name": "front"}))
    assert document.tours[0].steps[1].camera == ModelCamera("vessel", "front")
    once = dump_scene(document)
    assert json.loads(once)["tours"][0]["steps"][1]["camera"] == {
        "exhibit": "vessel",
        "name": "front",
    }
    assert load_scene(once) == document
    assert dump_scene(load_scene(once)) == once


def test_by_index_and_the_pose_beside_it_both_round_trip() -> None:
    document = load_scene(_set(STEP, {"exhibit": "lid", "index": 0}))
    assert document.tours[0].steps[1].camera == ModelCamera("lid", None, 0)
    assert load_scene(dump_scene(document)) == document
    posed = load_scene(_set(STEP, {"position": [2, 1.6, 2], "target": [0, 1.2, 0]}))
    assert posed.tours[0].steps[1].camera == Pose((2, 1.6, 2), (0, 1.2, 0), 45.0)


@pytest.mark.parametrize(
    ("camera", "code", "pointer"),
    [
        ({"exhibit": "vessel"}, "CAMERA_MALFORMED", STEP),
        ({"exhibit": "vessel", "name": "a", "index": 1}, "CAMERA_MALFORMED", STEP),
        ({"exhibit": "vessel", "name": "a", "target": [0, 0, 0]}, "CAMERA_MALFORMED", STEP),
        ({"position": [0, 1, 2]}, "CAMERA_MALFORMED", STEP),
        ({"position": [0, 1, 2], "target": [0, 0, 0], "index": 0}, "CAMERA_MALFORMED", STEP),
        ({"exhibit": "nobody", "index": 0}, "DANGLING_REFERENCE", f"{STEP}/exhibit"),
        ({"exhibit": "vessel", "index": -1}, "OUT_OF_RANGE", f"{STEP}/index"),
        ({"exhibit": "vessel", "index": 1.5}, "TYPE_MISMATCH", f"{STEP}/index"),
        ({"exhibit": "vessel", "name": ""}, "INVALID_VALUE", f"{STEP}/name"),
        ({"exhibit": "vessel", "nom": "a"}, "UNKNOWN_FIELD", f"{STEP}/nom"),
    ],
)
def test_malformed_cameras_are_refused_with_their_code(
    camera: dict[str, Any], code: str, pointer: str
) -> None:
    with pytest.raises(SceneInvalid) as refused:
        load_scene(_set(STEP, camera))
    assert (pointer, code) in {(i.pointer, i.code) for i in refused.value.issues}, (
        refused.value.issues
    )


def test_the_cameras_model_has_two_cameras_where_its_file_puts_them() -> None:
    document = json.loads((CAMERAS / "Cameras.gltf").read_text())
    cameras = model_cameras(document)
    assert [c.index for c in cameras] == [0, 1]
    first = cameras[0]
    assert first.position == pytest.approx((0.5, 0.5, 3.0))
    assert first.forward == pytest.approx((0.0, 0.0, -1.0))
    assert first.yfov == pytest.approx(math.degrees(0.7))
    assert cameras[1].yfov is None  # orthographic
    assert find_camera(cameras, None, 1) is cameras[1]
    assert find_camera(cameras, "nope", None) is None


def test_nested_and_named_camera_nodes_compose_their_parents() -> None:
    document = {
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [
            {"translation": [1, 0, 0], "rotation": [0, 0.7071068, 0, 0.7071068], "children": [1]},
            {"name": "gallery", "translation": [0, 2, 0], "camera": 0},
        ],
        "cameras": [{"type": "perspective", "perspective": {"yfov": 1.0, "znear": 0.1}}],
    }
    (camera,) = model_cameras(document)
    assert camera.names == ("gallery",)
    assert camera.position == pytest.approx((1.0, 2.0, 0.0))
    assert camera.forward == pytest.approx((-1.0, 0.0, 0.0), abs=1e-6)  # -Z turned 90° about Y


def test_the_checker_finds_the_camera_and_refuses_one_the_model_lacks(tmp_path: Path) -> None:
    scene = open_scene(camera_exhibition(tmp_path / "ok", {"exhibit": "cams", "index": 0}))
    (pose,) = model_camera_poses(scene).values()
    assert pose.index == 0
    with pytest.raises(SceneInvalid) as refused:
        open_scene(camera_exhibition(tmp_path / "name", {"exhibit": "cams", "name": "front"}))
    (issue,) = refused.value.issues
    assert (issue.pointer, issue.code) == ("/tours/0/steps/0/camera", "UNKNOWN_CAMERA")
    assert "'front'" in issue.message and "index 0 (perspective)" in issue.message
    with pytest.raises(SceneInvalid) as refused:
        open_scene(camera_exhibition(tmp_path / "index", {"exhibit": "cams", "index": 5}))
    assert refused.value.issues[0].code == "UNKNOWN_CAMERA"
