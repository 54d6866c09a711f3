"""Byte ranges and accessor data of the glTF gate, and the accessor reader.

Documents are built here from numpy arrays; the reader is compared with an independent
struct-based packer that follows the glTF layout rules (matrix columns on 4-byte boundaries).
"""

from __future__ import annotations

import json
import re
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.accessors import check_accessors, read_accessor
from museion.scenes.gltf.accessors.read import MAX_UNBACKED_BYTES
from museion.scenes.gltf.gate import validate_gltf
from museion.scenes.gltf.report import GltfIssue, Reporter
from tests.conftest import CORPUS

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)

FORMATS = {5120: "b", 5121: "B", 5122: "h", 5123: "H", 5125: "I", 5126: "f"}
DTYPES = {
    5120: np.int8,
    5121: np.uint8,
    5122: np.int16,
    5123: np.uint16,
    5125: np.uint32,
    5126: np.float32,
}
SHAPES = {
    "SCALAR": (1, 1),
    "VEC2": (2, 1),
    "VEC3": (3, 1),
    "VEC4": (4, 1),
    "MAT2": (2, 2),
    "MAT3": (3, 3),
    "MAT4": (4, 4),
}
# Every code of this part of the gate, to tell its issues from the other checks'.
OURS = re.compile(
    r"^(ACCESSOR_|BUFFER_BYTE_LENGTH|BUFFER_VIEW_TOO|BUFFER_VIEW_RANGE|BUFFER_VIEW_INVALID_BYTE"
    r"|BUFFER_GLB_CHUNK|IMAGE_BUFFER_VIEW_WITH|SKIN_IBM|INVALID_IBM|ANIMATION_SAMPLER_ACCESSOR_WITH"
    r"|MESH_PRIMITIVE_INDICES_ACCESSOR_WITH)"
)


# -- building documents --------------------------------------------------------------------


def pack(values: np.ndarray, component_type: int, kind: str, stride: int | None = None) -> bytes:
    """Elements (components in glTF order: matrices column by column) as glTF lays them
    out, with ``struct``: each matrix column starts on a 4-byte boundary."""
    rows, cols = SHAPES[kind]
    size = struct.calcsize(FORMATS[component_type])
    column = rows * size + (-(rows * size) % 4 if cols > 1 else 0)
    element = b""
    out = bytearray()
    for value in values.reshape(len(values), cols, rows):
        element = b"".join(
            struct.pack("<" + FORMATS[component_type] * rows, *value[c].tolist()).ljust(
                column, b"\0"
            )
            for c in range(cols)
        )
        out += element.ljust(stride or len(element), b"\0")
    return bytes(out)


