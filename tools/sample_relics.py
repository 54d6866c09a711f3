"""The example exhibition's relics, generated from code like the sample vessel.

Each builder returns the GLB bytes of one honest procedural replica, standing on its base at
the origin (metres, Y up), with base-colour and metallic-roughness textures (and a normal map
where relief helps) no larger than 512 x 512.  Fixed seeds and fixed encoder settings make
every build byte-identical.  :data:`RELICS` maps each file name to its builder; the file
writer lives in :mod:`museion.tools.sample_assets`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

from museion.tools.sample_assets import (
    F64,
    Arrays,
    _band_v,
    _box,
    _encode,
    _grid_indices,
    _merge,
    _noise,
    _outline,
    _Packer,
    _profile_samples,
    _revolve,
)

__all__ = [
    "RELICS",
    "build_bell",
    "build_bi",
    "build_ding",
    "build_lacquer_box",
    "build_meiping",
    "build_stele",
]

TEXTURE = 512

# -- shared geometry ------------------------------------------------------------------------


def _floats(part: Arrays, key: str) -> npt.NDArray[np.float32]:
    """The float32 attribute ``key`` of ``part`` itself (changes to it change the part)."""
    return np.asarray(part[key], dtype=np.float32)


def _lathed(profile: F64, rings: int, segments: int, u_repeat: float = 1.0) -> Arrays:
    """``profile`` (r, y control points, axis to axis) smoothed and revolved about Y."""
    points, normal2d, v = _profile_samples(rings, profile=profile, inside_weight=0.4)
    part = _revolve(points, normal2d, v, segments)
    _floats(part, "TEXCOORD_0")[:, 0] *= u_repeat
    part["indices"] = _grid_indices(part["POSITION"], rings + 1, segments + 1)
    return part


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


def _unit(vectors: F64) -> F64:
    result: F64 = vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)
    return result


def _surface(
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
        normal = _unit(_fill_from_neighbour_rows(normal, length < 1e-14, mean=True))
    else:
        normal = normals
    du = np.sign(np.gradient(uvs[..., 0], axis=1))[..., None]
    dv = np.sign(np.gradient(uvs[..., 1], axis=0))[..., None]
    tangent = dcol * du if along_u is None else np.broadcast_to(along_u, dcol.shape).copy()
    tangent = _fill_from_neighbour_rows(tangent, np.linalg.norm(tangent, axis=-1) < 1e-12, False)
    tangent = _unit(tangent - normal * np.einsum("ijk,ijk->ij", normal, tangent)[..., None])
    towards_top = np.einsum("ijk,ijk->ij", np.cross(normal, tangent), -drow * dv) >= 0
    handed = np.where(towards_top, 1.0, -1.0)[..., None]
    flat = positions.reshape(-1, 3)
    return {
        "POSITION": flat.astype(np.float32),
        "NORMAL": normal.reshape(-1, 3).astype(np.float32),
        "TANGENT": np.concatenate([tangent, handed], axis=-1).reshape(-1, 4).astype(np.float32),
        "TEXCOORD_0": uvs.reshape(-1, 2).astype(np.float32),
        "indices": _grid_indices(flat, rows, cols),
    }


def _moved(part: Arrays, rotation: F64, offset: tuple[float, float, float]) -> Arrays:
    """``part`` rotated (a proper rotation matrix) and then translated."""
    moved = dict(part)
    position, normal = _floats(part, "POSITION"), _floats(part, "NORMAL")
    moved["POSITION"] = (position @ rotation.T + np.array(offset)).astype(np.float32)
    moved["NORMAL"] = (normal @ rotation.T).astype(np.float32)
    if "TANGENT" in part:
        tangent = _floats(part, "TANGENT")
        xyz = tangent[:, :3] @ rotation.T
        moved["TANGENT"] = np.concatenate([xyz, tangent[:, 3:]], axis=1).astype(np.float32)
    return moved


def _plain(part: Arrays) -> Arrays:
    """``part`` without TANGENT, for a material without a normal map."""
    return {k: v for k, v in part.items() if k != "TANGENT"}


def _rotation_y_to(direction: F64) -> F64:
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


# Faces of a box: outward normal and the direction that is "up" in its texture image.
_FACES = {
    "front": ((0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
    "back": ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
    "right": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "left": ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "top": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
    "bottom": ((0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
}
Cell = tuple[float, float, float, float]


def _rounded_box(
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
    for name, (normal, up) in _FACES.items():
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
        normals = _unit(cube - core)
        positions = core + radius * normals + np.array(centre)
        u0, v0, u1, v1 = cells[name]
        u = u0 + (across + h_right) / (2 * h_right) * (u1 - u0)
        v = v0 + (h_up - down) / (2 * h_up) * (v1 - v0)
        uvs = np.stack(np.broadcast_arrays(u[None, :], v[:, None]), axis=-1)
        parts.append(_surface(positions, uvs, normals=normals))
    return _merge(*parts)


def _along_profile(profile: F64, size: int) -> tuple[F64, F64, npt.NDArray[np.bool_]]:
    """Radius, height and inside flag of the outline at each texture row of a lathed part."""
    dense, length = _outline(profile=profile, inside_weight=0.4)
    v = (np.arange(size) + 0.5) / size
    at = (1.0 - v) * length[-1]
    r = np.interp(at, length, dense[:, 0])
    y = np.interp(at, length, dense[:, 1])
    inside = at > length[int(np.argmax(dense[:, 1]))]
    return r, y, inside


def _relief_normals(height: F64, metres_u: F64 | float, metres_v: F64 | float) -> F64:
    """Tangent-space normals of a relief given in metres, on texels ``metres_u`` wide and
    ``metres_v`` tall (per row, or one number), periodic in u: slopes come out true even
    where texels are not square."""
    per_u = np.broadcast_to(np.asarray(metres_u, np.float64).reshape(-1, 1), (len(height), 1))
    per_v = np.broadcast_to(np.asarray(metres_v, np.float64).reshape(-1, 1), (len(height), 1))
    right = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) / (2.0 * per_u)
    down = np.gradient(height, axis=0) / per_v
    normal = np.stack([-right, down, np.ones_like(height)], axis=-1)
    return _unit(normal)


def _textures(
    packer: _Packer, base: F64, normal: F64 | None, roughness: F64, metallic: F64
) -> tuple[int, int | None, int]:
    """Pack base colour (sRGB, JPEG), normal (PNG) and metallic-roughness (JPEG) images."""
    mr = np.stack([np.ones_like(roughness), roughness, metallic], axis=-1)
    base_index = packer.texture(*_encode(base, "JPEG"))
    normal_index = None if normal is None else packer.texture(*_encode(normal * 0.5 + 0.5, "PNG"))
    return base_index, normal_index, packer.texture(*_encode(mr, "JPEG"))


def _srgb(*rgb: int) -> F64:
    result: F64 = np.array(rgb, np.float64) / 255.0
    return result


def _mix(a: F64, b: F64, t: F64) -> F64:
    """Per-pixel blend of colours (or images) ``a`` and ``b`` by ``t`` (H x W)."""
    result: F64 = a * (1.0 - t[..., None]) + b * t[..., None]
    return result


def _strokes(
    size: tuple[int, int], lines: list[list[tuple[float, float]]], width: float, scale: int = 4
) -> F64:
    """Anti-aliased polylines (pixel coordinates) as a coverage image in [0, 1]."""
    w, h = size
    canvas = Image.new("L", (w * scale, h * scale), 0)
    draw = ImageDraw.Draw(canvas)
    for line in lines:
        points = [(x * scale, y * scale) for x, y in line]
        draw.line(points, fill=255, width=max(1, round(width * scale)), joint="curve")
        radius = width * scale / 2
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    small = canvas.resize((w, h), Image.Resampling.BOX)
    result: F64 = np.asarray(small, np.float64) / 255.0
    return result


# -- celadon meiping ------------------------------------------------------------------------

# A Song-style meiping: narrow foot ring, long tapering body, broad rounded shoulder, short
# neck and a small lipped mouth; the outline goes up the outside, over the lip and a little
# way down inside the neck.  (r, y) in metres.
MEIPING = np.array(
    [
        (0.000, 0.005),
        (0.037, 0.005),
        (0.041, 0.000),
        (0.049, 0.000),
        (0.051, 0.010),
        (0.052, 0.030),
        (0.058, 0.080),
        (0.068, 0.140),
        (0.081, 0.196),
        (0.093, 0.240),
        (0.098, 0.266),
        (0.094, 0.287),
        (0.078, 0.303),
        (0.052, 0.313),
        (0.030, 0.318),
        (0.022, 0.322),
        (0.021, 0.330),
        (0.027, 0.334),
        (0.028, 0.343),
        (0.024, 0.348),
        (0.017, 0.347),
        (0.015, 0.335),
        (0.016, 0.322),
        (0.012, 0.312),
        (0.000, 0.310),
    ],
    dtype=np.float64,
)


def _spread_seeds(
    rng: np.random.Generator, spacing: float, metres_u: F64, metres_v: float, tries: int
) -> F64:
    """Random points in texture space no closer than ``spacing`` metres on the surface
    (dart throwing), so crackle cells come out evenly sized on wide and narrow parts."""
    size = len(metres_u)
    seeds = np.zeros((0, 2))
    for candidate in rng.random((tries, 2)):
        scale = metres_u[min(int(candidate[1] * size), size - 1)]
        du = candidate[0] - seeds[:, 0]
        du = (du - np.round(du)) * scale
        dv = (candidate[1] - seeds[:, 1]) * metres_v
        if scale > 0 and (len(seeds) == 0 or np.min(du * du + dv * dv) >= spacing * spacing):
            seeds = np.vstack([seeds, candidate])
    return seeds


def _voronoi_edges(seeds: F64, metres_u: F64, metres_v: float) -> F64:
    """Distance (metres) from each texel to the nearest edge of the Voronoi cells of
    ``seeds``, periodic in u.

    ``metres_u[row]`` and ``metres_v`` turn texture distances into surface distances.  The
    edge distance is (d2^2 - d1^2) / (2 |s2 - s1|) for the two nearest seeds: exact for the
    bisector, and thin even where seeds crowd.
    """
    size = len(metres_u)
    rows = (np.arange(size) + 0.5) / size
    u = rows[None, :, None]
    result = np.empty((size, size), np.float64)
    for start in range(0, size, 32):
        scale = metres_u[start : start + 32, None, None]
        du = u - seeds[None, None, :, 0]
        du = (du - np.round(du)) * scale
        dv = (rows[start : start + 32, None, None] - seeds[None, None, :, 1]) * metres_v
        squared = du * du + dv * dv
        pair = np.argpartition(squared, 1, axis=-1)[..., :2]
        d2 = np.take_along_axis(squared, pair, axis=-1)
        order = np.argsort(d2, axis=-1)
        pair, d2 = np.take_along_axis(pair, order, -1), np.take_along_axis(d2, order, -1)
        gap_u = seeds[pair[..., 1], 0] - seeds[pair[..., 0], 0]
        gap_u = (gap_u - np.round(gap_u)) * scale[..., 0]
        gap_v = (seeds[pair[..., 1], 1] - seeds[pair[..., 0], 1]) * metres_v
        separation = np.maximum(np.hypot(gap_u, gap_v), 1e-6)
        result[start : start + 32] = (d2[..., 1] - d2[..., 0]) / (2.0 * separation)
    return result


def _meiping_images() -> tuple[F64, F64, F64]:
    """Guan-type celadon: pale blue-green glaze with a two-tone crackle, a brown 'purple
    mouth' where the glaze thins on the lip, and an unglazed iron-brown foot ring."""
    size, u_repeat = TEXTURE, 2.0
    rng = np.random.default_rng(11)
    r, y, inside = _along_profile(MEIPING, size)
    _, length = _outline(profile=MEIPING, inside_weight=0.4)
    metres_u = 2.0 * math.pi * r * ~inside / u_repeat
    metres_v = float(length[-1])
    big = _voronoi_edges(_spread_seeds(rng, 0.014, metres_u, metres_v, 3000), metres_u, metres_v)
    fine = _voronoi_edges(_spread_seeds(rng, 0.006, metres_u, metres_v, 6000), metres_u, metres_v)
    iron = np.exp(-((big / 0.00035) ** 2))
    gold = np.exp(-((fine / 0.00025) ** 2)) * (1.0 - iron)
    cloud = _noise(rng, size, falloff=1.8)
    glaze = _mix(_srgb(150, 178, 162), _srgb(128, 160, 142), cloud)
    pool = np.clip((0.2 - y) / 0.2, 0.0, 1.0)[:, None] * np.ones((1, size))
    glaze = _mix(glaze, _srgb(112, 152, 122), 0.45 * pool)
    base = _mix(glaze, _srgb(92, 82, 64), 0.6 * iron)
    base = _mix(base, _srgb(184, 168, 120), 0.35 * gold)
    lip = np.clip((y - 0.3405) / 0.004, 0.0, 1.0)[:, None] * np.ones((1, size))
    base = _mix(base, _srgb(128, 104, 92), 0.7 * lip)
    foot = ((y < 0.0045) & ~inside)[:, None] * np.ones((1, size))
    body = _mix(_srgb(108, 70, 48), _srgb(84, 58, 42), cloud)
    base = _mix(base, body, foot)
    base[inside] *= 0.55
    roughness = 0.1 + 0.04 * cloud + 0.25 * iron + 0.1 * gold
    roughness = roughness * (1 - foot) + 0.85 * foot
    return base, roughness, np.zeros((size, size))


