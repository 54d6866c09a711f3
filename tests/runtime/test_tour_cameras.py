"""A tour step resting on a glTF camera shows what that camera sees (real renders).

The exhibition holds glTF-Sample's Cameras model, turned and scaled; the step's view is
checked against the camera as panda3d-gltf itself placed it in the loaded model (its
Camera node and lens: a reading independent of ours), and through a visitor's own tour.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from museion.runtime.camera import ViewState, view_from_pose
from museion.runtime.editing import SceneEditor
from museion.runtime.engine import RenderEngine
from museion.runtime.frame_source import Frame
from museion.runtime.settings import RuntimeSettings
from museion.runtime.tour_player import FLIGHT_SECONDS
from museion.runtime.view_commands import TourCommand
from museion.runtime.visit import Visit
from museion.scenes.checked_scene import open_scene
from museion.scenes.document.model import ModelCamera
from tests.scenes.document.camera_scene import camera_exhibition

pytestmark = pytest.mark.render

W, H = 240, 240  # the camera's own aspect ratio (1.0)
CAMERA = ModelCamera("cams", None, 0)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RenderEngine]:
    folder = tmp_path_factory.mktemp("cameras")
    path = camera_exhibition(folder, {"exhibit": "cams", "index": 0})
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=Path(folder)))
    yield engine
    engine.close()


def gltf_camera_view(hall: RenderEngine) -> ViewState:
    """Where panda3d-gltf put the model's first camera (its Camera node looks along +Y)."""

    def read() -> ViewState:
        from panda3d.core import Vec3

        camera = hall.exhibit_nodes["cams"].find("**/cam0")
        assert not camera.is_empty()
        eye = camera.get_pos(hall.root)
        ahead = hall.root.get_relative_vector(camera, Vec3(0, 1, 0))
        ahead.normalize()
        target = eye + ahead
        fov = camera.node().get_lens().get_fov()[1]
        return view_from_pose((eye.x, eye.z, -eye.y), (target.x, target.z, -target.y), float(fov))

    return hall._call(read)


def direction(view: ViewState) -> np.ndarray:
    eye, target = np.array(view.eye()), np.array(view.target)
    return (target - eye) / np.linalg.norm(target - eye)  # type: ignore[no-any-return]


def render(hall: RenderEngine, *views: ViewState) -> list[Frame]:
    source = hall.open_view(W, H, preview=False)
    try:
        return [source.frame(v).copy() for v in views]
    finally:
        source.close()


def test_the_step_looks_from_the_camera_where_the_model_puts_it(hall: RenderEngine) -> None:
    ours = hall.camera_views[CAMERA]
    theirs = gltf_camera_view(hall)
    assert ours.eye() == pytest.approx(theirs.eye(), abs=1e-4)
    assert direction(ours) == pytest.approx(direction(theirs), abs=1e-4)
    assert ours.fov == pytest.approx(math.degrees(0.7), abs=1e-3)
    assert ours.fov == pytest.approx(theirs.fov, abs=1e-2)


def test_its_frame_is_the_cameras_and_not_the_orbit_view(hall: RenderEngine) -> None:
    step, independent, orbit = render(
        hall, hall.camera_views[CAMERA], gltf_camera_view(hall), hall.exhibit_views["cams"][0]
    )
    same = np.abs(step.astype(np.int16) - independent).mean()
    apart = np.abs(step.astype(np.int16) - orbit).mean()
    assert same < 1.0, same
    assert apart > 10.0, apart
    # The camera faces the square from 3 m (4.5 m at the exhibit's scale): the square
    # (untextured, light grey) fills the middle of the frame, the hall shows round it.
    middle = step[H // 2 - 10 : H // 2 + 10, W // 2 - 10 : W // 2 + 10].astype(np.int16)
    assert middle.std(axis=(0, 1)).max() < 8, "one flat surface in the middle"


def test_a_visitors_tour_flies_to_the_cameras_view(hall: RenderEngine) -> None:
    visit = Visit(hall, 1000.0)
    visit.greeting()
    visit.apply(TourCommand("start", "through"), 1000.0)
    assert visit.view(1000.0 + FLIGHT_SECONDS) == hall.camera_views[CAMERA]


def test_the_view_follows_the_exhibit_when_the_studio_moves_it(hall: RenderEngine) -> None:
    assert hall.document is not None
    editor = SceneEditor(hall)
    original = hall.document.exhibit("cams").transform
    before = hall.camera_views[CAMERA]
    x, y, z = original.translation
    try:
        editor.move_exhibit("cams", dataclasses.replace(original, translation=(x - 0.5, y, z)))
        after = hall.camera_views[CAMERA]
        assert np.subtract(after.eye(), before.eye()) == pytest.approx((-0.5, 0, 0), abs=1e-4)
        assert after.eye() == pytest.approx(gltf_camera_view(hall).eye(), abs=1e-4)
    finally:
        editor.move_exhibit("cams", original)
