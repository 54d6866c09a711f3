"""Stage screens against real renders: a picture put on a screen appears where the screen
stands in the venue, the right way up and in its own colours."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from museion.runtime.camera import project, view_from_pose
from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.runtime.stage_screens import STANDBY_COLOUR, fit, letterbox
from museion.scenes.checked_scene import check_scene
from museion.scenes.scene_loader import load_scene
from tests.conftest import ASSETS

W, H = 480, 270
SCREEN_AT = (0.0, 1.6, -1.5)
SCREEN_W, SCREEN_H = 1.6, 0.9
SCENE = {
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
AWAY = view_from_pose((0.0, 1.6, 1.0), (0.0, 1.6, 3.0), fov=45.0)


def quadrants(width: int, height: int) -> np.ndarray:
    """Red top left, green top right, blue bottom left, white bottom right."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2, : width // 2] = (255, 0, 0)
    image[: height // 2, width // 2 :] = (0, 255, 0)
    image[height // 2 :, : width // 2] = (0, 0, 255)
    image[height // 2 :, width // 2 :] = (255, 255, 255)
    return image


@pytest.fixture(scope="module")
def stage() -> Iterator[RenderEngine]:
    document = load_scene(json.dumps(SCENE).encode(), asset_root=ASSETS)
    engine = RenderEngine(check_scene(document, ASSETS), RuntimeSettings(asset_root=ASSETS))
    yield engine
    engine.close()


def _pixel(image: np.ndarray, point: tuple[float, float, float]) -> np.ndarray:
    where = project(FACING, W, H, point)
    assert where is not None
    return image[round(where[1]), round(where[0])].astype(int)


def test_the_picture_shows_on_the_screen_the_right_way_up(stage: RenderEngine) -> None:
    assert stage.screen_size("main") == (640, 360)
    x, y, z = SCREEN_AT
    dx, dy = SCREEN_W / 4, SCREEN_H / 4
    source = stage.open_view(W, H, preview=False)
    try:
        standby = source.frame(FACING)
        assert np.abs(_pixel(standby, SCREEN_AT) - STANDBY_COLOUR).max() <= 3
        stage.show_on_screen("main", quadrants(640, 360))
        shown = source.frame(FACING)
    finally:
        source.close()
    assert shown is not standby
    expected = {
        (x - dx, y + dy, z): (255, 0, 0),
        (x + dx, y + dy, z): (0, 255, 0),
        (x - dx, y - dy, z): (0, 0, 255),
        (x + dx, y - dy, z): (255, 255, 255),
    }
    for point, colour in expected.items():
        assert np.abs(_pixel(shown, point) - colour).max() <= 12, point


def test_a_view_renders_anew_only_for_a_screen_it_can_see(stage: RenderEngine) -> None:
    facing = stage.open_view(W, H, preview=False)
    away = stage.open_view(W, H, preview=False)
    try:
        first_facing, first_away = facing.frame(FACING), away.frame(AWAY)
        assert facing.frame(FACING) is first_facing  # nothing changed: the same array
        stage.show_on_screen("main", quadrants(640, 360)[::-1].copy())
        assert facing.frame(FACING) is not first_facing
        assert away.frame(AWAY) is first_away  # the screen is behind this visitor
        renders = facing.renders
        facing.frame(FACING)
        assert facing.renders == renders
    finally:
        facing.close()
        away.close()


def test_a_picture_of_another_shape_is_letterboxed_and_standby_comes_back(
    stage: RenderEngine,
) -> None:
    x, y, z = SCREEN_AT
    source = stage.open_view(W, H, preview=False)
    try:
        square = np.full((360, 360, 3), 255, np.uint8)  # a 1:1 picture on a 16:9 screen
        stage.show_on_screen("main", square)
        image = source.frame(FACING)
        assert _pixel(image, SCREEN_AT).min() >= 240
        assert _pixel(image, (x - SCREEN_W * 0.45, y, z)).max() <= 12  # black bars
        stage.show_on_screen("main", None)
        image = source.frame(FACING)
        assert np.abs(_pixel(image, SCREEN_AT) - STANDBY_COLOUR).max() <= 3
    finally:
        source.close()


def test_a_malformed_picture_is_refused(stage: RenderEngine) -> None:
    with pytest.raises(ValueError, match="uint8 RGB"):
        stage.show_on_screen("main", np.zeros((36, 64), np.uint8))
    with pytest.raises(KeyError):
        stage.show_on_screen("nowhere", None)


def test_fit_and_letterbox() -> None:
    assert fit(3840, 2160, (640, 360)) == (640, 360)
    assert fit(1080, 1920, (640, 360)) == (202, 360)
    assert fit(640, 480, (640, 360)) == (480, 360)
    boxed = letterbox(np.full((360, 480, 3), 9, np.uint8), 640, 360)
    assert boxed.shape == (360, 640, 3)
    assert boxed[:, :80].max() == 0 and boxed[:, 80:560].min() == 9 and boxed[:, 560:].max() == 0
