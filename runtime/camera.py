"""Orbit-camera state and how the view commands move it: plain maths, no Panda3D.

Positions are in scene coordinates (glTF: metres, Y up).  A :class:`ViewState` is
immutable so a view can tell "the camera moved" with one comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from museion.runtime.view_commands import Orbit, Reset, ViewCommand, Zoom

__all__ = [
    "OrbitLimits",
    "ViewState",
    "apply_command",
    "fitted",
    "horizontal_fov",
    "interpolate",
    "look_at_basis",
    "project",
    "view_from_pose",
]

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class ViewState:
    """Where a visitor's camera is: orbiting ``target`` at ``distance``.

    ``yaw`` turns around the vertical axis (0 looks from +Z towards -Z); ``pitch`` raises the
    camera above the target.  Angles are degrees.
    """

    target: Vec3 = (0.0, 1.2, 0.0)
    yaw: float = 0.0
    pitch: float = 10.0
    distance: float = 1.6
    fov: float = 45.0

    def eye(self) -> Vec3:
        """The camera position in scene coordinates."""
        yaw, pitch = math.radians(self.yaw), math.radians(self.pitch)
        tx, ty, tz = self.target
        return (
            tx + self.distance * math.cos(pitch) * math.sin(yaw),
            ty + self.distance * math.sin(pitch),
            tz + self.distance * math.cos(pitch) * math.cos(yaw),
        )


@dataclass(frozen=True)
class OrbitLimits:
    """Bounds that keep the camera inside the room and off the floor."""

    min_distance: float = 0.4
    max_distance: float = 4.5
    min_pitch: float = -20.0
    max_pitch: float = 80.0
    max_pan: float = 1.5

    def __post_init__(self) -> None:
        if not 0 < self.min_distance <= self.max_distance < math.inf:
            raise ValueError("distances must satisfy 0 < min_distance <= max_distance")
        if not -90.0 <= self.min_pitch <= self.max_pitch <= 90.0:
            raise ValueError("pitches must satisfy -90 <= min_pitch <= max_pitch <= 90")
        if not 0 <= self.max_pan < math.inf:
            raise ValueError("max_pan must be a distance of 0 or more")

    def clamp(self, state: ViewState, home: ViewState) -> ViewState:
        """``state`` pulled back inside the limits; pans stay near ``home``'s target."""
        target = tuple(
            min(max(t, h - self.max_pan), h + self.max_pan)
            for t, h in zip(state.target, home.target, strict=True)
        )
        return replace(
            state,
            target=(target[0], target[1], target[2]),
            yaw=math.remainder(state.yaw, 360.0),
            pitch=min(max(state.pitch, self.min_pitch), self.max_pitch),
            distance=min(max(state.distance, self.min_distance), self.max_distance),
        )


def look_at_basis(state: ViewState) -> tuple[Vec3, Vec3, Vec3]:
    """Unit right, up and forward vectors of the camera in scene coordinates."""
    ex, ey, ez = state.eye()
    tx, ty, tz = state.target
    fx, fy, fz = tx - ex, ty - ey, tz - ez
    norm = math.sqrt(fx * fx + fy * fy + fz * fz) or 1.0
    forward = (fx / norm, fy / norm, fz / norm)
    rx, rz = -forward[2], forward[0]
    rnorm = math.sqrt(rx * rx + rz * rz) or 1.0
    right = (rx / rnorm, 0.0, rz / rnorm)
    up = (
        right[1] * forward[2] - right[2] * forward[1],
        right[2] * forward[0] - right[0] * forward[2],
        right[0] * forward[1] - right[1] * forward[0],
    )
    return right, up, forward


