"""The GLB container reader: every forged length or chunk order is refused by its code."""

from __future__ import annotations

import json
import struct

import pytest

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.glb import read_glb, write_glb

JSON, BIN, OTHER = 0x4E4F534A, 0x004E4942, 0x12345678
DOC = b'{"asset":{"version":"2.0"}}\x20'  # padded to a multiple of 4 (28 bytes)


def _glb(*chunks: tuple[int, bytes], length_delta: int = 0, sizes: tuple[int, ...] = ()) -> bytes:
    body = b""
    for index, (kind, data) in enumerate(chunks):
        size = sizes[index] if index < len(sizes) else len(data)
        body += struct.pack("<II", size, kind) + data
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body) + length_delta) + body


def test_json_and_bin_are_split() -> None:
    chunks = read_glb(_glb((JSON, DOC), (BIN, b"\x01" * 8)), "x.glb")
    assert chunks.json == DOC and chunks.bin == b"\x01" * 8
    assert read_glb(_glb((JSON, DOC), (OTHER, b"\x00" * 4)), "x.glb").bin is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"glTF", "GLB_UNEXPECTED_END_OF_HEADER"),
        (b"gLTF" + _glb((JSON, DOC))[4:], "GLB_INVALID_MAGIC"),
        (_glb((JSON, DOC), length_delta=8), "GLB_LENGTH"),
        (_glb((JSON, DOC), (BIN, b"\x00" * 6)), "GLB_CHUNK_LENGTH_UNALIGNED"),
        (_glb((JSON, DOC), sizes=(0x7FFFFFF0,)), "GLB_UNEXPECTED_END_OF_CHUNK_DATA"),
        (_glb((BIN, b"\x00" * 4), (JSON, DOC)), "GLB_UNEXPECTED_FIRST_CHUNK"),
        (_glb((JSON, DOC), (JSON, DOC)), "GLB_DUPLICATE_CHUNK"),
        (_glb((JSON, DOC), (OTHER, b"\x00" * 4), (BIN, b"\x00" * 4)), "GLB_UNEXPECTED_BIN_CHUNK"),
        (_glb((JSON, b"")), "GLB_EMPTY_CHUNK"),
        (_glb((JSON, DOC))[:-2] + b"", "GLB_LENGTH"),
    ],
)
def test_forged_containers_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(AssetRejected) as refused:
        read_glb(data, "x.glb")
    assert refused.value.code == code


def test_a_chunk_header_cut_short() -> None:
    data = _glb((JSON, DOC)) + b"\x00" * 4
    data = data[:8] + struct.pack("<I", len(data)) + data[12:]
    with pytest.raises(AssetRejected) as refused:
        read_glb(data, "x.glb")
    assert refused.value.code == "GLB_UNEXPECTED_END_OF_CHUNK_HEADER"


def test_bytes_after_the_declared_length_are_ignored() -> None:
    """The Khronos validator warns (GLB_EXTRA_DATA) and reads the declared length."""
    chunks = read_glb(_glb((JSON, DOC)) + b"\x00" * 4, "x.glb")
    assert chunks.extra == 4 and chunks.json.startswith(b'{"asset"')


# -- the one writer --------------------------------------------------------------------------


def test_write_glb_round_trips_through_the_reader_padded_to_four_bytes() -> None:
    document = {"asset": {"version": "2.0"}, "nodes": [{"name": "vitrine é"}]}
    data = write_glb(document, b"\x01\x02\x03")
    chunks = read_glb(data, "written.glb")
    assert json.loads(chunks.json.decode("utf-8")) == document
    assert "vitrine é" in chunks.json.decode("utf-8")  # UTF-8, not \\u escapes
    assert chunks.bin == b"\x01\x02\x03\x00"
    assert len(data) % 4 == 0 and struct.unpack_from("<I", data, 8)[0] == len(data)
    assert read_glb(write_glb(document), "bare.glb").bin is None  # no BIN chunk when empty


def test_write_glb_refuses_a_non_finite_number() -> None:
    with pytest.raises(ValueError):
        write_glb({"asset": {"version": "2.0"}, "extras": {"x": float("nan")}})
