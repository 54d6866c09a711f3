"""A scene document's point lights light the relics, and each view draws only the few
strongest where it looks (the per-view light budget)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from museion.runtime.camera import ViewState, project
from museion.runtime.engine import RenderEngine
from museion.runtime.scene_builder import to_panda
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import open_scene
from tests.conftest import copy_gallery

pytestmark = pytest.mark.render

DIM = [
    {"type": "directional", "intensity": 0.3, "direction": [-0.45, -0.75, -0.5]},
    {"type": "ambient", "intensity": 0.3},
]


def gallery_engine(folder: Path, lights: list[dict[str, Any]], **settings: Any) -> RenderEngine:
    folder.mkdir()
    path = copy_gallery(folder)
    data = json.loads(path.read_text())
    data["lights"] = lights
    path.write_text(json.dumps(data, ensure_ascii=False))
    return RenderEngine(open_scene(path), RuntimeSettings(asset_root=folder, **settings))


def grey(engine: RenderEngine, state: ViewState) -> np.ndarray[Any, Any]:
    source = engine.open_view(320, 180, preview=False)
    try:
        frame: np.ndarray[Any, Any] = np.asarray(source.frame(state), float).mean(axis=2)
        return frame
    finally:
        source.close()


def test_a_point_light_brightens_the_near_side_of_a_relic(tmp_path: Path) -> None:
    dark = gallery_engine(tmp_path / "dark", DIM)
    try:
        home = dark.home
        before = grey(dark, home)
    finally:
        dark.close()
    # The first relic's home view looks at it from 20 degrees right of its front (+Z): a
    # lamp 0.45 m along +x sits beside its right-hand side as the camera sees it.
    tx, ty, tz = home.target
    lamp = {"type": "point", "intensity": 1.0, "position": [tx + 0.45, ty, tz]}
    lit = gallery_engine(tmp_path / "lit", [*DIM, lamp])
    try:
        after = grey(lit, home)
    finally:
        lit.close()
    gain = after - before
    left, right = gain[:, 80:160].mean(), gain[:, 160:240].mean()
    assert right > 8, (left, right)
    assert right > 2 * left, (left, right)  # the far side gains much less


def test_each_view_draws_the_strongest_lights_where_it_looks(tmp_path: Path) -> None:
    """Eight lamps, a budget of two: a view holds the two nearest its target, and a view
    looking elsewhere holds others, each drawn (brighter than without lamps)."""
    probe = gallery_engine(tmp_path / "probe", DIM)
    views = dict(probe.exhibit_views)
    probe.close()
    first, second = (views[key][0] for key in list(views)[:2])
    lamps = []
    for k, (state, _) in enumerate(views.values()):
        if k >= 4:
            break
        tx, ty, tz = state.target
        # Two lamps per relic, 0.5 and 0.7 m in front of it: the nearer two of eight are
        # the two at the relic the view looks at.
        for reach in (0.5, 0.7):
            lamps.append({"type": "point", "intensity": 2.0, "position": [tx, ty, tz + reach]})
    assert len(lamps) == 8
    engine = gallery_engine(tmp_path / "budget", [*DIM, *lamps], max_lights=2)
    dark = gallery_engine(tmp_path / "dark", DIM, max_lights=0)
    try:
        assert engine.lights is not None and len(engine.lights.lights) == 8
        for state in (first, second, dataclasses.replace(first, yaw=first.yaw + 1)):
            picture = grey(engine, state)
            held = sorted(engine.lights.held())
            tx, ty, tz = state.target
            nearest = sorted(to_panda((tx, ty, tz + reach)) for reach in (0.5, 0.7))
            assert len(held) == 2
            for got, want in zip(held, nearest, strict=True):
                assert math.dist(got, want) < 1e-4, (held, nearest)
            assert picture.mean() > grey(dark, state).mean() + 5
    finally:
        engine.close()
        dark.close()


def test_the_budget_is_a_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_lights"):
        RuntimeSettings(max_lights=9)
    assert RuntimeSettings().max_lights == 4


def test_a_headsets_eyes_draw_the_lights_ahead_of_them(tmp_path: Path) -> None:
    """A stereo view is aimed without an orbit target: its lights are the strongest a
    couple of metres ahead of its eyes."""
    from museion.runtime.eye_pose import EyePose, Frustum, Place, StereoPose
    from museion.runtime.lighting import AHEAD
    from museion.runtime.stereo import StereoView

    probe = gallery_engine(tmp_path / "probe", DIM)
    targets = [state.target for state, _ in probe.exhibit_views.values()][:4]
    probe.close()
    lamps = [
        {"type": "point", "intensity": 2.0, "position": [tx, ty, tz + reach]}
        for tx, ty, tz in targets
        for reach in (0.5, 0.7)
    ]
    engine = gallery_engine(tmp_path / "budget", [*DIM, *lamps], max_lights=2)
    try:
        tx, ty, tz = targets[1]
        square = Frustum(-1.0, 1.0, -1.0, 1.0).projection(0.1, 1000.0)
        eye = EyePose((0.0, ty, 0.0), (0.0, 0.0, 0.0, 1.0), square)
        view = StereoView(engine, 64, 64)
        try:
            view.frame(StereoPose(eye, eye), Place((tx, 0.0, tz + 1.5)))
        finally:
            view.close()
        ahead = to_panda((tx, ty, tz + 1.5 - AHEAD))
        places = [to_panda(tuple(lamp["position"])) for lamp in lamps]
        nearest = sorted(sorted(places, key=lambda p: math.dist(p, ahead))[:2])
        assert engine.lights is not None
        held = sorted(engine.lights.held())
        for got, want in zip(held, nearest, strict=True):
            assert math.dist(got, want) < 1e-4, (held, nearest)
    finally:
        engine.close()


def test_a_document_spot_light_lights_the_floor_inside_its_cone_only(tmp_path: Path) -> None:
    # Without the venue's image-based light: captured from the lit floor, it would carry
    # some of the lamp's light everywhere.
    dark = gallery_engine(tmp_path / "dark", DIM, ibl=False)
    try:
        tx, _, tz = dark.home.target
        # The floor in front of the first relic, seen from above.
        home = ViewState(target=(tx, 0.0, tz + 0.8), yaw=0.0, pitch=89.0, distance=3.0)
        before = grey(dark, home)
    finally:
        dark.close()
    inside, outside = (tx + 0.6, 0.0, tz + 0.8), (tx - 0.6, 0.0, tz + 0.8)
    # Straight down from 2 m with a 12 degree cone: a disc of 0.43 m radius on the floor.
    spot = {
        "type": "spot",
        "intensity": 20.0,
        "position": [inside[0], 2.0, inside[2]],
        "direction": [0, -1, 0],
        "outer_cone": 12,
    }
    lit = gallery_engine(tmp_path / "lit", [*DIM, spot], ibl=False)
    try:
        after = grey(lit, home)
    finally:
        lit.close()
    gain = after - before
    pixels = [project(home, 320, 180, p) for p in (inside, outside)]
    assert all(p is not None and 3 <= p[0] < 317 and 3 <= p[1] < 177 for p in pixels), pixels
    (ix, iy, _), (ox, oy, _) = pixels  # type: ignore[misc]
    near = gain[round(iy) - 3 : round(iy) + 3, round(ix) - 3 : round(ix) + 3].mean()
    far = gain[round(oy) - 3 : round(oy) + 3, round(ox) - 3 : round(ox) + 3].mean()
    assert near > 20, (near, far)
    assert abs(far) < 2, (near, far)
