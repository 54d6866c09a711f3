"""Surfaces of revolution: an outline of (radius, height) control points, rounded by
corner cutting and revolved about Y, with texture v running along the outline."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from museion.tools.samples.geometry import F64, Arrays, floats, grid_indices

__all__ = [
    "INSIDE_WEIGHT",
    "along_profile",
    "band_v",
    "corner_cut",
    "lathed",
    "outline",
    "profile_samples",
    "revolve",
]

# The share of the outline's length the inside (past the lip) counts for: it is mostly
# hidden, so it gets fewer rings and texels than the outside.
INSIDE_WEIGHT = 0.4


def corner_cut(points: F64, iterations: int) -> F64:
    """Chaikin corner cutting of a polyline (any number of columns), its ends kept."""
    for _ in range(iterations):
        p, q = points[:-1], points[1:]
        cut = np.stack([0.75 * p + 0.25 * q, 0.25 * p + 0.75 * q], axis=1)
        points = np.concatenate([points[:1], cut.reshape(-1, points.shape[1]), points[-1:]])
    return points


def outline(
    profile: F64, inside_weight: float = INSIDE_WEIGHT, iterations: int = 5
) -> tuple[F64, F64]:
    """The smooth outline (Chaikin corner cutting of ``profile``) and its mesh/texture parameter.

    Corner cutting stays inside the control polygon, so a flat foot stays at y = 0.  The
    parameter is arc length, with the inside (past the lip, the highest point) counted at
    ``inside_weight``: it is mostly hidden, so it gets fewer rings and texels than the outside.
    """
    points = corner_cut(profile, iterations)
    steps = np.hypot(*np.diff(points, axis=0).T)
    steps[int(np.argmax(points[:, 1])) :] *= inside_weight
    return points, np.concatenate([[0.0], np.cumsum(steps)])


def profile_samples(
    rings: int, profile: F64, inside_weight: float = INSIDE_WEIGHT
) -> tuple[F64, F64, F64]:
    """``rings + 1`` outline points evenly spaced in the parameter, their 2D normals and v.

    v runs from 1 at the base centre to 0 at the inner floor, so going up the outside is
    going up the texture image (its top row is v = 0).
    """
    dense, length = outline(profile=profile, inside_weight=inside_weight)
    at = np.linspace(0.0, length[-1], rings + 1)
    points = np.stack([np.interp(at, length, dense[:, i]) for i in (0, 1)], axis=1)
    points[:, 0] = np.maximum(points[:, 0], 0.0)
    tangent = np.gradient(points, axis=0)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    return points, normal, 1.0 - at / length[-1]


def band_v(heights: tuple[float, ...], profile: F64, inside_weight: float = INSIDE_WEIGHT) -> F64:
    """Texture v where the outside of the vessel reaches each height (for the decoration)."""
    dense, length = outline(profile=profile, inside_weight=inside_weight)
    outside = int(np.argmax(dense[:, 1]))  # the outside climbs monotonically to the lip
    at = np.interp(heights, dense[: outside + 1, 1], length[: outside + 1])
    result: F64 = 1.0 - at / length[-1]
    return result


def revolve(points: F64, normal2d: F64, v: F64, segments: int) -> Arrays:
    """Revolve outline ``points`` (r, y) about Y: one vertex per (point, segment), the seam
    column repeated.

    u grows clockwise seen from above, i.e. to the right seen from outside, so the textures
    are not mirrored.  TANGENT is dP/du, and its w makes cross(N, T) * w point towards
    decreasing v (the image's top): the frame glTF normal maps are authored in.
    """
    shape = (len(points), segments + 1)
    theta = np.linspace(0.0, 2.0 * math.pi, segments + 1)
    cos, sin = np.broadcast_to(np.cos(theta), shape), np.broadcast_to(np.sin(theta), shape)
    r, y = (np.broadcast_to(points[:, i : i + 1], shape) for i in (0, 1))
    nr, ny = (np.broadcast_to(normal2d[:, i : i + 1], shape) for i in (0, 1))
    positions = np.stack([r * cos, y, r * sin], axis=-1)
    normals = np.stack([nr * cos, ny, nr * sin], axis=-1)
    tangents = np.stack([sin, np.zeros(shape), -cos], axis=-1)
    along = np.gradient(positions, axis=0)  # along the outline, towards smaller v
    towards_top = np.einsum("ijk,ijk->ij", np.cross(normals, tangents), along) >= 0
    handed = np.where(towards_top, 1.0, -1.0)[..., None]
    u = np.broadcast_to(1.0 - theta / (2.0 * math.pi), shape)
    uvs = np.stack([u, np.broadcast_to(v[:, None], shape)], axis=-1)
    return {
        "POSITION": positions.reshape(-1, 3).astype(np.float32),
        "NORMAL": normals.reshape(-1, 3).astype(np.float32),
        "TANGENT": np.concatenate([tangents, handed], axis=-1).reshape(-1, 4).astype(np.float32),
        "TEXCOORD_0": uvs.reshape(-1, 2).astype(np.float32),
    }


def lathed(profile: F64, rings: int, segments: int, u_repeat: float = 1.0) -> Arrays:
    """``profile`` (r, y control points, axis to axis) smoothed and revolved about Y."""
    points, normal2d, v = profile_samples(rings, profile=profile, inside_weight=0.4)
    part = revolve(points, normal2d, v, segments)
    floats(part, "TEXCOORD_0")[:, 0] *= u_repeat
    part["indices"] = grid_indices(part["POSITION"], rings + 1, segments + 1)
    return part


def along_profile(profile: F64, size: int) -> tuple[F64, F64, npt.NDArray[np.bool_]]:
    """Radius, height and inside flag of the outline at each texture row of a lathed part."""
    dense, length = outline(profile=profile, inside_weight=0.4)
    v = (np.arange(size) + 0.5) / size
    at = (1.0 - v) * length[-1]
    r = np.interp(at, length, dense[:, 0])
    y = np.interp(at, length, dense[:, 1])
    inside = at > length[int(np.argmax(dense[:, 1]))]
    return r, y, inside
