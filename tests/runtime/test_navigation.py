"""A visitor's camera: walking, orbiting and the flights between them (pure maths)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from museion.runtime.camera import OrbitLimits, ViewState, project
from museion.runtime.navigation import TRANSITION_SECONDS, Navigator, WalkState
from museion.runtime.view_commands import Orbit, Reset, Walk, Zoom
from museion.runtime.walkmap import build_walk_map
from tests.runtime.test_walkmap import _room

SPAWN = WalkState(position=(0.0, 1.6, 4.0), heading=0.0)
RELIC = ViewState(target=(0.0, 1.2, 0.0), yaw=20.0, pitch=12.0, distance=1.6)


def _navigator() -> Navigator:
    nav = Navigator(RELIC, OrbitLimits(), walk_map=build_walk_map(_room()), spawn=SPAWN)
    nav.start_walking(0.0, at=SPAWN)
    return nav


def test_a_walker_view_looks_where_it_faces() -> None:
    view = WalkState(position=(1.0, 1.6, 2.0), heading=90.0, look=10.0).view()
    assert view.eye() == pytest.approx((1.0, 1.6, 2.0))
    # Heading 90 faces -X: a point ahead is in the middle of the frame, above is higher.
    x, y, _ = project(view, 1280, 720, (-4.0, 1.6 + 5 * math.tan(math.radians(10)), 2.0)) or (
        0,
        0,
        0,
    )
    assert x == pytest.approx(640) and y == pytest.approx(360)
    back = WalkState.from_view(view)
    assert back.position == pytest.approx((1.0, 1.6, 2.0)) and back.heading == pytest.approx(90)
    assert back.look == pytest.approx(10.0)


def test_walking_forward_goes_the_way_the_visitor_faces_and_turning_is_clockwise() -> None:
    nav = _navigator()
    nav.walk(Walk(forward=0.5), 1.0)
    assert nav.walker is not None
    assert nav.walker.position == pytest.approx((0.0, 1.6, 3.5))
    nav.walk(Walk(turn=90.0), 1.0)  # turn right: now facing +X
    nav.walk(Walk(forward=0.5, right=0.0), 1.0)
    assert nav.walker.position == pytest.approx((0.5, 1.6, 3.5))
    nav.walk(Walk(right=0.5), 1.0)  # the right hand now points to +Z
    assert nav.walker.position == pytest.approx((0.5, 1.6, 4.0))


def test_looking_up_and_down_is_limited() -> None:
    nav = _navigator()
    nav.walk(Walk(look=170.0), 1.0)
    assert nav.walker is not None and nav.walker.look == 60.0


def test_a_walker_cannot_leave_the_room() -> None:
    nav = _navigator()
    for _ in range(40):
        nav.walk(Walk(forward=0.5), 1.0)
    assert nav.walker is not None
    assert -5.0 + 0.3 <= nav.walker.position[2] < -4.5


def test_switching_to_orbit_flies_there_smoothly_and_back_to_walking_at_eye_height() -> None:
    nav = _navigator()
    start = nav.view(10.0)
    nav.start_orbit(RELIC, OrbitLimits(), 10.0)
    eyes = [np.array(nav.view(10.0 + t).eye()) for t in np.linspace(0, TRANSITION_SECONDS, 9)]
    assert eyes[0] == pytest.approx(np.array(start.eye()))
    assert eyes[-1] == pytest.approx(np.array(RELIC.eye()))
    steps = [float(np.linalg.norm(b - a)) for a, b in itertools.pairwise(eyes)]
    assert max(steps) < 0.4 * sum(steps)  # no jump: the flight is spread over its frames
    nav.apply(Orbit(yaw=30, pitch=0), 20.0)
    assert nav.view(20.0).yaw == pytest.approx(50.0)
    nav.start_walking(30.0)
    assert nav.mode == "walk" and nav.walker is not None
    assert nav.walker.position[1] == 1.6  # back at eye height, where the orbit camera was
    assert nav.view(30.0 + TRANSITION_SECONDS).eye() == pytest.approx(nav.walker.position)


def test_orbit_commands_while_walking_turn_step_and_reset_to_the_entrance() -> None:
    nav = _navigator()
    nav.apply(Orbit(yaw=-30.0, pitch=0.0), 1.0)
    assert nav.walker is not None and nav.walker.heading == pytest.approx(-30.0)
    nav.apply(Zoom(factor=0.8), 1.0)
    assert nav.walker.position[2] < 4.0
    nav.apply(Reset(), 2.0)
    assert nav.walker == SPAWN


def test_a_scene_without_a_spawn_cannot_walk() -> None:
    nav = Navigator(RELIC, OrbitLimits())
    nav.walk(Walk(forward=0.5), 0.0)
    assert nav.mode == "orbit" and not nav.can_walk
