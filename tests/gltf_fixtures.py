"""The minimal triangle glTF the tests write, in one place: its document, its binary data,
and the ``.gltf`` + ``.bin`` pair or the PNG texture made for it.

A quad (:func:`quad`: a floor, or a card with tangents or a second UV set) is built the
same way, its vertex attributes and indices laid out once for every test that draws one.

Tests build on them and show what they change (a wider corner, a hostile value, an extra
texture transform); a GLB is written by the one writer, :func:`museion.scenes.gltf.glb.write_glb`.
Byte-level builders for GLBs that no writer may produce stay with the tests that need them.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from museion.scenes.gltf.glb import write_glb

__all__ = [
    "SQUARE_UVS",
    "UNIT_SQUARE",
    "halves_png",
    "position_accessor",
    "quad",
    "solid_png",
    "textured_floor",
    "triangle",
    "turning_triangle",
    "write_gltf",
]

_TEXCOORDS = struct.pack("<6f", 0, 0, 1, 0, 0, 1)


def position_accessor(*, count: int = 3, view: int = 0, width: float = 1) -> dict[str, Any]:
    """A float VEC3 POSITION accessor of ``count`` corners in the z = 0 plane between the
    origin and (``width``, 1), with those bounds: the triangle's, or a unit quad's."""
    return {
        "bufferView": view,
        "componentType": 5126,
        "count": count,
        "type": "VEC3",
        "min": [0, 0, 0],
        "max": [width, 1, 0],
    }


def triangle(
    *,
    texcoords: bool = False,
    image_uri: str | None = None,
    image_png: bytes | None = None,
    name: str | None = None,
    width: float = 1,
) -> tuple[dict[str, Any], bytes]:
    """A gate-valid triangle on one node of one scene, and its buffer's bytes.

    The document is fresh on every call, so a test may change it.  ``width`` is the x of
    the second corner (and of the bounds).  A texture (``image_uri`` names a file beside
    the document, ``image_png`` is embedded after the geometry) is the base colour of the
    one material and reads TEXCOORD_0, so it brings texcoords with it.  The one buffer has
    no URI: :func:`write_gltf` gives it one, ``write_glb`` makes it the BIN chunk.
    """
    if image_uri is not None and image_png is not None:
        raise ValueError("a triangle has one texture: give image_uri or image_png")
    textured = image_uri is not None or image_png is not None
    positions = struct.pack("<9f", 0, 0, 0, width, 0, 0, 0, 1, 0)
    primitive: dict[str, Any] = {"attributes": {"POSITION": 0}}
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0} if name is None else {"mesh": 0, "name": name}],
        "meshes": [{"primitives": [primitive]}],
        "accessors": [position_accessor(width=width)],
        "bufferViews": [{"buffer": 0, "byteLength": len(positions)}],
    }
    binary = positions
    if texcoords or textured:
        primitive["attributes"]["TEXCOORD_0"] = 1
        document["accessors"].append(
            {"bufferView": 1, "componentType": 5126, "count": 3, "type": "VEC2"}
        )
        view = {"buffer": 0, "byteOffset": len(binary), "byteLength": len(_TEXCOORDS)}
        document["bufferViews"].append(view)
        binary += _TEXCOORDS
    if textured:
        primitive["material"] = 0
        document["materials"] = [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]
        document["textures"] = [{"source": 0}]
        if image_png is None:
            document["images"] = [{"uri": image_uri}]
        else:
            view = {"buffer": 0, "byteOffset": len(binary), "byteLength": len(image_png)}
            document["bufferViews"].append(view)
            document["images"] = [
                {"bufferView": len(document["bufferViews"]) - 1, "mimeType": "image/png"}
            ]
            binary += image_png
    binary += bytes(-len(binary) % 4)
    document["buffers"] = [{"byteLength": len(binary)}]
    return document, binary


def write_gltf(folder: Path, name: str, document: dict[str, Any], blob: bytes) -> Path:
    """``document`` as ``folder/name``, its one buffer ``blob`` in a ``.bin`` of the same
    stem beside it (replacing whatever buffers the document had)."""
    path = folder / name
    binary = path.with_suffix(".bin")
    binary.write_bytes(blob)
    document = {**document, "buffers": [{"uri": binary.name, "byteLength": len(blob)}]}
    path.write_text(json.dumps(document))
    return path


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour RGB PNG, compressed row by row (a huge one costs kilobytes)."""
    row = b"\x00" + bytes(rgb) * width
    packer = zlib.compressobj(6)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def halves_png(left: tuple[int, int, int], right: tuple[int, int, int]) -> bytes:
    """An 8x1 RGB PNG: ``left`` on its left half, ``right`` on its right."""
    import io

    from PIL import Image

    picture = Image.new("RGB", (8, 1))
    for x in range(8):
        picture.putpixel((x, 0), left if x < 4 else right)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


#: The corners of :func:`quad`'s default: a unit square in the z = 0 plane, counter-clockwise
#: seen from +Z.
UNIT_SQUARE = ((0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0))
#: Texcoords spanning the whole texture, one per corner (u along the first edge).
SQUARE_UVS = ((0, 0), (1, 0), (1, 1), (0, 1))


