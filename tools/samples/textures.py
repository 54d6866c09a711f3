"""The samples' images: tileable noise, relief turned into normal maps, strokes and
spirals drawn anti-aliased, crackle cells, colours mixed; encoded with fixed settings and
packed as a metallic-roughness material's textures."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import F64, unit

__all__ = [
    "RELIC_TEXTURE",
    "bronze_materials",
    "draw_strokes",
    "encode",
    "mix",
    "noise",
    "normal_map",
    "pack_textures",
    "relief_normals",
    "spiral_line",
    "spread_seeds",
    "srgb",
    "voronoi_edges",
]


RELIC_TEXTURE = 512


def noise(rng: np.random.Generator, size: int, falloff: float, stretch: float = 1.0) -> F64:
    """Tileable fractal noise in [0, 1]: white noise shaped by 1/f**falloff in Fourier space.

    Periodic in both directions, so the wrap-around seam of the lathe is invisible;
    ``stretch`` > 1 elongates features vertically (patina runs down a vessel).
    """
    white = rng.standard_normal((size, size))
    fy = np.fft.fftfreq(size)[:, None] * stretch
    fx = np.fft.fftfreq(size)[None, :]
    frequency = np.maximum(np.hypot(fx, fy), 1.0 / size)
    field = np.fft.ifft2(np.fft.fft2(white) / frequency**falloff).real
    low, high = np.percentile(field, [1.0, 99.0])
    result: F64 = np.clip((field - low) / (high - low), 0.0, 1.0)
    return result


def normal_map(height: F64, strength: float) -> F64:
    """Tangent-space normals, +X right and +Y up the image (glTF / OpenGL convention)."""
    right = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) / 2.0
    down = np.gradient(height, axis=0)
    normal = np.stack([-strength * right, strength * down, np.ones_like(height)], axis=-1)
    result: F64 = normal / np.linalg.norm(normal, axis=-1, keepdims=True)
    return result


def relief_normals(height: F64, metres_u: F64 | float, metres_v: F64 | float) -> F64:
    """Tangent-space normals of a relief given in metres, on texels ``metres_u`` wide and
    ``metres_v`` tall (per row, or one number), periodic in u: slopes come out true even
    where texels are not square."""
    per_u = np.broadcast_to(np.asarray(metres_u, np.float64).reshape(-1, 1), (len(height), 1))
    per_v = np.broadcast_to(np.asarray(metres_v, np.float64).reshape(-1, 1), (len(height), 1))
    right = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) / (2.0 * per_u)
    down = np.gradient(height, axis=0) / per_v
    normal = np.stack([-right, down, np.ones_like(height)], axis=-1)
    return unit(normal)


def encode(pixels: F64, fmt: str) -> tuple[bytes, str]:
    """An image in [0, 1] floats, encoded with fixed settings (byte-identical every run)."""
    out = io.BytesIO()
    image = Image.fromarray(np.clip(pixels * 255.0, 0, 255).round().astype(np.uint8), mode="RGB")
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=85, subsampling=0, optimize=True)
        return out.getvalue(), "image/jpeg"
    image.save(out, format="PNG", compress_level=9)
    return out.getvalue(), "image/png"


def pack_textures(
    doc: SampleDocument, base: F64, normal: F64 | None, roughness: F64, metallic: F64
) -> tuple[int, int | None, int]:
    """Pack base colour (sRGB, JPEG), normal (PNG) and metallic-roughness (JPEG) images."""
    mr = np.stack([np.ones_like(roughness), roughness, metallic], axis=-1)
    base_index = doc.texture(*encode(base, "JPEG"))
    normal_index = None if normal is None else doc.texture(*encode(normal * 0.5 + 0.5, "PNG"))
    return base_index, normal_index, doc.texture(*encode(mr, "JPEG"))


def bronze_materials(
    doc: SampleDocument, base: F64, normal: F64, roughness: F64, metallic: F64
) -> tuple[int, int]:
    """Patinated bronze with its relief, and the same without (for legs, handles, shanks)."""
    textures = pack_textures(doc, base, normal, roughness, metallic)
    bronze = doc.material("patinated bronze", (1.0, 1.0, 1.0), 1.0, 1.0, textures)
    plain = doc.material(
        "patinated bronze, plain", (1.0, 1.0, 1.0), 1.0, 1.0, (textures[0], None, textures[2])
    )
    return bronze, plain


def srgb(*rgb: int) -> F64:
    result: F64 = np.array(rgb, np.float64) / 255.0
    return result


def mix(a: F64, b: F64, t: F64) -> F64:
    """Per-pixel blend of colours (or images) ``a`` and ``b`` by ``t`` (H x W)."""
    result: F64 = a * (1.0 - t[..., None]) + b * t[..., None]
    return result


def draw_strokes(
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


def spiral_line(
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


def spread_seeds(
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


def voronoi_edges(seeds: F64, metres_u: F64, metres_v: float) -> F64:
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
