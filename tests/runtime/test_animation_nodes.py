"""Node animations panda3d-gltf leaves out play on the server: the CesiumMilkTruck's
wheels turn while its body stands still; the sampler interpolates as glTF says; an
exhibit's document chooses its animation (or none) and a tour step starts one."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from museion.runtime.animation import Playing
from museion.runtime.engine import RenderEngine
from museion.runtime.node_animation import Channel, sample
from museion.runtime.settings import RuntimeSettings
from museion.runtime.view_commands import TourCommand
from museion.runtime.visit import Visit
from museion.scenes.checked_scene import open_scene
from tests.conftest import CORPUS, Clock
from tests.scene_files import exhibit, scene, write_scene

TRUCK = CORPUS / "valid" / "CesiumMilkTruck"
SIZE = (320, 240)


def _channel(path: str, interpolation: str, times: list[float], values: Any) -> Channel:
    return Channel(0, path, interpolation, np.array(times, float), np.array(values, float))


def test_step_and_linear_sampling_hold_outside_the_keys() -> None:
    step = _channel("translation", "STEP", [0, 1], [[0, 0, 0], [2, 0, 0]])
    assert sample(step, 0.9).tolist() == [0, 0, 0]
    assert sample(step, 1.5).tolist() == [2, 0, 0]
    linear = _channel("translation", "LINEAR", [1, 2], [[0, 0, 0], [2, 4, 0]])
    assert sample(linear, 0.0).tolist() == [0, 0, 0]
    assert sample(linear, 1.25).tolist() == [0.5, 1, 0]
    assert sample(linear, 9.0).tolist() == [2, 4, 0]


def test_rotations_slerp_the_short_way_and_stay_unit() -> None:
    half = math.sqrt(0.5)
    # 0 to 90 degrees about Y; the second key's sign flipped (the same rotation).
    turn = _channel("rotation", "LINEAR", [0, 1], [[0, 0, 0, 1], [0, -half, 0, -half]])
    got = sample(turn, 0.5)
    angle = math.radians(22.5)
    assert np.allclose(np.abs(got), [0, math.sin(angle), 0, math.cos(angle)], atol=1e-9)
    assert math.isclose(float(np.linalg.norm(got)), 1.0)


def test_cubic_spline_passes_its_keys_with_its_tangents() -> None:
    # Keys (in-tangent, value, out-tangent): 0 at t=0 rising at slope 1, 1 at t=1 flat.
    cubic = _channel(
        "translation",
        "CUBICSPLINE",
        [0, 1],
        [[[0, 0, 0], [0, 0, 0], [1, 0, 0]], [[0, 0, 0], [1, 0, 0], [0, 0, 0]]],
    )
    assert sample(cubic, 0.0).tolist() == [0, 0, 0]
    assert sample(cubic, 1.0).tolist() == [1, 0, 0]
    # Hermite at s=0.5: 0.5*0 + 0.125*1*1 + 0.5*1 + (-0.125)*0 = 0.625
    assert math.isclose(float(sample(cubic, 0.5)[0]), 0.625)


def _truck_scene(
    folder: Any, animation: Any = None, tours: Any = (), asset: str = "CesiumMilkTruck.gltf"
) -> Any:
    truck = exhibit("truck", asset, scale=0.5)
    if animation is not None:
        truck["animation"] = animation
    return write_scene(folder, scene("Truck", [truck], tours=list(tours)), [TRUCK])


@pytest.fixture(scope="module")
def truck(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RenderEngine, Clock]]:
    """The CesiumMilkTruck (half size) in the sample venue, on a clock the test moves."""
    if not TRUCK.is_dir():
        pytest.skip("../shared/corpus is absent (public glTF corpus)")
    tour = {
        "id": "drive",
        "title": {"en": "Drive"},
        "steps": [
            {"narration": {"en": "Still"}, "exhibit": "truck"},
            {
                "narration": {"en": "Rolling"},
                "exhibit": "truck",
                "play": {"exhibit": "truck", "animation": "Wheels", "speed": 2.0},
            },
        ],
    }
    path = _truck_scene(tmp_path_factory.mktemp("truck"), animation=False, tours=[tour])
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=path.parent))
    clock = Clock()
    engine.animator.clock = clock
    yield engine, clock
    engine.close()


def _changed(a: Any, b: Any) -> int:
    return int((np.abs(a.astype(int) - b.astype(int)).sum(axis=-1) > 30).sum())


def _wheels_and_body(engine: RenderEngine, clock: Clock) -> tuple[int, int, int]:
    """Pixels changed between two renders of one moment, and in the wheels' and the
    body's bands between two moments 0.3 s apart, the truck seen from its side."""
    side = dataclasses.replace(engine.exhibit_views["truck"][0], yaw=90.0, pitch=0.0, distance=3.5)
    first, second = engine.open_view(*SIZE, preview=False), engine.open_view(*SIZE, preview=False)
    try:
        clock.now = 100.0
        engine._call(engine.animator.play, "truck")
        at_t = first.frame(side).copy()
        again = second.frame(side).copy()
        clock.now = 100.3
        later = first.frame(side).copy()
    finally:
        first.close()
        second.close()
        engine._call(engine.animator.stop, "truck")
    # The wheels are in the bottom band (rows 130-185), the body above.
    wheels, body = np.s_[130:185, :], np.s_[40:125, :]
    return (
        _changed(at_t, again),
        _changed(at_t[wheels], later[wheels]),
        _changed(at_t[body], later[body]),
    )


