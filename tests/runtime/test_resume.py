"""Carrying a visit on elsewhere: a second visit (as on another node) resumed from the
first's whereabouts stands where it stood, orbits as it orbited, plays the same tour step;
what this hall does not allow is corrected or refused (real engine, on a clock)."""

from __future__ import annotations

import dataclasses

import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.resume import whereabouts
from museion.runtime.view_commands import ModeCommand, Orbit, Resume, TourCommand, Walk
from museion.runtime.visit import Refusal, Visit


def test_a_walker_carries_on_where_they_stood(exhibition: RenderEngine) -> None:
    first = Visit(exhibition, 0.0)
    first.apply(Walk(forward=0.4, turn=25.0, look=-5.0), 1.0)
    first.apply(Walk(forward=0.4), 2.0)
    where = whereabouts(first)
    assert where.mode == "walk" and where.position is not None
    second = Visit(exhibition, 10.0)
    second.apply(where, 11.0)
    assert second.view(11.0) == pytest.approx(first.view(3.0))


def test_an_orbit_and_a_tour_step_carry_on(exhibition: RenderEngine) -> None:
    first = Visit(exhibition, 0.0)
    first.apply(ModeCommand("orbit", "bronze-hu"), 0.0)
    first.apply(Orbit(yaw=40.0, pitch=12.0), 5.0)
    where = whereabouts(first)
    assert (where.mode, where.exhibit) == ("orbit", "bronze-hu")
    second = Visit(exhibition, 0.0)
    events = second.apply(where, 10.0)
    assert second.view(10.0) == pytest.approx(first.view(10.0))
    assert second.orbiting == "bronze-hu" and not any(isinstance(e, Refusal) for e in events)

    tour = exhibition.document.tours[0].id if exhibition.document else ""
    first.apply(TourCommand("start", tour), 20.0)
    first.apply(TourCommand("next", None), 21.0)
    where = whereabouts(first)
    assert (where.tour, where.step) == (tour, 1)
    third = Visit(exhibition, 0.0)
    third.apply(where, 30.0)
    assert third.tour is not None and third.tour.index == 1


def test_what_this_hall_does_not_allow_is_corrected_or_refused(
    exhibition: RenderEngine,
) -> None:
    visit = Visit(exhibition, 0.0)
    walk_map = exhibition.walk_map
    assert walk_map is not None
    # A spot inside the hu's pedestal: the nearest free floor instead.
    hu = exhibition.exhibit_views["bronze-hu"][0].target
    assert not walk_map.is_free(hu[0], hu[2])
    visit.apply(Resume("walk", position=(hu[0], 1.6, hu[2]), heading=10.0, look=80.0), 1.0)
    walker = visit.nav.walker
    assert walker is not None and walk_map.is_free(walker.position[0], walker.position[2])
    assert walker.look == 60.0  # held to the walker's limit
    # An orbit from far outside the relic's limits is pulled back inside them.
    wild = Resume("orbit", "bronze-hu", view=(*hu, 0.0, 89.0, 50.0))
    visit.apply(wild, 2.0)
    _, limits = exhibition.exhibit_views["bronze-hu"]
    shown = visit.view(2.0)
    assert shown.distance <= limits.max_distance and shown.pitch <= limits.max_pitch
    # Unknown relics and tours are refused with their codes; the session's visit goes on.
    codes = [
        e.code
        for e in visit.apply(dataclasses.replace(wild, exhibit="no-such", tour="nope"), 3.0)
        if isinstance(e, Refusal)
    ]
    assert codes == ["EXHIBIT_UNKNOWN", "TOUR_UNKNOWN"]
