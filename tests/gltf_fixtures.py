"""The minimal triangle glTF the tests write, in one place: its document, its binary data,
and the ``.gltf`` + ``.bin`` pair or the PNG texture made for it.

Tests build on it and show what they change (a wider corner, a hostile value, an extra
texture transform); a GLB is written by the one writer, :func:`museion.scenes.gltf.glb.write_glb`.
Byte-level builders for GLBs that no writer may produce stay with the tests that need them.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

__all__ = [
    "halves_png",
    "position_accessor",
    "solid_png",
    "textured_floor",
    "triangle",
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


def textured_floor(
    material: dict[str, Any], images: list[bytes], half: float = 2.0
) -> tuple[dict[str, Any], bytes]:
    """A floor ``2 * half`` metres square facing up (u along +x) with ``material`` and one
    texture per PNG of ``images`` (texture ``i`` shows image ``i``): its document and its
    binary chunk, for :func:`museion.scenes.gltf.glb.write_glb`."""
    h = half
    positions = struct.pack("<12f", -h, 0, -h, h, 0, -h, h, 0, h, -h, 0, h)
    normals = struct.pack("<12f", *(0, 1, 0) * 4)
    uvs = struct.pack("<8f", 0, 0, 1, 0, 1, 1, 0, 1)
    indices = struct.pack("<6H", 0, 2, 1, 0, 3, 2) + bytes(2)
    parts = [positions, normals, uvs, indices, *images]
    views, offset = [], 0
    for part in parts:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(part)})
        offset += len(part)
    binary = b"".join(parts)
    binary += bytes(-len(binary) % 4)
    views[3]["byteLength"] = 12
    vec = {"componentType": 5126, "count": 4}
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "TEXCOORD_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ]
            }
        ],
        "materials": [material],
        "textures": [{"source": i} for i in range(len(images))],
        "images": [{"bufferView": 4 + i, "mimeType": "image/png"} for i in range(len(images))],
        "accessors": [
            {"bufferView": 0, **vec, "type": "VEC3", "min": [-h, 0, -h], "max": [h, 0, h]},
            {"bufferView": 1, **vec, "type": "VEC3"},
            {"bufferView": 2, **vec, "type": "VEC2"},
            {"bufferView": 3, "componentType": 5123, "count": 6, "type": "SCALAR"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": len(binary)}],
    }
    return document, binary
