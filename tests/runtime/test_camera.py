"""Camera maths: where the eye is, and how commands move it within bounds."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.runtime.camera import OrbitLimits, ViewState, apply_command, look_at_basis
from museion.runtime.view_commands import Orbit, Pan, Reset, Zoom

HOME = ViewState(target=(0.0, 1.2, 0.0), yaw=0.0, pitch=0.0, distance=2.0)
LIMITS = OrbitLimits()


def test_eye_at_yaw_zero_looks_from_positive_z() -> None:
    assert HOME.eye() == (0.0, 1.2, 2.0)


def test_eye_at_yaw_ninety_is_on_positive_x() -> None:
    x, y, z = ViewState(target=(0, 0, 0), yaw=90, pitch=0, distance=1).eye()
    assert (round(x, 9), round(y, 9), round(z, 9)) == (1.0, 0.0, 0.0)


def test_pitch_raises_the_eye() -> None:
    _, y, _ = ViewState(target=(0, 0, 0), yaw=0, pitch=30, distance=2).eye()
    assert math.isclose(y, 1.0)


def test_basis_is_orthonormal_and_looks_at_target() -> None:
    state = ViewState(target=(0.3, 1.0, -0.2), yaw=35, pitch=20, distance=1.7)
    right, up, forward = look_at_basis(state)
    for v in (right, up, forward):
        assert math.isclose(sum(c * c for c in v), 1.0, rel_tol=1e-9)
    assert abs(sum(a * b for a, b in zip(right, up, strict=True))) < 1e-9
    assert abs(sum(a * b for a, b in zip(right, forward, strict=True))) < 1e-9
    assert up[1] > 0  # the camera is upright


def test_orbit_adds_angles() -> None:
    moved = apply_command(HOME, Orbit(yaw=30, pitch=10), HOME, LIMITS)
    assert (moved.yaw, moved.pitch) == (30.0, 10.0)


def test_pitch_is_clamped_so_the_camera_never_flips() -> None:
    moved = apply_command(HOME, Orbit(yaw=0, pitch=170), HOME, LIMITS)
    assert moved.pitch == LIMITS.max_pitch


def test_zoom_is_clamped_to_the_distance_range() -> None:
    state = HOME
    for _ in range(20):
        state = apply_command(state, Zoom(0.5), HOME, LIMITS)
    assert state.distance == LIMITS.min_distance
    for _ in range(20):
        state = apply_command(state, Zoom(2.0), HOME, LIMITS)
    assert state.distance == LIMITS.max_distance


def test_pan_moves_target_sideways_and_stays_near_home() -> None:
    moved = apply_command(HOME, Pan(dx=0.1, dy=0.0), HOME, LIMITS)
    assert math.isclose(moved.target[0], 0.2)  # 0.1 of a 2 m distance, to the right (+X)
    far = HOME
    for _ in range(100):
        far = apply_command(far, Pan(dx=1.0, dy=1.0), HOME, LIMITS)
    assert all(
        abs(t - h) <= LIMITS.max_pan + 1e-9 for t, h in zip(far.target, HOME.target, strict=True)
    )


def test_reset_returns_home() -> None:
    moved = apply_command(HOME, Orbit(yaw=50, pitch=20), HOME, LIMITS)
    assert apply_command(moved, Reset(), HOME, LIMITS) == HOME


commands = st.one_of(
    st.builds(Orbit, st.floats(-180, 180), st.floats(-180, 180)),
    st.builds(Zoom, st.floats(0.5, 2.0)),
    st.builds(Pan, st.floats(-1, 1), st.floats(-1, 1)),
    st.just(Reset()),
)


@given(st.lists(commands, max_size=50))
def test_any_command_sequence_stays_within_limits(
    sequence: list[Orbit | Zoom | Pan | Reset],
) -> None:
    state = HOME
    for command in sequence:
        state = apply_command(state, command, HOME, LIMITS)
        assert LIMITS.min_distance <= state.distance <= LIMITS.max_distance
        assert LIMITS.min_pitch <= state.pitch <= LIMITS.max_pitch
        assert -180.0 <= state.yaw <= 180.0
        assert all(math.isfinite(c) for c in state.eye())


@pytest.mark.parametrize(
    "bounds",
    [
        {"min_distance": 0.0},
        {"min_distance": 5.0, "max_distance": 4.0},
        {"max_distance": math.inf},
        {"min_pitch": -95.0},
        {"min_pitch": 30.0, "max_pitch": 20.0},
        {"max_pitch": math.nan},
        {"max_pan": -1.0},
    ],
)
def test_orbit_limits_refuse_bounds_no_camera_can_keep(bounds: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        OrbitLimits(**bounds)
    assert OrbitLimits(min_distance=0.1, max_distance=0.1, min_pitch=-90, max_pitch=90)
