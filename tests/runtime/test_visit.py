"""A visitor's walk, orbit, tour and picks on the real engine, on a given clock, without a
network (the session tests check the same over WebRTC)."""

from __future__ import annotations

import math

import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.navigation import TRANSITION_SECONDS
from museion.runtime.tour_player import FLIGHT_SECONDS
from museion.runtime.view_commands import ModeCommand, Orbit, PickAt, TourCommand, Walk, Zoom
from museion.runtime.visit import ModeChanged, Picked, Refusal, TourLeft, TourStepShown, Visit

pytestmark = pytest.mark.render

T0 = 1000.0


def test_a_visitor_enters_the_hall_walking_at_the_spawn_point(exhibition: RenderEngine) -> None:
    visit = Visit(exhibition, T0)
    assert exhibition.spawn is not None
    assert visit.view(T0).eye() == pytest.approx(exhibition.spawn.position)
    assert visit.greeting() == ModeChanged("walk", None, can_walk=True)
    assert visit.greeting() == ModeChanged("walk", None, can_walk=True)  # told again
    view, events = visit.next_view(T0)
    assert (view, events) == (visit.view(T0), [])


def test_a_link_to_an_exhibit_enters_orbiting_it(exhibition: RenderEngine) -> None:
    visit = Visit(exhibition, T0, start_at="jade-bi")
    assert visit.greeting() == ModeChanged("orbit", "jade-bi", can_walk=True)
    assert visit.view(T0) == exhibition.exhibit_views["jade-bi"][0]
    unknown = Visit(exhibition, T0, start_at="nowhere")  # an unknown exhibit: walk in
    assert unknown.greeting().mode == "walk"


def test_walking_steps_and_a_refused_orbit_leave_the_visitor_walking(
    exhibition: RenderEngine,
) -> None:
    visit = Visit(exhibition, T0)
    visit.greeting()
    start = visit.view(T0).eye()
    for _ in range(10):
        assert visit.apply(Walk(forward=0.1), T0) == []  # still walking: nothing to tell
    assert math.dist(visit.view(T0).eye(), start) == pytest.approx(1.0, abs=0.01)
    refused = visit.apply(ModeCommand("orbit", "nowhere"), T0)
    assert refused == [Refusal("EXHIBIT_UNKNOWN", "There is no exhibit 'nowhere' here.")]
    assert visit.nav.mode == "walk"


def test_orbit_without_an_exhibit_flies_to_the_nearest_and_walk_comes_back(
    exhibition: RenderEngine,
) -> None:
    visit = Visit(exhibition, T0)
    visit.greeting()
    visit.next_view(T0)  # the nearest is judged from the latest frame's eye
    first = next(iter(exhibition.exhibit_views))
    assert visit.nearest_exhibit() == first
    assert visit.apply(ModeCommand("orbit"), T0) == [ModeChanged("orbit", first, True)]
    halfway = visit.view(T0 + TRANSITION_SECONDS / 2)
    assert halfway != exhibition.exhibit_views[first][0]  # on its flight
    assert visit.view(T0 + TRANSITION_SECONDS) == exhibition.exhibit_views[first][0]
    later = T0 + 2 * TRANSITION_SECONDS
    assert visit.apply(Orbit(yaw=30, pitch=0), later) == []  # orbiting: nothing to tell
    assert visit.view(later).yaw != exhibition.exhibit_views[first][0].yaw
    assert visit.apply(ModeCommand("walk"), later) == [ModeChanged("walk", None, True)]
    assert visit.nav.mode == "walk"


def test_a_showcase_has_no_floor_to_walk(engine: RenderEngine) -> None:
    visit = Visit(engine, T0)
    assert visit.greeting() == ModeChanged("orbit", "relic", can_walk=False)
    no_floor = Refusal("WALK_UNAVAILABLE", "This scene has no floor to walk.")
    assert visit.apply(Walk(forward=0.1), T0) == [no_floor]
    assert visit.apply(ModeCommand("walk"), T0) == [no_floor]
    assert visit.apply(Zoom(0.5), T0) == []
    assert visit.view(T0).distance < engine.home.distance


