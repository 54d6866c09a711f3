"""A view that changes size mid-visit: a quality ladder's smaller rungs, a phone's shape."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from museion.runtime.camera import ViewState, fitted
from museion.runtime.engine import RenderEngine
from museion.runtime.errors import RenderError
from tests.conftest import centre_patch, is_bronze, is_neutral

pytestmark = pytest.mark.render


def _mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def test_a_smaller_rung_renders_smaller_and_the_top_one_exactly_as_before(
    engine: RenderEngine,
) -> None:
    source = engine.open_view(1280, 720)
    small = engine.open_view(640, 360)
    try:
        whole = source.frame(engine.home).copy()
        source.resize(640, 360)
        assert source.size == (1280, 720)  # takes effect with the next frame
        shrunk = source.frame(engine.home)
        assert shrunk.shape == (360, 640, 3) and source.size == (640, 360)
        # The same picture a view made at 640x360 draws.
        assert _mean_difference(shrunk, small.frame(engine.home)) < 1.0
        source.resize(1280, 720)
        back = source.frame(engine.home)
        assert np.array_equal(back, whole)  # the top rung's picture, pixel for pixel
    finally:
        source.close()
        small.close()


def test_a_moving_preview_follows_the_rung(engine: RenderEngine) -> None:
    source = engine.open_view(1280, 720)
    try:
        source.resize(640, 360)
        source.rendered(engine.home)
        turned = replace(engine.home, yaw=engine.home.yaw + 30)
        preview = source.rendered(turned)  # the preview at its own size: half the rung's
        assert preview.shape == (180, 320, 3)
        assert source.frame(turned).shape == (360, 640, 3)
    finally:
        source.close()


def test_a_portrait_view_keeps_the_relic_whole_across_its_width(engine: RenderEngine) -> None:
    source = engine.open_view(1280, 720)
    try:
        source.resize(360, 640)
        image = source.frame(engine.home)
        assert image.shape == (640, 360, 3)
        assert is_bronze(centre_patch(image)), centre_patch(image)
        # Its field of view widened: the walls show left and right of the relic.
        for edge in (image[300:340, 4:20], image[300:340, -20:-4]):
            assert is_neutral(np.median(edge.reshape(-1, 3), axis=0))
    finally:
        source.close()


def test_fitted_widens_portrait_only() -> None:
    view = ViewState(fov=45.0)
    assert fitted(view, 1280, 720) is view
    assert fitted(view, 720, 720) is view
    tall = fitted(view, 360, 720)
    # Its width spans 45 degrees, as a square picture's would.
    half_width = np.tan(np.radians(tall.fov) / 2) * 360 / 720
    assert abs(np.degrees(2 * np.arctan(half_width)) - 45.0) < 1e-9


def test_a_released_view_goes_back_to_its_size_for_the_next_visitor(
    engine: RenderEngine,
) -> None:
    source = engine.open_view(336, 192)
    source.resize(160, 96)
    assert source.frame(engine.home).shape == (96, 160, 3)
    source.close()
    again = engine.open_view(336, 192)
    try:
        assert again.size == (336, 192)
        assert again.frame(engine.home).shape == (192, 336, 3)
    finally:
        again.close()


def test_an_unrenderable_size_is_refused(engine: RenderEngine) -> None:
    source = engine.open_view(320, 180)
    try:
        with pytest.raises(RenderError) as caught:
            source.resize(8, 4)
        assert caught.value.code == "BAD_SIZE"
        assert source.frame(engine.home).shape == (180, 320, 3)
    finally:
        source.close()