def build_meiping() -> bytes:
    """The celadon meiping vase as GLB bytes (the crackle lies under a smooth glaze, so
    there is no normal map)."""
    packer = _Packer()
    base, roughness, metallic = _meiping_images()
    textures = _textures(packer, base, None, roughness, metallic)
    material = packer.material("crackled celadon glaze", (1.0, 1.0, 1.0), 1.0, 1.0, textures)
    part = _plain(_lathed(MEIPING, rings=84, segments=112, u_repeat=2.0))
    position = _floats(part, "POSITION")
    position[:, 1] -= position[:, 1].min()  # the foot ring on y = 0
    mesh = packer.mesh("meiping", part, material)
    return packer.glb([packer.node(name="meiping", mesh=mesh)])


# -- jade bi --------------------------------------------------------------------------------

BI_INNER, BI_OUTER, BI_THICKNESS, BI_CORNER = 0.026, 0.081, 0.0056, 0.0022
BI_LIFT = 0.012  # the disc's lowest point, down in the stand's slot
BI_STAND = (0.13, 0.028, 0.056)
BI_REPEAT = 4  # the grain pattern repeats four times round the disc
BI_PITCH = 0.0052


def _bi_section(count: int) -> tuple[F64, F64, F64]:
    """The disc's cross-section, a rounded rectangle in (r, y): ``count + 1`` points (the
    last repeats the first), their outward normals and texture v.

    Points are spread evenly in a parameter that counts the flat faces at a third, so the
    rounded edges get most of the rows; v is that parameter.
    """
    inner, outer = BI_INNER + BI_CORNER, BI_OUTER - BI_CORNER
    half = BI_THICKNESS / 2 - BI_CORNER
    corners = [
        (inner, half, 90.0),
        (inner, -half, 180.0),
        (outer, -half, 270.0),
        (outer, half, 0.0),
    ]
    points, normals, weights = [], [], []
    for (cr, cy, start), face in zip(corners, range(4), strict=True):
        # the straight run into this corner, then the quarter circle round it
        angles = np.radians(start + np.linspace(0.0, 90.0, 24))
        nr, ny = np.cos(angles), np.sin(angles)
        previous = corners[face - 1]
        run = np.linspace(0.0, 1.0, 40, endpoint=False)[:, None]
        p0 = np.array([previous[0], previous[1]]) + BI_CORNER * np.array(
            [math.cos(math.radians(previous[2] + 90)), math.sin(math.radians(previous[2] + 90))]
        )
        p1 = np.array([cr + BI_CORNER * nr[0], cy + BI_CORNER * ny[0]])
        straight = p0 + (p1 - p0) * run
        points += [straight, np.stack([cr + BI_CORNER * nr, cy + BI_CORNER * ny], axis=1)]
        normals += [np.repeat([[nr[0], ny[0]]], len(straight), axis=0), np.stack([nr, ny], 1)]
        flat_face = abs(ny[0]) > 0.5
        weights += [np.full(len(straight), 0.3 if flat_face else 1.0), np.ones(24)]
    dense, dense_normals = np.concatenate(points), np.concatenate(normals)
    dense = np.vstack([dense, dense[:1]])
    dense_normals = np.vstack([dense_normals, dense_normals[:1]])
    weight = np.concatenate(weights)
    param = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(dense, axis=0).T) * weight)])
    v = np.linspace(0.0, 1.0, count + 1)
    at = v * param[-1]
    section = np.stack([np.interp(at, param, dense[:, i]) for i in (0, 1)], axis=1)
    normal = _unit(np.stack([np.interp(at, param, dense_normals[:, i]) for i in (0, 1)], 1))
    return section, normal, v


