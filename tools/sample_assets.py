"""The sample assets, generated from code so they are small, free and reproducible.

``relic.glb`` is a bronze vessel (a surface of revolution with base-colour, normal and
metallic-roughness textures); ``venue.glb`` is a small gallery room with a pedestal, lights
(KHR_lights_punctual) and a node ``exhibit_anchor`` where the relic stands.  For the example
exhibition, ``hall.glb`` is an 18 x 12 m hall with a partition and one key light,
``pedestal.glb`` the plinth every exhibit stands on, and ``relic-*.glb`` the other relics
(:mod:`museion.tools.sample_relics`).  Fixed seeds and fixed encoder settings make every run
byte-identical, so the committed files can be checked against a fresh build.

Run ``python -m museion.tools.sample_assets [OUT_DIR]`` (default: the repository's ``assets/``).
"""

from __future__ import annotations

import argparse
import io
import logging
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pygltflib as gl
from PIL import Image

from museion.scenes.document.file import atomic_write

__all__ = [
    "RELIC_DEFAULTS",
    "RelicOptions",
    "build_hall",
    "build_pedestal",
    "build_relic",
    "build_venue",
    "main",
    "relic_for_triangles",
    "sample_builders",
    "write_samples",
]

logger = logging.getLogger(__name__)
F64 = npt.NDArray[np.float64]
Arrays = dict[str, npt.NDArray[np.generic]]
GENERATOR = "museion sample_assets"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "assets"

# The vessel's outline as (radius, height) control points in metres: from the base centre
# out along the foot, up the outside, over the rolled lip, down the inside wall and in along
# the inner floor back to the axis, so the surface is closed inside and out.  Corner cutting
# (_outline) rounds it into a smooth curve.
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
INSIDE_WEIGHT = 0.4


@dataclass(frozen=True)
class RelicOptions:
    """Mesh and texture resolution of the relic (the shape itself is fixed)."""

    segments: int = 200
    rings: int = 126
    texture_size: int = 1024
    seed: int = 7


RELIC_DEFAULTS = RelicOptions()


def relic_for_triangles(triangles: int) -> RelicOptions:
    """Options whose mesh has about ``triangles`` triangles (benchmarks want heavy relics).

    The mesh has ``2 * segments * (rings - 1)`` triangles (the quads touching the axis are
    fans); segments run about 1.6 times rings, like the defaults.
    """
    rings = max(8, round(math.sqrt(triangles / 3.2)) + 1)
    segments = max(8, round(triangles / (2 * (rings - 1))))
    return RelicOptions(segments=segments, rings=rings)


# -- mesh --------------------------------------------------------------------------------


def _outline(
    iterations: int = 5, profile: F64 = PROFILE, inside_weight: float = INSIDE_WEIGHT
) -> tuple[F64, F64]:
    """The smooth outline (Chaikin corner cutting of ``profile``) and its mesh/texture parameter.

    Corner cutting stays inside the control polygon, so a flat foot stays at y = 0.  The
    parameter is arc length, with the inside (past the lip, the highest point) counted at
    ``inside_weight``: it is mostly hidden, so it gets fewer rings and texels than the outside.
    """
    points = profile
    for _ in range(iterations):
        p, q = points[:-1], points[1:]
        cut = np.stack([0.75 * p + 0.25 * q, 0.25 * p + 0.75 * q], axis=1).reshape(-1, 2)
        points = np.concatenate([points[:1], cut, points[-1:]])
    steps = np.hypot(*np.diff(points, axis=0).T)
    steps[int(np.argmax(points[:, 1])) :] *= inside_weight
    return points, np.concatenate([[0.0], np.cumsum(steps)])


def _profile_samples(
    rings: int, profile: F64 = PROFILE, inside_weight: float = INSIDE_WEIGHT
) -> tuple[F64, F64, F64]:
    """``rings + 1`` outline points evenly spaced in the parameter, their 2D normals and v.

    v runs from 1 at the base centre to 0 at the inner floor, so going up the outside is
    going up the texture image (its top row is v = 0).
    """
    dense, length = _outline(profile=profile, inside_weight=inside_weight)
    at = np.linspace(0.0, length[-1], rings + 1)
    points = np.stack([np.interp(at, length, dense[:, i]) for i in (0, 1)], axis=1)
    points[:, 0] = np.maximum(points[:, 0], 0.0)
    tangent = np.gradient(points, axis=0)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    return points, normal, 1.0 - at / length[-1]


