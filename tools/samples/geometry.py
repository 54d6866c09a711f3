"""Meshes the samples are made of, as attribute arrays: vertex grids with their normals and
tangents, flat and rounded boxes, parts merged, moved and turned.

A part is a dict of glTF attribute arrays (``POSITION``, ``NORMAL``, ``TANGENT``,
``TEXCOORD_0``) and ``indices``, counter-clockwise seen from outside.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "F64",
    "FACES",
    "Arrays",
    "Cell",
    "box",
    "floats",
    "grid_indices",
    "look_along",
    "merge",
    "metric_uvs",
    "moved",
    "rotation_y_to",
    "rounded_box",
    "surface",
    "unit",
    "without_tangents",
]


F64 = npt.NDArray[np.float64]


Arrays = dict[str, npt.NDArray[np.generic]]


def floats(part: Arrays, key: str) -> npt.NDArray[np.float32]:
    """The float32 attribute ``key`` of ``part`` itself (changes to it change the part)."""
    return np.asarray(part[key], dtype=np.float32)


def unit(vectors: F64) -> F64:
    result: F64 = vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)
    return result


def grid_indices(
    positions: npt.NDArray[np.generic], rows: int, cols: int
) -> npt.NDArray[np.uint32]:
    """Triangles of a ``rows`` x ``cols`` vertex grid, wound a, c, b / b, c, d (counter-clockwise
    seen from where cross(d/drow, d/dcol) points).

    Quads with two corners at the same point (on an axis) lose their degenerate halves,
    leaving fans.
    """
    grid = np.arange(rows * cols).reshape(rows, cols)
    a, b = grid[:-1, :-1], grid[:-1, 1:]
    c, d = grid[1:, :-1], grid[1:, 1:]
    triangles = np.stack([a, c, b, b, c, d], axis=-1).reshape(-1, 3)
    corner = positions.astype(np.float64)[triangles]
    area = np.linalg.norm(
        np.cross(corner[:, 1] - corner[:, 0], corner[:, 2] - corner[:, 0]), axis=1
    )
    result: npt.NDArray[np.uint32] = triangles[area > 1e-12].reshape(-1).astype(np.uint32)
    return result


def _derivative(grid: F64, axis: int, wrap: bool) -> F64:
    """Central differences along ``axis``; with ``wrap`` the last slice repeats the first."""
    if not wrap:
        result: F64 = np.gradient(grid, axis=axis)
        return result
    count = grid.shape[axis] - 1
    core = np.take(grid, np.arange(count), axis=axis)
    d = (np.roll(core, -1, axis=axis) - np.roll(core, 1, axis=axis)) / 2.0
    result = np.concatenate([d, np.take(d, [0], axis=axis)], axis=axis)
    return result


def _fill_from_neighbour_rows(vectors: F64, bad: npt.NDArray[np.bool_], mean: bool) -> F64:
    """Replace degenerate vectors (on an axis) by their neighbouring row's (mean) vector."""
    rows = vectors.shape[0]
    for row in np.flatnonzero(bad.any(axis=1)):
        source = row + 1 if row + 1 < rows else row - 1
        if mean:
            average = vectors[source].mean(axis=0)
            vectors[row, bad[row]] = average / max(float(np.linalg.norm(average)), 1e-12)
        else:
            vectors[row, bad[row]] = vectors[source, bad[row]]
    return vectors


