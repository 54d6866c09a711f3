"""What the decoder and the toolchain read through (:mod:`museion.scenes.gltf.decode.source`):
the same caps before decoding, meshopt views decoded, accessors from the one reader."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.decode.source import DecodeLimits, DecodeSource
from museion.scenes.gltf.gate import read_gltf
from tests.conftest import ASSETS, CORPUS

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)


def test_a_plain_file_reads_its_accessors_and_images() -> None:
    source = read_gltf(ASSETS, "relic.glb")
    data = DecodeSource(source, copy.deepcopy(source.document), DecodeLimits())
    positions = data.accessor(
        source.document["meshes"][0]["primitives"][0]["attributes"]["POSITION"]
    )
    assert positions.shape[1] == 3 and positions.dtype == np.float32
    image = data.image_bytes(source.document["images"][0], "/images/0")
    assert image[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")


def test_declared_sizes_are_held_against_the_caps_before_anything_decodes() -> None:
    source = read_gltf(ASSETS, "relic.glb")
    with pytest.raises(AssetRejected) as caught:
        DecodeSource(source, source.document, DecodeLimits(max_count=10))
    assert caught.value.code == "DECODE_TOO_LARGE"
    assert caught.value.pointer.startswith("/accessors/")
    with pytest.raises(AssetRejected) as caught:
        DecodeSource(source, source.document, DecodeLimits(max_decoded_bytes=100))
    assert (caught.value.code, caught.value.pointer) == ("DECODE_TOO_LARGE", "/accessors")


@needs_corpus
def test_meshopt_views_are_decoded_and_their_accessors_read_within_their_bounds() -> None:
    source = read_gltf(CORPUS / "valid/Fox_meshopt_gltfpack", "Fox.glb")
    document = source.document
    data = DecodeSource(source, document, DecodeLimits())
    packed = [
        i
        for i, view in enumerate(document["bufferViews"])
        if "EXT_meshopt_compression" in view.get("extensions", {})
    ]
    assert packed
    for i in packed:
        assert len(data.view_bytes(i) or b"") == document["bufferViews"][i]["byteLength"]
    for i, accessor in enumerate(document["accessors"]):
        values = data.accessor(i)
        assert len(values) == accessor["count"]
        if "min" in accessor:
            assert (values.min(axis=0) >= np.array(accessor["min"]) - 1e-6).all()
            assert (values.max(axis=0) <= np.array(accessor["max"]) + 1e-6).all()