def _bi_images() -> tuple[F64, F64, F64, F64]:
    """Greenish nephrite with fine cloudy mottling, browner towards the worn outer edge,
    polished; the faces carry raised 'grain' bosses on a diagonal lattice between two raised
    rim lines."""
    size = TEXTURE
    rng = np.random.default_rng(23)
    section, normal2d, _ = _bi_section(2 * size)
    rows = section[1::2][::-1]  # the mesh's v runs backwards round the section
    r, face = rows[:, 0], np.abs(normal2d[1::2, 1][::-1]) > 0.99
    metres_u = 2 * math.pi * r / BI_REPEAT / size
    metres_v = np.linalg.norm(np.gradient(rows, axis=0), axis=1)
    height = np.zeros((size, size))
    for rim in (BI_INNER + 0.003, BI_OUTER - 0.0034):
        height += 0.00035 * np.exp(-(((r - rim) / 0.0007) ** 2))[:, None]
    # The grain bosses sit on a square lattice turned 45 degrees, centred so that a quarter
    # turn maps it onto itself: the image covers a quarter of the disc and repeats.
    quarter = (np.arange(size) + 0.5)[None, :] / size * (math.pi / 2)
    x, y = r[:, None] * np.cos(quarter), r[:, None] * np.sin(quarter)
    a, b = (x - y) / math.sqrt(2), (x + y) / math.sqrt(2)
    ca, cb = (np.floor(a / BI_PITCH) + 0.5) * BI_PITCH, (np.floor(b / BI_PITCH) + 0.5) * BI_PITCH
    distance = np.hypot(a - ca, b - cb)
    centre = np.hypot(ca, cb)
    inside = (centre > BI_INNER + 0.0058) & (centre < BI_OUTER - 0.0062)
    dome = 0.0006 * np.clip(1 - (distance / 0.00195) ** 2, 0, 1) ** 0.6
    height = np.maximum(height, dome * inside)
    height *= face[:, None]
    cloud = _noise(rng, size, falloff=1.3)
    fleck = _noise(rng, size, falloff=0.8)
    edge = np.clip((r - (BI_OUTER - 0.012)) / 0.012, 0, 1)[:, None] * np.ones((1, size))
    altered = np.clip(edge * (0.6 + 0.8 * _noise(rng, size, falloff=1.5)) - 0.3, 0, 1)
    jade = _srgb(88, 118, 82)
    base = _mix(jade, _srgb(128, 148, 106), cloud)
    base = _mix(base, _srgb(78, 100, 70), 0.4 * (fleck > 0.82).astype(np.float64))
    base = _mix(base, _srgb(158, 140, 100), 0.85 * altered)
    base *= (1.0 + 120.0 * height)[..., None]
    roughness = 0.15 + 0.05 * fleck + 0.25 * altered
    normal = _relief_normals(height, metres_u, metres_v)
    return base, normal, roughness, np.zeros((size, size))


def build_bi() -> bytes:
    """The jade bi disc, standing on a small rosewood stand, as GLB bytes."""
    packer = _Packer()
    base, normal, roughness, metallic = _bi_images()
    jade = packer.material(
        "polished nephrite",
        (1.0, 1.0, 1.0),
        1.0,
        1.0,
        _textures(packer, base, normal, roughness, metallic),
    )
    wood = packer.material("rosewood stand", (0.075, 0.026, 0.014), 0.0, 0.42)
    section, normal2d, v = _bi_section(44)
    # v falls along the outline, as _revolve's tangent frame expects
    disc = _revolve(section, normal2d, 1.0 - v, 160)
    _floats(disc, "TEXCOORD_0")[:, 0] *= BI_REPEAT
    disc["indices"] = _grid_indices(disc["POSITION"], len(section), 161)
    upright = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    disc = _moved(disc, upright, (0.0, BI_LIFT + BI_OUTER, 0.0))
    w, h, d = BI_STAND
    whole = (0.0, 0.0, 1.0, 1.0)
    stand = _rounded_box(
        (w / 2, h / 2, d / 2),
        0.004,
        (0.0, h / 2, 0.0),
        dict.fromkeys(_FACES, whole),
        flat=4,
        bevel=4,
    )
    return packer.glb(
        [
            packer.node(name="bi", mesh=packer.mesh("bi", disc, jade)),
            packer.node(name="stand", mesh=packer.mesh("stand", _plain(stand), wood)),
        ]
    )


# -- bronze ding ----------------------------------------------------------------------------

# A Western Zhou-style round ding: deep bowl with a thick everted lip (outside, over the lip,
# inside down to a thick cast floor), on three hoof legs, with two upright loop handles.
DING_BOWL = np.array(
    [
        (0.000, 0.128),
        (0.060, 0.130),
        (0.110, 0.142),
        (0.145, 0.162),
        (0.168, 0.195),
        (0.178, 0.235),
        (0.180, 0.270),
        (0.178, 0.296),
        (0.180, 0.302),
        (0.193, 0.308),
        (0.195, 0.316),
        (0.188, 0.320),
        (0.172, 0.320),
        (0.168, 0.305),
        (0.170, 0.270),
        (0.167, 0.232),
        (0.156, 0.205),
        (0.135, 0.190),
        (0.090, 0.180),
        (0.000, 0.177),
    ],
    dtype=np.float64,
)
DING_LEG = np.array(
    [
        (0.000, 0.000),
        (0.020, 0.000),
        (0.025, 0.004),
        (0.026, 0.012),
        (0.021, 0.028),
        (0.017, 0.052),
        (0.016, 0.080),
        (0.018, 0.100),
        (0.024, 0.118),
        (0.030, 0.135),
        (0.031, 0.150),
        (0.024, 0.165),
        (0.000, 0.172),
    ],
    dtype=np.float64,
)
DING_LEG_RADIUS = 0.112
DING_LEGS = (0.0, 120.0, 240.0)  # degrees; a handle stands over the first leg
DING_HANDLES = (0.0, 180.0)
DING_FRIEZE = (0.262, 0.292)
DING_RIDGES = (0.257, 0.297)
DING_REPEAT = 3
DING_CELLS = 12  # thunder-pattern squares per repeat