class Builder:
    """One buffer, one view per added block, accessors over them."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.document: dict[str, Any] = {
            "asset": {"version": "2.0"},
            "buffers": [{"byteLength": 0}],
            "bufferViews": [],
            "accessors": [],
        }

    def view(self, data: bytes, **extra: Any) -> int:
        self.data += b"\0" * (-len(self.data) % 4)
        self.document["bufferViews"].append(
            {"buffer": 0, "byteOffset": len(self.data), "byteLength": len(data), **extra}
        )
        self.data += data
        self.document["buffers"][0]["byteLength"] = len(self.data)
        return len(self.document["bufferViews"]) - 1

    def accessor(
        self,
        values: Any,
        component_type: int = 5126,
        kind: str = "VEC3",
        *,
        stride: int | None = None,
        **extra: Any,
    ) -> int:
        rows, cols = SHAPES[kind]
        array = np.asarray(values, dtype=DTYPES[component_type]).reshape(-1, rows * cols)
        view_extra = {"byteStride": stride} if stride else {}
        view = self.view(pack(array, component_type, kind, stride), **view_extra)
        self.document["accessors"].append(
            {
                "bufferView": view,
                "componentType": component_type,
                "count": len(array),
                "type": kind,
                **extra,
            }
        )
        return len(self.document["accessors"]) - 1

    @property
    def buffers(self) -> list[bytes | None]:
        return [bytes(self.data)]

    def issues(self) -> list[GltfIssue]:
        report = Reporter("test.gltf")
        check_accessors(self.document, self.buffers, report)
        return report.issues

    def read(self, index: int, **kwargs: Any) -> np.ndarray:
        return read_accessor(self.document, self.buffers, index, **kwargs)


def found(issues: list[GltfIssue]) -> set[tuple[str, str, str]]:
    return {(i.severity, i.code, i.pointer) for i in issues}


def triangle(builder: Builder) -> int:
    """A POSITION accessor with exact bounds and a primitive using it; returns the mesh."""
    position = builder.accessor([[0, 0, 0], [1, 0, 0], [0, 1, 0]], min=[0, 0, 0], max=[1, 1, 0])
    builder.document["meshes"] = [{"primitives": [{"attributes": {"POSITION": position}}]}]
    return position


# -- read_accessor -------------------------------------------------------------------------


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


def _set(path: str, value: Any) -> Callable[[Builder], None]:
    def change(builder: Builder) -> None:
        *parents, key = path.split("/")
        target: Any = builder.document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        target[key] = value

    return change


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_set("accessors/0/count", 2**53), "ACCESSOR_TOO_LONG"),
        (_set("accessors/0/count", -3), "ACCESSOR_INVALID"),
        (_set("accessors/0/count", "3"), "ACCESSOR_INVALID"),
        (_set("accessors/0/byteOffset", -12), "ACCESSOR_INVALID"),
        (_set("accessors/0/byteOffset", 16), "ACCESSOR_TOO_LONG"),
        (_set("accessors/0/type", "VEC5"), "ACCESSOR_INVALID"),
        (_set("accessors/0/bufferView", 7), "BUFFER_VIEW_INVALID"),
        (_set("bufferViews/0/byteStride", 4), "ACCESSOR_SMALL_BYTESTRIDE"),
        (_set("bufferViews/0/byteOffset", 2**40), "BUFFER_VIEW_TOO_LONG"),
        (_set("buffers/0/byteLength", 2**40), "BUFFER_BYTE_LENGTH_MISMATCH"),
        (_set("buffers/0/byteLength", None), "BUFFER_INVALID"),
        (
            _set("accessors/0/sparse", {"count": 2**31 - 1, "indices": {}, "values": {}}),
            "ACCESSOR_SPARSE_COUNT_OUT_OF_RANGE",
        ),
        (
            _set(
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


# -- range checks --------------------------------------------------------------------------


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
        (_set("buffers/0/byteLength", 2**40), ("BUFFER_BYTE_LENGTH_MISMATCH", "/buffers/0")),
        (
            _set("bufferViews/0/byteOffset", 2**40),
            ("BUFFER_VIEW_TOO_LONG", "/bufferViews/0/byteOffset"),
        ),
        (
            _set("bufferViews/0/byteLength", 25),
            ("BUFFER_VIEW_TOO_LONG", "/bufferViews/0/byteLength"),
        ),
        (
            _set("bufferViews/0/byteLength", -1),
            ("BUFFER_VIEW_RANGE_INVALID", "/bufferViews/0/byteLength"),
        ),
        (
            _set("bufferViews/0/byteStride", 28),
            ("BUFFER_VIEW_TOO_BIG_BYTE_STRIDE", "/bufferViews/0/byteStride"),
        ),
        (_set("bufferViews/0/byteStride", 8), ("ACCESSOR_SMALL_BYTESTRIDE", "/accessors/0")),
        (_set("accessors/0/count", 2**53), ("ACCESSOR_TOO_LONG", "/accessors/0")),
        (_set("accessors/0/count", 0), ("ACCESSOR_RANGE_INVALID", "/accessors/0/count")),
        (_set("accessors/0/count", -3), ("ACCESSOR_RANGE_INVALID", "/accessors/0/count")),
        (_set("accessors/0/count", [3]), ("ACCESSOR_RANGE_INVALID", "/accessors/0/count")),
        (
            _set("accessors/0/byteOffset", -12),
            ("ACCESSOR_RANGE_INVALID", "/accessors/0/byteOffset"),
        ),
        (
            _set("accessors/0/byteOffset", 2.5),
            ("ACCESSOR_RANGE_INVALID", "/accessors/0/byteOffset"),
        ),
        (_set("accessors/0/byteOffset", 32), ("ACCESSOR_TOO_LONG", "/accessors/0/byteOffset")),
        (
            _set("accessors/0/byteOffset", 2),
            ("ACCESSOR_OFFSET_ALIGNMENT", "/accessors/0/byteOffset"),
        ),
        (
            _set("bufferViews/0/byteOffset", 2),
            ("ACCESSOR_TOTAL_OFFSET_ALIGNMENT", "/accessors/0"),
        ),
        (
            _set("accessors/0/normalized", True),
            ("ACCESSOR_NORMALIZED_INVALID", "/accessors/0/normalized"),
        ),
        (
            _set("bufferViews/0/target", 34963),
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


# -- data checks ---------------------------------------------------------------------------


def test_nan_and_infinity_are_refused() -> None:
    builder = Builder()
    builder.accessor([[0, 0, 0], [np.nan, 1, np.inf]])
    got = [i for i in builder.issues() if i.code == "ACCESSOR_INVALID_FLOAT"]
    assert [i.pointer for i in got] == ["/accessors/0", "/accessors/0"]
    assert "nan" in got[0].message and "inf" in got[1].message


def test_min_and_max_must_match_the_data() -> None:
    builder = Builder()
    builder.accessor([[0, 5], [3, 7]], 5123, "VEC2", min=[0, 6], max=[3, 7])
    builder.accessor([[0.1, 0.2]], 5126, "VEC2", min=[0.1, 0.2], max=[0.1, 0.2])  # float32
    got = found(builder.issues())
    assert got == {
        ("error", "ACCESSOR_MIN_MISMATCH", "/accessors/0/min/1"),
        ("error", "ACCESSOR_ELEMENT_OUT_OF_MIN_BOUND", "/accessors/0/min/1"),
    }


def test_indices_must_name_existing_vertices() -> None:
    builder = Builder()
    triangle(builder)
    indices = builder.accessor([0, 1, 2, 3, 65535, 1], 5123, "SCALAR")
    builder.document["meshes"][0]["primitives"][0]["indices"] = indices
    got = builder.issues()
    where = "/meshes/0/primitives/0/indices"
    oob = [i for i in got if i.code == "ACCESSOR_INDEX_OOB"]
    assert [i.pointer for i in oob] == [where, where]
    assert "3" in oob[0].message and "65535" in oob[1].message
    assert ("error", "ACCESSOR_INDEX_PRIMITIVE_RESTART", where) in found(got)


def test_degenerate_triangles_are_only_information() -> None:
    builder = Builder()
    triangle(builder)
    indices = builder.accessor([0, 1, 1, 0, 1, 2], 5121, "SCALAR")
    builder.document["meshes"][0]["primitives"][0]["indices"] = indices
    issues = builder.issues()
    assert [(i.severity, i.code) for i in issues] == [
        ("info", "ACCESSOR_INDEX_TRIANGLE_DEGENERATE")
    ]
    assert "1 of 2" in issues[0].message


def test_vertex_attributes_have_their_ranges() -> None:
    builder = Builder()
    triangle(builder)
    attributes = builder.document["meshes"][0]["primitives"][0]["attributes"]
    attributes["COLOR_0"] = builder.accessor([[0, 0, 0], [1, 1.5, 1], [0, -0.5, 1]])
    attributes["NORMAL"] = builder.accessor([[0, 0, 1], [0, 0, 1], [0, 0, 2]])
    attributes["TANGENT"] = builder.accessor(
        [[1, 0, 0, 1], [1, 0, 0, -1], [1, 0, 0, 0.5]], kind="VEC4"
    )
    got = found(builder.issues())
    prefix = "/meshes/0/primitives/0/attributes"
    assert got == {
        ("error", "ACCESSOR_NON_CLAMPED", f"{prefix}/COLOR_0"),
        ("error", "ACCESSOR_VECTOR3_NON_UNIT", f"{prefix}/NORMAL"),
        ("error", "ACCESSOR_INVALID_SIGN", f"{prefix}/TANGENT"),
    }


def test_quantized_normals_pass_within_quantization_error() -> None:
    builder = Builder()
    triangle(builder)
    normal = np.round(np.array([[0.6, 0.8, 0.0]] * 3) * 127)
    attributes = builder.document["meshes"][0]["primitives"][0]["attributes"]
    attributes["NORMAL"] = builder.accessor(normal, 5120, "VEC3", stride=4, normalized=True)
    assert builder.issues() == []


def test_keyframes_and_rotations() -> None:
    builder = Builder()
    times = builder.accessor([-1.0, 0.0, 0.5, 0.5, 1.0], 5126, "SCALAR")
    rotations = builder.accessor([[0, 0, 0, 1]] * 4 + [[0, 0, 0, 0.5]], kind="VEC4")
    cubic = builder.accessor([[9, 9, 9, 9], [0, 0, 0, 1], [9, 9, 9, 9]], kind="VEC4")
    builder.document["nodes"] = [{}]
    builder.document["animations"] = [
        {
            "samplers": [
                {"input": times, "output": rotations},
                {"input": 0, "output": cubic, "interpolation": "CUBICSPLINE"},
            ],
            "channels": [
                {"sampler": 0, "target": {"node": 0, "path": "rotation"}},
                {"sampler": 1, "target": {"node": 0, "path": "rotation"}},
            ],
        }
    ]
    issues = builder.issues()
    got = found(issues)
    assert got == {
        ("error", "ACCESSOR_ANIMATION_INPUT_NEGATIVE", "/animations/0/samplers/0/input"),
        ("error", "ACCESSOR_ANIMATION_INPUT_NON_INCREASING", "/animations/0/samplers/0/input"),
        ("error", "ACCESSOR_ANIMATION_INPUT_NEGATIVE", "/animations/0/samplers/1/input"),
        ("error", "ACCESSOR_ANIMATION_INPUT_NON_INCREASING", "/animations/0/samplers/1/input"),
        (
            "error",
            "ACCESSOR_ANIMATION_SAMPLER_OUTPUT_NON_NORMALIZED_QUATERNION",
            "/animations/0/channels/0/sampler",
        ),
    }  # the cubic tangents (9 9 9 9) are not rotations and pass
    late = [i for i in issues if i.code == "ACCESSOR_ANIMATION_INPUT_NON_INCREASING"]
    assert len(late) == 4  # 0.0 after nothing before it, and the repeated 0.5, per sampler


def test_inverse_bind_matrices() -> None:
    builder = Builder()
    broken = np.eye(4, dtype=np.float32)
    broken[3, 0] = 2.0  # last row must be 0 0 0 1
    matrices = builder.accessor(
        np.stack([np.eye(4), broken]).transpose(0, 2, 1).reshape(-1), 5126, "MAT4"
    )
    builder.document["nodes"] = [{}, {}, {}]
    builder.document["skins"] = [{"joints": [0, 1, 2], "inverseBindMatrices": matrices}]
    issues = builder.issues()
    where = "/skins/0/inverseBindMatrices"
    assert found(issues) == {
        ("error", "ACCESSOR_INVALID_IBM", where),
        ("error", "INVALID_IBM_ACCESSOR_COUNT", where),
    }
    assert "matrix 1" in next(i for i in issues if i.code == "ACCESSOR_INVALID_IBM").message


def test_joints_and_weights() -> None:
    builder = Builder()
    triangle(builder)
    attributes = builder.document["meshes"][0]["primitives"][0]["attributes"]
    attributes["JOINTS_0"] = builder.accessor(
        [[0, 1, 0, 0], [5, 0, 0, 0], [1, 1, 2, 0]], 5121, "VEC4"
    )
    attributes["WEIGHTS_0"] = builder.accessor(
        [[0.5, 0.5, 0, 0], [1, 0, 0, 0], [0.5, 0.25, -0.25, 0]], 5126, "VEC4"
    )
    builder.document["nodes"] = [{"mesh": 0, "skin": 0}, {}, {}, {}]
    builder.document["skins"] = [{"joints": [1, 2, 3]}]
    got = found(builder.issues())
    prefix = "/meshes/0/primitives/0/attributes"
    assert got == {
        ("error", "ACCESSOR_JOINTS_INDEX_OOB", f"{prefix}/JOINTS_0"),
        ("error", "ACCESSOR_JOINTS_INDEX_DUPLICATE", f"{prefix}/JOINTS_0"),
        ("error", "ACCESSOR_WEIGHTS_NEGATIVE", f"{prefix}/WEIGHTS_0"),
        ("error", "ACCESSOR_WEIGHTS_NON_NORMALIZED", f"{prefix}/WEIGHTS_0"),
    }


def test_sparse_indices_must_increase_inside_the_accessor() -> None:
    builder = Builder()
    base = builder.accessor(np.zeros((4, 3)))
    indices = builder.view(np.array([2, 1, 9], dtype="u1").tobytes())
    values = builder.view(np.zeros((3, 3), "<f4").tobytes())
    builder.document["accessors"][base]["sparse"] = {
        "count": 3,
        "indices": {"bufferView": indices, "componentType": 5121},
        "values": {"bufferView": values},
    }
    assert found(builder.issues()) == {
        ("error", "ACCESSOR_SPARSE_INDICES_NON_INCREASING", "/accessors/0/sparse"),
        ("error", "ACCESSOR_SPARSE_INDEX_OOB", "/accessors/0/sparse"),
    }


def test_compressed_accessors_have_no_false_errors() -> None:
    builder = Builder()
    draco_view = builder.view(b"DRACO" + bytes(11))
    builder.document["accessors"].append(
        {"componentType": 5126, "count": 300, "type": "VEC3", "min": [0, 0, 0], "max": [1, 1, 1]}
    )
    builder.document["meshes"] = [
        {
            "primitives": [
                {
                    "attributes": {"POSITION": 0},
                    "extensions": {
                        "KHR_draco_mesh_compression": {
                            "bufferView": draco_view,
                            "attributes": {"POSITION": 0},
                        }
                    },
                }
            ]
        }
    ]
    # EXT_meshopt_compression: the plain buffer (1) has no bytes, its view holds none.
    builder.document["buffers"].append({"byteLength": 36})
    builder.document["bufferViews"].append(
        {
            "buffer": 1,
            "byteLength": 36,
            "extensions": {
                "EXT_meshopt_compression": {
                    "buffer": 0,
                    "byteLength": 16,
                    "byteStride": 12,
                    "count": 3,
                    "mode": "ATTRIBUTES",
                }
            },
        }
    )
    builder.document["accessors"].append(
        {
            "bufferView": 1,
            "componentType": 5126,
            "count": 3,
            "type": "VEC3",
            "min": [0, 0, 0],
            "max": [1, 1, 1],
        }
    )
    report = Reporter("compressed.gltf")
    check_accessors(builder.document, [*builder.buffers, None], report)
    assert report.issues == []
    # ... but the compressed bytes must still lie inside their buffer.
    builder.document["bufferViews"][1]["extensions"]["EXT_meshopt_compression"]["byteLength"] = 99
    check_accessors(builder.document, [*builder.buffers, None], report)
    assert found(report.issues) == {
        (
            "error",
            "BUFFER_VIEW_TOO_LONG",
            "/bufferViews/1/extensions/EXT_meshopt_compression/byteLength",
        )
    }


# -- the corpus ----------------------------------------------------------------------------


HOSTILE = {
    "../invalid/third_party_assimp/BoxWithInfinites-glTF-Binary/BoxWithInfinites.glb": (
        "ACCESSOR_INVALID_FLOAT"
    ),
    "../invalid/third_party_assimp/IndexOutOfRange/IndexOutOfRange.gltf": "ACCESSOR_INDEX_OOB",
    "bounds/accessor_count_2pow53.gltf": "ACCESSOR_TOO_LONG",
    "bounds/buffer_byteLength_1TiB.gltf": "BUFFER_BYTE_LENGTH_MISMATCH",
    "bounds/index_value_oob.gltf": "ACCESSOR_INDEX_OOB",
    # Found first by the JSON rules; the range checks' own code is then not repeated.
    "bounds/negative_byteOffset_accessor.gltf": "VALUE_NOT_IN_RANGE",
    "bounds/negative_count.gltf": "VALUE_NOT_IN_RANGE",
    "bounds/sparse_count_huge.gltf": "ACCESSOR_TOO_LONG",
    "json/nan_vertices.gltf": "ACCESSOR_INVALID_FLOAT",
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_cheaply(name: str) -> None:
    path = CORPUS / "hostile" / name
    tracemalloc.start()
    try:
        report = validate_gltf(path.parent, path.name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert HOSTILE[name] in report.codes("error")
    assert peak < 16 * 1024 * 1024, f"{peak} bytes allocated"


@needs_corpus
def test_every_hostile_bounds_file_is_covered() -> None:
    listed = {
        p.relative_to(CORPUS / "hostile").as_posix() for p in CORPUS.glob("hostile/bounds/*.gltf")
    }
    assert listed <= set(HOSTILE)


def _corpus_files(*folders: str) -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p for f in folders for p in CORPUS.glob(f"{f}/**/*") if p.suffix in (".gltf", ".glb")
    )


@needs_corpus
@pytest.mark.parametrize(
    "path", _corpus_files("valid", "edge_valid"), ids=lambda p: p.relative_to(CORPUS).as_posix()
)
def test_valid_files_pass_our_checks(path: Path) -> None:
    report = validate_gltf(path.parent, path.name)
    assert [str(i) for i in report.errors if OURS.match(i.code)] == []


def _reports() -> list[Path]:
    return sorted(CORPUS.glob("invalid/**/*.report.json")) if CORPUS.is_dir() else []


@needs_corpus
@pytest.mark.parametrize("report_path", _reports(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_invalid_files_get_the_khronos_codes_in_our_scope(report_path: Path) -> None:
    path = report_path.with_name(report_path.name.removesuffix(".report.json"))
    expected = {
        (m["code"], m["pointer"])
        for m in json.loads(report_path.read_text())["issues"]["messages"]
        if OURS.match(m["code"]) and m["severity"] <= 1
    }
    report = validate_gltf(path.parent, path.name)
    ours = {(i.code, i.pointer) for i in report.issues if OURS.match(i.code)}
    assert expected <= ours
    # Nothing of ours beyond what the reference validator finds.
    codes = {code for code, _ in expected}
    assert {(c, p) for c, p in ours if c not in codes and report.codes("error") & {c}} == set()


# -- hostile JSON, generated ---------------------------------------------------------------

_any_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
_hostile = st.one_of(
    st.sampled_from([-1, -12, 0, 2**31 - 1, 2**32, 2**53, 2**64, 1.5, 1e300, "4", True]),
    st.integers(-(2**66), 2**66),
    _any_json,
)


def _mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Plausible values seven times in eight, so that reads get past the first check."""
    return st.integers(0, 7).flatmap(lambda k: good if k else _hostile)