@pytest.mark.render
def test_the_trucks_wheels_turn_and_its_body_does_not(truck: tuple[RenderEngine, Clock]) -> None:
    engine, clock = truck
    assert engine.animator.animations("truck") == ("Wheels",)
    assert engine.animator.now_playing("truck") is None, "the document says: no animation"
    same, wheels, body = _wheels_and_body(engine, clock)
    assert same == 0, "two renders of one moment are the same"
    assert wheels > 50, wheels
    assert body == 0, body


@pytest.mark.render
def test_an_optimized_trucks_wheels_turn_too(tmp_path: Any) -> None:
    """``museion optimize`` quantizes the meshes under a tiny node scale on new child
    nodes, which the loader bakes into the vertices (for picking): the animated nodes above
    them keep their own transforms, so the wheels turn once, not twice or not at all."""
    if not TRUCK.is_dir():
        pytest.skip("../shared/corpus is absent (public glTF corpus)")
    optimized = tmp_path / "truck.glb"
    subprocess.run(
        [sys.executable, "-m", "museion.tools.cli", "optimize", str(TRUCK / "CesiumMilkTruck.gltf"),
         str(optimized)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    path = _truck_scene(tmp_path, animation=False, asset="truck.glb")
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=tmp_path))
    try:
        clock = Clock()
        engine.animator.clock = clock
        same, wheels, body = _wheels_and_body(engine, clock)
    finally:
        engine.close()
    assert (same, body) == (0, 0)
    assert wheels > 50, wheels


@pytest.mark.render
def test_a_tour_step_starts_its_animation(truck: tuple[RenderEngine, Clock]) -> None:
    engine, _ = truck
    engine._call(engine.animator.stop, "truck")
    # As a visitor's page drives it: start the tour, then "next".
    visit = Visit(engine, 0.0)
    visit.greeting()
    visit.apply(TourCommand("start", "drive"), 0.0)
    assert engine.animator.now_playing("truck") is None, "the first step plays nothing"
    visit.apply(TourCommand("next"), 1.0)
    assert engine.animator.now_playing("truck") == Playing("Wheels", True, 2.0)
    engine._call(engine.animator.stop, "truck")


@pytest.mark.render
def test_a_document_chooses_the_animation(tmp_path: Any) -> None:
    if not TRUCK.is_dir():
        pytest.skip("../shared/corpus is absent (public glTF corpus)")
    path = _truck_scene(tmp_path, animation={"name": "Wheels", "loop": False, "speed": 0.5})
    engine = RenderEngine(open_scene(path), RuntimeSettings(asset_root=tmp_path))
    try:
        assert engine.animator.now_playing("truck") == Playing("Wheels", False, 0.5)
    finally:
        engine.close()
