"""``relic-meiping.glb``: a Song-style celadon meiping vase under a crackled glaze."""

from __future__ import annotations

import math

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import (
    F64,
    floats,
    without_tangents,
)
from museion.tools.samples.lathe import along_profile, lathed, outline
from museion.tools.samples.textures import (
    RELIC_TEXTURE,
    mix,
    noise,
    pack_textures,
    spread_seeds,
    srgb,
    voronoi_edges,
)

__all__ = ["build_meiping"]


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


def _meiping_images() -> tuple[F64, F64, F64]:
    """Guan-type celadon: pale blue-green glaze with a two-tone crackle, a brown 'purple
    mouth' where the glaze thins on the lip, and an unglazed iron-brown foot ring."""
    size, u_repeat = RELIC_TEXTURE, 2.0
    rng = np.random.default_rng(11)
    r, y, inside = along_profile(MEIPING, size)
    _, length = outline(profile=MEIPING, inside_weight=0.4)
    metres_u = 2.0 * math.pi * r * ~inside / u_repeat
    metres_v = float(length[-1])
    big = voronoi_edges(spread_seeds(rng, 0.014, metres_u, metres_v, 3000), metres_u, metres_v)
    fine = voronoi_edges(spread_seeds(rng, 0.006, metres_u, metres_v, 6000), metres_u, metres_v)
    iron = np.exp(-((big / 0.00035) ** 2))
    gold = np.exp(-((fine / 0.00025) ** 2)) * (1.0 - iron)
    cloud = noise(rng, size, falloff=1.8)
    glaze = mix(srgb(150, 178, 162), srgb(128, 160, 142), cloud)
    pool = np.clip((0.2 - y) / 0.2, 0.0, 1.0)[:, None] * np.ones((1, size))
    glaze = mix(glaze, srgb(112, 152, 122), 0.45 * pool)
    base = mix(glaze, srgb(92, 82, 64), 0.6 * iron)
    base = mix(base, srgb(184, 168, 120), 0.35 * gold)
    lip = np.clip((y - 0.3405) / 0.004, 0.0, 1.0)[:, None] * np.ones((1, size))
    base = mix(base, srgb(128, 104, 92), 0.7 * lip)
    foot = ((y < 0.0045) & ~inside)[:, None] * np.ones((1, size))
    body = mix(srgb(108, 70, 48), srgb(84, 58, 42), cloud)
    base = mix(base, body, foot)
    base[inside] *= 0.55
    roughness = 0.1 + 0.04 * cloud + 0.25 * iron + 0.1 * gold
    roughness = roughness * (1 - foot) + 0.85 * foot
    return base, roughness, np.zeros((size, size))


def build_meiping() -> bytes:
    """The celadon meiping vase as GLB bytes (the crackle lies under a smooth glaze, so
    there is no normal map)."""
    doc = SampleDocument()
    base, roughness, metallic = _meiping_images()
    textures = pack_textures(doc, base, None, roughness, metallic)
    material = doc.material("crackled celadon glaze", (1.0, 1.0, 1.0), 1.0, 1.0, textures)
    part = without_tangents(lathed(MEIPING, rings=84, segments=112, u_repeat=2.0))
    position = floats(part, "POSITION")
    position[:, 1] -= position[:, 1].min()  # the foot ring on y = 0
    mesh = doc.mesh("meiping", part, material)
    return doc.glb([doc.node(name="meiping", mesh=mesh)])
