"""``relic-stele.glb``: a carved limestone votive stele (a seated Buddha between two
attendants, an incised dedication) on its plinth."""

from __future__ import annotations

import math

import numpy as np

from museion.tools.samples.document import SampleDocument
from museion.tools.samples.geometry import (
    F64,
    Arrays,
    box,
    floats,
    merge,
    surface,
    without_tangents,
)
from museion.tools.samples.textures import (
    RELIC_TEXTURE,
    draw_strokes,
    mix,
    noise,
    pack_textures,
    relief_normals,
    srgb,
)

__all__ = ["build_stele"]


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
    return draw_strokes((size, size), strokes, width=1.4)


def _stele_images() -> tuple[tuple[F64, F64, F64], tuple[F64, F64]]:
    """The carved face (base, normal, roughness: limestone darkened in the recesses, with
    traces of red and green pigment on the figures) and a tileable plain stone (base,
    roughness) for the back, sides and plinth."""
    size = RELIC_TEXTURE
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
    grain = noise(rng, size, falloff=1.1)
    weather = noise(rng, size, falloff=1.8, stretch=0.5)
    stone = mix(
        srgb(*STONE),
        srgb(*STONE_DARK),
        0.6 * weather,
    )
    stone *= (0.9 + 0.2 * grain)[..., None]
    shade = np.clip(-relief / NICHE_DEPTH, 0, 1) * 0.35 + 0.45 * grooves
    base = stone * (1.0 - shade)[..., None]
    halo = (_ellipsoid(gx, gy, 0.0, 0.433, 0.035, 0.035, 1.0) > 0) | (
        _ellipsoid(gx, gy, 0.0, 0.39, 0.062, 0.088, 1.0) > 0
    )
    robe = _ellipsoid(gx, gy, 0.0, 0.385, 0.031, 0.042, 1.0) > 0
    flake = np.clip((noise(rng, size, falloff=1.6) - 0.4) / 0.3, 0, 1)
    base = mix(base, srgb(150, 96, 76), 0.4 * halo * flake)
    base = mix(base, srgb(104, 120, 100), 0.35 * robe * flake)
    roughness = 0.82 + 0.1 * grain
    detail = -0.0012 * grooves  # the mesh carries the niche and figures; the map the cuts
    width = 2 * STELE_HALF_WIDTH / size
    height = (STELE_SHOULDER + STELE_CROWN - STELE_FOOT) / size
    normal = relief_normals(detail, width, height)
    plain_size = 256
    plain_grain = noise(rng, plain_size, falloff=1.1)
    plain_weather = noise(rng, plain_size, falloff=1.8)
    plain = mix(
        srgb(*STONE),
        srgb(*STONE_DARK),
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
    return surface(positions, uvs, along_u=np.array([1.0, 0.0, 0.0]))


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
    return merge(without_tangents(surface(back, back_uv)), without_tangents(surface(edge, edge_uv)))


def build_stele() -> bytes:
    """The carved votive stele on its plinth as GLB bytes."""
    doc = SampleDocument()
    (base, normal, roughness), (plain, plain_roughness) = _stele_images()
    face = doc.material(
        "carved limestone",
        (1.0, 1.0, 1.0),
        1.0,
        1.0,
        pack_textures(doc, base, normal, roughness, np.zeros_like(roughness)),
    )
    stone_textures = pack_textures(
        doc, plain, None, plain_roughness, np.zeros_like(plain_roughness)
    )
    stone = doc.material("limestone", (1.0, 1.0, 1.0), 1.0, 1.0, stone_textures)
    w, h, d = STELE_PLINTH
    plinth = box((w, h, d), (0.0, h / 2, 0.0))
    corner = floats(plinth, "POSITION")
    uv = np.stack([corner[:, 0] + corner[:, 2], corner[:, 1]], 1) * 4.0  # metric, on the tile
    plinth["TEXCOORD_0"] = uv.astype(np.float32)
    rest = merge(_stele_back_and_sides(), plinth)
    return doc.glb(
        [
            doc.node(name="carved_face", mesh=doc.mesh("carved_face", _stele_front(), face)),
            doc.node(name="stele", mesh=doc.mesh("stele", rest, stone)),
        ]
    )