def surface(
    positions: F64,
    uvs: F64,
    *,
    wrap_cols: bool = False,
    normals: F64 | None = None,
    along_u: F64 | None = None,
) -> Arrays:
    """A rows x cols vertex grid as a mesh, with normals and tangents from the grid itself.

    Normals (unless given) point along cross(d/drow, d/dcol), the side the triangles face;
    u must vary along columns only and v along rows only (so TANGENT = dP/du and its w sign
    follow from the grid), unless ``along_u`` gives dP/du.  With ``wrap_cols`` the last
    column repeats the first (the seam of a closed surface).
    """
    rows, cols = positions.shape[:2]
    dcol = _derivative(positions, 1, wrap_cols)
    drow = np.gradient(positions, axis=0)
    if normals is None:
        normal = np.cross(drow, dcol)
        length = np.linalg.norm(normal, axis=-1)
        normal = unit(_fill_from_neighbour_rows(normal, length < 1e-14, mean=True))
    else:
        normal = normals
    du = np.sign(np.gradient(uvs[..., 0], axis=1))[..., None]
    dv = np.sign(np.gradient(uvs[..., 1], axis=0))[..., None]
    tangent = dcol * du if along_u is None else np.broadcast_to(along_u, dcol.shape).copy()
    tangent = _fill_from_neighbour_rows(tangent, np.linalg.norm(tangent, axis=-1) < 1e-12, False)
    tangent = unit(tangent - normal * np.einsum("ijk,ijk->ij", normal, tangent)[..., None])
    towards_top = np.einsum("ijk,ijk->ij", np.cross(normal, tangent), -drow * dv) >= 0
    handed = np.where(towards_top, 1.0, -1.0)[..., None]
    flat = positions.reshape(-1, 3)
    return {
        "POSITION": flat.astype(np.float32),
        "NORMAL": normal.reshape(-1, 3).astype(np.float32),
        "TANGENT": np.concatenate([tangent, handed], axis=-1).reshape(-1, 4).astype(np.float32),
        "TEXCOORD_0": uvs.reshape(-1, 2).astype(np.float32),
        "indices": grid_indices(flat, rows, cols),
    }


def box(
    size: tuple[float, float, float], centre: tuple[float, float, float], inward: bool = False
) -> dict[str, npt.NDArray[np.generic]]:
    """An axis-aligned box with flat faces (normals inward for a room)."""
    half = np.array(size, np.float32) / 2
    positions: list[npt.NDArray[np.float32]] = []
    normals: list[npt.NDArray[np.float32]] = []
    uvs: list[tuple[int, int]] = []
    indices: list[int] = []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            normal = np.zeros(3, np.float32)
            normal[axis] = sign
            u_axis, v_axis = [a for a in range(3) if a != axis]
            corners = []
            for du, dv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                p = normal * half
                p[u_axis] = du * half[u_axis]
                p[v_axis] = dv * half[v_axis]
                corners.append(p + np.array(centre, np.float32))
            base = len(positions)
            positions += [c.astype(np.float32) for c in corners]
            normals += [-normal if inward else normal] * 4
            uvs += [(0, 0), (1, 0), (1, 1), (0, 1)]
            # The corner order winds around e_u x e_v (+X, -Y, +Z for axes 0, 1, 2); keep it
            # when that is the way the face looks, else reverse it.
            natural = -1.0 if axis == 1 else 1.0
            ccw = natural == sign * (-1.0 if inward else 1.0)
            quad = [0, 1, 2, 0, 2, 3] if ccw else [0, 2, 1, 0, 3, 2]
            indices += [base + i for i in quad]
    return {
        "POSITION": np.array(positions, np.float32),
        "NORMAL": np.array(normals, np.float32),
        "TEXCOORD_0": np.array(uvs, np.float32),
        "indices": np.array(indices, np.uint32),
    }


def merge(*parts: Arrays) -> Arrays:
    """One mesh from several with the same attributes (indices shifted)."""
    offsets = np.cumsum([0] + [len(p["POSITION"]) for p in parts[:-1]])
    merged: Arrays = {
        key: np.concatenate([p[key] for p in parts]) for key in parts[0] if key != "indices"
    }
    merged["indices"] = np.concatenate(
        [p["indices"].astype(np.uint32) + offset for p, offset in zip(parts, offsets, strict=True)]
    ).astype(np.uint32)
    return merged


def moved(part: Arrays, rotation: F64, offset: tuple[float, float, float]) -> Arrays:
    """``part`` rotated (a proper rotation matrix) and then translated."""
    result = dict(part)
    position, normal = floats(part, "POSITION"), floats(part, "NORMAL")
    result["POSITION"] = (position @ rotation.T + np.array(offset)).astype(np.float32)
    result["NORMAL"] = (normal @ rotation.T).astype(np.float32)
    if "TANGENT" in part:
        tangent = floats(part, "TANGENT")
        xyz = tangent[:, :3] @ rotation.T
        result["TANGENT"] = np.concatenate([xyz, tangent[:, 3:]], axis=1).astype(np.float32)
    return result