def test_a_tour_starts_pauses_steps_and_ends_when_the_visitor_takes_over(
    exhibition: RenderEngine,
) -> None:
    visit = Visit(exhibition, T0, start_at="bronze-hu")
    visit.greeting()
    assert visit.apply(TourCommand("start", "nowhere"), T0) == [
        Refusal("TOUR_UNKNOWN", "There is no tour 'nowhere' here.")
    ]
    assert visit.apply(TourCommand("pause"), T0) == [
        Refusal("TOUR_NOT_PLAYING", "No tour is playing.")
    ]
    (started,) = visit.apply(TourCommand("start", "highlights"), T0)
    assert isinstance(started, TourStepShown)
    assert (started.tour, started.playing, started.step, started.steps) == (
        "highlights",
        True,
        0,
        4,
    )
    assert started.audio == {
        "en": "narration/highlights-1.en.ogg",
        "zh": "narration/highlights-1.zh.ogg",
    }
    first = visit.view(T0 + FLIGHT_SECONDS)
    (paused,) = visit.apply(TourCommand("pause"), T0 + 2)
    assert (paused.step, paused.playing) == (0, False)  # type: ignore[union-attr]
    (second,) = visit.apply(TourCommand("next"), T0 + 2)
    assert isinstance(second, TourStepShown)
    assert (second.step, second.playing) == (1, False)
    assert second.narration["en"] == "The zig-zag band on the belly."
    assert visit.view(T0 + 2 + FLIGHT_SECONDS) != first  # a different view of the hall
    at = T0 + 2 + FLIGHT_SECONDS
    left = visit.view(at)
    # Still orbiting bronze-hu (this step shows a camera, not an exhibit): nothing new to
    # tell of the mode, only that the tour stopped.
    assert visit.apply(Orbit(yaw=10, pitch=0), at) == [TourLeft("highlights", "stopped")]
    assert visit.tour is None and visit.nav.mode == "orbit"
    assert visit.view(at).target == left.target and visit.view(at).yaw != left.yaw


def test_a_playing_tour_moves_on_by_itself_and_finishes(exhibition: RenderEngine) -> None:
    visit = Visit(exhibition, T0, start_at="bronze-hu")
    visit.greeting()
    visit.apply(TourCommand("start", "highlights"), T0)
    assert visit.next_view(T0)[1] == []  # the first step was told when it started
    document = exhibition.document
    assert document is not None
    steps = next(t for t in document.tours if t.id == "highlights").steps
    now = T0
    told: list[object] = []
    for step in steps:
        now += FLIGHT_SECONDS + step.dwell + 0.01
        view, events = visit.next_view(now)
        assert view == visit.view(now)
        told += events
    shown = [(e.step, e.exhibit) for e in told if isinstance(e, TourStepShown)]
    assert shown == [(1, None), (2, "bronze-ding"), (3, "bianzhong-bell")]
    assert told[-2:] == [
        ModeChanged("orbit", "bianzhong-bell", True),
        TourLeft("highlights", "finished"),
    ]
    assert visit.apply(TourCommand("stop"), now) == [
        Refusal("TOUR_NOT_PLAYING", "No tour is playing.")
    ]


def test_a_tour_flies_from_where_the_visitor_stands_to_its_first_step(
    exhibition: RenderEngine,
) -> None:
    visit = Visit(exhibition, T0)
    visit.greeting()
    standing = visit.view(T0)
    visit.apply(TourCommand("start", "highlights"), T0)
    assert visit.view(T0) == standing  # no jump: the flight starts at the visitor's eye
    halfway = visit.view(T0 + FLIGHT_SECONDS / 2)
    rest = visit.view(T0 + FLIGHT_SECONDS)
    assert halfway not in (standing, rest)
    assert rest != standing


def test_stop_leaves_the_camera_where_the_tour_put_it(exhibition: RenderEngine) -> None:
    visit = Visit(exhibition, T0)
    visit.greeting()
    visit.apply(TourCommand("start", "highlights"), T0)
    rest = visit.view(T0 + FLIGHT_SECONDS)
    events = visit.apply(TourCommand("stop"), T0 + FLIGHT_SECONDS)
    assert events == [ModeChanged("orbit", None, True), TourLeft("highlights", "stopped")]
    assert visit.view(T0 + FLIGHT_SECONDS) == rest


