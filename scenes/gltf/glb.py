"""The GLB container: a 12-byte header, a JSON chunk, an optional BIN chunk; its one
reader and its one writer.

Every length is checked against the file before it is used, so a forged header cannot make
a reader allocate or seek past the end.  Codes are the Khronos validator's.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from museion.scenes.errors import AssetRejected

__all__ = ["GLB_MAGIC", "GlbChunks", "read_glb", "write_glb"]

GLB_MAGIC = b"glTF"
_JSON = 0x4E4F534A
_BIN = 0x004E4942


@dataclass(frozen=True)
class GlbChunks:
    """The JSON chunk's bytes and the BIN chunk's, if there is one."""

    json: bytes
    bin: bytes | None
    extra: int = 0  # bytes after the length the header declares (ignored, worth a warning)


def read_glb(data: bytes, name: str) -> GlbChunks:
    """Split a GLB file into its chunks; raises :class:`AssetRejected` with a Khronos code."""
    if len(data) < 12:
        raise AssetRejected("GLB_UNEXPECTED_END_OF_HEADER", name, "the GLB header is cut short")
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != GLB_MAGIC:
        raise AssetRejected("GLB_INVALID_MAGIC", name, f"the GLB magic is {magic!r}, not b'glTF'")
    if version != 2:
        raise AssetRejected("GLB_VERSION", name, f"GLB version {version} is not 2")
    if length > len(data) or length < 12:
        raise AssetRejected(
            "GLB_LENGTH", name, f"the GLB header says {length} bytes but the file has {len(data)}"
        )
    chunks: dict[int, bytes] = {}
    offset, count = 12, 0
    while offset < length:
        if offset + 8 > length:
            raise AssetRejected(
                "GLB_UNEXPECTED_END_OF_CHUNK_HEADER", name, "a chunk header is cut short"
            )
        size, kind = struct.unpack_from("<II", data, offset)
        where = f"the chunk at byte {offset}"
        if size % 4:
            raise AssetRejected(
                "GLB_CHUNK_LENGTH_UNALIGNED", name, f"{where} is not a multiple of 4 bytes long"
            )
        if offset + 8 + size > length:
            raise AssetRejected(
                "GLB_UNEXPECTED_END_OF_CHUNK_DATA", name, f"{where} runs past the end of the file"
            )
        if not chunks and kind != _JSON:
            raise AssetRejected(
                "GLB_UNEXPECTED_FIRST_CHUNK", name, "the first chunk must be the JSON chunk"
            )
        if kind in chunks:
            raise AssetRejected("GLB_DUPLICATE_CHUNK", name, f"{where} repeats a chunk type")
        if kind == _BIN and count != 1:
            raise AssetRejected(
                "GLB_UNEXPECTED_BIN_CHUNK", name, "the BIN chunk must come right after the JSON"
            )
        if kind == _JSON and size == 0:
            raise AssetRejected("GLB_EMPTY_CHUNK", name, "the JSON chunk is empty")
        if kind in (_JSON, _BIN):
            chunks[kind] = data[offset + 8 : offset + 8 + size]
        offset += 8 + size
        count += 1
    if _JSON not in chunks:
        raise AssetRejected("GLB_UNEXPECTED_END_OF_HEADER", name, "the GLB has no JSON chunk")
    return GlbChunks(json=chunks[_JSON], bin=chunks.get(_BIN), extra=len(data) - length)


def write_glb(document: dict[str, Any], binary: bytes = b"") -> bytes:
    """A GLB of ``document`` with ``binary`` as its BIN chunk (none when empty); both are
    padded to 4 bytes (JSON with spaces, BIN with zeros).

    The JSON is compact UTF-8; a NaN or an infinity is no JSON, so it raises
    :class:`ValueError` rather than write a file no reader accepts.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    raw = text.encode("utf-8")
    raw += b" " * (-len(raw) % 4)
    binary += bytes(-len(binary) % 4)
    parts = [struct.pack("<II", len(raw), _JSON), raw]
    if binary:
        parts += [struct.pack("<II", len(binary), _BIN), binary]
    body = b"".join(parts)
    return struct.pack("<4sII", GLB_MAGIC, 2, 12 + len(body)) + body