def _handle(angle: float) -> Arrays:
    """An upright loop handle standing on the lip at ``angle`` (degrees), its loop in the
    plane tangent to the rim and leaning slightly outwards; u runs along the loop."""
    posts, top, corner = 0.042, 0.058, 0.02
    # the loop's centre line in (s along the rim, h up from the lip), by arc length
    pieces = [np.stack([np.full(20, -posts), np.linspace(-0.012, top - corner, 20)], 1)]
    turn = np.radians(np.linspace(180.0, 90.0, 12))
    pieces.append(
        np.stack([-posts + corner + corner * np.cos(turn), top - corner + corner * np.sin(turn)], 1)
    )
    pieces.append(np.stack([np.linspace(-posts + corner, posts - corner, 16), np.full(16, top)], 1))
    turn = np.radians(np.linspace(90.0, 0.0, 12))
    pieces.append(
        np.stack([posts - corner + corner * np.cos(turn), top - corner + corner * np.sin(turn)], 1)
    )
    pieces.append(np.stack([np.full(20, posts), np.linspace(top - corner, -0.012, 20)], 1))
    dense = np.concatenate(pieces)
    length = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(dense, axis=0).T))])
    at = np.linspace(0.0, length[-1], 49)
    path = np.stack([np.interp(at, length, dense[:, i]) for i in (0, 1)], 1)
    tangent = _unit(np.gradient(path, axis=0))
    across = np.stack([-tangent[:, 1], tangent[:, 0]], 1)  # in the loop's plane
    phi = np.linspace(0.0, 2 * math.pi, 17)
    cos, sin = np.cos(phi), np.sin(phi)
    a = 0.0085 * np.sign(cos) * np.abs(cos) ** 0.6  # radial (through the loop's plane)
    b = 0.0095 * np.sign(sin) * np.abs(sin) ** 0.6  # in the plane
    theta = math.radians(angle)
    radial = np.array([math.cos(theta), 0.0, math.sin(theta)])
    along = np.array([-math.sin(theta), 0.0, math.cos(theta)])
    up = np.array([0.0, 1.0, 0.0])
    s_, h_ = path[:, 0:1] + across[:, 0:1] * b, path[:, 1:2] + across[:, 1:2] * b
    lean = 0.18 * np.maximum(h_, 0.0)
    positions = (
        (0.181 + a[None, :] + lean)[..., None] * radial
        + s_[..., None] * along
        + (0.318 + h_)[..., None] * up
    )
    uvs = np.stack(np.broadcast_arrays(at[:, None] / at[-1], phi[None, :] / (2 * math.pi)), -1)
    return _surface(positions, uvs, wrap_cols=True)


def _ding_images() -> tuple[F64, F64, F64, F64]:
    """Cast bronze under a dark, mostly dull patina with malachite green gathering in the
    recesses and earthy red cuprite in patches; a thunder-pattern frieze between two ridges
    below the lip, its raised lines worn back to metal."""
    size = TEXTURE
    rng = np.random.default_rng(31)
    r, y, inside = _along_profile(DING_BOWL, size)
    rows = np.stack([r, y], 1)
    metres_v = np.maximum(np.linalg.norm(np.gradient(rows, axis=0), axis=1), 1e-5)
    metres_u = 2 * math.pi * np.maximum(r, 1e-3) / DING_REPEAT / size
    outside = ~inside
    band = np.flatnonzero(outside & (y >= DING_FRIEZE[0]) & (y <= DING_FRIEZE[1]))
    top, bottom = int(band.min()), int(band.max()) + 1
    cell = size / DING_CELLS
    spiral = [
        (0.1, 0.9),
        (0.1, 0.1),
        (0.9, 0.1),
        (0.9, 0.9),
        (0.3, 0.9),
        (0.3, 0.3),
        (0.7, 0.3),
        (0.7, 0.7),
        (0.5, 0.7),
        (0.5, 0.5),
    ]
    lines = []
    for index in range(DING_CELLS + 1):
        mirror = index % 2 == 1
        lines.append(
            [((index + (1 - a if mirror else a)) * cell, b * (bottom - top)) for a, b in spiral]
        )
    relief = np.zeros((size, size))
    relief[top:bottom] = _strokes((size, bottom - top), lines, width=cell * 0.075)
    for ridge in DING_RIDGES:
        relief = np.maximum(relief, (np.exp(-(((y - ridge) / 0.0012) ** 2)) * outside)[:, None])
    height = 0.0008 * relief
    cover = _noise(rng, size, falloff=1.25, stretch=1.3)
    grain = _noise(rng, size, falloff=1.0)
    rust = _noise(rng, size, falloff=1.9)
    recess = np.zeros((size, size))
    recess[top:bottom] = 1.0 - relief[top:bottom]
    green = np.clip((cover + 0.35 * recess - 0.6) / 0.16, 0, 1)
    red = np.clip((rust - 0.78) / 0.08, 0, 1) * (1 - green)
    worn = np.clip(relief * 1.3 - 0.3, 0, 1) * (1 - green)
    ground = _mix(
        _srgb(58, 60, 48),
        _srgb(78, 76, 58),
        grain,
    )
    base = _mix(ground, _srgb(86, 116, 88), green * (0.6 + 0.3 * grain))
    base = _mix(base, _srgb(104, 74, 54), 0.7 * red)
    base = _mix(base, _srgb(132, 104, 64), 0.7 * worn)
    # Inside, the noise would pinch into a star at the axis: keep only its row average.
    base[inside] = 0.7 * base[inside].mean(axis=1, keepdims=True)
    roughness = 0.62 + 0.2 * green - 0.3 * worn + 0.08 * grain
    metallic = np.clip(0.25 + 0.5 * worn - 0.25 * green, 0, 1)
    roughness[inside] = roughness[inside].mean(axis=1, keepdims=True)
    metallic[inside] = metallic[inside].mean(axis=1, keepdims=True)
    normal = _relief_normals(height, metres_u, metres_v)
    return base, normal, roughness, metallic


def _bronze_materials(
    packer: _Packer, base: F64, normal: F64, roughness: F64, metallic: F64
) -> tuple[int, int]:
    """Patinated bronze with its relief, and the same without (for legs, handles, shanks)."""
    textures = _textures(packer, base, normal, roughness, metallic)
    bronze = packer.material("patinated bronze", (1.0, 1.0, 1.0), 1.0, 1.0, textures)
    plain = packer.material(
        "patinated bronze, plain", (1.0, 1.0, 1.0), 1.0, 1.0, (textures[0], None, textures[2])
    )
    return bronze, plain


def build_ding() -> bytes:
    """The bronze ding tripod cauldron as GLB bytes."""
    packer = _Packer()
    base, normal, roughness, metallic = _ding_images()
    bronze, plain = _bronze_materials(packer, base, normal, roughness, metallic)
    bowl = _lathed(DING_BOWL, rings=60, segments=112, u_repeat=DING_REPEAT)
    # legs and handles take their patina from a plain band of the belly (0.15 to 0.25 m up)
    v1, v0 = (float(v) for v in _band_v((0.15, 0.25), profile=DING_BOWL, inside_weight=0.4))
    fittings = []
    for angle in DING_LEGS:
        leg = _plain(_lathed(DING_LEG, rings=20, segments=28))
        theta = math.radians(angle)
        offset = (DING_LEG_RADIUS * math.cos(theta), 0.0, DING_LEG_RADIUS * math.sin(theta))
        fittings.append(_moved(leg, np.eye(3), offset))
    fittings += [_plain(_handle(angle)) for angle in DING_HANDLES]
    for part in fittings:
        uv = _floats(part, "TEXCOORD_0")
        uv[:, 1] = v0 + uv[:, 1] * (v1 - v0)
    return packer.glb(
        [
            packer.node(name="bowl", mesh=packer.mesh("bowl", bowl, bronze)),
            packer.node(
                name="legs_and_handles",
                mesh=packer.mesh("legs_and_handles", _merge(*fittings), plain),
            ),
        ]
    )


# -- lacquered box --------------------------------------------------------------------------