def _band_v(
    heights: tuple[float, ...], profile: F64 = PROFILE, inside_weight: float = INSIDE_WEIGHT
) -> F64:
    """Texture v where the outside of the vessel reaches each height (for the decoration)."""
    dense, length = _outline(profile=profile, inside_weight=inside_weight)
    outside = int(np.argmax(dense[:, 1]))  # the outside climbs monotonically to the lip
    at = np.interp(heights, dense[: outside + 1, 1], length[: outside + 1])
    result: F64 = 1.0 - at / length[-1]
    return result


def _revolve(points: F64, normal2d: F64, v: F64, segments: int) -> Arrays:
    """Revolve outline ``points`` (r, y) about Y: one vertex per (point, segment), the seam
    column repeated.

    u grows clockwise seen from above, i.e. to the right seen from outside, so the textures
    are not mirrored.  TANGENT is dP/du, and its w makes cross(N, T) * w point towards
    decreasing v (the image's top): the frame glTF normal maps are authored in.
    """
    shape = (len(points), segments + 1)
    theta = np.linspace(0.0, 2.0 * math.pi, segments + 1)
    cos, sin = np.broadcast_to(np.cos(theta), shape), np.broadcast_to(np.sin(theta), shape)
    r, y = (np.broadcast_to(points[:, i : i + 1], shape) for i in (0, 1))
    nr, ny = (np.broadcast_to(normal2d[:, i : i + 1], shape) for i in (0, 1))
    positions = np.stack([r * cos, y, r * sin], axis=-1)
    normals = np.stack([nr * cos, ny, nr * sin], axis=-1)
    tangents = np.stack([sin, np.zeros(shape), -cos], axis=-1)
    along = np.gradient(positions, axis=0)  # along the outline, towards smaller v
    towards_top = np.einsum("ijk,ijk->ij", np.cross(normals, tangents), along) >= 0
    handed = np.where(towards_top, 1.0, -1.0)[..., None]
    u = np.broadcast_to(1.0 - theta / (2.0 * math.pi), shape)
    uvs = np.stack([u, np.broadcast_to(v[:, None], shape)], axis=-1)
    return {
        "POSITION": positions.reshape(-1, 3).astype(np.float32),
        "NORMAL": normals.reshape(-1, 3).astype(np.float32),
        "TANGENT": np.concatenate([tangents, handed], axis=-1).reshape(-1, 4).astype(np.float32),
        "TEXCOORD_0": uvs.reshape(-1, 2).astype(np.float32),
    }


def _lathe_vertices(options: RelicOptions) -> Arrays:
    """The vessel's outline revolved (see :func:`_revolve`)."""
    points, normal2d, v = _profile_samples(options.rings)
    return _revolve(points, normal2d, v, options.segments)


def _grid_indices(
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


def _lathe(options: RelicOptions) -> Arrays:
    """The relic's vertex attributes and triangles (counter-clockwise seen from outside)."""
    attributes = _lathe_vertices(options)
    attributes["indices"] = _grid_indices(
        attributes["POSITION"], options.rings + 1, options.segments + 1
    )
    return attributes


# -- textures ----------------------------------------------------------------------------


def _noise(rng: np.random.Generator, size: int, falloff: float, stretch: float = 1.0) -> F64:
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


def _relief(size: int) -> F64:
    """Height in [0, 1] of the cast decoration: raised rings and a zig-zag frieze.

    Rows are v (row 0 is v = 0), columns u; periodic in u like the surface.
    """
    v = (np.arange(size) + 0.5)[:, None] / size
    u = (np.arange(size) + 0.5)[None, :] / size
    width = max(0.0016, 1.5 / size)  # about 2 mm, but never under 1.5 texels (aliasing)
    rings = sum(np.exp(-(((v - c) / width) ** 2)) for c in _band_v(RING_HEIGHTS))
    bottom, top = _band_v(FRIEZE)
    tooth = np.abs((u * ZIGZAG_TEETH) % 1.0 - 0.5) * 2.0  # 0..1 triangle wave
    line = bottom + (top - bottom) * (0.2 + 0.6 * tooth)
    zigzag = np.exp(-(((v - line) / (1.4 * width)) ** 2))
    height: F64 = np.clip(rings + zigzag, 0.0, 1.0)
    return height


def _normal_map(height: F64, strength: float) -> F64:
    """Tangent-space normals, +X right and +Y up the image (glTF / OpenGL convention)."""
    right = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) / 2.0
    down = np.gradient(height, axis=0)
    normal = np.stack([-strength * right, strength * down, np.ones_like(height)], axis=-1)
    result: F64 = normal / np.linalg.norm(normal, axis=-1, keepdims=True)
    return result