def apply_command(
    state: ViewState, command: ViewCommand, home: ViewState, limits: OrbitLimits
) -> ViewState:
    """The view after ``command``, clamped to ``limits``."""
    if isinstance(command, Reset):
        return home
    if isinstance(command, Orbit):
        moved = replace(state, yaw=state.yaw + command.yaw, pitch=state.pitch + command.pitch)
    elif isinstance(command, Zoom):
        moved = replace(state, distance=state.distance * command.factor)
    else:
        right, up, _ = look_at_basis(state)
        scale = state.distance
        moved = replace(
            state,
            target=(
                state.target[0] + (right[0] * command.dx + up[0] * command.dy) * scale,
                state.target[1] + (right[1] * command.dx + up[1] * command.dy) * scale,
                state.target[2] + (right[2] * command.dx + up[2] * command.dy) * scale,
            ),
        )
    return limits.clamp(moved, home)


def project(
    state: ViewState, width: int, height: int, point: Vec3
) -> tuple[float, float, float] | None:
    """Where ``point`` (scene coordinates) appears in a ``width`` x ``height`` frame.

    Returns ``(x, y, depth)`` in pixels from the top left and metres along the view, or
    ``None`` when the point is behind the camera.  ``state.fov`` is the vertical field of
    view, as the renderer uses it.
    """
    ex, ey, ez = state.eye()
    right, up, forward = look_at_basis(state)
    rel = (point[0] - ex, point[1] - ey, point[2] - ez)
    depth = sum(a * b for a, b in zip(rel, forward, strict=True))
    if depth <= 1e-6:
        return None
    half_v = math.tan(math.radians(state.fov) / 2)
    half_h = half_v * width / height
    sx = sum(a * b for a, b in zip(rel, right, strict=True)) / (depth * half_h)
    sy = sum(a * b for a, b in zip(rel, up, strict=True)) / (depth * half_v)
    return ((sx + 1) / 2 * width, (1 - sy) / 2 * height, depth)


def fitted(state: ViewState, width: int, height: int) -> ViewState:
    """``state`` for a ``width`` x ``height`` picture: a landscape one keeps its vertical
    field of view; a portrait one (a phone held upright) widens it so that its width spans
    what a square picture's would, and the relic framed for landscape still fits across."""
    if width >= height:
        return state
    half = math.tan(math.radians(state.fov) / 2)
    return replace(state, fov=math.degrees(2 * math.atan(half * height / width)))


def horizontal_fov(vertical: float, aspect: float) -> float:
    """The horizontal field of view (degrees) matching ``vertical`` at ``aspect``."""
    return math.degrees(2 * math.atan(math.tan(math.radians(vertical) / 2) * aspect))


def view_from_pose(position: Vec3, target: Vec3, fov: float = 45.0) -> ViewState:
    """The orbit view whose eye is at ``position`` looking at ``target``."""
    dx, dy, dz = (p - t for p, t in zip(position, target, strict=True))
    distance = math.sqrt(dx * dx + dy * dy + dz * dz) or 1e-3
    return ViewState(
        target=target,
        yaw=math.degrees(math.atan2(dx, dz)),
        pitch=math.degrees(math.asin(max(-1.0, min(1.0, dy / distance)))),
        distance=distance,
        fov=fov,
    )


def interpolate(a: ViewState, b: ViewState, t: float) -> ViewState:
    """The view a fraction ``t`` of the way from ``a`` to ``b`` (eased; yaw the short way)."""
    t = max(0.0, min(1.0, t))
    s = t * t * (3 - 2 * t)
    turn = math.remainder(b.yaw - a.yaw, 360.0)
    return ViewState(
        target=(
            a.target[0] + (b.target[0] - a.target[0]) * s,
            a.target[1] + (b.target[1] - a.target[1]) * s,
            a.target[2] + (b.target[2] - a.target[2]) * s,
        ),
        yaw=math.remainder(a.yaw + turn * s, 360.0),
        pitch=a.pitch + (b.pitch - a.pitch) * s,
        distance=a.distance * (b.distance / a.distance) ** s,
        fov=a.fov + (b.fov - a.fov) * s,
    )
