"""``relic-ding.glb``: a Western Zhou-style bronze ding on three hoof legs, with two loop
handles and a thunder-pattern frieze."""

from __future__ import annotations

import math

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import (
    F64,
    Arrays,
    floats,
    merge,
    moved,
    surface,
    unit,
    without_tangents,
)
from museion.tools.samples.lathe import along_profile, band_v, lathed
from museion.tools.samples.textures import (
    RELIC_TEXTURE,
    bronze_materials,
    draw_strokes,
    mix,
    noise,
    relief_normals,
    srgb,
)

__all__ = ["build_ding"]


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
    tangent = unit(np.gradient(path, axis=0))
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
    return surface(positions, uvs, wrap_cols=True)


def _ding_images() -> tuple[F64, F64, F64, F64]:
    """Cast bronze under a dark, mostly dull patina with malachite green gathering in the
    recesses and earthy red cuprite in patches; a thunder-pattern frieze between two ridges
    below the lip, its raised lines worn back to metal."""
    size = RELIC_TEXTURE
    rng = np.random.default_rng(31)
    r, y, inside = along_profile(DING_BOWL, size)
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
    relief[top:bottom] = draw_strokes((size, bottom - top), lines, width=cell * 0.075)
    for ridge in DING_RIDGES:
        relief = np.maximum(relief, (np.exp(-(((y - ridge) / 0.0012) ** 2)) * outside)[:, None])
    height = 0.0008 * relief
    cover = noise(rng, size, falloff=1.25, stretch=1.3)
    grain = noise(rng, size, falloff=1.0)
    rust = noise(rng, size, falloff=1.9)
    recess = np.zeros((size, size))
    recess[top:bottom] = 1.0 - relief[top:bottom]
    green = np.clip((cover + 0.35 * recess - 0.6) / 0.16, 0, 1)
    red = np.clip((rust - 0.78) / 0.08, 0, 1) * (1 - green)
    worn = np.clip(relief * 1.3 - 0.3, 0, 1) * (1 - green)
    ground = mix(
        srgb(58, 60, 48),
        srgb(78, 76, 58),
        grain,
    )
    base = mix(ground, srgb(86, 116, 88), green * (0.6 + 0.3 * grain))
    base = mix(base, srgb(104, 74, 54), 0.7 * red)
    base = mix(base, srgb(132, 104, 64), 0.7 * worn)
    # Inside, the noise would pinch into a star at the axis: keep only its row average.
    base[inside] = 0.7 * base[inside].mean(axis=1, keepdims=True)
    roughness = 0.62 + 0.2 * green - 0.3 * worn + 0.08 * grain
    metallic = np.clip(0.25 + 0.5 * worn - 0.25 * green, 0, 1)
    roughness[inside] = roughness[inside].mean(axis=1, keepdims=True)
    metallic[inside] = metallic[inside].mean(axis=1, keepdims=True)
    normal = relief_normals(height, metres_u, metres_v)
    return base, normal, roughness, metallic


def build_ding() -> bytes:
    """The bronze ding tripod cauldron as GLB bytes."""
    doc = SampleDocument()
    base, normal, roughness, metallic = _ding_images()
    bronze, plain = bronze_materials(doc, base, normal, roughness, metallic)
    bowl = lathed(DING_BOWL, rings=60, segments=112, u_repeat=DING_REPEAT)
    # legs and handles take their patina from a plain band of the belly (0.15 to 0.25 m up)
    v1, v0 = (float(v) for v in band_v((0.15, 0.25), profile=DING_BOWL, inside_weight=0.4))
    fittings = []
    for angle in DING_LEGS:
        leg = without_tangents(lathed(DING_LEG, rings=20, segments=28))
        theta = math.radians(angle)
        offset = (DING_LEG_RADIUS * math.cos(theta), 0.0, DING_LEG_RADIUS * math.sin(theta))
        fittings.append(moved(leg, np.eye(3), offset))
    fittings += [without_tangents(_handle(angle)) for angle in DING_HANDLES]
    for part in fittings:
        uv = floats(part, "TEXCOORD_0")
        uv[:, 1] = v0 + uv[:, 1] * (v1 - v0)
    return doc.glb(
        [
            doc.node(name="bowl", mesh=doc.mesh("bowl", bowl, bronze)),
            doc.node(
                name="legs_and_handles",
                mesh=doc.mesh("legs_and_handles", merge(*fittings), plain),
            ),
        ]
    )
