"""``relic-bell.glb``: a bianzhong bell (a yongzhong with its shank), bosses and scrolls
cast in low relief on its almond-shaped body."""

from __future__ import annotations

import itertools
import math

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import (
    F64,
    floats,
    merge,
    moved,
    rotation_y_to,
    surface,
    unit,
    without_tangents,
)
from museion.tools.samples.lathe import corner_cut, lathed
from museion.tools.samples.textures import (
    RELIC_TEXTURE,
    bronze_materials,
    draw_strokes,
    mix,
    noise,
    relief_normals,
    spiral_line,
    srgb,
)

__all__ = ["build_bell"]


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
    points = corner_cut(control, 4)
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
    return point, unit(normal)


def _bell_images() -> tuple[F64, F64, F64, F64]:
    """Dark bronze with a brown-green patina; on each face a central panel, two fields of
    bosses divided by scroll bands, and a pair of large scrolls on the striking area, all
    cast in low relief and worn to metal on the high points."""
    size = RELIC_TEXTURE
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
                    lines.append(spiral_line(col(a + (b - a) * 0.3), mid, 2.2, 1.0, side))
                    lines.append(spiral_line(col(a + (b - a) * 0.7), mid, 2.2, 1.0, -side))
            # the striking area: a big scroll curling towards the centre line
            cx, cy = col(centre + side * 22), row(0.075)
            lines.append(spiral_line(cx, cy, 16.0, 1.6, side))
            lines.append([(cx, cy + 16), (col(centre + side * 6), row(0.05))])
    relief = draw_strokes((size, size), lines, width=1.8)
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
    cover = noise(rng, size, falloff=1.4, stretch=1.6)
    grain = noise(rng, size, falloff=1.0)
    green = np.clip((cover - 0.74) / 0.1, 0, 1) * (0.5 + 0.5 * grain)
    worn = np.clip(relief * 1.2 - 0.2, 0, 1) * (1 - green)
    ground = mix(
        srgb(62, 54, 38),
        srgb(92, 82, 56),
        grain,
    )
    base = mix(ground, srgb(92, 110, 82), 0.85 * green)
    base = mix(base, srgb(150, 116, 70), 0.75 * worn)
    base = mix(base, base * 0.85, 0.5 * panel)
    inside = ~outer_rows
    base[inside] = 0.55 * base[inside].mean(axis=1, keepdims=True)
    roughness = 0.48 + 0.25 * green - 0.18 * worn + 0.08 * grain
    metallic = np.clip(0.55 + 0.3 * worn - 0.55 * green, 0, 1)
    roughness[inside] = 0.7
    metallic[inside] = 0.2
    metres_v = np.maximum(np.linalg.norm(np.gradient(rows[:, :2], axis=0), axis=1), 1e-5)
    metres_u = 2 * math.pi * np.maximum(rows[:, 0], 1e-3) * 0.87 / size
    normal = relief_normals(0.0007 * relief, metres_u, metres_v)
    return base, normal, roughness, metallic


def build_bell() -> bytes:
    """The bianzhong bell (a yongzhong, with its shank) as GLB bytes."""
    doc = SampleDocument()
    base, normal, roughness, metallic = _bell_images()
    bronze, plain = bronze_materials(doc, base, normal, roughness, metallic)
    v = np.linspace(0.0, 1.0, BELL_ROWS + 1)
    rows = _bell_rows(v)
    theta = np.linspace(2 * math.pi, 0.0, BELL_SEGMENTS + 1)  # so the grid faces outwards
    positions = _bell_point(rows[:, 0:1], rows[:, 1:2], rows[:, 2:3], theta[None, :])
    drop = float(positions[..., 1].min())  # smoothing lifts the tips: stand them on y = 0
    positions[..., 1] -= drop
    u = 1.0 - theta / (2 * math.pi)
    uvs = np.stack(np.broadcast_arrays(u[None, :], v[:, None]), axis=-1)
    body = surface(positions, uvs, wrap_cols=True)
    fittings = [
        moved(without_tangents(lathed(BELL_SHANK, rings=24, segments=32)), np.eye(3), (0, -drop, 0))
    ]
    boss = without_tangents(lathed(BELL_BOSS, rings=8, segments=12))
    for centre in BELL_FACES:
        for side in (-1.0, 1.0):
            for h in BELL_BOSS_ROWS:
                for offset in BELL_BOSS_COLUMNS:
                    point, outward = _bell_outer(math.radians(centre + side * offset), h)
                    x, y, z = point
                    fittings.append(moved(boss, rotation_y_to(outward), (x, y - drop, z)))
    for part in fittings:
        uv = floats(part, "TEXCOORD_0")
        uv[:, 1] = 0.30 + 0.02 * uv[:, 1]
    return doc.glb(
        [
            doc.node(name="body", mesh=doc.mesh("body", body, bronze)),
            doc.node(
                name="shank_and_bosses",
                mesh=doc.mesh("shank_and_bosses", merge(*fittings), plain),
            ),
        ]
    )
