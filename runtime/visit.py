"""One visitor's visit: walking, orbiting an exhibit, following a tour, picking.

The state machine every client shares (a browser over WebRTC today; a follower of a
docent, a VR headset or the staff studio next): it takes view commands already parsed and
bounded (:mod:`museion.runtime.view_commands`) and answers with plain results: the camera
(a :class:`ViewState`), what changed for the visitor to be told (:data:`VisitEvent`) and
refusals.  Clock-driven (``now`` is passed in) and free of any transport, so it is tested
on the real engine without a network.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import Any

from museion.runtime.camera import ViewState
from museion.runtime.engine import RenderEngine
from museion.runtime.errors import RenderError
from museion.runtime.eye_pose import Place
from museion.runtime.navigation import Navigator, WalkState
from museion.runtime.tour_player import TourPlayer
from museion.runtime.view_commands import (
    Command,
    ModeCommand,
    PickAt,
    PickRay,
    Resume,
    SnapTurn,
    Teleport,
    TourCommand,
    Walk,
)
from museion.scenes.document.model import Text, TourPlay

__all__ = ["ModeChanged", "Picked", "Refusal", "TourLeft", "TourStepShown", "Visit", "VisitEvent"]

Vec3 = tuple[float, float, float]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModeChanged:
    """The visitor now walks, or orbits ``exhibit``."""

    mode: str
    exhibit: str | None
    can_walk: bool


@dataclass(frozen=True)
class TourStepShown:
    """A tour shows step ``step`` of ``steps`` (or was paused or resumed there)."""

    tour: str
    playing: bool
    step: int
    steps: int
    narration: Text
    exhibit: str | None
    audio: str | dict[str, str] | None
    """The step's recordings as the document names them."""


@dataclass(frozen=True)
class TourLeft:
    """The tour ended: ``stopped`` (by the visitor) or ``finished`` (after its last step)."""

    tour: str
    state: str