def without_tangents(part: Arrays) -> Arrays:
    """``part`` without TANGENT, for a material without a normal map."""
    return {k: v for k, v in part.items() if k != "TANGENT"}


def rotation_y_to(direction: F64) -> F64:
    """The rotation matrix turning +Y to the unit vector ``direction``."""
    y = np.array([0.0, 1.0, 0.0])
    axis = np.cross(y, direction)
    sine, cosine = float(np.linalg.norm(axis)), float(np.dot(y, direction))
    if sine < 1e-9:
        return np.eye(3) if cosine > 0 else np.diag([1.0, -1.0, -1.0])
    k = axis / sine
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    result: F64 = np.eye(3) + sine * cross + (1 - cosine) * cross @ cross
    return result


def look_along(direction: tuple[float, float, float]) -> list[float]:
    """Quaternion (x, y, z, w) turning -Z (where glTF lights shine) to ``direction``."""
    d = np.array(direction, np.float64)
    d /= np.linalg.norm(d)
    source = np.array([0.0, 0.0, -1.0])
    axis = np.cross(source, d)
    w = 1.0 + float(np.dot(source, d))
    q = np.array([*axis, w])
    q /= np.linalg.norm(q)
    return [float(round(c, 6)) for c in q]


# Faces of a box: outward normal and the direction that is "up" in its texture image.
FACES = {
    "front": ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
    "back": ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
    "right": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "left": ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "top": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
    "bottom": ((0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
}


Cell = tuple[float, float, float, float]


def rounded_box(
    half: tuple[float, float, float],
    radius: float,
    centre: tuple[float, float, float],
    cells: dict[str, Cell],
    flat: int = 16,
    bevel: int = 5,
) -> Arrays:
    """A box with edges rounded to ``radius``: six face grids, each textured from its cell
    (u0, v0, u1, v1) of the image, upright and unmirrored seen from outside.

    Each face grid covers its flat part and half of each rounded edge (a cube face pushed
    out onto the rounded box), so neighbouring faces meet with the same positions and
    normals.
    """
    size = np.array(half)
    inner = size - radius
    parts = []
    for name, (normal, up) in FACES.items():
        n, upward = np.array(normal), np.array(up)
        right = np.cross(upward, n)
        h_right, h_up = float(abs(right @ size)), float(abs(upward @ size))

        def samples(h: float, r: float = radius) -> F64:
            edge = np.linspace(-h, -(h - r), bevel)
            middle = np.linspace(-(h - r), h - r, flat)[1:-1]
            result: F64 = np.concatenate([edge, middle, -edge[::-1]])
            return result

        across, down = samples(h_right), samples(h_up)[::-1]
        cube = n * size + right * across[None, :, None] + upward * down[:, None, None]
        core = np.clip(cube, -inner, inner)
        normals = unit(cube - core)
        positions = core + radius * normals + np.array(centre)
        u0, v0, u1, v1 = cells[name]
        u = u0 + (across + h_right) / (2 * h_right) * (u1 - u0)
        v = v0 + (h_up - down) / (2 * h_up) * (v1 - v0)
        uvs = np.stack(np.broadcast_arrays(u[None, :], v[:, None]), axis=-1)
        parts.append(surface(positions, uvs, normals=normals))
    return merge(*parts)


def metric_uvs(part: Arrays, scale: float) -> Arrays:
    """Planar UVs in units of ``scale`` metres on each face (image up is +Y on walls)."""
    positions = np.asarray(part["POSITION"], np.float64)
    normals = np.asarray(part["NORMAL"], np.float64)
    axis = np.abs(normals).argmax(axis=1)
    u = np.where(axis == 0, positions[:, 2], positions[:, 0])
    v = np.where(axis == 1, positions[:, 2], -positions[:, 1])
    return {**part, "TEXCOORD_0": (np.stack([u, v], axis=1) / scale).astype(np.float32)}