BOX_HALF = (0.14, 0.065, 0.09)
BOX_RADIUS = 0.012
BOX_SEAM = 0.085  # height of the joint between box and lid
BOX_IMAGE = (512, 352)
BOX_PIXEL = 0.0009  # metres per texel, about the same on every face
# Face cells of the image in pixels (x0, y0, x1, y1): top and bottom, front and back, sides.
BOX_CELLS = {
    "top": (0, 0, 308, 198),
    "bottom": (308, 143, 506, 341),
    "front": (0, 198, 308, 341),
    "back": (0, 198, 308, 341),
    "right": (308, 0, 506, 143),
    "left": (308, 0, 506, 143),
}
BLACK, RED, OCHRE = (22, 16, 14), (170, 44, 30), (196, 146, 64)


def _spiral(
    cx: float, cy: float, radius: float, turns: float, sense: float
) -> list[tuple[float, float]]:
    """An inward spiral (pixel coordinates), the curl of a cloud scroll."""
    t = np.linspace(0.0, 1.0, 48)
    angle = sense * 2 * math.pi * turns * t
    rho = radius * (1.0 - 0.85 * t)
    return [
        (cx + float(r * math.cos(a)), cy + float(r * math.sin(a)))
        for r, a in zip(rho, angle, strict=True)
    ]


def _cloud_band(
    x0: float, y0: float, x1: float, y1: float, rng: np.random.Generator
) -> list[list[tuple[float, float]]]:
    """Han cloud scrolls filling a rectangle: a flowing wave with curls at its crests and
    small hooks between them."""
    height = y1 - y0
    amplitude, cy = height * 0.22, (y0 + y1) / 2
    wavelength = max(height * 1.6, 24.0)
    waves = max(1, round((x1 - x0) / wavelength))
    wavelength = (x1 - x0) / waves
    xs = np.linspace(x0, x1, 24 * waves)
    phase = float(rng.uniform(0, 0.3))
    wave = [
        (float(x), float(cy + amplitude * math.sin(2 * math.pi * ((x - x0) / wavelength + phase))))
        for x in xs
    ]
    lines = [wave, [(x, y + height * 0.09) for x, y in wave[2:-2]]]
    for k in range(2 * waves):
        crest_x = x0 + wavelength * ((k + 0.5) / 2 - phase)
        if not x0 + height * 0.25 < crest_x < x1 - height * 0.25:
            continue
        up = 1.0 if k % 2 == 0 else -1.0
        crest_y = cy + up * amplitude
        curl = _spiral(
            crest_x + up * height * 0.08, crest_y + up * height * 0.1, height * 0.17, 1.3, up
        )
        lines.append([(crest_x, crest_y), *curl])
        hook_x = crest_x + wavelength * 0.25
        if hook_x < x1 - height * 0.2:
            lines.append(_spiral(hook_x, cy - up * amplitude * 1.2, height * 0.09, 0.8, -up))
    return lines


def _lozenges(x0: float, y0: float, x1: float, y1: float) -> list[list[tuple[float, float]]]:
    """A border of linked lozenges: two zig-zags crossing each other."""
    count = max(2, round((x1 - x0) / ((y1 - y0) * 1.4)))
    xs = np.linspace(x0, x1, 2 * count + 1)
    upper = [(float(x), y0 if k % 2 == 0 else y1) for k, x in enumerate(xs)]
    lower = [(float(x), y1 if k % 2 == 0 else y0) for k, x in enumerate(xs)]
    return [upper, lower]


def _lacquer_images() -> tuple[F64, F64, F64, F64]:
    """Glossy black lacquer painted in vermilion with ochre accents: bordered panels of cloud
    scrolls on every face, a roundel on the lid, and the lid's joint as a fine groove."""
    width, height = BOX_IMAGE
    rng = np.random.default_rng(41)
    red_lines: list[list[tuple[float, float]]] = []
    ochre_lines: list[list[tuple[float, float]]] = []
    groove = np.zeros((height, width))
    inset = BOX_RADIUS / BOX_PIXEL + 4  # keep the painting on the flat of each face
    drawn = set()
    for name, (x0, y0, x1, y1) in BOX_CELLS.items():
        if (x0, y0) in drawn or name == "bottom":
            continue
        drawn.add((x0, y0))
        a, b, c, d = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        red_lines.append([(a, b), (c, b), (c, d), (a, d), (a, b)])
        ochre_lines.append(
            [(a + 5, b + 5), (c - 5, b + 5), (c - 5, d - 5), (a + 5, d - 5), (a + 5, b + 5)]
        )
        if name == "top":
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            ring = [
                (cx + 34 * math.cos(t), cy + 34 * math.sin(t))
                for t in np.linspace(0, 2 * math.pi, 90)
            ]
            red_lines.append(ring)
            ochre_lines.append(
                [
                    (cx + 40 * math.cos(t), cy + 40 * math.sin(t))
                    for t in np.linspace(0, 2 * math.pi, 90)
                ]
            )
            for k in range(4):
                t = math.pi / 2 * k + math.pi / 4
                red_lines.append(
                    _spiral(cx + 20 * math.cos(t), cy + 20 * math.sin(t), 11, 1.4, 1.0)
                )
            red_lines += _cloud_band(a + 10, b + 10, c - 10, cy - 46, rng)
            red_lines += _cloud_band(a + 10, cy + 46, c - 10, d - 10, rng)
            for side in (-1.0, 1.0):
                red_lines.append(_spiral(cx + side * 80, cy, 16, 1.6, side))
                red_lines.append(_spiral(cx + side * 116, cy, 12, 1.4, -side))
            continue
        seam = y0 + (y1 - y0) * (2 * BOX_HALF[1] - BOX_SEAM) / (2 * BOX_HALF[1])
        row = round(seam)
        groove[row - 1 : row + 2, x0:x1] = [[0.5], [1.0], [0.5]]
        red_lines.append([(a, seam - 4), (c, seam - 4)])
        red_lines.append([(a, seam + 4), (c, seam + 4)])
        ochre_lines += _lozenges(a + 9, b + 9, c - 9, seam - 10)
        red_lines += _cloud_band(a + 8, seam + 10, c - 8, d - 9, rng)
    red = _strokes((width, height), red_lines, width=2.4)
    ochre = _strokes((width, height), ochre_lines, width=1.0) * (1 - red)
    gloss = _noise(rng, 512, falloff=1.4)[:height, :width]
    base = _mix(_srgb(*BLACK), _srgb(*RED), red)
    base = _mix(base, _srgb(*OCHRE), ochre)
    base = _mix(base, np.zeros_like(base), 0.8 * groove)
    roughness = 0.2 + 0.12 * red + 0.15 * ochre + 0.08 * gloss + 0.5 * groove
    relief = 0.00006 * np.maximum(red, ochre) - 0.0006 * groove
    normal = _relief_normals(relief, BOX_PIXEL, BOX_PIXEL)
    return base, normal, roughness, np.zeros((height, width))


def build_lacquer_box() -> bytes:
    """The red-and-black lacquered box as GLB bytes."""
    packer = _Packer()
    base, normal, roughness, metallic = _lacquer_images()
    textures = _textures(packer, base, normal, roughness, metallic)
    lacquer = packer.material("painted lacquer", (1.0, 1.0, 1.0), 1.0, 1.0, textures)
    width, height = BOX_IMAGE
    cells = {
        name: (x0 / width, y0 / height, x1 / width, y1 / height)
        for name, (x0, y0, x1, y1) in BOX_CELLS.items()
    }
    box = _rounded_box(BOX_HALF, BOX_RADIUS, (0.0, BOX_HALF[1], 0.0), cells, flat=18, bevel=6)
    return packer.glb([packer.node(name="box", mesh=packer.mesh("box", box, lacquer))])


# -- bianzhong bell -------------------------------------------------------------------------

