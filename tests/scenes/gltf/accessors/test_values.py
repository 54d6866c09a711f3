"""The value checks of accessors whose ranges passed (:mod:`museion.scenes.gltf.accessors.values`
and its mesh and animation parts): NaN, min/max, indices, colours, unit vectors, keyframes,
skins, sparse indices."""

from __future__ import annotations

import numpy as np

from museion.scenes.gltf.accessors import check_accessors
from museion.scenes.gltf.report import Reporter
from tests.scenes.gltf.accessors.documents import Builder, found, triangle


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