def _encode(pixels: F64, fmt: str) -> tuple[bytes, str]:
    """An image in [0, 1] floats, encoded with fixed settings (byte-identical every run)."""
    out = io.BytesIO()
    image = Image.fromarray(np.clip(pixels * 255.0, 0, 255).round().astype(np.uint8), mode="RGB")
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=85, subsampling=0, optimize=True)
        return out.getvalue(), "image/jpeg"
    image.save(out, format="PNG", compress_level=9)
    return out.getvalue(), "image/png"


def _relic_textures(options: RelicOptions) -> tuple[tuple[bytes, str], ...]:
    """Base colour, normal and metallic-roughness images (encoded) with their MIME types.

    Cast bronze with verdigris gathering in patches and in the decoration's grooves; the
    bronze is metallic and fairly smooth, the patina a rough dielectric.
    """
    size = options.texture_size
    rng = np.random.default_rng(options.seed)
    relief = _relief(size)
    cover = _noise(rng, size, falloff=1.6, stretch=1.8) + 0.25 * relief
    threshold = float(np.quantile(cover, 0.72))
    patina = np.clip((cover - threshold) / 0.08, 0.0, 1.0)[..., None]
    grain = _noise(rng, size, falloff=1.2)[..., None]
    bronze = np.array([150.0, 110.0, 55.0]) / 255.0  # sRGB
    verdigris = np.array([84.0, 128.0, 98.0]) / 255.0
    base = (bronze * (1.0 - patina) + verdigris * patina) * (0.86 + 0.28 * grain)
    base *= 1.0 - 0.18 * relief[..., None]  # dark edges where the raised lines catch dirt
    roughness = 0.32 + 0.5 * patina + 0.12 * grain
    metallic = 1.0 - patina
    occlusion_unused = np.ones_like(patina)
    mr = np.concatenate([occlusion_unused, roughness, metallic], axis=-1)
    normals = _normal_map(relief, strength=2.5)  # (relief from noise would bloat the PNG)
    # JPEG keeps the noisy colour maps small; the normal map stays lossless (PNG).
    return _encode(base, "JPEG"), _encode(normals * 0.5 + 0.5, "PNG"), _encode(mr, "JPEG")


# -- GLB packing -------------------------------------------------------------------------

_COMPONENT = {
    np.dtype(np.float32): gl.FLOAT,
    np.dtype(np.uint16): gl.UNSIGNED_SHORT,
    np.dtype(np.uint32): gl.UNSIGNED_INT,
}
_TYPE = {1: gl.SCALAR, 2: gl.VEC2, 3: gl.VEC3, 4: gl.VEC4}