def test_a_click_names_the_relic_or_nothing(engine: RenderEngine) -> None:
    visit = Visit(engine, T0)
    visit.next_view(T0)
    hit = visit.pick(PickAt(0.5, 0.5), 640, 360)
    assert hit.exhibit == "relic" and hit.point is not None
    assert hit.label is None  # a showcase has no document to label it
    assert visit.pick(PickAt(0.01, 0.01), 640, 360) == Picked()
    with pytest.raises(TypeError):
        visit.apply(PickAt(0.5, 0.5), T0)


def test_a_click_on_an_exhibit_brings_its_label(exhibition: RenderEngine) -> None:
    visit = Visit(exhibition, T0, start_at="bronze-hu")
    visit.next_view(T0)
    hit = visit.pick(PickAt(0.5, 0.5), 640, 360)
    assert hit.exhibit == "bronze-hu"
    assert hit.label is not None and hit.label["id"] == "bronze-hu"
    # The click is judged in the camera it was made in, not the one after.
    away = exhibition.exhibit_views["bronze-ding"][0]
    assert visit.pick(PickAt(0.5, 0.5), 640, 360, away).exhibit == "bronze-ding"


def test_at_the_entrance_only_the_nearest_relics_hotspots_are_near(
    exhibition: RenderEngine,
) -> None:
    visit = Visit(exhibition, T0, hotspot_range=4.0)
    eye = visit.view(T0).eye()
    near = {key[0] for key in exhibition.hotspot_positions if visit.near(eye, key)}
    assert near == {"bronze-hu"}
    assert len({key[0] for key in exhibition.hotspot_positions}) >= 5
    assert not visit.near(eye, ("bronze-hu", "no-such-hotspot"))
    everywhere = Visit(exhibition, T0, hotspot_range=100.0)
    assert all(everywhere.near(eye, key) for key in exhibition.hotspot_positions)


def test_a_controller_ray_names_the_relic_it_points_at(exhibition: RenderEngine) -> None:
    visit = Visit(exhibition, 0.0)
    home, _ = exhibition.exhibit_views["bronze-hu"]
    eye = home.eye()
    ahead = tuple(t - e for t, e in zip(home.target, eye, strict=True))
    hit = visit.pick_ray(eye, ahead)  # type: ignore[arg-type]
    assert isinstance(hit, Picked) and hit.exhibit == "bronze-hu"
    assert hit.label is not None and hit.label["metadata"]["title"]["en"] == "Bronze hu vessel"
    away = tuple(-c for c in ahead)
    missed = visit.pick_ray(eye, away)  # type: ignore[arg-type]
    assert isinstance(missed, Picked) and missed.exhibit != "bronze-hu"
    # A ray from outside the hall (or with no direction) is refused, as a click beside
    # the picture is.
    outside = visit.pick_ray((500.0, 1.6, 500.0), ahead)  # type: ignore[arg-type]
    assert isinstance(outside, Refusal) and outside.code == "PICK_OUTSIDE"
    still = visit.pick_ray(eye, (0.0, 0.0, 0.0))
    assert isinstance(still, Refusal) and still.code == "PICK_OUTSIDE"


def test_a_teleport_lands_on_free_floor_and_a_wall_refuses_it(exhibition: RenderEngine) -> None:
    import numpy as np

    visit = Visit(exhibition, 0.0)
    walk_map = exhibition.walk_map
    assert walk_map is not None
    size = walk_map.options.cell
    blocked = np.argwhere(~walk_map.free)
    row, column = blocked[len(blocked) // 2]
    wall_x = walk_map.origin[0] + (column + 0.5) * size
    wall_z = walk_map.origin[1] + (row + 0.5) * size
    before = visit.view(1.0).eye()
    refused = visit.teleport(wall_x, wall_z, 1.0)
    assert [type(e) for e in refused] == [Refusal] and refused[0].code == "TELEPORT_BLOCKED"
    assert visit.view(1.0).eye() == before
    free = np.argwhere(walk_map.free)
    row, column = free[len(free) // 3]
    x = walk_map.origin[0] + (column + 0.5) * size
    z = walk_map.origin[1] + (row + 0.5) * size
    assert visit.teleport(x, z, 2.0) == [] or all(
        not isinstance(e, Refusal) for e in visit.teleport(x, z, 2.0)
    )
    ex, ey, ez = visit.view(2.0).eye()
    assert (ex, ez) == pytest.approx((x, z)) and ey == pytest.approx(
        before[1]
    )  # at once, eye height kept