@dataclass(frozen=True)
class Refusal:
    """A command that could not be applied here: a stable code and a sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class Picked:
    """What a click hit: an exhibit (and hotspot), where, and its label; or nothing."""

    exhibit: str | None = None
    hotspot: str | None = None
    point: Vec3 | None = None
    label: dict[str, Any] | None = None


VisitEvent = ModeChanged | TourStepShown | TourLeft | Refusal

_NO_FLOOR = Refusal("WALK_UNAVAILABLE", "This scene has no floor to walk.")


class Visit:
    """One visitor in ``engine``'s scene, entering walking at the spawn point, or orbiting
    ``start_at`` (an exhibit id) when given and known."""

    def __init__(
        self,
        engine: RenderEngine,
        now: float,
        start_at: str | None = None,
        hotspot_range: float = 4.0,
    ) -> None:
        self.engine = engine
        self.hotspot_range = hotspot_range
        if start_at in engine.exhibit_views:
            home, limits = engine.exhibit_views[start_at]
        else:
            home, limits, start_at = engine.home, engine.limits, None
        self.nav = Navigator(home, limits, walk_map=engine.walk_map, spawn=engine.spawn)
        if engine.spawn is not None and start_at is None:
            self.nav.start_walking(now, at=engine.spawn, fly=False)
        self.shown: ViewState = self.nav.view(now)
        """The camera of the latest frame: what the visitor is looking at."""
        self.tour: TourPlayer | None = None
        self.orbiting: str | None = None if self.nav.mode == "walk" else start_at
        """The exhibit orbited (or last orbited), None while walking from the start."""
        if self.orbiting is None and self.nav.mode == "orbit":
            self.orbiting = next(iter(engine.exhibit_views), None)
        self.place: Place | None = None  # a headset's local-floor space in the hall
        self._announced_mode: tuple[str, str | None] | None = None
        self._announced_step = -1

    # -- the camera --------------------------------------------------------------------------

    def view(self, now: float) -> ViewState:
        """The camera at ``now`` (a tour's, or the visitor's own), without advancing a tour."""
        return self.nav.view(now) if self.tour is None else self.tour.view(now)

    def next_view(self, now: float) -> tuple[ViewState, list[VisitEvent]]:
        """The camera for the next frame, moving a tour on after a step's dwell (and what
        the visitor is to be told of it)."""
        events: list[VisitEvent] = []
        tour = self.tour
        if tour is not None and tour.due(now) and not tour.go(1, now):
            events += self._leave_tour("finished", now)
            tour = None
        if tour is not None and tour.index != self._announced_step:
            events.append(self._tour_step())
        self.shown = self.nav.view(now) if tour is None else tour.view(now)
        return self.shown, events

    def greeting(self) -> ModeChanged:
        """The mode to tell a visitor who (re)connects, whatever was told before."""
        self._announced_mode = None
        event = self._mode_changed()
        assert event is not None
        return event

    # -- commands ----------------------------------------------------------------------------

    def apply(self, command: Command, now: float) -> list[VisitEvent]:
        """Apply a command other than a pick (see :meth:`pick`); the visitor taking the
        camera ends a tour."""
        if isinstance(command, PickAt | PickRay):
            raise TypeError("a pick is answered by Visit.pick, on the render thread")
        if isinstance(command, Teleport):
            return self.teleport_local(command, now)
        if isinstance(command, Resume):
            from museion.runtime.resume import resume  # it builds on this module

            return resume(self, command, now)
        if isinstance(command, SnapTurn):
            self.place = self.headset_place().turned(command.degrees, command.head)
            return []
        if isinstance(command, TourCommand):
            return self._tour_command(command, now)
        events = [] if self.tour is None else self._leave_tour("stopped", now)
        if isinstance(command, ModeCommand):
            events += self._mode_command(command, now)
        elif isinstance(command, Walk):
            if not self.nav.can_walk:
                return [*events, _NO_FLOOR]
            self.nav.walk(command, now)
            events += self._mode_events()
        else:
            self.nav.apply(command, now)
        return events

    def _mode_command(self, command: ModeCommand, now: float) -> list[VisitEvent]:
        if command.mode == "walk":
            if not self.nav.can_walk:
                return [_NO_FLOOR]
            self.nav.start_walking(now)
        else:
            exhibit = command.exhibit or self.nearest_exhibit()
            if exhibit not in self.engine.exhibit_views:
                return [Refusal("EXHIBIT_UNKNOWN", f"There is no exhibit {exhibit!r} here.")]
            home, limits = self.engine.exhibit_views[exhibit]
            self.nav.start_orbit(home, limits, now)
            self.orbiting = exhibit
        return self._mode_events()

    def nearest_exhibit(self) -> str | None:
        """The exhibit whose centre is nearest the eye of the latest frame."""
        eye = self.shown.eye()
        best = min(
            self.engine.exhibit_views.items(),
            key=lambda item: math.dist(item[1][0].target, eye),
            default=None,
        )
        return None if best is None else best[0]

    def _mode_changed(self) -> ModeChanged | None:
        """The mode, when it differs from the one last told."""
        mode = self.nav.mode
        if (mode, self.orbiting) == self._announced_mode:
            return None
        self._announced_mode = (mode, self.orbiting)
        exhibit = self.orbiting if mode == "orbit" else None
        return ModeChanged(mode, exhibit, self.nav.can_walk)

    def _mode_events(self) -> list[VisitEvent]:
        changed = self._mode_changed()
        return [] if changed is None else [changed]

    # -- guided tours ------------------------------------------------------------------------

    def _tour_command(self, command: TourCommand, now: float) -> list[VisitEvent]:
        document = self.engine.document
        if command.action == "start":
            found = [t for t in (document.tours if document else ()) if t.id == command.tour]
            if not found:
                return [Refusal("TOUR_UNKNOWN", f"There is no tour {command.tour!r} here.")]
            views = {key: view for key, (view, _) in self.engine.exhibit_views.items()}
            current = self.view(now)  # before the tour takes the camera: it flies from here
            self.tour = TourPlayer(
                found[0], views, on_play=self.play, camera_views=self.engine.camera_views
            )
            self.tour.start(current, now)
        elif self.tour is None:
            return [Refusal("TOUR_NOT_PLAYING", "No tour is playing.")]
        elif command.action == "pause":
            self.tour.pause(now)
        elif command.action == "resume":
            self.tour.resume(now)
        elif command.action in ("next", "prev"):
            self.tour.go(1 if command.action == "next" else -1, now)
        else:
            return self._leave_tour("stopped", now)
        return [self._tour_step()]

    def _tour_step(self) -> TourStepShown:
        tour = self.tour
        assert tour is not None
        self._announced_step = tour.index
        step = tour.step
        return TourStepShown(
            tour=tour.tour.id,
            playing=tour.playing,
            step=tour.index,
            steps=len(tour.tour.steps),
            narration=step.narration,
            exhibit=step.exhibit,
            audio=step.audio,
        )

    def leave_tour(self, now: float) -> list[VisitEvent]:
        """Stop a tour under way (nothing if none), where its camera is."""
        return self._leave_tour("stopped", now)

    def play(self, play: TourPlay) -> None:
        """Start the animation a tour step asks for; one that cannot play leaves the tour
        going (the scene checker refuses unknown names, so this is a logged oddity)."""
        try:
            self.engine.play_animation(play)
        except RenderError as exc:
            logger.warning("tour step animation %s not played: %s", play, exc)

    def announce(self) -> list[VisitEvent]:
        """What the visitor is to be told after being moved from outside (a resume): the
        mode if it changed, the tour's step if one plays."""
        events = self._mode_events()
        if self.tour is not None:
            events.append(self._tour_step())
        return events

    def _leave_tour(self, state: str, now: float) -> list[VisitEvent]:
        """End the tour where the camera is; orbiting continues around that place."""
        tour = self.tour
        if tour is None:
            return []
        exhibit = tour.step.exhibit
        if exhibit is not None and exhibit in self.engine.exhibit_views:
            self.nav.home, self.nav.limits = self.engine.exhibit_views[exhibit]
            self.orbiting = exhibit
        self.nav.settle(tour.view(now))
        events = self._mode_events()
        self.tour = None
        self._announced_step = -1
        return [*events, TourLeft(tour.tour.id, state)]

    # -- what the visitor sees ---------------------------------------------------------------

    def pick(self, at: PickAt, width: int, height: int, view: ViewState | None = None) -> Picked:
        """What the click ``at`` hits in a ``width`` x ``height`` view from ``view`` (the
        camera the visitor clicked in; the latest frame's by default).

        Casts a ray in the scene: run it on the render thread (``engine.executor``).
        """
        view = self.shown if view is None else view
        hit = self.engine.pick(view, width, height, at.x * width, at.y * height)
        if hit is None or hit.exhibit is None:
            return Picked()
        return Picked(hit.exhibit, hit.hotspot, hit.point, self.engine.label(hit.exhibit))

    def pick_ray(self, origin: Vec3, direction: Vec3) -> Picked | Refusal:
        """What a headset controller's ray hits (hall metres, y up), as a click would; a
        ray from outside the hall is refused. Run it on the render thread."""
        if not self._in_hall(origin) or not any(direction):
            return Refusal("PICK_OUTSIDE", "That ray does not start inside the hall.")
        hit = self.engine.pick_ray(origin, direction)
        if hit is None or hit.exhibit is None:
            return Picked()
        return Picked(hit.exhibit, hit.hotspot, hit.point, self.engine.label(hit.exhibit))

    def teleport(self, x: float, z: float, now: float) -> list[VisitEvent]:
        """Stand at ``(x, z)`` on the floor at once (a headset's teleport: no flight, for
        comfort), facing as before; walls and pedestals still stop it."""
        walk_map, spawn = self.engine.walk_map, self.engine.spawn
        if walk_map is None or spawn is None:
            return [_NO_FLOOR]
        if not walk_map.is_free(x, z):
            return [Refusal("TELEPORT_BLOCKED", "You cannot stand there: something is in the way.")]
        walker = self.nav.walker if self.nav.mode == "walk" and self.nav.walker else spawn
        at = replace(walker, position=(x, spawn.position[1], z))
        self.nav.start_walking(now, at=at, fly=False)
        return self._mode_events()

    def headset_place(self) -> Place:
        """Where the headset's ``local-floor`` space stands in the hall: set under the
        visitor when first asked (where they stood when they put the headset on), moved by
        teleports."""
        if self.place is None:
            walker = self.nav.walker if self.nav.mode == "walk" else None
            self.place = Place.standing(walker or WalkState.from_view(self.shown))
        return self.place

    def pick_local(self, ray: PickRay) -> Picked | Refusal:
        """A controller's ray, given in ``local-floor``, picked in the hall."""
        place = self.headset_place()
        return self.pick_ray(place.point(ray.origin), place.direction(ray.direction))

    def teleport_local(self, command: Teleport, now: float) -> list[VisitEvent]:
        """Teleport to a ``local-floor`` floor point: the visitor stands there, and the
        headset's space moves so that their head is over it."""
        place = self.headset_place()
        tx, _, tz = place.point((command.x, 0.0, command.z))
        events = self.teleport(tx, tz, now)
        if not any(isinstance(e, Refusal) for e in events):
            hx, _, hz = place.point((command.head[0], 0.0, command.head[1]))
            fx, fy, fz = place.floor
            self.place = replace(place, floor=(fx + tx - hx, fy, fz + tz - hz))
        return events

    def _in_hall(self, point: Vec3) -> bool:
        x, y, z = point
        walk_map = self.engine.walk_map
        if walk_map is not None:
            return walk_map.contains(x, z) and -1.0 <= y <= 10.0
        return math.dist(point, self.nav.home.target) <= 20.0  # a relic alone: near it

    def near(self, eye: Vec3, key: tuple[str, str]) -> bool:
        """True when the hotspot ``key`` (exhibit, hotspot) lies within ``hotspot_range``
        of ``eye``: a walker sees the marks of the relics around them, not the hall's."""
        position = self.engine.hotspot_positions.get(key)
        return position is not None and math.dist(eye, position) <= self.hotspot_range
