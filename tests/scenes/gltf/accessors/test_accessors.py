"""The accessor checks and reader on real and hostile files: the corpus's hostile files
refused cheaply, valid files free of our codes, invalid ones given the Khronos codes in our
scope, and generated hostile JSON that never crashes and never reads outside the buffer.

The unit tests are beside this file, one per module: ``test_read``, ``test_ranges``,
``test_values``.
"""

from __future__ import annotations

import json
import re
import tracemalloc
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
from museion.scenes.gltf.report import Reporter
from tests.conftest import CORPUS
from tests.scenes.gltf.accessors.documents import FORMATS, SHAPES

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is absent (public glTF corpus)"
)

# Every code of this part of the gate, to tell its issues from the other checks'.
OURS = re.compile(
    r"^(ACCESSOR_|BUFFER_BYTE_LENGTH|BUFFER_VIEW_TOO|BUFFER_VIEW_RANGE|BUFFER_VIEW_INVALID_BYTE"
    r"|BUFFER_GLB_CHUNK|IMAGE_BUFFER_VIEW_WITH|SKIN_IBM|INVALID_IBM|ANIMATION_SAMPLER_ACCESSOR_WITH"
    r"|MESH_PRIMITIVE_INDICES_ACCESSOR_WITH)"
)


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
