"""What a visitor asks of their camera, as plain data: the runtime applies it, the
streaming layer parses and bounds it from untrusted JSON first."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "MODES",
    "TOUR_ACTIONS",
    "Command",
    "ModeCommand",
    "Orbit",
    "Pan",
    "PickAt",
    "PickRay",
    "Reset",
    "Resume",
    "SnapTurn",
    "Teleport",
    "TourCommand",
    "ViewCommand",
    "Walk",
    "Zoom",
]


@dataclass(frozen=True)
class Orbit:
    """Turn the camera around the target by relative angles (degrees)."""

    yaw: float
    pitch: float


@dataclass(frozen=True)
class Zoom:
    """Multiply the orbit distance by ``factor`` (< 1 comes closer)."""

    factor: float


@dataclass(frozen=True)
class Pan:
    """Slide the target in the view plane, in fractions of the orbit distance."""

    dx: float
    dy: float


@dataclass(frozen=True)
class Reset:
    """Go back to the home view."""


@dataclass(frozen=True)
class PickAt:
    """Ask what is under a point of the frame, as fractions of its width and height."""

    x: float
    y: float


@dataclass(frozen=True)
class TourCommand:
    """Control a guided tour: start (a tour id), pause, resume, next, prev or stop."""

    action: str
    tour: str | None = None


@dataclass(frozen=True)
class Walk:
    """One walking step, relative to where the visitor faces: metres and degrees."""

    forward: float = 0.0
    right: float = 0.0
    turn: float = 0.0
    look: float = 0.0


@dataclass(frozen=True)
class ModeCommand:
    """Switch to walking, or to orbiting an exhibit (the nearest one when not named)."""

    mode: str
    exhibit: str | None = None


@dataclass(frozen=True)
class PickRay:
    """A headset controller's pick: a ray in the headset's ``local-floor`` metres."""

    origin: tuple[float, float, float]
    direction: tuple[float, float, float]


@dataclass(frozen=True)
class Teleport:
    """Stand where a headset's teleport arc met the floor (``local-floor`` x, z), the
    head being at ``head`` (x, z) in that space now."""

    x: float
    z: float
    head: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class SnapTurn:
    """A headset's snap turn: ``degrees`` (positive: left) about the floor under the head
    (``local-floor`` x, z); the visitor stays where they stand."""

    degrees: float
    head: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Resume:
    """Carry on where a visitor was (their page replays it after moving to another node):
    walking at ``position`` facing ``heading`` and ``look``, or orbiting ``exhibit`` from
    ``view`` (target, yaw, pitch, distance); and at ``step`` of ``tour`` if one played.
    Bounded by the parser; checked against the hall when applied."""

    mode: str
    exhibit: str | None = None
    position: tuple[float, float, float] | None = None
    heading: float = 0.0
    look: float = 0.0
    view: tuple[float, float, float, float, float, float] | None = None
    tour: str | None = None
    step: int = 0


TOUR_ACTIONS = ("start", "pause", "resume", "next", "prev", "stop")
MODES = ("walk", "orbit")
ViewCommand = Orbit | Zoom | Pan | Reset
"""The commands that move an orbiting camera (a walker reads them as steps and turns)."""
Command = (
    ViewCommand | PickAt | PickRay | TourCommand | Walk | ModeCommand | Teleport | SnapTurn | Resume
)
"""Every command a visitor can send."""