class _Packer:
    """Collects binary data into one buffer and describes it with views and accessors."""

    def __init__(self) -> None:
        self.doc = gl.GLTF2(asset=gl.Asset(version="2.0", generator=GENERATOR))
        self.blob = bytearray()

    def _view(self, data: bytes, target: int | None = None) -> int:
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        self.doc.bufferViews.append(
            gl.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=len(data), target=target)
        )
        self.blob.extend(data)
        return len(self.doc.bufferViews) - 1

    def accessor(self, array: npt.NDArray[np.generic], *, indices: bool = False) -> int:
        """Store ``array`` (N x k, or N for indices) and return its accessor index."""
        target = gl.ELEMENT_ARRAY_BUFFER if indices else gl.ARRAY_BUFFER
        view = self._view(array.tobytes(), target)
        width = 1 if array.ndim == 1 else array.shape[1]
        accessor = gl.Accessor(
            bufferView=view,
            componentType=_COMPONENT[array.dtype],
            count=len(array),
            type=_TYPE[width],
        )
        if not indices and width == 3:
            accessor.min = [float(x) for x in array.min(axis=0)]
            accessor.max = [float(x) for x in array.max(axis=0)]
        self.doc.accessors.append(accessor)
        return len(self.doc.accessors) - 1

    def texture(self, data: bytes, mime: str) -> int:
        """Store an encoded image and return a texture index using a mipmapped sampler."""
        if not self.doc.samplers:
            self.doc.samplers.append(
                gl.Sampler(
                    magFilter=gl.LINEAR,
                    minFilter=gl.LINEAR_MIPMAP_LINEAR,
                    wrapS=gl.REPEAT,
                    wrapT=gl.REPEAT,
                )
            )
        self.doc.images.append(gl.Image(bufferView=self._view(data), mimeType=mime))
        self.doc.textures.append(gl.Texture(sampler=0, source=len(self.doc.images) - 1))
        return len(self.doc.textures) - 1

    def mesh(self, name: str, attributes: dict[str, npt.NDArray[np.generic]], material: int) -> int:
        """A one-primitive mesh; indices are narrowed to 16 bits when they fit."""
        indices = attributes["indices"]
        count = len(attributes["POSITION"])
        narrow = indices.astype(np.uint16) if count < 65536 else indices.astype(np.uint32)
        refs = {k: self.accessor(v) for k, v in attributes.items() if k != "indices"}
        primitive = gl.Primitive(
            attributes=gl.Attributes(**refs),
            indices=self.accessor(narrow, indices=True),
            material=material,
        )
        self.doc.meshes.append(gl.Mesh(name=name, primitives=[primitive]))
        return len(self.doc.meshes) - 1

    def material(
        self,
        name: str,
        colour: tuple[float, float, float],
        metallic: float,
        roughness: float,
        textures: tuple[int, int | None, int] | None = None,
        emissive: tuple[float, float, float] | None = None,
    ) -> int:
        """A metallic-roughness material, optionally with base, normal and MR textures.

        A material without a normal texture is for meshes without TANGENT (the lean shader
        then shades with the vertex normal alone).
        """
        pbr = gl.PbrMetallicRoughness(
            baseColorFactor=[*colour, 1.0], metallicFactor=metallic, roughnessFactor=roughness
        )
        material = gl.Material(name=name, pbrMetallicRoughness=pbr)
        if textures is not None:
            pbr.baseColorTexture = gl.TextureInfo(index=textures[0])
            if textures[1] is not None:
                material.normalTexture = gl.NormalMaterialTexture(index=textures[1])
            pbr.metallicRoughnessTexture = gl.TextureInfo(index=textures[2])
        if emissive is not None:
            material.emissiveFactor = list(emissive)
        self.doc.materials.append(material)
        return len(self.doc.materials) - 1

    def node(self, **fields: object) -> int:
        self.doc.nodes.append(gl.Node(**fields))
        return len(self.doc.nodes) - 1

    def glb(self, roots: list[int]) -> bytes:
        """The finished binary glTF."""
        self.doc.scenes = [gl.Scene(nodes=roots)]
        self.doc.scene = 0
        self.blob.extend(b"\x00" * (-len(self.blob) % 4))
        self.doc.buffers = [gl.Buffer(byteLength=len(self.blob))]
        self.doc.set_binary_blob(bytes(self.blob))
        return b"".join(self.doc.save_to_bytes())


def build_relic(options: RelicOptions = RELIC_DEFAULTS) -> bytes:
    """The bronze vessel as GLB bytes."""
    packer = _Packer()
    base, normal, mr = (packer.texture(data, mime) for data, mime in _relic_textures(options))
    material = packer.material("patinated bronze", (1.0, 1.0, 1.0), 1.0, 1.0, (base, normal, mr))
    mesh = packer.mesh("vessel", _lathe(options), material)
    return packer.glb([packer.node(name="relic", mesh=mesh)])


# -- venue -------------------------------------------------------------------------------


