"""Where exhibits fall in a picture: each one's box projected through a camera's frustum.

A visitor's visible watermark is drawn only over restricted exhibits, so the stream needs
their rectangles in each new picture: a flat view's (one symmetric frustum) and a
headset's (two eyes side by side, each with its own asymmetric frustum).  Both project the
same way here, from the exhibits' boxes (the engine's bounds), in scene coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.runtime.render_view import NEAR

__all__ = ["Rect", "box_rect", "exhibit_boxes"]

Rect = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` pixels, right and bottom excluded."""
Corners = npt.NDArray[np.float64]
Vec3 = tuple[float, float, float]

_BOX_EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]


def exhibit_boxes(
    nodes: dict[str, Any], ids: Iterable[str], bounds: Callable[[Any], Any]
) -> list[Corners]:
    """The eight corners (scene coordinates, y up) of each of ``ids``' boxes that has
    geometry, in sorted id order; ``bounds`` gives a node's Panda3D bounds in the scene
    (the engine's :meth:`~museion.runtime.engine.RenderEngine.bounds`)."""
    boxes = []
    for key in sorted(ids):
        node = nodes.get(key)
        found = None if node is None else bounds(node)
        if found is None:
            continue
        low, high = found
        # Panda3D's Z-up corners in the scene's Y-up coordinates.
        boxes.append(
            np.array(
                [
                    (x, z, -y)
                    for x in (low.x, high.x)
                    for y in (low.y, high.y)
                    for z in (low.z, high.z)
                ],
                dtype=np.float64,
            )
        )
    return boxes


def box_rect(
    corners: Corners,
    eye: Vec3,
    basis: tuple[Vec3, Vec3, Vec3],
    tangents: tuple[float, float, float, float],
    width: int,
    height: int,
) -> Rect | None:
    """The rectangle of a ``width`` x ``height`` picture covering a box's eight
    ``corners`` seen from ``eye`` (``basis``: unit right, up, forward) through a frustum
    whose edges are at ``tangents`` (left, right, bottom, top, at unit distance); None
    when none of it is in front of the camera and inside the picture.

    The box's edges are cut at the near plane first: a box the camera stands in or beside
    then covers what of it lies ahead, not a projection through the eye.
    """
    local = (corners - np.array(eye, dtype=np.float64)) @ np.array(basis, dtype=np.float64).T
    ahead = local[:, 2] >= NEAR
    points = [local[i] for i in range(8) if ahead[i]]
    for a, b in _BOX_EDGES:
        if ahead[a] != ahead[b]:
            t = (NEAR - local[a, 2]) / (local[b, 2] - local[a, 2])
            points.append(local[a] + t * (local[b] - local[a]))
    if not points:
        return None
    seen = np.array(points)
    left_t, right_t, bottom_t, top_t = tangents
    x = (seen[:, 0] / seen[:, 2] - left_t) / (right_t - left_t) * width
    y = (top_t - seen[:, 1] / seen[:, 2]) / (top_t - bottom_t) * height
    left, right = max(0, math.floor(x.min())), min(width, math.ceil(x.max()))
    top, bottom = max(0, math.floor(y.min())), min(height, math.ceil(y.max()))
    if left >= right or top >= bottom:
        return None
    return (left, top, right, bottom)