_small = st.sampled_from([0, 4, 8, 12, 16, 24])


def _object(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    return _mostly(st.fixed_dictionaries(required, optional=optional))


_view = _object(
    {
        "buffer": _mostly(st.just(0)),
        "byteLength": _mostly(st.sampled_from([1, 4, 8, 12, 16, 24, 32, 48, 64])),
    },
    {
        "byteOffset": _mostly(_small),
        "byteStride": _mostly(st.sampled_from([4, 8, 12, 16, 20, 32, 64])),
        "target": st.sampled_from([34962, 34963]),
    },
)
_sparse = _object(
    {
        "count": _mostly(st.integers(1, 4)),
        "indices": _object(
            {
                "bufferView": _mostly(st.integers(0, 2)),
                "componentType": _mostly(st.sampled_from([5121, 5123, 5125])),
            },
            {"byteOffset": _mostly(_small)},
        ),
        "values": _object({"bufferView": _mostly(st.integers(0, 2))}, {"byteOffset": _small}),
    },
    {},
)
_accessor = _object(
    {
        "count": _mostly(st.integers(1, 8)),
        "componentType": _mostly(st.sampled_from(sorted(FORMATS))),
        "type": _mostly(st.sampled_from(sorted(SHAPES))),
    },
    {
        "bufferView": _mostly(st.integers(0, 2)),
        "byteOffset": _mostly(_small),
        "normalized": _mostly(st.booleans()),
        "min": _mostly(st.lists(st.integers(-2, 2), min_size=1, max_size=4)),
        "max": _mostly(st.lists(st.integers(-2, 2), min_size=1, max_size=4)),
        "sparse": _sparse,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=96),
    declared=_mostly(st.just(None)),
    more_buffers=st.lists(st.binary(max_size=16) | st.none(), max_size=1),
    views=st.lists(_view, max_size=3),
    accessors=st.lists(_accessor, min_size=1, max_size=3),
    uses=st.lists(_mostly(st.integers(0, 2)), min_size=6, max_size=6),
)
def test_hostile_json_never_crashes_and_reads_stay_inside_the_buffer(
    data: bytes,
    declared: Any,
    more_buffers: list[bytes | None],
    views: list[Any],
    accessors: list[Any],
    uses: list[Any],
) -> None:
    buffers: list[bytes | None] = [data, *more_buffers]
    byte_length = len(data) if declared is None else declared
    document: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "buffers": [{"byteLength": byte_length}, {"byteLength": 16}],
        "bufferViews": views,
        "accessors": accessors,
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {
                            "POSITION": uses[0],
                            "NORMAL": uses[1],
                            "JOINTS_0": uses[2],
                            "WEIGHTS_0": uses[3],
                        },
                        "indices": uses[4],
                    }
                ]
            }
        ],
        "nodes": [{"mesh": 0, "skin": 0}],
        "skins": [{"joints": [0], "inverseBindMatrices": uses[5]}],
        "animations": [
            {
                "samplers": [{"input": uses[0], "output": uses[1]}],
                "channels": [{"sampler": 0, "target": {"path": "rotation"}}],
            }
        ],
    }
    report = Reporter("fuzz.gltf")
    check_accessors(document, buffers, report)
    assert all(i.code and i.message for i in report.issues)
    total = sum(len(b) for b in buffers if b is not None)
    for index in range(len(accessors)):
        try:
            values = read_accessor(document, buffers, index)
        except AssetRejected as refused:
            assert refused.code and refused.detail
            event(f"refused {refused.code}")
            continue
        event("read")
        assert isinstance(values, np.ndarray)
        if "bufferView" in accessors[index]:
            assert values.nbytes <= total  # every element came from real bytes
        else:
            assert values.nbytes <= MAX_UNBACKED_BYTES
