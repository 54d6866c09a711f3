"""tools/surface_error.py: distances between surfaces whose true distance is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from museion.tools.surface_error import (
    Mesh,
    point_triangle_distance,
    surface_error,
)

SAMPLES = 20_000


def grid(x0: float, x1: float, y0: float, y1: float, z: float = 0.0, n: int = 8) -> Mesh:
    """A flat rectangle at height ``z`` cut into 2 n^2 triangles."""
    xs, ys = np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    positions = np.stack([gx.ravel(), gy.ravel(), np.full(gx.size, z)], axis=1)
    index = np.arange((n + 1) ** 2).reshape(n + 1, n + 1)
    a, b = index[:-1, :-1].ravel(), index[1:, :-1].ravel()
    c, d = index[1:, 1:].ravel(), index[:-1, 1:].ravel()
    triangles = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    return Mesh(positions, triangles.astype(np.int64))


def sphere(radius: float, centre: tuple[float, float, float] = (0, 0, 0), n: int = 96) -> Mesh:
    """A UV sphere: fine enough that its chords stray less than 0.1% of the radius."""
    theta = np.linspace(0, math.pi, n + 1)
    phi = np.linspace(0, 2 * math.pi, 2 * n, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1)
    positions = (unit * radius + np.asarray(centre)).reshape(-1, 3)
    index = np.arange((n + 1) * 2 * n).reshape(n + 1, 2 * n)
    nxt = np.roll(index, -1, axis=1)
    a, b, c, d = index[:-1].ravel(), index[1:].ravel(), nxt[1:].ravel(), nxt[:-1].ravel()
    triangles = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    return Mesh(positions, triangles.astype(np.int64))


def test_point_triangle_distance_in_every_region() -> None:
    a, b, c = np.array([0.0, 0, 0]), np.array([1.0, 0, 0]), np.array([0.0, 1, 0])
    points = np.array(
        [
            [0.2, 0.2, 0.5],  # above the face
            [-1.0, -1.0, 0.0],  # beyond corner a
            [2.0, 0.0, 0.0],  # beyond corner b
            [0.0, 3.0, 0.0],  # beyond corner c
            [0.5, -2.0, 0.0],  # beside edge ab
            [-0.5, 0.5, 0.0],  # beside edge ac
            [1.0, 1.0, 0.0],  # beside edge bc
        ]
    )
    expected = [0.5, math.sqrt(2), 1.0, 2.0, 2.0, 0.5, math.sqrt(2) / 2]
    n = len(points)
    got = point_triangle_distance(
        points, np.tile(a, (n, 1)), np.tile(b, (n, 1)), np.tile(c, (n, 1))
    )
    assert got == pytest.approx(expected, abs=1e-12)


def test_identical_surfaces_are_zero_apart() -> None:
    plane = grid(0, 1, 0, 1)
    error = surface_error(plane, plane, samples=SAMPLES)
    assert error.hausdorff < 1e-12
    assert error.rms < 1e-12


def test_parallel_planes_are_their_offset_apart() -> None:
    error = surface_error(grid(0, 1, 0, 1), grid(0, 1, 0, 1, z=0.1, n=3), samples=SAMPLES)
    assert error.diagonal == pytest.approx(math.sqrt(2))
    assert error.hausdorff == pytest.approx(0.1 / math.sqrt(2), rel=1e-9)
    assert error.rms == pytest.approx(0.1 / math.sqrt(2), rel=1e-9)


def test_plane_slid_in_its_own_plane() -> None:
    """Sliding the unit square by s: the far edge is s away; the RMS is sqrt(s^3 / 3)."""
    s = 0.3
    error = surface_error(grid(0, 1, 0, 1), grid(s, 1 + s, 0, 1), samples=SAMPLES)
    assert error.hausdorff * error.diagonal == pytest.approx(s, rel=1e-9)
    assert error.rms * error.diagonal == pytest.approx(math.sqrt(s**3 / 3), rel=0.03)


def test_half_a_plane_is_far_from_the_whole_one() -> None:
    """Every point of the half lies on the whole, but the whole strays 0.5 from the half:
    the distance must be symmetric, not one-sided."""
    whole, half = grid(0, 1, 0, 1), grid(0, 0.5, 0, 1)
    for a, b in ((whole, half), (half, whole)):
        error = surface_error(a, b, samples=SAMPLES)
        assert error.hausdorff * error.diagonal == pytest.approx(0.5, rel=1e-9)


def test_concentric_spheres_are_their_radii_apart() -> None:
    error = surface_error(sphere(1.0), sphere(1.05), samples=SAMPLES)
    diagonal = 2 * math.sqrt(3)
    assert error.diagonal == pytest.approx(diagonal, rel=1e-3)
    assert error.hausdorff * diagonal == pytest.approx(0.05, rel=0.02)
    assert error.rms * diagonal == pytest.approx(0.05, rel=0.02)


def test_shifted_spheres() -> None:
    """Unit spheres 0.1 apart: the poles on the shift's axis are 0.1 from the other sphere,
    the equator perpendicular to it only 0.005; the RMS lies in between."""
    error = surface_error(sphere(1.0), sphere(1.0, centre=(0.1, 0, 0)), samples=SAMPLES)
    distance = error.hausdorff * error.diagonal
    assert distance == pytest.approx(0.1, rel=0.02)
    assert 0.02 < error.rms * error.diagonal < 0.08
