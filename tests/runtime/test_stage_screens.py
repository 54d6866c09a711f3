"""Stage screens against real renders: a picture put on a screen appears where the screen
stands in the venue, the right way up and in its own colours."""

from __future__ import annotations

import numpy as np
import pytest

from museion.runtime.camera import view_from_pose
from museion.runtime.engine import RenderEngine
from museion.runtime.stage_screens import STANDBY_COLOUR, fit, letterbox
from tests.stage_scene import FACING, H, W, on_screen

AWAY = view_from_pose((0.0, 1.6, 1.0), (0.0, 1.6, 3.0), fov=45.0)


def quadrants(width: int, height: int) -> np.ndarray:
    """Red top left, green top right, blue bottom left, white bottom right."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2, : width // 2] = (255, 0, 0)
    image[: height // 2, width // 2 :] = (0, 255, 0)
    image[height // 2 :, : width // 2] = (0, 0, 255)
    image[height // 2 :, width // 2 :] = (255, 255, 255)
    return image


def test_the_picture_shows_on_the_screen_the_right_way_up(stage: RenderEngine) -> None:
    assert stage.screen_size("main") == (640, 360)
    stage.show_on_screen("main", None)
    source = stage.open_view(W, H, preview=False)
    try:
        standby = source.frame(FACING)
        assert np.abs(on_screen(standby, 0.5, 0.5) - STANDBY_COLOUR).max() <= 3
        stage.show_on_screen("main", quadrants(640, 360))
        shown = source.frame(FACING)
    finally:
        source.close()
    assert shown is not standby
    expected = {
        (0.25, 0.25): (255, 0, 0),
        (0.75, 0.25): (0, 255, 0),
        (0.25, 0.75): (0, 0, 255),
        (0.75, 0.75): (255, 255, 255),
    }
    for (u, v), colour in expected.items():
        assert np.abs(on_screen(shown, u, v) - colour).max() <= 12, (u, v)


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
    source = stage.open_view(W, H, preview=False)
    try:
        square = np.full((360, 360, 3), 255, np.uint8)  # a 1:1 picture on a 16:9 screen
        stage.show_on_screen("main", square)
        image = source.frame(FACING)
        assert on_screen(image, 0.5, 0.5).min() >= 240
        assert on_screen(image, 0.05, 0.5).max() <= 12  # black bars
        stage.show_on_screen("main", None)
        image = source.frame(FACING)
        assert np.abs(on_screen(image, 0.5, 0.5) - STANDBY_COLOUR).max() <= 3
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
