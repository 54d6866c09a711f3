"""``relic-lacquer-box.glb``: a red-and-black lacquered box painted with cloud scrolls."""

from __future__ import annotations

import math

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import (
    F64,
    rounded_box,
)
from museion.tools.samples.textures import (
    draw_strokes,
    mix,
    noise,
    pack_textures,
    relief_normals,
    spiral_line,
    srgb,
)

__all__ = ["build_lacquer_box"]


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
        curl = spiral_line(
            crest_x + up * height * 0.08, crest_y + up * height * 0.1, height * 0.17, 1.3, up
        )
        lines.append([(crest_x, crest_y), *curl])
        hook_x = crest_x + wavelength * 0.25
        if hook_x < x1 - height * 0.2:
            lines.append(spiral_line(hook_x, cy - up * amplitude * 1.2, height * 0.09, 0.8, -up))
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
                    spiral_line(cx + 20 * math.cos(t), cy + 20 * math.sin(t), 11, 1.4, 1.0)
                )
            red_lines += _cloud_band(a + 10, b + 10, c - 10, cy - 46, rng)
            red_lines += _cloud_band(a + 10, cy + 46, c - 10, d - 10, rng)
            for side in (-1.0, 1.0):
                red_lines.append(spiral_line(cx + side * 80, cy, 16, 1.6, side))
                red_lines.append(spiral_line(cx + side * 116, cy, 12, 1.4, -side))
            continue
        seam = y0 + (y1 - y0) * (2 * BOX_HALF[1] - BOX_SEAM) / (2 * BOX_HALF[1])
        row = round(seam)
        groove[row - 1 : row + 2, x0:x1] = [[0.5], [1.0], [0.5]]
        red_lines.append([(a, seam - 4), (c, seam - 4)])
        red_lines.append([(a, seam + 4), (c, seam + 4)])
        ochre_lines += _lozenges(a + 9, b + 9, c - 9, seam - 10)
        red_lines += _cloud_band(a + 8, seam + 10, c - 8, d - 9, rng)
    red = draw_strokes((width, height), red_lines, width=2.4)
    ochre = draw_strokes((width, height), ochre_lines, width=1.0) * (1 - red)
    gloss = noise(rng, 512, falloff=1.4)[:height, :width]
    base = mix(srgb(*BLACK), srgb(*RED), red)
    base = mix(base, srgb(*OCHRE), ochre)
    base = mix(base, np.zeros_like(base), 0.8 * groove)
    roughness = 0.2 + 0.12 * red + 0.15 * ochre + 0.08 * gloss + 0.5 * groove
    relief = 0.00006 * np.maximum(red, ochre) - 0.0006 * groove
    normal = relief_normals(relief, BOX_PIXEL, BOX_PIXEL)
    return base, normal, roughness, np.zeros((height, width))


def build_lacquer_box() -> bytes:
    """The red-and-black lacquered box as GLB bytes."""
    doc = SampleDocument()
    base, normal, roughness, metallic = _lacquer_images()
    textures = pack_textures(doc, base, normal, roughness, metallic)
    lacquer = doc.material("painted lacquer", (1.0, 1.0, 1.0), 1.0, 1.0, textures)
    width, height = BOX_IMAGE
    cells = {
        name: (x0 / width, y0 / height, x1 / width, y1 / height)
        for name, (x0, y0, x1, y1) in BOX_CELLS.items()
    }
    box = rounded_box(BOX_HALF, BOX_RADIUS, (0.0, BOX_HALF[1], 0.0), cells, flat=18, bevel=6)
    return doc.glb([doc.node(name="box", mesh=doc.mesh("box", box, lacquer))])
