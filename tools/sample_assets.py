"""The sample relic and venue, generated from code so they are small, free and reproducible.

``relic.glb`` is a bronze vessel (a surface of revolution with base-colour, normal and
metallic-roughness textures); ``venue.glb`` is a small gallery room with a pedestal, lights
(KHR_lights_punctual) and a node ``exhibit_anchor`` where the relic stands.  Fixed seeds and
fixed encoder settings make every run byte-identical.
"""

from __future__ import annotations

import io
import logging
import math
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pygltflib as gl
from PIL import Image

__all__ = [
    "RELIC_DEFAULTS",
    "RelicOptions",
    "build_relic",
    "build_venue",
    "main",
    "relic_for_triangles",
    "write_samples",
]

logger = logging.getLogger(__name__)
F32 = npt.NDArray[np.float32]
GENERATOR = "museion sample_assets"

# The vessel's outline: (radius, height) in metres, from the base centre up the outside,
# over the lip and down the inside.
PROFILE = np.array(
    [
        (0.000, 0.000),
        (0.070, 0.000),
        (0.085, 0.010),
        (0.090, 0.030),
        (0.120, 0.080),
        (0.170, 0.160),
        (0.185, 0.220),
        (0.175, 0.280),
        (0.130, 0.340),
        (0.095, 0.380),
        (0.090, 0.410),
        (0.110, 0.440),
        (0.125, 0.450),
        (0.118, 0.455),
        (0.100, 0.445),
        (0.082, 0.415),
        (0.080, 0.380),
        (0.070, 0.340),
    ],
    dtype=np.float64,
)


@dataclass(frozen=True)
class RelicOptions:
    """Mesh and texture resolution of the relic."""

    segments: int = 160
    rings: int = 144
    texture_size: int = 512
    seed: int = 7


RELIC_DEFAULTS = RelicOptions()


def relic_for_triangles(triangles: int) -> RelicOptions:
    """Options whose mesh has about ``triangles`` triangles (for benchmarks)."""
    rings = max(8, round(math.sqrt(triangles / 2 / 1.25)))
    segments = max(8, round(triangles / 2 / rings))
    return RelicOptions(segments=segments, rings=rings)


# -- mesh --------------------------------------------------------------------------------


