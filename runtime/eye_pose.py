"""A headset's eye poses as WebXR gives them, checked, and where they stand in the hall.

Plain data and maths, no Panda3D.  WebXR's convention throughout: right-handed, y up,
-z forward, metres; poses are relative to the ``local-floor`` space (origin on the
floor).  A projection is the 16 floats of ``XRView.projectionMatrix``: an OpenGL clip
matrix, column-major.  A :class:`Place` sets that space down in the gallery (scene
coordinates are glTF's, also y up, so only a floor point and a heading are needed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from museion.runtime.errors import PoseRefused
from museion.runtime.navigation import EYE_HEIGHT, WalkState

__all__ = ["MAX_REACH", "UNIT_TOLERANCE", "EyePose", "Frustum", "Place", "StereoPose"]

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]
Matrix = tuple[float, ...]

MAX_REACH = 1000.0
"""How far (m) from the local-floor origin an eye may be: beyond is a broken tracker (the
pose channel's parser has the same bound)."""
UNIT_TOLERANCE = 1e-3
"""How far from 1 a quaternion's length may be (float32 from the page) before refusal."""
MAX_TANGENT = math.tan(math.radians(85.0))
"""The widest an eye's frustum may reach on any side (85 degrees from straight ahead)."""
MIN_FOV = 10.0
"""The narrowest an eye may see, in degrees across either axis: below is no headset's lens,
and a picture of it would be a few pixels of the hall blown up."""
_FORM_TOLERANCE = 1e-5


def _finite(values: Any, size: int, what: str, code: str) -> tuple[float, ...]:
    try:
        numbers = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise PoseRefused(f"the {what} is not a list of numbers", code=code) from None
    if len(numbers) != size or not all(math.isfinite(v) for v in numbers):
        raise PoseRefused(f"the {what} is not {size} finite numbers", code=code)
    return numbers


@dataclass(frozen=True)
class Frustum:
    """An eye's view as the tangents of its four edges at unit distance (left < right,
    bottom < top; asymmetric for headsets, whose eyes see further outward)."""

    left: float
    right: float
    bottom: float
    top: float

    @classmethod
    def from_projection(cls, projection: Matrix) -> Frustum:
        """The frustum of an OpenGL perspective matrix (column-major, as WebXR gives it)."""
        m = _finite(projection, 16, "projection", "PROJECTION_MALFORMED")
        # Column-major: m[col * 4 + row].  A perspective matrix has no skew, no
        # translation in x or y, and its last row is (0, 0, -1, 0).
        zeros = (m[1], m[2], m[3], m[4], m[6], m[7], m[12], m[13], m[15])
        scale = max(abs(m[0]), abs(m[5]), 1.0)
        if any(abs(v) > _FORM_TOLERANCE * scale for v in zeros) or abs(m[11] + 1) > 1e-4:
            raise PoseRefused(
                "the projection is not a perspective matrix", code="PROJECTION_MALFORMED"
            )
        if not (m[0] > 1e-6 and m[5] > 1e-6):
            raise PoseRefused(
                "the projection sees nothing or sees mirrored", code="PROJECTION_DEGENERATE"
            )
        near_denominator = m[10] - 1.0
        if near_denominator == 0.0 or not m[14] / near_denominator > 0.0:
            raise PoseRefused(
                "the projection's near plane is not in front of the eye",
                code="PROJECTION_DEGENERATE",
            )
        frustum = cls(
            left=(m[8] - 1) / m[0],
            right=(m[8] + 1) / m[0],
            bottom=(m[9] - 1) / m[5],
            top=(m[9] + 1) / m[5],
        )
        if max(map(abs, (frustum.left, frustum.right, frustum.bottom, frustum.top))) > MAX_TANGENT:
            raise PoseRefused(
                "the projection is wider than 85 degrees to a side", code="PROJECTION_OUT_OF_RANGE"
            )
        if min(frustum.fov()) < MIN_FOV:
            raise PoseRefused(
                f"the projection is narrower than {MIN_FOV:g} degrees",
                code="PROJECTION_OUT_OF_RANGE",
            )
        return frustum

    def widened(self, margin: float) -> Frustum:
        """Each edge moved out by ``margin`` of the width (or height) in the image plane."""
        dx, dy = (self.right - self.left) * margin, (self.top - self.bottom) * margin
        return Frustum(self.left - dx, self.right + dx, self.bottom - dy, self.top + dy)

    def projection(self, near: float, far: float) -> Matrix:
        """The OpenGL perspective matrix of this frustum, column-major (as WebXR's)."""
        w, h = self.right - self.left, self.top - self.bottom
        return (
            2 / w, 0.0, 0.0, 0.0,
            0.0, 2 / h, 0.0, 0.0,
            (self.right + self.left) / w, (self.top + self.bottom) / h,
            -(far + near) / (far - near), -1.0,
            0.0, 0.0, -2 * far * near / (far - near), 0.0,
        )  # fmt: skip

    def fov(self) -> tuple[float, float]:
        """Horizontal and vertical field of view in degrees."""
        return (
            math.degrees(math.atan(self.right) - math.atan(self.left)),
            math.degrees(math.atan(self.top) - math.atan(self.bottom)),
        )

    def pixel(self, direction: Vec3, width: int, height: int) -> tuple[float, float] | None:
        """Where a direction in eye space (x right, y up, -z ahead) appears in a
        ``width`` x ``height`` picture of this frustum (pixels from the top left), or None
        behind the eye."""
        x, y, z = direction
        if z >= -1e-9:
            return None
        tx, ty = x / -z, y / -z
        return (
            (tx - self.left) / (self.right - self.left) * width,
            (self.top - ty) / (self.top - self.bottom) * height,
        )


def rotate(q: Quat, v: Vec3) -> Vec3:
    """``v`` turned by the unit quaternion ``q`` (x, y, z, w)."""
    qx, qy, qz, w = q
    tx = 2 * (qy * v[2] - qz * v[1])
    ty = 2 * (qz * v[0] - qx * v[2])
    tz = 2 * (qx * v[1] - qy * v[0])
    return (
        v[0] + w * tx + qy * tz - qz * ty,
        v[1] + w * ty + qz * tx - qx * tz,
        v[2] + w * tz + qx * ty - qy * tx,
    )


@dataclass(frozen=True)
class EyePose:
    """One eye: position (m, local-floor), orientation (a unit quaternion x, y, z, w,
    normalised here) and the projection the headset asks for.  Refuses what cannot be
    rendered with :class:`~museion.runtime.errors.PoseRefused`."""

    position: Vec3
    orientation: Quat
    projection: Matrix
    frustum: Frustum = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        px, py, pz = _finite(self.position, 3, "eye position", "POSE_MALFORMED")
        if max(abs(px), abs(py), abs(pz)) > MAX_REACH:
            raise PoseRefused(
                f"the eye is more than {MAX_REACH:g} m from the floor's origin",
                code="POSE_MALFORMED",
            )
        q = _finite(self.orientation, 4, "eye orientation", "POSE_MALFORMED")
        norm = math.sqrt(sum(c * c for c in q))
        if abs(norm - 1) > UNIT_TOLERANCE:
            raise PoseRefused("the eye orientation is not a unit quaternion", code="POSE_NOT_UNIT")
        projection = _finite(self.projection, 16, "projection", "PROJECTION_MALFORMED")
        object.__setattr__(self, "position", (px, py, pz))
        object.__setattr__(
            self, "orientation", (q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm)
        )
        object.__setattr__(self, "projection", projection)
        object.__setattr__(self, "frustum", Frustum.from_projection(projection))


@dataclass(frozen=True)
class StereoPose:
    """Both eyes of one XR frame."""

    left: EyePose
    right: EyePose


@dataclass(frozen=True)
class Place:
    """Where the headset's ``local-floor`` origin stands in the hall: a floor point in
    scene coordinates and a ``heading`` (degrees; 0 faces -Z, positive turns left, as a
    :class:`~museion.runtime.navigation.WalkState`'s).  The eye height is the headset's."""

    floor: Vec3
    heading: float = 0.0

    @classmethod
    def standing(cls, walk: WalkState) -> Place:
        """The floor under a walker's eye, facing where they face."""
        x, y, z = walk.position
        return cls(floor=(x, y - EYE_HEIGHT, z), heading=walk.heading)

    def direction(self, v: Vec3) -> Vec3:
        """A ``local-floor`` direction in scene coordinates (turned by the heading)."""
        rad = math.radians(self.heading)
        c, s = math.cos(rad), math.sin(rad)
        return (c * v[0] + s * v[2], v[1], -s * v[0] + c * v[2])

    def point(self, v: Vec3) -> Vec3:
        """A ``local-floor`` point (a controller, the floor a teleport aims at) in the hall."""
        x, y, z = self.direction(v)
        fx, fy, fz = self.floor
        return (x + fx, y + fy, z + fz)

    def local(self, point: Vec3) -> Vec3:
        """A point of the hall in ``local-floor`` (what :meth:`point` undoes): where the
        page draws a hotspot's marker."""
        fx, fy, fz = self.floor
        x, y, z = point[0] - fx, point[1] - fy, point[2] - fz
        rad = math.radians(self.heading)
        c, s = math.cos(rad), math.sin(rad)
        return (c * x - s * z, y, s * x + c * z)

    def turned(self, degrees: float, head: tuple[float, float]) -> Place:
        """This space turned by ``degrees`` (positive: left) about the floor under the head
        (``local-floor`` x, z), which stays where it was in the hall: a snap turn."""
        pivot = self.point((head[0], 0.0, head[1]))
        turned = replace(self, heading=(self.heading + degrees + 180.0) % 360.0 - 180.0)
        moved = turned.point((head[0], 0.0, head[1]))
        fx, fy, fz = self.floor
        return replace(turned, floor=(fx + pivot[0] - moved[0], fy, fz + pivot[2] - moved[2]))

    def eye_in_scene(self, eye: EyePose) -> tuple[Vec3, Vec3, Vec3]:
        """The eye's position, forward and up directions in scene coordinates."""
        forward = self.direction(rotate(eye.orientation, (0.0, 0.0, -1.0)))
        up = self.direction(rotate(eye.orientation, (0.0, 1.0, 0.0)))
        return self.point(eye.position), forward, up