BELL_BODY = 0.30  # height of the body to its flat top (the wu)
BELL_MOUTH, BELL_TOP = 0.112, 0.085  # half-widths tip to tip at the mouth and the top
BELL_DEPTH = 0.62  # front-to-back over side-to-side
BELL_ARCH = 0.032  # how far the mouth curves up in the middle of each face
BELL_WALL = 0.008
BELL_ROWS, BELL_SEGMENTS = 60, 112
BELL_FACES = (90.0, 270.0)  # centre of the front (+Z) and back faces, degrees
BELL_BOSS_ROWS = (0.168, 0.2175, 0.267)
BELL_BOSS_COLUMNS = (18.0, 28.0, 38.0)  # degrees either side of a face's centre line
BELL_SHANK = np.array(
    [
        (0.000, 0.290),
        (0.026, 0.290),
        (0.026, 0.304),
        (0.023, 0.312),
        (0.021, 0.350),
        (0.027, 0.356),
        (0.027, 0.368),
        (0.020, 0.374),
        (0.018, 0.430),
        (0.019, 0.442),
        (0.016, 0.448),
        (0.000, 0.450),
    ],
    dtype=np.float64,
)
BELL_BOSS = np.array(
    [
        (0.000, -0.004),
        (0.0072, -0.004),
        (0.0072, 0.002),
        (0.0060, 0.005),
        (0.0050, 0.009),
        (0.0046, 0.0125),
        (0.0030, 0.0145),
        (0.000, 0.015),
    ],
    dtype=np.float64,
)


def _bell_half_width(h: F64) -> F64:
    result: F64 = BELL_TOP + (BELL_MOUTH - BELL_TOP) * (1.0 - h / BELL_BODY) ** 0.9
    return result


def _bell_profile() -> tuple[F64, F64]:
    """The bell's generating rows (half-width, height, mouth-arch weight), smoothed, and the
    parameter along them: over the top, down the outside, round the lip, up the inside."""
    h = np.linspace(BELL_BODY, 0.0, 9)
    outside = np.stack([_bell_half_width(h), h, (1 - h / BELL_BODY) ** 2], 1)
    hi = np.linspace(0.0, BELL_BODY - 0.02, 7)
    inside = np.stack([_bell_half_width(hi) - BELL_WALL, hi, (1 - hi / BELL_BODY) ** 2], 1)
    control = np.vstack([[(0.0, BELL_BODY, 0.0)], outside, inside, [(0.0, BELL_BODY - 0.02, 0.0)]])
    points = control
    for _ in range(4):
        p, q = points[:-1], points[1:]
        cut = np.stack([0.75 * p + 0.25 * q, 0.25 * p + 0.75 * q], axis=1).reshape(-1, 3)
        points = np.concatenate([points[:1], cut, points[-1:]])
    steps = np.hypot(*np.diff(points[:, :2], axis=0).T)
    steps[int(np.argmin(points[:, 1])) :] *= 0.4  # the inside, from the lip on, is mostly hidden
    return points, np.concatenate([[0.0], np.cumsum(steps)])


def _bell_point(width: F64, h: F64, arch: F64, theta: F64) -> F64:
    """Points of the bell's surface: an almond (two-tile) section, the mouth arched."""
    sin, cos = np.sin(theta), np.cos(theta)
    x = width * cos
    # each face is a circular arc through both tips: a lens, pointed at the tips
    depth = np.maximum(width * BELL_DEPTH, 1e-9)  # (no width on the axis)
    radius = (width**2 + depth**2) / (2 * depth)
    z = np.sign(sin) * (np.sqrt(np.maximum(radius**2 - x**2, 0.0)) - (radius - depth))
    y = h + arch * BELL_ARCH * sin**2
    result: F64 = np.stack(np.broadcast_arrays(x, y, z), axis=-1)
    return result


def _bell_rows(v: F64) -> F64:
    """(half-width, height, arch weight) of the profile at parameter fractions ``v``."""
    points, length = _bell_profile()
    at = v * length[-1]
    result: F64 = np.stack([np.interp(at, length, points[:, i]) for i in range(3)], 1)
    return result


def _bell_outer(theta: float, h: float) -> tuple[F64, F64]:
    """A point on the outside of the body and its outward unit normal."""

    def at(t: float, y: float) -> F64:
        width = _bell_half_width(np.array(y))
        return _bell_point(width, np.array(y), np.array((1 - y / BELL_BODY) ** 2), np.array(t))

    point = at(theta, h)
    d_theta = at(theta + 1e-4, h) - at(theta - 1e-4, h)
    d_h = at(theta, h + 1e-4) - at(theta, h - 1e-4)
    normal = np.cross(d_h, d_theta)
    if normal @ np.array([point[0], 0.0, point[2]]) < 0:
        normal = -normal
    return point, _unit(normal)


def _bell_images() -> tuple[F64, F64, F64, F64]:
    """Dark bronze with a brown-green patina; on each face a central panel, two fields of
    bosses divided by scroll bands, and a pair of large scrolls on the striking area, all
    cast in low relief and worn to metal on the high points."""
    size = TEXTURE
    rng = np.random.default_rng(53)
    rows = _bell_rows((np.arange(size) + 0.5) / size)
    points, length = _bell_profile()
    outside_end = int(np.argmin(points[:, 1]))
    v_outside = length[: outside_end + 1] / length[-1]
    h_outside = points[: outside_end + 1, 1]
    first = int(np.argmax(points[:, 0] > BELL_TOP - 0.001))  # past the flat top

    def row(h: float) -> float:
        """Image row where the outside wall is at height ``h`` (before the tips are set
        down on y = 0, like the bosses)."""
        return float(np.interp(-h, -h_outside[first:], v_outside[first:]) * size - 0.5)

    def col(theta_deg: float) -> float:
        """Image column of the angle ``theta_deg`` round the bell (90 is the front face)."""
        return (1.0 - theta_deg / 360.0) * size

    lines: list[list[tuple[float, float]]] = []
    for centre in BELL_FACES:
        for h in (0.145, 0.29):
            lines.append([(col(centre + 70), row(h)), (col(centre - 70), row(h))])
        for side in (-1.0, 1.0):
            inner, outer = centre + side * 10, centre + side * 46
            for t in (inner, outer):
                lines.append([(col(t), row(0.145)), (col(t), row(0.29))])
            for h0, h1 in ((0.188, 0.197), (0.238, 0.247)):
                lines.append([(col(inner), row(h0)), (col(outer), row(h0))])
                lines.append([(col(inner), row(h1)), (col(outer), row(h1))])
                steps = np.linspace(inner, outer, 9)
                for a, b in itertools.pairwise(steps):
                    mid = (row(h0) + row(h1)) / 2
                    lines.append(_spiral(col(a + (b - a) * 0.3), mid, 2.2, 1.0, side))
                    lines.append(_spiral(col(a + (b - a) * 0.7), mid, 2.2, 1.0, -side))
            # the striking area: a big scroll curling towards the centre line
            cx, cy = col(centre + side * 22), row(0.075)
            lines.append(_spiral(cx, cy, 16.0, 1.6, side))
            lines.append([(cx, cy + 16), (col(centre + side * 6), row(0.05))])
    relief = _strokes((size, size), lines, width=1.8)
    outer_rows = np.arange(size) < row(0.0) + 2
    relief *= outer_rows[:, None]
    panel = np.zeros((size, size))
    u_deg = 360.0 * (1 - (np.arange(size) + 0.5) / size)
    h_row = rows[:, 1]
    for centre in BELL_FACES:
        in_panel = (np.abs(u_deg - centre) < 10)[None, :] & ((h_row > 0.15) & (h_row < 0.285))[
            :, None
        ]
        panel = np.maximum(panel, in_panel * outer_rows[:, None])
    cover = _noise(rng, size, falloff=1.4, stretch=1.6)
    grain = _noise(rng, size, falloff=1.0)
    green = np.clip((cover - 0.74) / 0.1, 0, 1) * (0.5 + 0.5 * grain)
    worn = np.clip(relief * 1.2 - 0.2, 0, 1) * (1 - green)
    ground = _mix(
        _srgb(62, 54, 38),
        _srgb(92, 82, 56),
        grain,
    )
    base = _mix(ground, _srgb(92, 110, 82), 0.85 * green)
    base = _mix(base, _srgb(150, 116, 70), 0.75 * worn)
    base = _mix(base, base * 0.85, 0.5 * panel)
    inside = ~outer_rows
    base[inside] = 0.55 * base[inside].mean(axis=1, keepdims=True)
    roughness = 0.48 + 0.25 * green - 0.18 * worn + 0.08 * grain
    metallic = np.clip(0.55 + 0.3 * worn - 0.55 * green, 0, 1)
    roughness[inside] = 0.7
    metallic[inside] = 0.2
    metres_v = np.maximum(np.linalg.norm(np.gradient(rows[:, :2], axis=0), axis=1), 1e-5)
    metres_u = 2 * math.pi * np.maximum(rows[:, 0], 1e-3) * 0.87 / size
    normal = _relief_normals(0.0007 * relief, metres_u, metres_v)
    return base, normal, roughness, metallic


