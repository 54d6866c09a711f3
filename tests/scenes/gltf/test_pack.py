"""The one buffer packer (:mod:`museion.scenes.gltf.pack`): what it writes, the gate accepts
and the one reader gives back."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from museion.scenes.gltf.accessors.read import read_accessor
from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.glb import write_glb
from museion.scenes.gltf.pack import (
    ARRAY_BUFFER,
    ELEMENT_ARRAY_BUFFER,
    BufferPacker,
    bounds,
    padded_rows,
)

_PNG = (  # a 1x1 PNG
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92"
    b"\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_views_start_on_four_byte_boundaries_and_the_binary_is_padded() -> None:
    packer = BufferPacker()
    assert packer.add_view(b"abc") == 0
    assert packer.put(b"zz") == 4
    assert packer.add_view(b"d", target=ARRAY_BUFFER) == 1
    assert packer.reserve(6, byteStride=4) == 2
    assert [v["byteOffset"] for v in packer.views] == [0, 8, 12]
    assert packer.views[1] == {"buffer": 0, "byteOffset": 8, "byteLength": 1, "target": 34962}
    assert packer.buffer_entry("x.bin") == {"byteLength": 20, "uri": "x.bin"}
    assert BufferPacker(1).add_view(b"") == 0
    binary = BufferPacker()
    binary.add_view(b"abc")
    binary.add_view(b"d")
    assert binary.binary() == b"abc\x00d\x00\x00\x00"


def test_vertex_rows_are_padded_to_four_bytes_and_say_their_stride() -> None:
    colours = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    assert padded_rows(colours, 4) == bytes([1, 2, 3, 0, 4, 5, 6, 0])
    packer = BufferPacker()
    packer.add_array(colours, vertex=True)
    packer.add_array(colours)
    assert packer.views[0]["byteStride"] == 4 and packer.views[0]["byteLength"] == 8
    assert "byteStride" not in packer.views[1] and packer.views[1]["byteLength"] == 6
    assert bounds(colours) == ([1, 2, 3], [4, 5, 6])
    assert bounds(np.array([[0.5], [-1.0]], np.float32)) == ([-1.0], [0.5])


def test_a_packed_triangle_passes_the_gate_and_reads_back(tmp_path: Path) -> None:
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    uvs = np.array([[0, 0], [255, 0], [0, 255]], np.uint8)
    indices = np.array([0, 1, 2], np.uint16)
    packer = BufferPacker()
    position = packer.add_accessor(positions, target=ARRAY_BUFFER, with_bounds=True)
    uv = packer.add_accessor(uvs, target=ARRAY_BUFFER, normalized=True)
    index = packer.add_accessor(indices, target=ELEMENT_ARRAY_BUFFER)
    image = packer.add_image(_PNG, "image/png")
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": position, "TEXCOORD_0": uv},
                        "indices": index,
                        "material": 0,
                    }
                ]
            }
        ],
        "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}],
        "textures": [{"source": image}],
    }
    binary = packer.finish(document)
    assert packer.accessors[0]["min"] == [0.0, 0.0, 0.0]
    assert packer.accessors[1]["normalized"] is True
    assert document["images"] == [{"bufferView": 3, "mimeType": "image/png"}]
    (tmp_path / "packed.glb").write_bytes(write_glb(document, binary))
    report = validate_gltf(tmp_path, "packed.glb")
    assert report.valid, report.issues
    buffers: list[bytes | None] = [binary]
    np.testing.assert_array_equal(read_accessor(document, buffers, position), positions)
    np.testing.assert_array_equal(read_accessor(document, buffers, uv), uvs)
    np.testing.assert_array_equal(read_accessor(document, buffers, index)[:, 0], indices)
