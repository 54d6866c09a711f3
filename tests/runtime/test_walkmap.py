"""The walk map: walls, partitions and relics stop a walker; the walkable polygon bounds it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from museion.runtime.walkmap import WalkOptions, build_walk_map, inside_polygon


def _wall(x0: float, z0: float, x1: float, z1: float, height: float = 3.0) -> np.ndarray:
    """A vertical wall from (x0, z0) to (x1, z1) as two triangles."""
    a, b = (x0, 0.0, z0), (x1, 0.0, z1)
    c, d = (x1, height, z1), (x0, height, z0)
    return np.array([[a, b, c], [a, c, d]], float)


def _room(half: float = 5.0) -> np.ndarray:
    h = half
    floor = np.array([[(-h, 0, -h), (h, 0, -h), (h, 0, h)], [(-h, 0, -h), (h, 0, h), (-h, 0, h)]])
    ceiling = floor + np.array([0.0, 4.0, 0.0])
    walls = [_wall(-h, -h, h, -h), _wall(h, -h, h, h), _wall(h, h, -h, h), _wall(-h, h, -h, -h)]
    return np.concatenate([floor, ceiling, *walls])


def test_the_floor_and_ceiling_do_not_block_but_walls_do() -> None:
    walk = build_walk_map(_room())
    assert walk.is_free(0.0, 0.0)
    assert walk.is_free(4.5, 0.0)
    assert not walk.is_free(4.8, 0.0)  # within a body's radius of the wall
    assert not walk.is_free(6.0, 0.0)  # beyond it


def test_walking_into_a_wall_stops_short_and_slides_along_it() -> None:
    walk = build_walk_map(_room())
    x, z = walk.move(0.0, 0.0, 20.0, 0.0)
    assert 4.5 <= x < 4.75 and z == 0.0
    x, z = walk.move(4.0, 0.0, 2.0, 2.0)  # diagonally into the wall: glide along it
    assert x < 4.75 and z == pytest.approx(2.0)


def test_a_thin_partition_cannot_be_tunnelled_by_a_long_stride() -> None:
    triangles = np.concatenate([_room(), _wall(-2.0, 0.0, 2.0, 0.0)])  # zero thickness
    walk = build_walk_map(triangles)
    x, z = walk.move(0.0, 2.0, 0.0, -4.0)
    assert z > 0.25 and x == 0.0
    # Around its end is fine.
    x, z = walk.move(3.0, 2.0, 0.0, -4.0)
    assert z == pytest.approx(-2.0)


def test_something_at_head_height_blocks_and_something_above_it_does_not() -> None:
    def table(y: float) -> np.ndarray:
        return np.array([[(-0.5, y, -0.5), (0.5, y, -0.5), (0.5, y, 0.5)]])

    low = build_walk_map(np.concatenate([_room(), table(1.0)]))
    high = build_walk_map(np.concatenate([_room(), table(2.5)]))
    assert not low.is_free(0.2, -0.2)
    assert high.is_free(0.2, -0.2)


def test_the_walkable_polygon_bounds_the_walk_and_nearest_free_finds_a_way_back() -> None:
    square = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
    walk = build_walk_map(_room(), square)
    assert walk.is_free(0.9, 0.9)
    assert not walk.is_free(1.2, 0.0)
    x, _z = walk.move(0.0, 0.0, 3.0, 0.0)
    assert 0.9 <= x <= 1.0
    nx, nz = walk.nearest_free(4.0, 0.0) or (math.nan, math.nan)
    assert walk.is_free(nx, nz) and nx == pytest.approx(0.95)


def test_point_in_polygon_handles_concave_shapes() -> None:
    ell = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]
    points = np.array([[0.5, 0.5], [1.5, 0.5], [0.5, 1.5], [1.5, 1.5], [3, 3]])
    assert inside_polygon(points, ell).tolist() == [True, True, True, False, False]


def test_an_area_too_large_is_refused() -> None:
    with pytest.raises(ValueError, match="grid cells"):
        build_walk_map(_room(), [(0, 0), (5000, 0), (5000, 5000)], WalkOptions())


def test_nothing_free_means_no_nearest_point() -> None:
    walk = build_walk_map(_room(), [(10, 10), (11, 10), (11, 10.05)])
    assert walk.nearest_free(0, 0) is None


def test_boxes_block_like_solid_exhibits_and_only_in_the_body_band() -> None:
    plinth = np.array([[(-0.3, 0.0, -0.3), (0.3, 1.0, 0.3)]])
    lamp = np.array([[(2.0, 2.5, 2.0), (2.5, 3.0, 2.5)]])  # hangs above the head
    walk = build_walk_map(_room(), boxes=np.concatenate([plinth, lamp]))
    assert not walk.is_free(0.0, 0.0) and not walk.is_free(0.5, 0.0)  # the plinth, grown
    assert walk.is_free(0.75, 0.0)
    assert walk.is_free(2.2, 2.2)


@pytest.mark.parametrize(
    "body",
    [
        {"cell": 0.0},
        {"radius": -0.1},
        {"floor": math.nan},
        {"knee": 2.0, "head": 1.0},
        {"knee": -0.1},
        {"step": 0.0},
        {"max_cells": 0},
    ],
)
def test_walk_options_refuse_an_impossible_body(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        WalkOptions(**body)
    assert WalkOptions(radius=0.0, knee=0.0, floor=-3.0).head == 2.0