def quad(
    material: dict[str, Any],
    images: Sequence[bytes] = (),
    *,
    corners: ArrayLike = UNIT_SQUARE,
    normal: tuple[float, float, float] | None = (0, 0, 1),
    attributes: Mapping[str, ArrayLike] | None = None,
) -> tuple[dict[str, Any], bytes]:
    """A quad of four ``corners`` on one node of one scene with ``material`` and one texture
    per PNG of ``images`` (texture ``i`` shows image ``i``): its document and its binary
    data, for :func:`museion.scenes.gltf.glb.write_glb` or :func:`write_gltf`.

    Its two triangles face ``normal``, also its NORMAL at every corner; with ``None`` it has
    no NORMAL and faces the side its corners run counter-clockwise on.  ``attributes``
    adds float vertex attributes by name (``TEXCOORD_0``, ``TEXCOORD_1``, ``TANGENT``...):
    one row per corner, or one row every corner shares; the row's length is the type
    (VEC2, VEC3, VEC4).  The quad has no texcoords unless given (:data:`SQUARE_UVS`).
    """
    points = np.asarray(corners, np.float32).reshape(4, 3)
    columns: dict[str, np.ndarray[Any, np.dtype[np.float32]]] = {"POSITION": points}
    order = [0, 1, 2, 0, 2, 3]
    if normal is not None:
        columns["NORMAL"] = np.broadcast_to(np.asarray(normal, np.float32), (4, 3))
        if np.dot(np.cross(points[1] - points[0], points[2] - points[0]), normal) < 0:
            order = [0, 2, 1, 0, 3, 2]
    for name, values in (attributes or {}).items():
        rows = np.asarray(values, np.float32)
        columns[name] = np.broadcast_to(rows, (4, rows.shape[-1]))
    indices = struct.pack("<6H", *order)
    parts = [column.tobytes() for column in columns.values()]
    parts += [indices + bytes(-len(indices) % 4), *images]
    views, offset = [], 0
    for part in parts:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(part)})
        offset += len(part)
    views[len(columns)]["byteLength"] = len(indices)
    accessors: list[dict[str, Any]] = [
        {"bufferView": view, "componentType": 5126, "count": 4, "type": f"VEC{column.shape[1]}"}
        for view, column in enumerate(columns.values())
    ]
    accessors[0] |= {"min": points.min(axis=0).tolist(), "max": points.max(axis=0).tolist()}
    accessors.append(
        {"bufferView": len(columns), "componentType": 5123, "count": 6, "type": "SCALAR"}
    )
    binary = b"".join(parts)
    binary += bytes(-len(binary) % 4)
    primitive = {"attributes": {name: i for i, name in enumerate(columns)}, "indices": len(columns)}
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{**primitive, "material": 0}]}],
        "materials": [material],
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    if images:
        first = len(columns) + 1
        document["textures"] = [{"source": i} for i in range(len(images))]
        document["images"] = [
            {"bufferView": first + i, "mimeType": "image/png"} for i in range(len(images))
        ]
    return document, binary


def textured_floor(
    material: dict[str, Any], images: Sequence[bytes], half: float = 2.0
) -> tuple[dict[str, Any], bytes]:
    """A floor ``2 * half`` metres square facing up (u along +x) with ``material`` and one
    texture per PNG of ``images`` (texture ``i`` shows image ``i``): its document and its
    binary chunk, for :func:`museion.scenes.gltf.glb.write_glb`."""
    h = half
    corners = ((-h, 0, -h), (h, 0, -h), (h, 0, h), (-h, 0, h))
    attributes = {"TEXCOORD_0": SQUARE_UVS}
    return quad(material, images, corners=corners, normal=(0, 1, 0), attributes=attributes)


def turning_triangle(
    folder: Path,
    times: Sequence[float] = (0.0, 1.0),
    angles: Sequence[float] = (0.0, 3.0),
    camera: bool = False,
) -> str:
    """A triangle on a node turning about Y at ``times`` by ``angles`` (radians, LINEAR),
    its one animation named "Turn", written as ``folder/turn.glb``; with ``camera``, also a
    perspective camera node "Front" 3 m in front of it; returns its name."""
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    keys = np.array(times, np.float32)
    half = np.array(angles, np.float64) / 2
    rotations = np.stack(
        [np.zeros_like(half), np.sin(half), np.zeros_like(half), np.cos(half)], axis=1
    ).astype(np.float32)
    blocks = [positions.tobytes(), keys.tobytes(), rotations.tobytes()]
    views, offset = [], 0
    for block in blocks:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(block)})
        offset += len(block)
    finite = np.isfinite(keys)
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": offset}],
        "bufferViews": views,
        "accessors": [
            position_accessor(),
            {
                "bufferView": 1,
                "componentType": 5126,
                "count": len(keys),
                "type": "SCALAR",
                "min": [float(keys[finite].min())],
                "max": [float(keys[finite].max())],
            },
            {"bufferView": 2, "componentType": 5126, "count": len(keys), "type": "VEC4"},
        ],
        "animations": [
            {
                "name": "Turn",
                "samplers": [{"input": 1, "output": 2, "interpolation": "LINEAR"}],
                "channels": [{"sampler": 0, "target": {"node": 0, "path": "rotation"}}],
            }
        ],
    }
    if camera:
        document["nodes"].append({"name": "Front", "camera": 0, "translation": [0, 0.5, 3]})
        document["scenes"][0]["nodes"].append(1)
        document["cameras"] = [{"type": "perspective", "perspective": {"yfov": 0.8, "znear": 0.05}}]
    (folder / "turn.glb").write_bytes(write_glb(document, b"".join(blocks)))
    return "turn.glb"
