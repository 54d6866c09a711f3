"""Tour playback as pure maths on a given clock."""

from __future__ import annotations

import math

from museion.runtime.camera import ViewState, interpolate, view_from_pose
from museion.runtime.tour_player import FLIGHT_SECONDS, TourPlayer
from museion.scenes.document.model import Pose, Tour, TourStep

A = ViewState(target=(0, 1, 0), yaw=0, pitch=10, distance=1)
B = ViewState(target=(3, 1, 0), yaw=90, pitch=20, distance=2)
TOUR = Tour(
    "t",
    {"en": "T"},
    (
        TourStep({"en": "one"}, exhibit="a", dwell=2),
        TourStep({"en": "two"}, exhibit="b", dwell=2),
        TourStep({"en": "three"}, camera=Pose((0, 2, 4), (0, 1, 0)), dwell=1),
    ),
)


def test_interpolation_ends_and_takes_the_short_way_round() -> None:
    assert interpolate(A, B, 0) == A
    end = interpolate(A, B, 1)
    assert (end.target, end.yaw, end.pitch, end.distance) == (B.target, 90, 20, 2)
    wrap = interpolate(ViewState(yaw=170), ViewState(yaw=-170), 0.5)
    assert abs(abs(wrap.yaw) - 180) < 1e-6  # through 180, not through 0


def test_view_from_pose_puts_the_eye_at_the_pose() -> None:
    view = view_from_pose((0, 2, 4), (0, 1, 0))
    eye = view.eye()
    assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(eye, (0, 2, 4), strict=True))


def test_a_tour_flies_dwells_and_moves_on() -> None:
    player = TourPlayer(TOUR, {"a": A, "b": B})
    start = ViewState(target=(9, 1, 9), distance=3)
    player.start(start, now=100.0)
    assert player.view(100.0) == start  # leaves from where the visitor was
    assert player.view(100.0 + FLIGHT_SECONDS) == A
    assert not player.due(100.0 + FLIGHT_SECONDS + 1.9)
    assert player.due(100.0 + FLIGHT_SECONDS + 2.01)
    assert player.go(1, 104.0)
    assert player.view(104.0 + FLIGHT_SECONDS) == B
    assert player.go(1, 108.0)
    last = player.view(108.0 + FLIGHT_SECONDS)
    assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(last.eye(), (0, 2, 4), strict=True))
    assert not player.go(1, 110.0)  # no step after the last
    assert player.go(-1, 110.0) and player.index == 1


def test_pausing_stops_the_dwell_clock() -> None:
    player = TourPlayer(TOUR, {"a": A, "b": B})
    player.start(A, now=0.0)
    player.pause(1.0)
    assert not player.due(100.0)
    player.resume(100.0)
    # 1 s had passed before the pause: 1.6 s of flight + 2 s of dwell end 2.6 s after resuming.
    assert not player.due(102.5)
    assert player.due(102.61)
