"""Offscreen rendering with Panda3D on llvmpipe: what a visitor's view shows."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.errors import RenderError, ViewPoolExhausted
from tests.conftest import centre_patch, is_bronze, is_neutral, until

pytestmark = pytest.mark.render


def test_home_view_shows_the_relic_centred_in_the_room(engine: RenderEngine) -> None:
    source = engine.open_view(1280, 720)
    try:
        image = source.frame(engine.home)
        assert image.shape == (720, 1280, 3)
        assert image.dtype == np.uint8
        assert is_bronze(centre_patch(image)), centre_patch(image)
        # Left and right edges at mid height: the gallery's walls, not the relic.
        for edge in (image[340:380, 10:50], image[340:380, -50:-10]):
            assert is_neutral(np.median(edge.reshape(-1, 3), axis=0))
        # Lit, not a black or blown-out picture.
        assert 40 < image.mean() < 220
    finally:
        source.close()


def test_unchanged_view_returns_the_same_frame_without_rendering(engine: RenderEngine) -> None:
    source = engine.open_view(640, 360)
    try:
        first = source.frame(engine.home)
        renders = source.renders
        assert source.frame(engine.home) is first
        assert source.renders == renders
    finally:
        source.close()


async def test_moving_renders_a_preview_then_refines_to_full_size(engine: RenderEngine) -> None:
    source = engine.open_view(640, 360)
    try:
        source.frame(engine.home)
        turned = replace(engine.home, yaw=engine.home.yaw + 40)
        moved = time.monotonic()
        preview = source.frame(turned)
        # A half-size preview scaled up by repetition: every pixel equals its right neighbour
        # in pairs.
        assert np.array_equal(preview[:, 0::2], preview[:, 1::2])
        assert source.frame(turned) is preview  # still resting less than the refine delay
        await until(lambda: source.frame(turned) is not preview, 5)
        assert time.monotonic() - moved >= engine.settings.refine_delay  # not before it
        refined = source.frame(turned)
        assert refined is not preview
        assert not np.array_equal(refined[:, 0::2], refined[:, 1::2])
        assert np.abs(refined.astype(int) - preview.astype(int)).mean() < 12
    finally:
        source.close()


def test_views_are_independent(engine: RenderEngine) -> None:
    front = engine.open_view(320, 240)
    back = engine.open_view(400, 224)
    try:
        a = front.frame(engine.home)
        b = back.frame(replace(engine.home, yaw=engine.home.yaw + 180))
        assert a.shape == (240, 320, 3)
        assert b.shape == (224, 400, 3)
        again = front.frame(engine.home)
        assert again is a
    finally:
        front.close()
        back.close()


def test_views_are_pooled_and_bounded(engine: RenderEngine) -> None:
    before = engine.views_in_use
    sources = [engine.open_view(256, 144) for _ in range(engine.settings.max_views - before)]
    try:
        with pytest.raises(ViewPoolExhausted) as caught:
            engine.open_view(256, 144)
        assert caught.value.code == "VIEWS_EXHAUSTED"
    finally:
        for source in sources:
            source.close()
    assert engine.views_in_use == before
    reused = engine.open_view(256, 144)
    reused.close()


def test_bad_sizes_and_closed_views_are_errors(engine: RenderEngine) -> None:
    with pytest.raises(RenderError):
        engine.open_view(8, 8)
    source = engine.open_view(256, 144)
    source.close()
    with pytest.raises(RenderError):
        source.frame(engine.home)


def test_a_second_engine_in_the_same_process_renders_the_same_picture(
    engine: RenderEngine,
) -> None:
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.showcase import open_showcase
    from tests.conftest import ASSETS

    first = engine.open_view(320, 180)
    try:
        expected = first.frame(engine.home)
    finally:
        first.close()
    other = RenderEngine(open_showcase(ASSETS), RuntimeSettings(asset_root=ASSETS))
    try:
        source = other.open_view(320, 180)
        image = source.frame(other.home)
        source.close()
    finally:
        other.close()
    assert np.abs(image.astype(int) - expected.astype(int)).mean() < 1.0


def _largest_textures(engine: RenderEngine) -> tuple[int, int]:
    """On the render thread: the largest texture side the scene samples at rest, and
    within a moving preview's swap."""
    from panda3d.core import TextureAttrib

    def largest() -> int:
        side = 0
        for path in engine.root.find_all_matches("**/+GeomNode"):
            node = path.node()
            for i in range(node.get_num_geoms()):
                attrib = node.get_geom_state(i).get_attrib(TextureAttrib)
                for n in range(attrib.get_num_on_stages() if attrib else 0):
                    texture = attrib.get_on_texture(attrib.get_on_stage(n))
                    side = max(side, texture.get_x_size(), texture.get_y_size())
        return side

    def both() -> tuple[int, int]:
        with engine.moving.drawn():
            moving = largest()
        return largest(), moving

    return engine.executor.submit(both).result()


