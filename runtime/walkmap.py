"""Where a walking visitor may stand: a floor-plan grid built from the scene's own triangles.

Pure numpy (no Panda3D), so it is tested with hand-made triangles.  Every triangle that
reaches into the body's height band (knee to head above the floor) blocks the cells its
floor-plan projection covers; blocked cells grow by the body's radius; only cells inside
the document's walkable polygon (when it gives one) stay free.  Walls, partitions,
pedestals and relics thus stop a walker without any collision authoring.

Plan coordinates are scene ``(x, z)`` in metres (glTF, Y up).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["WalkMap", "WalkOptions", "build_walk_map", "inside_polygon"]

F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class WalkOptions:
    """A visitor's body and the grid's resolution (metres)."""

    cell: float = 0.1
    radius: float = 0.3
    floor: float = 0.0
    knee: float = 0.2
    head: float = 2.0
    step: float = 0.05
    max_cells: int = 4_000_000  # a 200 m x 200 m hall at 10 cm

    def __post_init__(self) -> None:
        if not 0 < self.cell < math.inf:
            raise ValueError("cell must be a positive size")
        if not 0 <= self.radius < math.inf:
            raise ValueError("radius must be 0 or more")
        if not math.isfinite(self.floor):
            raise ValueError("floor must be a height")
        if not 0 <= self.knee < self.head < math.inf:
            raise ValueError("heights must satisfy 0 <= knee < head")
        if not 0 < self.step < math.inf:
            raise ValueError("step must be a positive length")
        if self.max_cells < 1:
            raise ValueError("max_cells must be at least 1")


def inside_polygon(points: F64, polygon: Sequence[tuple[float, float]]) -> Bools:
    """Even-odd test of many ``(x, z)`` points against one polygon."""
    x, z = points[..., 0], points[..., 1]
    inside = np.zeros(x.shape, bool)
    count = len(polygon)
    for i in range(count):
        (x1, z1), (x2, z2) = polygon[i], polygon[(i + 1) % count]
        if z1 == z2:
            continue
        crosses = (z1 > z) != (z2 > z)
        at = x1 + (z - z1) * (x2 - x1) / (z2 - z1)
        inside ^= crosses & (x < at)
    return inside


@dataclass(frozen=True)
class WalkMap:
    """Free cells of the floor plan; ``origin`` is the (x, z) of cell (0, 0)'s corner."""

    free: Bools  # indexed [row (z), column (x)]
    origin: tuple[float, float]
    options: WalkOptions

    def _cell(self, x: float, z: float) -> tuple[int, int] | None:
        column = math.floor((x - self.origin[0]) / self.options.cell)
        row = math.floor((z - self.origin[1]) / self.options.cell)
        rows, columns = self.free.shape
        if 0 <= row < rows and 0 <= column < columns:
            return row, column
        return None

    def contains(self, x: float, z: float) -> bool:
        """True when ``(x, z)`` lies over the floor plan (free or not): inside the hall."""
        return self._cell(x, z) is not None

    def is_free(self, x: float, z: float) -> bool:
        """True when a visitor can stand at ``(x, z)``."""
        cell = self._cell(x, z)
        return cell is not None and bool(self.free[cell])

    def nearest_free(self, x: float, z: float) -> tuple[float, float] | None:
        """The free cell centre closest to ``(x, z)``, or None when nothing is free."""
        rows, columns = np.nonzero(self.free)
        if rows.size == 0:
            return None
        size = self.options.cell
        xs = self.origin[0] + (columns + 0.5) * size
        zs = self.origin[1] + (rows + 0.5) * size
        best = int(np.argmin((xs - x) ** 2 + (zs - z) ** 2))
        return float(xs[best]), float(zs[best])

    def move(self, x: float, z: float, dx: float, dz: float) -> tuple[float, float]:
        """Walk from ``(x, z)`` by ``(dx, dz)``, stopping at obstacles and sliding along them.

        The path is swept in short steps so a fast stride cannot tunnel through a thin wall;
        when a step is blocked, its component along each axis is tried on its own, so a
        visitor walking diagonally into a wall glides along it.
        """
        if not self.is_free(x, z):
            return x, z
        length = math.hypot(dx, dz)
        steps = max(1, math.ceil(length / self.options.step))
        sx, sz = dx / steps, dz / steps
        for _ in range(steps):
            if self.is_free(x + sx, z + sz):
                x, z = x + sx, z + sz
            elif sx and self.is_free(x + sx, z):
                x += sx
            elif sz and self.is_free(x, z + sz):
                z += sz
            else:
                break
        return x, z


