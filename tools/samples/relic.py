"""``relic.glb``: a bronze vessel, a surface of revolution with base-colour, normal and
metallic-roughness textures (cast rings and a zig-zag frieze under a verdigris patina)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import F64
from museion.tools.samples.lathe import band_v, lathed
from museion.tools.samples.textures import encode, noise, normal_map

__all__ = ["PROFILE", "RELIC_DEFAULTS", "RelicOptions", "build_relic", "relic_for_triangles"]


# The vessel's outline as (radius, height) control points in metres: from the base centre
# out along the foot, up the outside, over the rolled lip, down the inside wall and in along
# the inner floor back to the axis, so the surface is closed inside and out.  Corner cutting
# (outline) rounds it into a smooth curve.
PROFILE = np.array(
    [
        (0.000, 0.000),
        (0.070, 0.000),
        (0.085, 0.008),
        (0.090, 0.030),
        (0.120, 0.080),
        (0.170, 0.160),
        (0.185, 0.220),
        (0.175, 0.280),
        (0.130, 0.340),
        (0.095, 0.380),
        (0.090, 0.410),
        (0.110, 0.438),
        (0.128, 0.450),
        (0.124, 0.458),
        (0.106, 0.452),
        (0.084, 0.420),
        (0.080, 0.380),
        (0.115, 0.335),
        (0.163, 0.280),
        (0.173, 0.220),
        (0.158, 0.160),
        (0.108, 0.085),
        (0.070, 0.045),
        (0.000, 0.040),
    ],
    dtype=np.float64,
)


# Heights (m) on the outside of the cast decoration: pairs of raised rings around the
# belly with a zig-zag frieze between them, and one ring at the neck.
RING_HEIGHTS = (0.150, 0.162, 0.282, 0.294, 0.392)


FRIEZE = (0.175, 0.268)


ZIGZAG_TEETH = 24


# Whole numbers each option may take: (lowest, highest or None).
_RELIC_RANGES: dict[str, tuple[int, int | None]] = {
    "segments": (3, None),  # round the axis
    "rings": (2, None),  # along the outline
    "texture_size": (16, 8192),  # enough texels for the relief; memory for the noise
    "seed": (0, None),  # numpy's generators take no negative seed
}


@dataclass(frozen=True)
class RelicOptions:
    """Mesh and texture resolution of the relic (the shape itself is fixed)."""

    segments: int = 200
    rings: int = 126
    texture_size: int = 1024
    seed: int = 7

    def __post_init__(self) -> None:
        for field, (low, high) in _RELIC_RANGES.items():
            value = getattr(self, field)
            if type(value) is not int or value < low or (high is not None and value > high):
                allowed = f"from {low} to {high}" if high is not None else f"{low} or more"
                raise ValueError(
                    f"RelicOptions.{field} must be a whole number, {allowed}, not {value!r}"
                )


RELIC_DEFAULTS = RelicOptions()


def relic_for_triangles(triangles: int) -> RelicOptions:
    """Options whose mesh has about ``triangles`` triangles (benchmarks want heavy relics).

    The mesh has ``2 * segments * (rings - 1)`` triangles (the quads touching the axis are
    fans); segments run about 1.6 times rings, like the defaults.
    """
    rings = max(8, round(math.sqrt(triangles / 3.2)) + 1)
    segments = max(8, round(triangles / (2 * (rings - 1))))
    return RelicOptions(segments=segments, rings=rings)


def _relief(size: int) -> F64:
    """Height in [0, 1] of the cast decoration: raised rings and a zig-zag frieze.

    Rows are v (row 0 is v = 0), columns u; periodic in u like the surface.
    """
    v = (np.arange(size) + 0.5)[:, None] / size
    u = (np.arange(size) + 0.5)[None, :] / size
    width = max(0.0016, 1.5 / size)  # about 2 mm, but never under 1.5 texels (aliasing)
    rings = sum(np.exp(-(((v - c) / width) ** 2)) for c in band_v(RING_HEIGHTS, PROFILE))
    bottom, top = band_v(FRIEZE, PROFILE)
    tooth = np.abs((u * ZIGZAG_TEETH) % 1.0 - 0.5) * 2.0  # 0..1 triangle wave
    line = bottom + (top - bottom) * (0.2 + 0.6 * tooth)
    zigzag = np.exp(-(((v - line) / (1.4 * width)) ** 2))
    height: F64 = np.clip(rings + zigzag, 0.0, 1.0)
    return height


def _relic_textures(options: RelicOptions) -> tuple[tuple[bytes, str], ...]:
    """Base colour, normal and metallic-roughness images (encoded) with their MIME types.

    Cast bronze with verdigris gathering in patches and in the decoration's grooves; the
    bronze is metallic and fairly smooth, the patina a rough dielectric.
    """
    size = options.texture_size
    rng = np.random.default_rng(options.seed)
    relief = _relief(size)
    cover = noise(rng, size, falloff=1.6, stretch=1.8) + 0.25 * relief
    threshold = float(np.quantile(cover, 0.72))
    patina = np.clip((cover - threshold) / 0.08, 0.0, 1.0)[..., None]
    grain = noise(rng, size, falloff=1.2)[..., None]
    bronze = np.array([150.0, 110.0, 55.0]) / 255.0  # sRGB
    verdigris = np.array([84.0, 128.0, 98.0]) / 255.0
    base = (bronze * (1.0 - patina) + verdigris * patina) * (0.86 + 0.28 * grain)
    base *= 1.0 - 0.18 * relief[..., None]  # dark edges where the raised lines catch dirt
    roughness = 0.32 + 0.5 * patina + 0.12 * grain
    metallic = 1.0 - patina
    occlusion_unused = np.ones_like(patina)
    mr = np.concatenate([occlusion_unused, roughness, metallic], axis=-1)
    normals = normal_map(relief, strength=2.5)  # (relief from noise would bloat the PNG)
    # JPEG keeps the noisy colour maps small; the normal map stays lossless (PNG).
    return encode(base, "JPEG"), encode(normals * 0.5 + 0.5, "PNG"), encode(mr, "JPEG")


def build_relic(options: RelicOptions = RELIC_DEFAULTS) -> bytes:
    """The bronze vessel as GLB bytes."""
    doc = SampleDocument()
    base, normal, mr = (doc.texture(data, mime) for data, mime in _relic_textures(options))
    material = doc.material("patinated bronze", (1.0, 1.0, 1.0), 1.0, 1.0, (base, normal, mr))
    mesh = doc.mesh("vessel", lathed(PROFILE, options.rings, options.segments), material)
    return doc.glb([doc.node(name="relic", mesh=mesh)])
