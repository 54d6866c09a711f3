"""Where a visitor is, as plain data, and carrying on from there: what lets a page that
lost its node (a crash, a cable) continue on another node of the cluster where it was:
walking at the same spot, orbiting the same relic from the same side, at the same step of
the same tour.

The server tells the page its :func:`whereabouts` as they change; the page keeps the
newest and, on a new node, sends them back as a :class:`~museion.runtime.view_commands.Resume`;
:func:`resume` checks them against this hall (free floor, known relics and tours, the
orbit's limits) before anything moves.  Pure state over the :class:`Visit`: no Panda3D.
"""

from __future__ import annotations

import math
from dataclasses import replace

from museion.runtime.camera import ViewState
from museion.runtime.navigation import LOOK_LIMIT, WalkState
from museion.runtime.tour_player import TourPlayer
from museion.runtime.view_commands import Resume
from museion.runtime.visit import Refusal, Visit, VisitEvent

__all__ = ["resume", "whereabouts"]


def whereabouts(visit: Visit) -> Resume:
    """Where ``visit`` is now (the end of any flight: where the camera is going)."""
    nav, tour = visit.nav, visit.tour
    tour_id, step = (None, 0) if tour is None else (tour.tour.id, tour.index)
    if nav.mode == "walk" and nav.walker is not None:
        walker = nav.walker
        return Resume(
            "walk", None, walker.position, walker.heading, walker.look, None, tour_id, step
        )
    view = nav.rest_view()
    shape = (*view.target, view.yaw, view.pitch, view.distance)
    return Resume("orbit", visit.orbiting, None, 0.0, 0.0, shape, tour_id, step)


def _walker(visit: Visit, wanted: Resume) -> WalkState | None:
    spawn, walk_map = visit.engine.spawn, visit.engine.walk_map
    if spawn is None or wanted.position is None:
        return None
    x, _, z = wanted.position
    if walk_map is not None and not walk_map.is_free(x, z):
        found = walk_map.nearest_free(x, z)  # a hall changed between nodes: close by
        if found is None:
            return spawn
        x, z = found
    look = max(-LOOK_LIMIT, min(LOOK_LIMIT, wanted.look))
    heading = math.remainder(wanted.heading, 360.0)
    return replace(spawn, position=(x, spawn.position[1], z), heading=heading, look=look)


def resume(visit: Visit, wanted: Resume, now: float) -> list[VisitEvent]:
    """Put ``visit`` where ``wanted`` says, as far as this hall allows: a spot that is not
    free floor becomes the nearest that is, an orbit is held within the relic's limits; an
    unknown relic or tour is refused and the rest still applied."""
    events: list[VisitEvent] = visit.leave_tour(now)
    engine = visit.engine
    if wanted.mode == "walk":
        walker = _walker(visit, wanted)
        if walker is None:
            events.append(Refusal("WALK_UNAVAILABLE", "This scene has no floor to walk."))
        else:
            visit.nav.start_walking(now, at=walker, fly=False)
    elif wanted.exhibit not in engine.exhibit_views or wanted.view is None:
        events.append(Refusal("EXHIBIT_UNKNOWN", f"There is no exhibit {wanted.exhibit!r} here."))
    else:
        home, limits = engine.exhibit_views[wanted.exhibit]
        x, y, z, yaw, pitch, distance = wanted.view
        view = ViewState((x, y, z), yaw, pitch, distance, home.fov)
        visit.nav.start_orbit(home, limits, now)
        visit.nav.settle(limits.clamp(view, home))
        visit.orbiting = wanted.exhibit
    if wanted.tour is not None:
        document = engine.document
        found = [t for t in (document.tours if document else ()) if t.id == wanted.tour]
        if not found:
            events.append(Refusal("TOUR_UNKNOWN", f"There is no tour {wanted.tour!r} here."))
        else:
            views = {key: view for key, (view, _) in engine.exhibit_views.items()}
            visit.tour = TourPlayer(
                found[0], views, on_play=visit.play, camera_views=engine.camera_views
            )
            visit.tour.start(visit.view(now), now, index=wanted.step)
    return events + visit.announce()