def _plan_samples(triangles: F64, spacing: float) -> F64:
    """Points covering each triangle's floor-plan projection at most ``spacing`` apart."""
    plan = triangles[:, :, [0, 2]]
    edges = np.stack(
        [plan[:, 1] - plan[:, 0], plan[:, 2] - plan[:, 1], plan[:, 0] - plan[:, 2]], axis=1
    )
    longest = np.linalg.norm(edges, axis=2).max(axis=1)
    parts = np.maximum(1, np.ceil(longest / spacing)).astype(int)
    chunks: list[F64] = []
    for n in np.unique(parts):
        group = plan[parts == n]
        i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
        keep = i + j <= n
        a = (i[keep] / n)[None, :, None]
        b = (j[keep] / n)[None, :, None]
        points = group[:, None, 0] + a * (group[:, None, 1] - group[:, None, 0])
        points = points + b * (group[:, None, 2] - group[:, None, 0])
        chunks.append(points.reshape(-1, 2))
    return np.concatenate(chunks) if chunks else np.zeros((0, 2))


def _grow(blocked: Bools, cells: int) -> Bools:
    """``blocked`` dilated by a disc of ``cells`` radius."""
    grown = blocked.copy()
    rows, columns = blocked.shape
    for dr in range(-cells, cells + 1):
        for dc in range(-cells, cells + 1):
            if (dr == 0 and dc == 0) or dr * dr + dc * dc > cells * cells:
                continue
            target = grown[max(0, dr) : rows + min(0, dr), max(0, dc) : columns + min(0, dc)]
            source = blocked[max(0, -dr) : rows - max(0, dr), max(0, -dc) : columns - max(0, dc)]
            target |= source
    return grown


def build_walk_map(
    triangles: F64,
    walkable: Sequence[tuple[float, float]] = (),
    options: WalkOptions | None = None,
    boxes: F64 | None = None,
) -> WalkMap:
    """The walk map for ``triangles`` (N, 3 corners, xyz scene coordinates) and ``boxes``.

    ``boxes`` (M, 2 corners, xyz) are solid obstacles given by their bounds, the cheap way
    to place hundreds of exhibits: the venue gives its triangles (walls need them), every
    exhibit and pedestal its box.  The grid spans the walkable polygon, or the triangles'
    floor plan when the document names no polygon.  Raises ValueError when that area
    exceeds ``options.max_cells``.
    """
    options = options or WalkOptions()
    triangles = np.asarray(triangles, np.float64).reshape(-1, 3, 3)
    if walkable:
        bounds = np.array(walkable, np.float64)
    elif len(triangles):
        bounds = triangles[:, :, [0, 2]].reshape(-1, 2)
    else:
        bounds = np.zeros((1, 2))
    low = bounds.min(axis=0) - options.radius
    high = bounds.max(axis=0) + options.radius
    shape = np.maximum(1, np.ceil((high - low) / options.cell).astype(int))
    columns, rows = int(shape[0]), int(shape[1])
    if rows * columns > options.max_cells:
        raise ValueError(
            f"the walkable area needs {rows * columns} grid cells, more than {options.max_cells}"
        )
    heights = triangles[:, :, 1]
    body = (heights.max(axis=1) > options.floor + options.knee) & (
        heights.min(axis=1) < options.floor + options.head
    )
    points = _plan_samples(triangles[body], options.cell / 2)
    blocked = np.zeros((rows, columns), bool)
    solid = (
        np.zeros((0, 2, 3)) if boxes is None else np.asarray(boxes, np.float64).reshape(-1, 2, 3)
    )
    solid = solid[
        (solid[:, 1, 1] > options.floor + options.knee)
        & (solid[:, 0, 1] < options.floor + options.head)
    ]
    for (x0, _, z0), (x1, _, z1) in solid:
        c0, r0 = np.floor((np.array([x0, z0]) - low) / options.cell).astype(int)
        c1, r1 = np.floor((np.array([x1, z1]) - low) / options.cell).astype(int)
        blocked[max(0, r0) : max(0, r1 + 1), max(0, c0) : max(0, c1 + 1)] = True
    if len(points):
        cells = np.floor((points - low) / options.cell).astype(int)
        ok = (
            (cells[:, 0] >= 0) & (cells[:, 0] < columns) & (cells[:, 1] >= 0) & (cells[:, 1] < rows)
        )
        blocked[cells[ok, 1], cells[ok, 0]] = True
    blocked = _grow(blocked, math.ceil(options.radius / options.cell))
    free = ~blocked
    if walkable:
        xs = low[0] + (np.arange(columns) + 0.5) * options.cell
        zs = low[1] + (np.arange(rows) + 0.5) * options.cell
        grid = np.stack(np.meshgrid(xs, zs), axis=-1)
        free &= inside_polygon(grid, walkable)
    return WalkMap(free=free, origin=(float(low[0]), float(low[1])), options=options)
