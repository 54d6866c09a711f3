"""The one reader of accessor bytes (:mod:`museion.scenes.gltf.accessors.read`): every
layout read back as written, zero copy, sparse substitution, normalisation, and a refusal
for whatever lies outside the bytes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessors import read_accessor
from museion.scenes.gltf.accessors.read import MAX_UNBACKED_BYTES
from tests.scenes.gltf.accessors.documents import DTYPES, FORMATS, SHAPES, Builder, pack, set_at


def sample(component_type: int, count: int, components: int) -> np.ndarray:
    rng = np.random.default_rng(component_type * 10 + components)
    dtype = DTYPES[component_type]
    if component_type == 5126:
        return rng.normal(size=(count, components)).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=(count, components), endpoint=True, dtype=dtype)


@pytest.mark.parametrize("component_type", sorted(FORMATS))
@pytest.mark.parametrize("kind", sorted(SHAPES))
@pytest.mark.parametrize("padding", [0, 4])
def test_read_accessor_round_trips_every_layout(
    component_type: int, kind: str, padding: int
) -> None:
    rows, cols = SHAPES[kind]
    values = sample(component_type, 5, rows * cols)
    element = len(pack(values[:1], component_type, kind))
    stride = element + (-element % 4) + padding if padding else None
    builder = Builder()
    builder.view(b"\x7f" * 8)  # the accessor does not start at the buffer's first byte
    index = builder.accessor(values, component_type, kind, stride=stride)
    buffers = builder.buffers
    got = read_accessor(builder.document, buffers, index)
    expected = values.reshape(5, rows) if cols == 1 else values.reshape(5, cols, rows)
    if cols > 1:
        expected = expected.transpose(0, 2, 1)  # glTF stores matrices column by column
    assert got.shape == expected.shape
    assert got.dtype == DTYPES[component_type]
    np.testing.assert_array_equal(got, expected)
    # No copy: a read-only view over the buffer's own bytes.
    assert np.shares_memory(got, np.frombuffer(buffers[0] or b"", np.uint8))
    assert not got.flags.writeable


def test_read_accessor_matrix_is_row_column_indexed() -> None:
    builder = Builder()
    translation = np.eye(4, dtype=np.float32)
    translation[:3, 3] = [5, 6, 7]  # column-major in glTF: the translation is the last column
    index = builder.accessor(translation.T.reshape(-1), 5126, "MAT4")
    np.testing.assert_array_equal(builder.read(index)[0], translation)


def test_read_accessor_is_zero_copy() -> None:
    builder = Builder()
    index = builder.accessor(np.arange(300, dtype=np.float32), 5126, "VEC3")
    buffers = builder.buffers
    got = read_accessor(builder.document, buffers, index)
    assert np.shares_memory(got, np.frombuffer(buffers[0] or b"", np.uint8))


def test_read_accessor_substitutes_sparse_values() -> None:
    builder = Builder()
    base = builder.accessor(np.zeros((6, 3)), 5126, "VEC3")
    indices = builder.view(np.array([1, 4], dtype="<u2").tobytes())
    values = builder.view(np.array([[1, 2, 3], [4, 5, 6]], dtype="<f4").tobytes())
    builder.document["accessors"][base]["sparse"] = {
        "count": 2,
        "indices": {"bufferView": indices, "componentType": 5123},
        "values": {"bufferView": values},
    }
    got = builder.read(base)
    expected = np.zeros((6, 3), np.float32)
    expected[1], expected[4] = [1, 2, 3], [4, 5, 6]
    np.testing.assert_array_equal(got, expected)
    # The buffer's bytes are untouched: the base still reads as zeros without sparse.
    del builder.document["accessors"][base]["sparse"]
    assert not builder.read(base).any()


def test_read_accessor_sparse_without_buffer_view_starts_from_zeros() -> None:
    builder = Builder()
    indices = builder.view(np.array([2], dtype="u1").tobytes())
    values = builder.view(np.array([-7], dtype="<i2").tobytes())
    builder.document["accessors"].append(
        {
            "componentType": 5122,
            "count": 4,
            "type": "SCALAR",
            "sparse": {
                "count": 1,
                "indices": {"bufferView": indices, "componentType": 5121},
                "values": {"bufferView": values},
            },
        }
    )
    np.testing.assert_array_equal(builder.read(0)[:, 0], [0, 0, -7, 0])


@pytest.mark.parametrize(
    ("component_type", "raw", "expected"),
    [
        (5121, [0, 255, 51], [0.0, 1.0, 0.2]),
        (5120, [-128, -127, 127, 0], [-1.0, -1.0, 1.0, 0.0]),
        (5123, [0, 65535], [0.0, 1.0]),
        (5122, [-32768, 32767, -16384], [-1.0, 1.0, -16384 / 32767]),
    ],
)
def test_read_accessor_normalizes_to_float(
    component_type: int, raw: list[int], expected: list[float]
) -> None:
    builder = Builder()
    index = builder.accessor(raw, component_type, "SCALAR", normalized=True)
    got = builder.read(index, normalized_to_float=True)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-6)
    np.testing.assert_array_equal(builder.read(index)[:, 0], raw)  # raw unless asked


def _mutate(change: Callable[[Builder], None]) -> Builder:
    builder = Builder()
    builder.accessor([[0, 0, 0], [1, 1, 1]])
    change(builder)
    return builder


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (set_at("accessors/0/count", 2**53), "ACCESSOR_TOO_LONG"),
        (set_at("accessors/0/count", -3), "ACCESSOR_INVALID"),
        (set_at("accessors/0/count", "3"), "ACCESSOR_INVALID"),
        (set_at("accessors/0/byteOffset", -12), "ACCESSOR_INVALID"),
        (set_at("accessors/0/byteOffset", 16), "ACCESSOR_TOO_LONG"),
        (set_at("accessors/0/type", "VEC5"), "ACCESSOR_INVALID"),
        (set_at("accessors/0/bufferView", 7), "BUFFER_VIEW_INVALID"),
        (set_at("bufferViews/0/byteStride", 4), "ACCESSOR_SMALL_BYTESTRIDE"),
        (set_at("bufferViews/0/byteOffset", 2**40), "BUFFER_VIEW_TOO_LONG"),
        (set_at("buffers/0/byteLength", 2**40), "BUFFER_BYTE_LENGTH_MISMATCH"),
        (set_at("buffers/0/byteLength", None), "BUFFER_INVALID"),
        (
            set_at("accessors/0/sparse", {"count": 2**31 - 1, "indices": {}, "values": {}}),
            "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE",
        ),
        (
            set_at(
                "accessors/0/sparse",
                {
                    "count": 1,
                    # the bytes of 1.0f read as an index: 1065353216
                    "indices": {"bufferView": 0, "byteOffset": 12, "componentType": 5125},
                    "values": {"bufferView": 0},
                },
            ),
            "ACCESSOR_SPARSE_INDEX_OOB",
        ),
    ],
)
def test_read_accessor_refuses_what_lies_outside_the_bytes(
    change: Callable[[Builder], None], code: str
) -> None:
    builder = _mutate(change)
    with pytest.raises(AssetRejected) as caught:
        builder.read(0)
    assert caught.value.code == code
    assert caught.value.pointer.startswith("/")
    assert len(caught.value.detail) > 20


def test_read_accessor_refuses_missing_buffers_and_huge_zero_fills() -> None:
    builder = Builder()
    builder.accessor([1.0], 5126, "SCALAR")
    with pytest.raises(AssetRejected) as caught:
        read_accessor(builder.document, [None], 0)
    assert caught.value.code == "BUFFER_DATA_MISSING"
    with pytest.raises(AssetRejected) as caught:
        read_accessor(builder.document, [], 0)
    assert caught.value.code == "BUFFER_DATA_MISSING"
    builder.document["accessors"].append(
        {
            "componentType": 5126,
            "count": MAX_UNBACKED_BYTES,
            "type": "VEC3",
            "sparse": {
                "count": 1,
                "indices": {"bufferView": 0, "componentType": 5121},
                "values": {"bufferView": 0},
            },
        }
    )
    with pytest.raises(AssetRejected) as caught:
        builder.read(1)
    assert caught.value.code == "ACCESSOR_TOO_LARGE"