def test_a_moving_preview_samples_smaller_mipmapped_textures(engine: RenderEngine) -> None:
    """Textures over PREVIEW_TEXTURE cost a preview on llvmpipe more than they show; the
    view at rest samples the originals, and the preview still shows the relic's bronze."""
    from museion.runtime.moving import PREVIEW_TEXTURE

    at_rest, moving = _largest_textures(engine)
    assert at_rest > PREVIEW_TEXTURE  # the sample venue's textures are larger
    assert moving <= PREVIEW_TEXTURE
    source = engine.open_view(640, 360)
    try:
        still = source.frame(engine.home)
        preview = source.frame(replace(engine.home, yaw=engine.home.yaw + 0.5))
        assert source.renders == 2
        assert np.array_equal(preview[:, 0::2], preview[:, 1::2])  # a preview indeed
        assert is_bronze(centre_patch(preview)), centre_patch(preview)
        assert np.abs(still.astype(int) - preview.astype(int)).mean() < 12
    finally:
        source.close()
    assert _largest_textures(engine)[0] == at_rest  # swapped back after the preview


class _Clock:
    """A test's own monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_no_refine_while_the_camera_keeps_moving_within_the_delay(engine: RenderEngine) -> None:
    """A drag whose camera changes more often than refine_delay never pays for a full
    render; a camera that rests refine_delay is refined once, and a movement after that
    starts again from previews (the refine waiting for a rest is dropped)."""
    source = engine.open_view(640, 360)
    clock = _Clock()
    source.clock = clock
    delay = engine.settings.refine_delay
    try:
        source.frame(engine.home)
        renders = source.renders
        state = engine.home
        for step in range(1, 9):  # a slot without news between each camera change
            clock.now += 0.9 * delay / 2
            state = replace(engine.home, yaw=engine.home.yaw + step)
            preview = source.frame(state)
            clock.now += 0.9 * delay / 2
            assert source.frame(state) is preview  # resting less than the delay: kept
            assert np.array_equal(preview[:, 0::2], preview[:, 1::2])  # never refined
        assert source.renders == renders + 8
        clock.now += delay
        refined = source.frame(state)
        assert not np.array_equal(refined[:, 0::2], refined[:, 1::2])
        clock.now += 10 * delay
        assert source.frame(state) is refined  # refined once
        clock.now += 0.5 * delay
        moved = source.frame(replace(state, yaw=state.yaw + 1))
        assert np.array_equal(moved[:, 0::2], moved[:, 1::2])  # a preview again
        assert source.renders == renders + 10
    finally:
        source.close()


def test_a_movement_whose_previews_fall_behind_is_drawn_coarser_until_it_rests(
    engine: RenderEngine,
) -> None:
    """Over the frame budget a preview's movement goes on with the coarser meshes (fewer
    triangles than the lighter ones: the 1M twin's cost on llvmpipe), which still show the
    relic; at rest the view is whole again, and within the budget nothing changes."""
    whole, lighter = engine.moving.triangles
    assert engine.moving.coarse_triangles < lighter < whole
    source = engine.open_view(640, 360)
    clock = _Clock()
    source.clock = clock
    try:
        source.frame(engine.home)
        source.budget = 1e6  # any preview keeps up
        source.frame(replace(engine.home, yaw=engine.home.yaw + 1))
        assert not source.coarse
        source.budget = 0.0  # none does
        source.frame(replace(engine.home, yaw=engine.home.yaw + 2))
        assert source.coarse
        source.budget = 1e6  # sticky for the movement: no flicker between meshes
        coarse = source.frame(replace(engine.home, yaw=engine.home.yaw + 3))
        assert source.coarse
        assert is_bronze(centre_patch(coarse)), centre_patch(coarse)
        clock.now += engine.settings.refine_delay + 1e-6
        rested = source.frame(replace(engine.home, yaw=engine.home.yaw + 3))
        assert not source.coarse
        assert not np.array_equal(rested[:, 0::2], rested[:, 1::2])
        assert np.abs(rested.astype(int) - coarse.astype(int)).mean() < 12
    finally:
        source.close()