def _box(
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


def _merge(*parts: Arrays) -> Arrays:
    """One mesh from several with the same attributes (indices shifted)."""
    offsets = np.cumsum([0] + [len(p["POSITION"]) for p in parts[:-1]])
    merged: Arrays = {
        key: np.concatenate([p[key] for p in parts]) for key in parts[0] if key != "indices"
    }
    merged["indices"] = np.concatenate(
        [p["indices"].astype(np.uint32) + offset for p, offset in zip(parts, offsets, strict=True)]
    ).astype(np.uint32)
    return merged


def _look_along(direction: tuple[float, float, float]) -> list[float]:
    """Quaternion (x, y, z, w) turning -Z (where glTF lights shine) to ``direction``."""
    d = np.array(direction, np.float64)
    d /= np.linalg.norm(d)
    source = np.array([0.0, 0.0, -1.0])
    axis = np.cross(source, d)
    w = 1.0 + float(np.dot(source, d))
    q = np.array([*axis, w])
    q /= np.linalg.norm(q)
    return [float(round(c, 6)) for c in q]


ROOM = (8.0, 3.5, 8.0)
PEDESTAL = (0.5, 1.0, 0.5)


def _lights(packer: _Packer) -> list[int]:
    """KHR_lights_punctual: a warm key light from above and a point fill; their nodes."""
    packer.doc.extensionsUsed = ["KHR_lights_punctual"]
    packer.doc.extensions = {
        "KHR_lights_punctual": {
            "lights": [
                {"name": "key", "type": "directional", "color": [1.0, 0.96, 0.9], "intensity": 3.0},
                {
                    "name": "fill",
                    "type": "point",
                    "color": [1.0, 0.9, 0.8],
                    "intensity": 20.0,
                    "range": 10.0,
                },
            ]
        }
    }
    return [
        packer.node(
            name="key_light",
            rotation=_look_along((-0.45, -0.75, -0.5)),
            extensions={"KHR_lights_punctual": {"light": 0}},
        ),
        packer.node(
            name="fill_light",
            translation=[-1.5, 3.2, 1.5],
            extensions={"KHR_lights_punctual": {"light": 1}},
        ),
    ]


def build_venue() -> bytes:
    """The gallery room with pedestal, lights and the ``exhibit_anchor`` node, as GLB."""
    packer = _Packer()
    # Linear factors: warm light grey walls ~ sRGB (200, 196, 188), far from the bronze.
    walls = packer.material("plaster walls", (0.58, 0.55, 0.50), 0.0, 0.9)
    floor = packer.material("oak floor", (0.16, 0.10, 0.06), 0.0, 0.6)
    plinth = packer.material("pedestal", (0.75, 0.74, 0.72), 0.0, 0.7)
    height = ROOM[1]
    room = _box(ROOM, (0.0, height / 2, 0.0), inward=True)
    # Faces come in the order -X, +X, -Y, +Y, -Z, +Z: split the floor (-Y) from the rest.
    floor_ids = np.arange(8, 12)
    keep = ~np.isin(room["indices"], floor_ids).reshape(-1, 3).all(axis=1)
    tris = room["indices"].reshape(-1, 3)
    room_mesh = packer.mesh("room", {**room, "indices": tris[keep].reshape(-1)}, walls)
    floor_mesh = packer.mesh("floor", {**room, "indices": tris[~keep].reshape(-1)}, floor)
    pedestal = packer.mesh("pedestal", _box(PEDESTAL, (0.0, PEDESTAL[1] / 2, 0.0)), plinth)
    return packer.glb(
        [
            packer.node(name="room", mesh=room_mesh),
            packer.node(name="floor", mesh=floor_mesh),
            packer.node(name="pedestal", mesh=pedestal),
            packer.node(name="exhibit_anchor", translation=[0.0, PEDESTAL[1], 0.0]),
            *_lights(packer),
        ]
    )


# -- pedestal and hall (the example exhibition) -----------------------------------------

PLINTH = (0.6, 1.0, 0.6)
PLINTH_KICK = 0.05  # the recessed foot of the pedestal
HALL = ((-9.0, 9.0), (-6.0, 6.0), 4.5)  # interior x range, z range, ceiling height
WALL = 0.2
PARTITION = ((-2.5, 2.5), (-4.15, -3.85), 3.0)
KEY_DIRECTION = (-0.45, -0.75, -0.5)  # where the key light shines, from behind the entrance
FLOOR_TILE, FLOOR_REPEAT = 0.6, 2.4  # stone tiles; the floor image spans 4 x 4 of them


def build_pedestal() -> bytes:
    """A painted plinth 0.6 x 1.0 x 0.6 m on a dark recessed foot, with ``exhibit_anchor``
    on its top face, as GLB."""
    packer = _Packer()
    paint = packer.material("plinth paint", (0.2, 0.19, 0.175), 0.0, 0.78)
    foot = packer.material("plinth foot", (0.03, 0.03, 0.03), 0.0, 0.6)
    width, height, depth = PLINTH
    body = _box((width, height - PLINTH_KICK, depth), (0.0, (height + PLINTH_KICK) / 2, 0.0))
    kick = _box((width - 0.04, PLINTH_KICK, depth - 0.04), (0.0, PLINTH_KICK / 2, 0.0))
    return packer.glb(
        [
            packer.node(name="pedestal", mesh=packer.mesh("pedestal", body, paint)),
            packer.node(name="pedestal_foot", mesh=packer.mesh("pedestal_foot", kick, foot)),
            packer.node(name="exhibit_anchor", translation=[0.0, height, 0.0]),
        ]
    )


def _metric_uvs(part: Arrays, scale: float) -> Arrays:
    """Planar UVs in units of ``scale`` metres on each face (image up is +Y on walls)."""
    positions = np.asarray(part["POSITION"], np.float64)
    normals = np.asarray(part["NORMAL"], np.float64)
    axis = np.abs(normals).argmax(axis=1)
    u = np.where(axis == 0, positions[:, 2], positions[:, 0])
    v = np.where(axis == 1, positions[:, 2], -positions[:, 1])
    return {**part, "TEXCOORD_0": (np.stack([u, v], axis=1) / scale).astype(np.float32)}


def _floor_textures() -> tuple[F64, F64, F64]:
    """Honed limestone tiles (each its own shade, faintly veined) in grey grout: base colour,
    normal map (the grout joints are sunk) and roughness, for a 2.4 m square of floor."""
    size = 512
    rng = np.random.default_rng(71)
    tiles = round(FLOOR_REPEAT / FLOOR_TILE)
    cell = size // tiles
    shade = rng.uniform(-1.0, 1.0, (tiles, tiles))
    index = np.arange(size) // cell
    per_tile = shade[index[:, None], index[None, :]]
    vein = _noise(rng, size, falloff=1.3, stretch=0.6)
    position = np.arange(size) % cell
    joint_1d = np.minimum(position, cell - 1 - position) < 1.5
    joint = (joint_1d[:, None] | joint_1d[None, :]).astype(np.float64)
    stone = np.array([0.64, 0.6, 0.54]) * (1.0 + 0.05 * per_tile[..., None])
    stone = stone * (0.93 + 0.1 * vein[..., None])
    base = stone * (1.0 - joint[..., None]) + np.array([0.46, 0.44, 0.41]) * joint[..., None]
    normal = _normal_map(-joint, strength=1.5)
    roughness = 0.42 + 0.08 * vein + 0.45 * joint
    return base, normal, roughness


def _plaster_texture() -> tuple[F64, F64]:
    """Faintly mottled plaster (near white, tinted by each material's factor) and roughness."""
    size = 256
    rng = np.random.default_rng(73)
    mottle = _noise(rng, size, falloff=1.6)
    fine = _noise(rng, size, falloff=0.8)
    base = np.repeat((0.9 + 0.06 * mottle + 0.03 * fine)[..., None], 3, axis=2)
    return base, 0.85 + 0.1 * fine


def build_hall() -> bytes:
    """One exhibition hall: a stone floor, plaster walls 0.2 m thick outside the interior,
    a ceiling with glowing light panels, a free-standing partition, and one directional key
    light (KHR_lights_punctual), as GLB."""
    packer = _Packer()
    (x0, x1), (z0, z1), ceiling = HALL
    floor_base, floor_normal, floor_rough = _floor_textures()
    mr = np.stack([np.ones_like(floor_rough), floor_rough, np.zeros_like(floor_rough)], axis=-1)
    floor_textures = (
        packer.texture(*_encode(floor_base, "JPEG")),
        packer.texture(*_encode(floor_normal * 0.5 + 0.5, "PNG")),
        packer.texture(*_encode(mr, "JPEG")),
    )
    plaster, plaster_rough = _plaster_texture()
    plaster_mr = np.stack(
        [np.ones_like(plaster_rough), plaster_rough, np.zeros_like(plaster_rough)], axis=-1
    )
    plaster_textures = (
        packer.texture(*_encode(plaster, "JPEG")),
        None,
        packer.texture(*_encode(plaster_mr, "JPEG")),
    )
    floor_material = packer.material("limestone floor", (1.0, 1.0, 1.0), 1.0, 1.0, floor_textures)
    walls = packer.material("plaster walls", (0.6, 0.57, 0.52), 1.0, 1.0, plaster_textures)
    partition_paint = packer.material(
        "partition, red", (0.3, 0.06, 0.04), 1.0, 1.0, plaster_textures
    )
    ceiling_paint = packer.material("ceiling", (0.5, 0.5, 0.52), 0.0, 0.9)
    panels_glow = packer.material(
        "light panels", (1.0, 1.0, 1.0), 0.0, 0.9, emissive=(0.95, 0.92, 0.86)
    )

    corners = np.array(
        [
            (x0 - WALL, z0 - WALL),
            (x1 + WALL, z0 - WALL),
            (x1 + WALL, z1 + WALL),
            (x0 - WALL, z1 + WALL),
        ]
    )
    floor: Arrays = {
        "POSITION": np.array([(x, 0.0, z) for x, z in corners], np.float32),
        "NORMAL": np.tile(np.array([0.0, 1.0, 0.0], np.float32), (4, 1)),
        "TANGENT": np.tile(np.array([1.0, 0.0, 0.0, 1.0], np.float32), (4, 1)),
        "TEXCOORD_0": (corners / FLOOR_REPEAT).astype(np.float32),
        "indices": np.array([0, 2, 1, 0, 3, 2], np.uint32),
    }
    width, depth = x1 - x0 + 2 * WALL, z1 - z0 + 2 * WALL
    centre_x, centre_z = (x0 + x1) / 2, (z0 + z1) / 2
    boxes = {
        "wall_north": ((x1 - x0, ceiling, WALL), (centre_x, ceiling / 2, z0 - WALL / 2)),
        "wall_south": ((x1 - x0, ceiling, WALL), (centre_x, ceiling / 2, z1 + WALL / 2)),
        "wall_west": ((WALL, ceiling, depth), (x0 - WALL / 2, ceiling / 2, centre_z)),
        "wall_east": ((WALL, ceiling, depth), (x1 + WALL / 2, ceiling / 2, centre_z)),
    }
    roots = [packer.node(name="floor", mesh=packer.mesh("floor", floor, floor_material))]
    for name, (size, centre) in boxes.items():
        mesh = packer.mesh(name, _metric_uvs(_box(size, centre), 2.0), walls)
        roots.append(packer.node(name=name, mesh=mesh))
    slab = _box((width, WALL, depth), (centre_x, ceiling + WALL / 2, centre_z))
    roots.append(packer.node(name="ceiling", mesh=packer.mesh("ceiling", slab, ceiling_paint)))
    panels = []
    for px in (-6.0, -2.0, 2.0, 6.0):
        for pz in (-3.0, 1.0, 4.5):
            panels.append(_box((1.6, 0.01, 1.0), (px, ceiling - 0.005, pz)))
    panel_mesh = _merge(*panels)
    roots.append(
        packer.node(name="light_panels", mesh=packer.mesh("light_panels", panel_mesh, panels_glow))
    )
    (px0, px1), (pz0, pz1), height = PARTITION
    partition = _box((px1 - px0, height, pz1 - pz0), ((px0 + px1) / 2, height / 2, (pz0 + pz1) / 2))
    mesh = packer.mesh("partition", _metric_uvs(partition, 2.0), partition_paint)
    roots.append(packer.node(name="partition", mesh=mesh))
    packer.doc.extensionsUsed = ["KHR_lights_punctual"]
    packer.doc.extensions = {
        "KHR_lights_punctual": {
            "lights": [
                {"name": "key", "type": "directional", "color": [1.0, 0.96, 0.9], "intensity": 3.0}
            ]
        }
    }
    roots.append(
        packer.node(
            name="key_light",
            rotation=_look_along(KEY_DIRECTION),
            extensions={"KHR_lights_punctual": {"light": 0}},
        )
    )
    return packer.glb(roots)


# -- files -------------------------------------------------------------------------------


def sample_builders() -> dict[str, Callable[[], bytes]]:
    """Every sample file's name and the function that builds it, in writing order."""
    from museion.tools.sample_relics import RELICS  # (it builds on this module)

    return {
        "relic.glb": build_relic,
        "venue.glb": build_venue,
        "pedestal.glb": build_pedestal,
        "hall.glb": build_hall,
        **RELICS,
    }


def write_samples(out_dir: Path) -> list[Path]:
    """Write every sample file into ``out_dir`` (atomically); return the paths."""
    written = []
    for name, build in sample_builders().items():
        data = build()
        path = out_dir / name
        atomic_write(path, data)
        logger.info("wrote %s (%d bytes)", path, len(data))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m museion.tools.sample_assets [OUT_DIR]``; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m museion.tools.sample_assets",
        description="Regenerate the sample relics, venues, pedestal and hall.",
    )
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_samples(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
