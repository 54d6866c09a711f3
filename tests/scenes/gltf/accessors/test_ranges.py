"""The range checks (:mod:`museion.scenes.gltf.accessors.ranges`): every buffer, bufferView
and accessor byte range inside its parent, with the Khronos codes and pointers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from museion.scenes.gltf.accessors import check_accessors
from museion.scenes.gltf.report import Reporter
from tests.scenes.gltf.accessors.documents import Builder, found, set_at, triangle


def test_a_sound_document_has_no_issue() -> None:
    builder = Builder()
    position = triangle(builder)
    indices = builder.accessor([0, 1, 2], 5123, "SCALAR")
    builder.document["meshes"][0]["primitives"][0]["indices"] = indices
    builder.accessor(np.eye(4).T.reshape(-1), 5126, "MAT4")
    assert builder.issues() == []
    assert position == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (set_at("buffers/0/byteLength", 2**40), ("BUFFER_BYTE_LENGTH_MISMATCH", "/buffers/0")),
        (
            set_at("bufferViews/0/byteOffset", 2**40),
            ("BUFFER_VIEW_TOO_LONG", "/bufferViews/0/byteOffset"),
        ),
        (
            set_at("bufferViews/0/byteLength", 25),
            ("BUFFER_VIEW_TOO_LONG", "/bufferViews/0/byteLength"),
        ),
        (
            set_at("bufferViews/0/byteLength", -1),
            ("BUFFER_VIEW_RANGE_INVALID", "/bufferViews/0/byteLength"),
        ),
        (
            set_at("bufferViews/0/byteStride", 28),
            ("BUFFER_VIEW_TOO_BIG_BYTE_STRIDE", "/bufferViews/0/byteStride"),
        ),
        (set_at("bufferViews/0/byteStride", 8), ("ACCESSOR_SMALL_BYTESTRIDE", "/accessors/0")),
        (set_at("accessors/0/count", 2**53), ("ACCESSOR_TOO_LONG", "/accessors/0")),
        (set_at("accessors/0/count", 0), ("ACCESSOR_RANGE_INVALID", "/accessors/0/count")),
        (set_at("accessors/0/count", -3), ("ACCESSOR_RANGE_INVALID", "/accessors/0/count")),
        (set_at("accessors/0/count", [3]), ("ACCESSOR_RANGE_INVALID", "/accessors/0/count")),
        (
            set_at("accessors/0/byteOffset", -12),
            ("ACCESSOR_RANGE_INVALID", "/accessors/0/byteOffset"),
        ),
        (
            set_at("accessors/0/byteOffset", 2.5),
            ("ACCESSOR_RANGE_INVALID", "/accessors/0/byteOffset"),
        ),
        (set_at("accessors/0/byteOffset", 32), ("ACCESSOR_TOO_LONG", "/accessors/0/byteOffset")),
        (
            set_at("accessors/0/byteOffset", 2),
            ("ACCESSOR_OFFSET_ALIGNMENT", "/accessors/0/byteOffset"),
        ),
        (
            set_at("bufferViews/0/byteOffset", 2),
            ("ACCESSOR_TOTAL_OFFSET_ALIGNMENT", "/accessors/0"),
        ),
        (
            set_at("accessors/0/normalized", True),
            ("ACCESSOR_NORMALIZED_INVALID", "/accessors/0/normalized"),
        ),
        (
            set_at("bufferViews/0/target", 34963),
            ("BUFFER_VIEW_INVALID_BYTE_STRIDE", "/bufferViews/0/byteStride"),
        ),
    ],
)
def test_range_checks(change: Callable[[Builder], None], expected: tuple[str, str]) -> None:
    builder = Builder()
    builder.accessor([[0, 0, 0], [1, 1, 1]])
    if expected[0] == "BUFFER_VIEW_INVALID_BYTE_STRIDE":
        builder.document["bufferViews"][0]["byteStride"] = 12
    change(builder)
    issues = builder.issues()
    assert ("error", *expected) in found(issues)
    assert all(i.message and i.code == i.code.upper() for i in issues)


def test_integers_written_as_floats_are_integers() -> None:
    builder = Builder()
    builder.accessor([[0, 0, 0], [1, 1, 1]])
    builder.document["accessors"][0]["count"] = 2.0
    builder.document["bufferViews"][0]["byteLength"] = 24.0
    assert builder.issues() == []
    assert builder.read(0).shape == (2, 3)


def test_matrix_columns_are_aligned() -> None:
    builder = Builder()
    builder.view(bytes(14))
    builder.document["accessors"] = [
        {"bufferView": 0, "byteOffset": 1, "componentType": 5120, "count": 2, "type": "MAT2"},
        {"bufferView": 0, "byteOffset": 0, "componentType": 5121, "count": 1, "type": "MAT3"},
    ]
    got = found(builder.issues())
    assert ("error", "ACCESSOR_MATRIX_ALIGNMENT", "/accessors/0/byteOffset") in got
    # Two byte MAT2s take 8 + 6 bytes: 15 from offset 1 does not fit in 14.
    assert ("error", "ACCESSOR_TOO_LONG", "/accessors/0") in got
    assert not any(p == "/accessors/1" for _, _, p in got)  # 11 bytes fit


def test_sparse_ranges_are_checked_before_reading() -> None:
    builder = Builder()
    builder.accessor([[0, 0, 0]] * 3)
    builder.document["accessors"][0]["sparse"] = {
        "count": 2**31 - 1,
        "indices": {"bufferView": 0, "componentType": 5123},
        "values": {"bufferView": 0},
    }
    got = found(builder.issues())
    assert ("error", "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE", "/accessors/0/sparse/count") in got
    assert ("error", "ACCESSOR_TOO_LONG", "/accessors/0/sparse/indices") in got
    assert ("error", "ACCESSOR_TOO_LONG", "/accessors/0/sparse/values") in got


def test_glb_bin_chunk_may_carry_padding_only() -> None:
    builder = Builder()
    builder.accessor([1, 2], 5121, "SCALAR")  # 2 bytes; a BIN chunk pads them to 4
    data = builder.buffers[0] or b""

    def issues(extra: int) -> set[tuple[str, str, str]]:
        report = Reporter("a.glb")
        check_accessors(builder.document, [data + bytes(extra)], report)
        return found(report.issues)

    assert issues(2) == set()
    assert issues(6) == {("warning", "BUFFER_GLB_CHUNK_TOO_BIG", "/buffers/0")}
    builder.document["buffers"][0]["uri"] = "a.bin"  # an external file may be longer
    assert issues(6) == set()


def test_strided_views_where_data_must_be_packed() -> None:
    builder = Builder()
    matrices = builder.accessor(np.eye(4).T.reshape(-1), 5126, "MAT4", stride=64)
    image_view = builder.view(b"\x89PNG0000", byteStride=4)
    times = builder.accessor([0.0, 1.0], 5126, "SCALAR", stride=4, min=[0], max=[1])
    builder.document["images"] = [{"bufferView": image_view, "mimeType": "image/png"}]
    builder.document["skins"] = [{"joints": [0], "inverseBindMatrices": matrices}]
    builder.document["animations"] = [
        {"samplers": [{"input": times, "output": times}], "channels": []}
    ]
    got = found(builder.issues())
    assert ("error", "IMAGE_BUFFER_VIEW_WITH_BYTESTRIDE", "/images/0/bufferView") in got
    assert ("error", "SKIN_IBM_ACCESSOR_WITH_BYTESTRIDE", "/skins/0/inverseBindMatrices") in got
    assert (
        "error",
        "ANIMATION_SAMPLER_ACCESSOR_WITH_BYTESTRIDE",
        "/animations/0/samplers/0/input",
    ) in got
