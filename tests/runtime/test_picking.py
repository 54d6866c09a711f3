"""Picking and hotspot projection against real renders of the sample scene."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from museion.runtime.camera import ViewState, project
from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import check_scene
from museion.scenes.document.loader import load_scene
from tests.conftest import ASSETS, is_neutral

pytestmark = pytest.mark.render

W, H = 640, 360

SCENE = {
    "format": "museion.scene",
    "version": 2,
    "default_language": "en",
    "title": {"en": "Test"},
    "venue": "venue.glb",
    "exhibits": [
        {
            "id": "vessel",
            "asset": "relic.glb",
            "pedestal": False,
            "transform": {"translation": [0, 1, 0]},
            "metadata": {"title": {"en": "Vessel"}},
            "hotspots": [
                {"id": "front", "position": [0, 0.25, 0.185], "title": {"en": "Front"}},
                {"id": "back", "position": [0, 0.25, -0.185], "title": {"en": "Back"}},
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def hall() -> Iterator[RenderEngine]:
    document = load_scene(json.dumps(SCENE).encode(), asset_root=ASSETS)
    engine = RenderEngine(check_scene(document, ASSETS), RuntimeSettings(asset_root=ASSETS))
    yield engine
    engine.close()


def test_projection_matches_the_renderer(hall: RenderEngine) -> None:
    state = replace(hall.home, yaw=0.0, pitch=0.0)
    source = hall.open_view(W, H)
    try:
        image = source.frame(state)
    finally:
        source.close()
    x, y, _ = project(state, W, H, state.target)
    assert (round(x), round(y)) == (W // 2, H // 2)
    # A point on the vessel's surface lands on bronze; one beside it on the wall.
    on_vessel = project(state, W, H, (0.0, 1.25, 0.18))
    beside = project(state, W, H, (0.6, 1.25, 0.0))
    assert on_vessel is not None and beside is not None
    assert not is_neutral(image[round(on_vessel[1]), round(on_vessel[0])])  # bronze or patina
    assert is_neutral(image[round(beside[1]), round(beside[0])])  # the grey wall


def test_clicking_the_relic_names_it_and_the_wall_names_nothing(hall: RenderEngine) -> None:
    state = hall.home
    hit = hall.pick(state, W, H, W / 2, H / 2)
    assert hit is not None and hit.exhibit == "vessel"
    assert 0 < hit.distance < state.distance
    wall = hall.pick(state, W, H, 5, 5)
    assert wall is not None and wall.exhibit is None


def test_clicking_near_a_hotspot_names_the_hotspot(hall: RenderEngine) -> None:
    state = replace(hall.home, yaw=0.0, pitch=5.0)
    marks = {m.hotspot: m for m in hall.hotspot_marks(state, W, H)}
    front = marks["front"]
    assert front.visible
    hit = hall.pick(state, W, H, front.x, front.y)
    assert hit is not None and (hit.exhibit, hit.hotspot) == ("vessel", "front")


def test_a_hotspot_behind_the_relic_is_hidden(hall: RenderEngine) -> None:
    state = replace(hall.home, yaw=0.0, pitch=5.0)
    marks = {m.hotspot: m for m in hall.hotspot_marks(state, W, H)}
    assert marks["front"].visible
    assert not marks["back"].visible
    turned = {m.hotspot: m for m in hall.hotspot_marks(replace(state, yaw=180.0), W, H)}
    assert turned["back"].visible and not turned["front"].visible


def test_showcase_engine_picks_its_relic(engine: RenderEngine) -> None:
    hit = engine.pick(engine.home, W, H, W / 2, H / 2)
    assert hit is not None and hit.exhibit == "relic"
    assert engine.hotspot_marks(engine.home, W, H) == []


def test_projection_maths() -> None:
    state = ViewState(target=(0, 0, 0), yaw=0, pitch=0, distance=2, fov=90)
    assert project(state, 200, 100, (0, 0, 0)) == pytest.approx((100, 50, 2))
    # 90 degrees vertical at distance 2: y = +2 is the top edge.
    assert project(state, 200, 100, (0, 2, 0)) == pytest.approx((100, 0, 2))
    assert project(state, 200, 100, (0, 0, 5)) is None  # behind the camera
    # Aspect 2: the half-width at depth 2 is 4 m, so x = 1 m is an eighth of the width right.
    assert project(state, 200, 100, (1, 0, 0)) == pytest.approx((125, 50, 2))


def test_the_example_exhibition_and_a_migrated_showcase_render_their_relic() -> None:
    from museion.scenes.checked_scene import open_scene

    scenes = [
        open_scene(ASSETS / "example.scene.json"),
        check_scene(
            load_scene(
                b'{"version": 1, "venue": "venue.glb", "relic": "relic.glb"}', asset_root=ASSETS
            ),
            ASSETS,
        ),
    ]
    for scene, expected in zip(scenes, ["bronze-hu", "relic"], strict=True):
        engine = RenderEngine(scene, RuntimeSettings(asset_root=ASSETS))
        try:
            source = engine.open_view(W, H)
            image = source.frame(engine.home)
            source.close()
            centre = image[H // 2 - 4 : H // 2 + 4, W // 2 - 4 : W // 2 + 4].reshape(-1, 3)
            assert not is_neutral(centre.mean(axis=0))  # the relic, not the wall
            hit = engine.pick(engine.home, W, H, W / 2, H / 2)
            assert hit is not None and hit.exhibit == expected
            # Standing on the venue's plinth: the relic's base is 1 m up.
            assert abs(engine.home.target[1] - 1.23) < 0.05
        finally:
            engine.close()


def test_depth_buffer_visibility_agrees_with_rays(hall: RenderEngine) -> None:
    source = hall.open_view(W, H)
    try:
        for yaw in (0.0, 90.0, 180.0, 270.0):
            state = replace(hall.home, yaw=yaw, pitch=5.0)
            source.frame(state)
            by_depth = {m.hotspot: m for m in source.hotspot_marks()}
            by_ray = {m.hotspot: m for m in hall.hotspot_marks(state, W, H)}
            assert {k: v.visible for k, v in by_depth.items()} == {
                k: v.visible for k, v in by_ray.items()
            }, yaw
            for key, mark in by_depth.items():
                assert (mark.x, mark.y) == pytest.approx((by_ray[key].x, by_ray[key].y))
    finally:
        source.close()
