"""``relic-bi.glb``: a jade bi disc with grain bosses, standing on a small rosewood stand."""

from __future__ import annotations

import math

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import (
    F64,
    FACES,
    floats,
    grid_indices,
    moved,
    rounded_box,
    unit,
    without_tangents,
)
from museion.tools.samples.lathe import revolve
from museion.tools.samples.textures import (
    RELIC_TEXTURE,
    mix,
    noise,
    pack_textures,
    relief_normals,
    srgb,
)

__all__ = ["build_bi"]


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
    normal = unit(np.stack([np.interp(at, param, dense_normals[:, i]) for i in (0, 1)], 1))
    return section, normal, v


def _bi_images() -> tuple[F64, F64, F64, F64]:
    """Greenish nephrite with fine cloudy mottling, browner towards the worn outer edge,
    polished; the faces carry raised 'grain' bosses on a diagonal lattice between two raised
    rim lines."""
    size = RELIC_TEXTURE
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
    cloud = noise(rng, size, falloff=1.3)
    fleck = noise(rng, size, falloff=0.8)
    edge = np.clip((r - (BI_OUTER - 0.012)) / 0.012, 0, 1)[:, None] * np.ones((1, size))
    altered = np.clip(edge * (0.6 + 0.8 * noise(rng, size, falloff=1.5)) - 0.3, 0, 1)
    jade = srgb(88, 118, 82)
    base = mix(jade, srgb(128, 148, 106), cloud)
    base = mix(base, srgb(78, 100, 70), 0.4 * (fleck > 0.82).astype(np.float64))
    base = mix(base, srgb(158, 140, 100), 0.85 * altered)
    base *= (1.0 + 120.0 * height)[..., None]
    roughness = 0.15 + 0.05 * fleck + 0.25 * altered
    normal = relief_normals(height, metres_u, metres_v)
    return base, normal, roughness, np.zeros((size, size))


def build_bi() -> bytes:
    """The jade bi disc, standing on a small rosewood stand, as GLB bytes."""
    doc = SampleDocument()
    base, normal, roughness, metallic = _bi_images()
    jade = doc.material(
        "polished nephrite",
        (1.0, 1.0, 1.0),
        1.0,
        1.0,
        pack_textures(doc, base, normal, roughness, metallic),
    )
    wood = doc.material("rosewood stand", (0.075, 0.026, 0.014), 0.0, 0.42)
    section, normal2d, v = _bi_section(44)
    # v falls along the outline, as revolve's tangent frame expects
    disc = revolve(section, normal2d, 1.0 - v, 160)
    floats(disc, "TEXCOORD_0")[:, 0] *= BI_REPEAT
    disc["indices"] = grid_indices(disc["POSITION"], len(section), 161)
    upright = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    disc = moved(disc, upright, (0.0, BI_LIFT + BI_OUTER, 0.0))
    w, h, d = BI_STAND
    whole = (0.0, 0.0, 1.0, 1.0)
    stand = rounded_box(
        (w / 2, h / 2, d / 2),
        0.004,
        (0.0, h / 2, 0.0),
        dict.fromkeys(FACES, whole),
        flat=4,
        bevel=4,
    )
    return doc.glb(
        [
            doc.node(name="bi", mesh=doc.mesh("bi", disc, jade)),
            doc.node(name="stand", mesh=doc.mesh("stand", without_tangents(stand), wood)),
        ]
    )
