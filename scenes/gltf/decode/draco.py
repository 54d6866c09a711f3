"""KHR_draco_mesh_compression: one primitive's Draco stream back to plain arrays.

Before DracoPy runs, the stream's own header is read in Python (Draco bitstream 2.2: the
face and vertex counts of the connectivity header) and held against the counts the
accessors declare and the caller's cap, so a small stream that claims millions of faces is
refused without allocating them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import DracoPy  # type: ignore[import-not-found]
import numpy as np
import numpy.typing as npt

from museion.scenes.errors import AssetRejected

__all__ = ["DracoCounts", "decode_draco", "draco_counts"]

_MAGIC = b"DRACO"
_METADATA_FLAG = 0x8000
_MAX_METADATA_DEPTH = 32


@dataclass(frozen=True)
class DracoCounts:
    """What a Draco header declares: faces (0 for a point cloud) and points or, for
    edgebreaker, encoded vertices (decoded points lie between these and 3 x faces)."""

    faces: int
    vertices: int
    edgebreaker: bool


class _Reader:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data, self.pos = data, pos

    def u8(self) -> int:
        if self.pos >= len(self.data):
            raise ValueError("the Draco header is cut short")
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.u8()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 35:
                raise ValueError("a Draco varint is too long")

    def skip(self, count: int) -> None:
        if self.pos + count > len(self.data):
            raise ValueError("the Draco header is cut short")
        self.pos += count

    def metadata(self, depth: int = 0) -> None:
        if depth > _MAX_METADATA_DEPTH:
            raise ValueError("the Draco metadata nests too deep")
        for _ in range(self.varint()):  # entries: key, value
            self.skip(self.u8())
            self.skip(self.u8())
        for _ in range(self.varint()):  # named sub-metadata
            self.skip(self.u8())
            self.metadata(depth + 1)


def draco_counts(data: bytes) -> DracoCounts:
    """The counts a Draco 2.2 stream declares; ``ValueError`` when it is not one."""
    if len(data) < 11 or data[:5] != _MAGIC:
        raise ValueError("the data is not a Draco stream")
    major, minor, encoder, method = data[5], data[6], data[7], data[8]
    (flags,) = struct.unpack_from("<H", data, 9)
    if (major, minor) != (2, 2):
        raise ValueError(f"Draco bitstream {major}.{minor} is not 2.2")
    reader = _Reader(data, 11)
    if flags & _METADATA_FLAG:
        for _ in range(reader.varint()):  # attribute metadata
            reader.varint()
            reader.metadata()
        reader.metadata()  # file metadata
    if encoder == 0:  # point cloud: an int32 point count
        reader.skip(4)
        (points,) = struct.unpack_from("<i", data, reader.pos - 4)
        return DracoCounts(0, max(points, 0), edgebreaker=False)
    if encoder != 1:
        raise ValueError(f"Draco encoder type {encoder} is not known")
    if method == 0:  # sequential: faces, points
        faces = reader.varint()
        return DracoCounts(faces, reader.varint(), edgebreaker=False)
    if method == 1:  # edgebreaker: traversal type, encoded vertices, faces
        reader.u8()
        vertices = reader.varint()
        return DracoCounts(reader.varint(), vertices, edgebreaker=True)
    raise ValueError(f"Draco encoding method {method} is not known")


def _fail(code: str, name: str, pointer: str, sentence: str) -> AssetRejected:
    return AssetRejected(code, name, sentence, pointer=pointer)


def decode_draco(
    data: bytes,
    semantics: dict[str, int],
    vertex_count: int,
    index_count: int | None,
    name: str,
    pointer: str,
) -> tuple[dict[str, npt.NDArray[Any]], npt.NDArray[np.uint32] | None]:
    """Decode one primitive's stream: each glTF semantic's array (as Draco gives it) and
    the triangle indices, flat.  ``vertex_count`` and ``index_count`` are what the
    primitive's accessors declare (already within the caller's caps); the stream must match.
    """
    try:
        counts = draco_counts(data)
    except ValueError as exc:
        raise _fail("DRACO_INVALID", name, pointer, f"{exc}; re-encode the mesh") from exc
    faces_ok = (index_count is None and counts.faces == 0) or counts.faces * 3 == index_count
    if counts.edgebreaker:
        vertices_ok = counts.vertices <= vertex_count <= 3 * counts.faces
    else:
        vertices_ok = counts.vertices == vertex_count
    if not (faces_ok and vertices_ok):
        raise _fail(
            "DRACO_COUNT_MISMATCH",
            name,
            pointer,
            f"the Draco stream declares {counts.faces} faces and {counts.vertices} vertices, "
            f"which do not match the accessors ({index_count} indices, {vertex_count} "
            "vertices)",
        )
    try:
        mesh = DracoPy.decode(data)
    except Exception as exc:  # DracoPy raises its own FileTypeException and ValueError
        raise _fail(
            "DECODE_FAILED", name, pointer, f"Draco could not decode the mesh ({exc})"
        ) from exc
    arrays: dict[str, npt.NDArray[Any]] = {}
    for semantic, unique_id in semantics.items():
        attribute = mesh.get_attribute_by_unique_id(unique_id)
        values = None if attribute is None else attribute.get("data")
        if values is None:
            raise _fail(
                "DRACO_INVALID",
                name,
                pointer,
                f"the Draco stream has no attribute {unique_id} for {semantic[:40]}",
            )
        values = np.asarray(values)
        arrays[semantic] = values.reshape(len(values), -1)
        if len(values) != vertex_count:
            raise _fail(
                "DRACO_COUNT_MISMATCH",
                name,
                pointer,
                f"{semantic[:40]} decodes to {len(values)} vertices, the accessor says "
                f"{vertex_count}",
            )
    indices = None
    if index_count is not None:
        faces = getattr(mesh, "faces", None)
        indices = np.asarray(faces if faces is not None else [], dtype=np.uint32).reshape(-1)
        if len(indices) != index_count or (len(indices) and int(indices.max()) >= vertex_count):
            raise _fail(
                "DRACO_COUNT_MISMATCH",
                name,
                pointer,
                "the decoded triangles do not match the indices accessor",
            )
    return arrays, indices