def build_bell() -> bytes:
    """The bianzhong bell (a yongzhong, with its shank) as GLB bytes."""
    packer = _Packer()
    base, normal, roughness, metallic = _bell_images()
    bronze, plain = _bronze_materials(packer, base, normal, roughness, metallic)
    v = np.linspace(0.0, 1.0, BELL_ROWS + 1)
    rows = _bell_rows(v)
    theta = np.linspace(2 * math.pi, 0.0, BELL_SEGMENTS + 1)  # so the grid faces outwards
    positions = _bell_point(rows[:, 0:1], rows[:, 1:2], rows[:, 2:3], theta[None, :])
    drop = float(positions[..., 1].min())  # smoothing lifts the tips: stand them on y = 0
    positions[..., 1] -= drop
    u = 1.0 - theta / (2 * math.pi)
    uvs = np.stack(np.broadcast_arrays(u[None, :], v[:, None]), axis=-1)
    body = _surface(positions, uvs, wrap_cols=True)
    fittings = [
        _moved(_plain(_lathed(BELL_SHANK, rings=24, segments=32)), np.eye(3), (0, -drop, 0))
    ]
    boss = _plain(_lathed(BELL_BOSS, rings=8, segments=12))
    for centre in BELL_FACES:
        for side in (-1.0, 1.0):
            for h in BELL_BOSS_ROWS:
                for offset in BELL_BOSS_COLUMNS:
                    point, outward = _bell_outer(math.radians(centre + side * offset), h)
                    x, y, z = point
                    fittings.append(_moved(boss, _rotation_y_to(outward), (x, y - drop, z)))
    for part in fittings:
        uv = _floats(part, "TEXCOORD_0")
        uv[:, 1] = 0.30 + 0.02 * uv[:, 1]
    return packer.glb(
        [
            packer.node(name="body", mesh=packer.mesh("body", body, bronze)),
            packer.node(
                name="shank_and_bosses",
                mesh=packer.mesh("shank_and_bosses", _merge(*fittings), plain),
            ),
        ]
    )


# -- votive stele ---------------------------------------------------------------------------

STELE_HALF_WIDTH, STELE_DEPTH = 0.17, 0.09
STELE_FOOT, STELE_SHOULDER, STELE_CROWN = 0.065, 0.45, 0.13  # heights; crown above shoulder
STELE_PLINTH = (0.40, 0.07, 0.15)
STELE_COLUMNS, STELE_ROWS = 68, 100
NICHE_DEPTH = 0.014
STONE, STONE_DARK = (168, 160, 146), (122, 114, 102)


def _stele_top(x: F64) -> F64:
    """Height of the stele's outline above ``x``: straight sides, a rounded crown."""
    t = np.clip(np.abs(x) / STELE_HALF_WIDTH, 0.0, 1.0)
    result: F64 = STELE_SHOULDER + STELE_CROWN * np.sqrt(1.0 - t**2)
    return result


def _ellipsoid(x: F64, y: F64, cx: float, cy: float, rx: float, ry: float, height: float) -> F64:
    d = 1.0 - ((x - cx) / rx) ** 2 - ((y - cy) / ry) ** 2
    result: F64 = height * np.sqrt(np.clip(d, 0.0, 1.0))
    return result


def _stele_relief(x: F64, y: F64) -> F64:
    """Depth of the carving (metres, 0 on the face, negative into the stone): an arched
    niche holding a seated Buddha with halo and mandorla between two standing attendants,
    and a sunken panel for the inscription below."""
    niche_top = 0.47 + 0.06 * np.sqrt(np.clip(1 - (x / 0.105) ** 2, 0, 1))
    inside = np.minimum.reduce([0.105 - np.abs(x), y - 0.30, niche_top - y])
    niche = -NICHE_DEPTH * np.clip(inside / 0.004, 0.0, 1.0)
    figure = np.maximum.reduce(
        [
            _ellipsoid(x, y, 0.0, 0.39, 0.062, 0.088, 0.002),  # mandorla
            _ellipsoid(x, y, 0.0, 0.433, 0.035, 0.035, 0.0035),  # halo
            _ellipsoid(x, y, 0.0, 0.432, 0.019, 0.021, 0.012),  # head
            _ellipsoid(x, y, 0.0, 0.455, 0.009, 0.008, 0.011),  # ushnisha
            _ellipsoid(x, y, 0.0, 0.385, 0.031, 0.042, 0.012),  # body
            _ellipsoid(x, y, 0.0, 0.337, 0.063, 0.021, 0.011),  # crossed legs
            _ellipsoid(x, y, 0.0, 0.36, 0.012, 0.009, 0.013),  # hands in the lap
            _ellipsoid(x, y, 0.0, 0.311, 0.075, 0.009, 0.006),  # lotus seat
            *(
                _ellipsoid(x, y, side * 0.083, cy, rx, ry, h)
                for side in (-1.0, 1.0)
                for cy, rx, ry, h in ((0.405, 0.009, 0.010, 0.009), (0.35, 0.014, 0.048, 0.009))
            ),
        ]
    )
    relief = np.minimum(0.0, niche + figure * (inside > 0))
    panel = np.minimum.reduce([0.14 - np.abs(x), y - 0.095, 0.27 - y])
    result: F64 = relief - 0.002 * np.clip(panel / 0.0015, 0.0, 1.0)
    return result


def _glyphs(rng: np.random.Generator, size: int) -> F64:
    """Incised characters of a dedication (made-up strokes, not text): twelve columns of
    nine on the sunken panel, as groove coverage over the front image."""

    def px(x: float, y: float) -> tuple[float, float]:
        return (
            (x + STELE_HALF_WIDTH) / (2 * STELE_HALF_WIDTH) * size,
            (STELE_SHOULDER + STELE_CROWN - y) / (STELE_SHOULDER + STELE_CROWN - STELE_FOOT) * size,
        )

    strokes: list[list[tuple[float, float]]] = []
    columns, rows, cell = 12, 8, 0.0205
    half = 0.0075  # half the size of a character
    for column in range(columns):
        cx = 0.125 - column * (0.25 / (columns - 1))
        for row in range(rows):
            cy = 0.255 - cell / 2 - row * cell
            # regular-script-like: horizontals, one or two verticals, a falling pair
            levels = np.sort(rng.uniform(-half, half, int(rng.integers(2, 5))))
            for level in levels:
                left, right = -half * rng.uniform(0.5, 1.0), half * rng.uniform(0.5, 1.0)
                strokes.append([px(cx + left, cy + level), px(cx + right, cy + level)])
            for _ in range(int(rng.integers(1, 3))):
                at = float(rng.uniform(-half * 0.6, half * 0.6))
                top, bottom = half * rng.uniform(0.3, 1.0), -half * rng.uniform(0.3, 1.0)
                strokes.append([px(cx + at, cy + top), px(cx + at, cy + bottom)])
            if rng.random() < 0.5:
                strokes.append([px(cx, cy), px(cx - half * 0.9, cy - half)])
                strokes.append([px(cx + half * 0.1, cy - half * 0.1), px(cx + half, cy - half)])
    # a carved line round the edge of the face
    xs = np.linspace(-STELE_HALF_WIDTH + 0.012, STELE_HALF_WIDTH - 0.012, 60)
    border = [px(float(xs[0]), 0.085)]
    border += [px(float(x), float(_stele_top(np.array(x * 1.07)) - 0.012)) for x in xs]
    border += [px(float(xs[-1]), 0.085), border[0]]
    strokes.append(border)
    return _strokes((size, size), strokes, width=1.4)