def _profile_samples(rings: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Points along the outline, evenly spaced by arc length, and their 2D normals."""
    steps = np.diff(PROFILE, axis=0)
    lengths = np.concatenate([[0.0], np.cumsum(np.hypot(steps[:, 0], steps[:, 1]))])
    at = np.linspace(0.0, lengths[-1], rings + 1)
    points = np.stack([np.interp(at, lengths, PROFILE[:, i]) for i in (0, 1)], axis=1)
    tangent = np.gradient(points, axis=0)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    return points, normal


def _lathe(options: RelicOptions) -> dict[str, npt.NDArray[np.float32] | npt.NDArray[np.uint32]]:
    """Revolve the outline: positions, normals, tangents, UVs and triangle indices."""
    points, normal2d = _profile_samples(options.rings)
    theta = np.linspace(0.0, 2.0 * math.pi, options.segments + 1)
    cos, sin = np.cos(theta)[None, :], np.sin(theta)[None, :]
    r, y = points[:, 0:1], points[:, 1:2]
    ones = np.ones_like(r * cos)
    positions = np.stack([r * cos, y * ones, r * sin], axis=-1)
    nr, ny = normal2d[:, 0:1], normal2d[:, 1:2]
    normals = np.stack([nr * cos, ny * ones, nr * sin], axis=-1)
    tangents = np.stack([-sin * ones, 0.0 * ones, cos * ones], axis=-1)
    u = theta / (2.0 * math.pi)
    v = np.linspace(1.0, 0.0, options.rings + 1)
    uvs = np.stack(np.meshgrid(u * 3.0, v, indexing="xy"), axis=-1)
    # Handedness: the bitangent must follow +v in texture space, which runs down the outline.
    dpdv = -np.gradient(positions, axis=0)
    handed = np.sign(np.einsum("ijk,ijk->ij", np.cross(normals, tangents), dpdv))
    handed[handed == 0] = 1.0
    tangents4 = np.concatenate([tangents, handed[..., None]], axis=-1)
    cols = options.segments + 1
    grid = np.arange((options.rings + 1) * cols).reshape(options.rings + 1, cols)
    a, b = grid[:-1, :-1], grid[:-1, 1:]
    c, d = grid[1:, :-1], grid[1:, 1:]
    indices = np.stack([a, c, b, b, c, d], axis=-1).reshape(-1)
    return {
        "POSITION": positions.reshape(-1, 3).astype(np.float32),
        "NORMAL": normals.reshape(-1, 3).astype(np.float32),
        "TANGENT": tangents4.reshape(-1, 4).astype(np.float32),
        "TEXCOORD_0": uvs.reshape(-1, 2).astype(np.float32),
        "indices": indices.astype(np.uint32),
    }


# -- textures ----------------------------------------------------------------------------


def _noise(rng: np.random.Generator, size: int, octaves: int = 4) -> F32:
    """Smooth value noise in [0, 1] (octaves of bicubically enlarged random grids)."""
    total = np.zeros((size, size), np.float32)
    weight = 0.0
    for octave in range(octaves):
        cells = 4 * 2**octave
        grid = rng.random((cells, cells)).astype(np.float32)
        layer = Image.fromarray(grid, mode="F").resize((size, size), Image.Resampling.BICUBIC)
        amplitude = 0.5**octave
        total += amplitude * np.asarray(layer, np.float32)
        weight += amplitude
    result: F32 = np.clip(total / weight, 0.0, 1.0)
    return result


def _bands(size: int) -> F32:
    """Height of the cast decoration: raised rings with a zig-zag band between them."""
    v = (np.arange(size, dtype=np.float32) + 0.5) / size
    u = (np.arange(size, dtype=np.float32) + 0.5) / size
    vv, uu = np.meshgrid(v, u, indexing="ij")
    rings = sum(np.exp(-(((vv - c) / 0.006) ** 2)) for c in (0.30, 0.34, 0.52, 0.56))
    zig = np.abs(((uu * 16.0) % 1.0) - 0.5) * 0.06 + 0.40
    zigzag = np.exp(-(((vv - zig) / 0.008) ** 2)) * ((vv > 0.34) & (vv < 0.52))
    height: F32 = np.clip(rings + zigzag, 0.0, 1.0).astype(np.float32)
    return height


def _encode(pixels: npt.NDArray[np.uint8], fmt: str) -> bytes:
    out = io.BytesIO()
    image = Image.fromarray(pixels, mode="RGB")
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=88, subsampling=0, optimize=False)
    else:
        image.save(out, format="PNG", compress_level=9, optimize=False)
    return out.getvalue()


def _relic_textures(options: RelicOptions) -> list[tuple[bytes, str]]:
    """Base colour, normal and metallic-roughness images, encoded, with their MIME types."""
    size = options.texture_size
    rng = np.random.default_rng(options.seed)
    patina = np.clip((_noise(rng, size) - 0.52) / 0.12, 0.0, 1.0)
    grain = _noise(rng, size, octaves=3)
    height = _bands(size)
    bronze = np.array([150, 110, 55], np.float32)
    green = np.array([78, 128, 100], np.float32)
    base = bronze * (1 - patina[..., None]) + green * patina[..., None]
    base *= (0.85 + 0.3 * grain[..., None]) * (1.0 - 0.25 * height[..., None])
    grad_rows, grad_cols = np.gradient(height * 6.0)
    normal = np.stack([-grad_cols, grad_rows, np.ones_like(height)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    roughness = 0.35 + 0.45 * patina + 0.1 * grain
    metallic = 0.9 * (1.0 - patina) + 0.1
    mr = np.stack([np.ones_like(height), roughness, metallic], axis=-1)
    as_bytes = [
        np.clip(a, 0, 255).round().astype(np.uint8)
        for a in (base, (normal * 0.5 + 0.5) * 255, mr * 255)
    ]
    return [
        (_encode(as_bytes[0], "JPEG"), "image/jpeg"),
        (_encode(as_bytes[1], "PNG"), "image/png"),
        (_encode(as_bytes[2], "JPEG"), "image/jpeg"),
    ]


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
        textures: tuple[int, int, int] | None = None,
    ) -> int:
        """A metallic-roughness material, optionally with base, normal and MR textures."""
        pbr = gl.PbrMetallicRoughness(
            baseColorFactor=[*colour, 1.0], metallicFactor=metallic, roughnessFactor=roughness
        )
        material = gl.Material(name=name, pbrMetallicRoughness=pbr)
        if textures is not None:
            pbr.baseColorTexture = gl.TextureInfo(index=textures[0])
            material.normalTexture = gl.NormalMaterialTexture(index=textures[1])
            pbr.metallicRoughnessTexture = gl.TextureInfo(index=textures[2])
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
    textures = tuple(packer.texture(data, mime) for data, mime in _relic_textures(options))
    assert len(textures) == 3
    material = packer.material(
        "patinated bronze", (1.0, 1.0, 1.0), 1.0, 1.0, (textures[0], textures[1], textures[2])
    )
    mesh = packer.mesh("vessel", dict(_lathe(options)), material)
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


def build_venue() -> bytes:
    """The gallery room with pedestal, lights and the ``exhibit_anchor`` node, as GLB."""
    packer = _Packer()
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
    nodes = [
        packer.node(name="room", mesh=room_mesh),
        packer.node(name="floor", mesh=floor_mesh),
        packer.node(name="pedestal", mesh=pedestal),
        packer.node(name="exhibit_anchor", translation=[0.0, PEDESTAL[1], 0.0]),
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
    return packer.glb(nodes)


# -- files -------------------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_samples(out_dir: Path) -> list[Path]:
    """Write ``relic.glb`` and ``venue.glb`` into ``out_dir`` (atomically)."""
    written = []
    for name, data in (("relic.glb", build_relic()), ("venue.glb", build_venue())):
        path = out_dir / name
        _write_atomic(path, data)
        logger.info("wrote %s (%d bytes)", path, len(data))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m museion.tools.sample_assets [OUT_DIR]``."""
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_samples(Path(args[0]) if args else Path("assets"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
