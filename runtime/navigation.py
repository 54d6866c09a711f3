"""A visitor's camera: walking the hall or orbiting one exhibit, with flights between.

Pure and clock-driven (``now`` is passed in), like the tour player.  A walk is kept as an
eye position with a heading and a look angle, and shown as the equivalent
:class:`ViewState` (a target one metre ahead), so the renderer, picking, hotspot marks and
camera flights treat both modes alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from museion.runtime.camera import OrbitLimits, ViewState, apply_command, interpolate
from museion.runtime.view_commands import Orbit, Reset, ViewCommand, Walk, Zoom
from museion.runtime.walkmap import WalkMap

__all__ = [
    "EYE_HEIGHT",
    "LOOK_LIMIT",
    "TRANSITION_SECONDS",
    "Navigator",
    "WalkState",
]

EYE_HEIGHT = 1.6
TRANSITION_SECONDS = 0.8
LOOK_LIMIT = 60.0
"""The furthest (degrees) a walker looks up or down."""
_AHEAD = 1.0
Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class WalkState:
    """A walker: eye position, ``heading`` (0 faces -Z, positive turns left) and ``look``."""

    position: Vec3
    heading: float = 0.0
    look: float = 0.0
    fov: float = 60.0

    def view(self) -> ViewState:
        """The same camera as an orbit view (target a metre ahead of the eye)."""
        heading, pitch = math.radians(self.heading), math.radians(-self.look)
        ex, ey, ez = self.position
        return ViewState(
            target=(
                ex - _AHEAD * math.cos(pitch) * math.sin(heading),
                ey - _AHEAD * math.sin(pitch),
                ez - _AHEAD * math.cos(pitch) * math.cos(heading),
            ),
            yaw=self.heading,
            pitch=-self.look,
            distance=_AHEAD,
            fov=self.fov,
        )

    @classmethod
    def from_view(cls, view: ViewState, fov: float = 60.0) -> WalkState:
        """A walker standing where ``view``'s eye is, facing the same way."""
        look = max(-LOOK_LIMIT, min(LOOK_LIMIT, -view.pitch))
        return cls(position=view.eye(), heading=view.yaw, look=look, fov=fov)


def _step(state: WalkState, walk: Walk, walk_map: WalkMap | None) -> WalkState:
    heading = math.remainder(state.heading - walk.turn, 360.0)
    look = max(-LOOK_LIMIT, min(LOOK_LIMIT, state.look + walk.look))
    rad = math.radians(heading)
    # Facing (-sin h, -cos h) in the plan; the right hand is (cos h, -sin h).
    dx = -math.sin(rad) * walk.forward + math.cos(rad) * walk.right
    dz = -math.cos(rad) * walk.forward - math.sin(rad) * walk.right
    x, y, z = state.position
    if walk_map is not None:
        x, z = walk_map.move(x, z, dx, dz)
    else:
        x, z = x + dx, z + dz
    return replace(state, position=(x, y, z), heading=heading, look=look)


@dataclass
class Navigator:
    """Orbit or walk; every change of mode flies the camera there in ``TRANSITION_SECONDS``."""

    home: ViewState
    limits: OrbitLimits
    walk_map: WalkMap | None = None
    spawn: WalkState | None = None
    mode: str = "orbit"
    orbit_view: ViewState | None = None
    walker: WalkState | None = None
    _from: ViewState | None = None
    _since: float = 0.0

    def __post_init__(self) -> None:
        if self.orbit_view is None:
            self.orbit_view = self.home

    @property
    def can_walk(self) -> bool:
        return self.spawn is not None

    def rest_view(self) -> ViewState:
        """Where the camera is heading (the end of any flight)."""
        if self.mode == "walk" and self.walker is not None:
            return self.walker.view()
        assert self.orbit_view is not None
        return self.orbit_view

    def view(self, now: float) -> ViewState:
        """The camera at ``now``."""
        rest = self.rest_view()
        if self._from is None:
            return rest
        t = (now - self._since) / TRANSITION_SECONDS
        if t >= 1.0:
            self._from = None
            return rest
        return interpolate(self._from, rest, t)

    def _fly_from(self, current: ViewState, now: float) -> None:
        self._from, self._since = current, now

    def start_walking(self, now: float, at: WalkState | None = None, fly: bool = True) -> None:
        """Walk from where the camera is (brought to eye height and onto free floor), or
        from ``at``; ``fly=False`` arrives at once (a visitor entering the hall)."""
        current = self.view(now)
        if at is None:
            if self.mode == "walk" and self.walker is not None:
                return
            at = self._walker_near(current)
        self.mode, self.walker = "walk", at
        if fly:
            self._fly_from(current, now)
        else:
            self._from = None

    def _walker_near(self, view: ViewState) -> WalkState:
        assert self.spawn is not None
        walker = WalkState.from_view(view, fov=self.spawn.fov)
        x, _, z = walker.position
        y = self.spawn.position[1]
        if self.walk_map is not None and not self.walk_map.is_free(x, z):
            found = self.walk_map.nearest_free(x, z)
            if found is None:
                return self.spawn
            x, z = found
        return replace(walker, position=(x, y, z), look=0.0)

    def start_orbit(self, home: ViewState, limits: OrbitLimits, now: float) -> None:
        """Orbit ``home`` (an exhibit's framing), flying there from the current camera."""
        current = self.view(now)
        self.mode, self.home, self.limits, self.orbit_view = "orbit", home, limits, home
        self._fly_from(current, now)

    def settle(self, view: ViewState) -> None:
        """Orbit on from ``view`` (where a tour left the camera), without a flight."""
        self.mode, self.orbit_view, self._from = "orbit", view, None

    def apply(self, command: ViewCommand, now: float) -> None:
        """An orbit, zoom, pan or reset; while walking they turn, step, strafe or respawn."""
        if self.mode == "walk" and self.walker is not None:
            if isinstance(command, Reset):
                assert self.spawn is not None
                self.start_walking(now, at=self.spawn)
            elif isinstance(command, Orbit):
                self.walk(Walk(turn=-command.yaw, look=-command.pitch), now)
            elif isinstance(command, Zoom):
                self.walk(Walk(forward=(1.0 - command.factor) * 2.0), now)
            else:
                self.walk(Walk(right=command.dx), now)
            return
        assert self.orbit_view is not None
        self.orbit_view = apply_command(self.orbit_view, command, self.home, self.limits)

    def walk(self, step: Walk, now: float) -> None:
        """One walking step (entering walk mode first when orbiting)."""
        if not self.can_walk:
            return
        if self.mode != "walk" or self.walker is None:
            self.start_walking(now)
        assert self.walker is not None
        self.walker = _step(self.walker, step, self.walk_map)