def _stele_images() -> tuple[tuple[F64, F64, F64], tuple[F64, F64]]:
    """The carved face (base, normal, roughness: limestone darkened in the recesses, with
    traces of red and green pigment on the figures) and a tileable plain stone (base,
    roughness) for the back, sides and plinth."""
    size = TEXTURE
    rng = np.random.default_rng(67)
    x = ((np.arange(size) + 0.5) / size * 2 - 1) * STELE_HALF_WIDTH
    y = (
        STELE_SHOULDER
        + STELE_CROWN
        - (np.arange(size) + 0.5) / size * (STELE_SHOULDER + STELE_CROWN - STELE_FOOT)
    )
    gx, gy = np.meshgrid(x, y)
    relief = _stele_relief(gx, gy)
    grooves = _glyphs(rng, size)
    grain = _noise(rng, size, falloff=1.1)
    weather = _noise(rng, size, falloff=1.8, stretch=0.5)
    stone = _mix(
        _srgb(*STONE),
        _srgb(*STONE_DARK),
        0.6 * weather,
    )
    stone *= (0.9 + 0.2 * grain)[..., None]
    shade = np.clip(-relief / NICHE_DEPTH, 0, 1) * 0.35 + 0.45 * grooves
    base = stone * (1.0 - shade)[..., None]
    halo = (_ellipsoid(gx, gy, 0.0, 0.433, 0.035, 0.035, 1.0) > 0) | (
        _ellipsoid(gx, gy, 0.0, 0.39, 0.062, 0.088, 1.0) > 0
    )
    robe = _ellipsoid(gx, gy, 0.0, 0.385, 0.031, 0.042, 1.0) > 0
    flake = np.clip((_noise(rng, size, falloff=1.6) - 0.4) / 0.3, 0, 1)
    base = _mix(base, _srgb(150, 96, 76), 0.4 * halo * flake)
    base = _mix(base, _srgb(104, 120, 100), 0.35 * robe * flake)
    roughness = 0.82 + 0.1 * grain
    detail = -0.0012 * grooves  # the mesh carries the niche and figures; the map the cuts
    width = 2 * STELE_HALF_WIDTH / size
    height = (STELE_SHOULDER + STELE_CROWN - STELE_FOOT) / size
    normal = _relief_normals(detail, width, height)
    plain_size = 256
    plain_grain = _noise(rng, plain_size, falloff=1.1)
    plain_weather = _noise(rng, plain_size, falloff=1.8)
    plain = _mix(
        _srgb(*STONE),
        _srgb(*STONE_DARK),
        0.6 * plain_weather,
    )
    plain *= (0.9 + 0.2 * plain_grain)[..., None]
    return (base, normal, roughness), (plain, 0.84 + 0.1 * plain_grain)


def _stele_front() -> Arrays:
    """The carved face: a height field over the outline, rows from the crown down."""
    x = np.linspace(-STELE_HALF_WIDTH, STELE_HALF_WIDTH, STELE_COLUMNS + 1)
    t = np.linspace(1.0, 0.0, STELE_ROWS + 1)[:, None]
    y = STELE_FOOT + t * (_stele_top(x)[None, :] - STELE_FOOT)
    gx = np.broadcast_to(x[None, :], y.shape)
    z = STELE_DEPTH / 2 + _stele_relief(gx, y)
    positions = np.stack([gx, y, z], axis=-1)
    total = STELE_SHOULDER + STELE_CROWN - STELE_FOOT
    uvs = np.stack(
        [(gx + STELE_HALF_WIDTH) / (2 * STELE_HALF_WIDTH), (STELE_FOOT + total - y) / total], -1
    )
    return _surface(positions, uvs, along_u=np.array([1.0, 0.0, 0.0]))


def _stele_back_and_sides() -> Arrays:
    """The plain back and the edge round the outline (UVs in metres over the stone tile)."""
    tile = 0.25
    x = np.linspace(STELE_HALF_WIDTH, -STELE_HALF_WIDTH, 18)  # mirrored: the back faces -Z
    t = np.linspace(1.0, 0.0, 26)[:, None]
    y = STELE_FOOT + t * (_stele_top(x)[None, :] - STELE_FOOT)
    gx = np.broadcast_to(x[None, :], y.shape)
    back = np.stack([gx, y, np.full_like(y, -STELE_DEPTH / 2)], axis=-1)
    back_uv = np.stack([-gx / tile, -y / tile], -1)
    # the edge: up the left side, over the crown, down the right side
    left = np.linspace(STELE_FOOT, STELE_SHOULDER, 30)
    angle = np.linspace(math.pi, 0.0, 61)
    crown_x = STELE_HALF_WIDTH * np.cos(angle)
    crown_y = STELE_SHOULDER + STELE_CROWN * np.sin(angle)
    path = np.concatenate(
        [
            np.stack([np.full(30, -STELE_HALF_WIDTH), left], 1)[:-1],
            np.stack([crown_x, crown_y], 1),
            np.stack([np.full(30, STELE_HALF_WIDTH), left[::-1]], 1)[1:],
        ]
    )
    z = np.linspace(STELE_DEPTH / 2, -STELE_DEPTH / 2, 5)
    edge = np.stack(np.broadcast_arrays(path[:, None, 0], path[:, None, 1], z[None, :]), axis=-1)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
    edge_uv = np.stack(np.broadcast_arrays(z[None, :] / tile, along[:, None] / tile), -1)
    return _merge(_plain(_surface(back, back_uv)), _plain(_surface(edge, edge_uv)))


def build_stele() -> bytes:
    """The carved votive stele on its plinth as GLB bytes."""
    packer = _Packer()
    (base, normal, roughness), (plain, plain_roughness) = _stele_images()
    face = packer.material(
        "carved limestone",
        (1.0, 1.0, 1.0),
        1.0,
        1.0,
        _textures(packer, base, normal, roughness, np.zeros_like(roughness)),
    )
    stone_textures = _textures(packer, plain, None, plain_roughness, np.zeros_like(plain_roughness))
    stone = packer.material("limestone", (1.0, 1.0, 1.0), 1.0, 1.0, stone_textures)
    w, h, d = STELE_PLINTH
    plinth = _box((w, h, d), (0.0, h / 2, 0.0))
    corner = _floats(plinth, "POSITION")
    uv = np.stack([corner[:, 0] + corner[:, 2], corner[:, 1]], 1) * 4.0  # metric, on the tile
    plinth["TEXCOORD_0"] = uv.astype(np.float32)
    rest = _merge(_stele_back_and_sides(), plinth)
    return packer.glb(
        [
            packer.node(name="carved_face", mesh=packer.mesh("carved_face", _stele_front(), face)),
            packer.node(name="stele", mesh=packer.mesh("stele", rest, stone)),
        ]
    )


RELICS: dict[str, Callable[[], bytes]] = {
    "relic-meiping.glb": build_meiping,
    "relic-bi.glb": build_bi,
    "relic-ding.glb": build_ding,
    "relic-lacquer-box.glb": build_lacquer_box,
    "relic-bell.glb": build_bell,
    "relic-stele.glb": build_stele,
}
