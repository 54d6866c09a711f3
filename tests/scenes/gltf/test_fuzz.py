"""Fuzzing the gate's readers: any bytes, any JSON, any GLB mutation is either accepted or
refused with a documented error (an :class:`AssetRejected` with a stable code); nothing
else escapes, nothing hangs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from museion.scenes.errors import AssetRejected
from museion.scenes.gltf.gate import parse_gltf_bytes, validate_gltf
from museion.scenes.gltf.glb import read_glb, write_glb
from tests.gltf_fixtures import triangle

_CODE = re.compile(r"^[A-Z][A-Z0-9_]+$")

_DOCUMENT, _TRIANGLE = triangle(name="tri")
_VALID_GLB = write_glb(_DOCUMENT, _TRIANGLE)

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _documented(exc: AssetRejected) -> None:
    assert _CODE.match(exc.code), exc.code
    assert exc.detail and "Traceback" not in exc.detail


def test_the_seed_glb_is_valid(tmp_path: Path) -> None:
    (tmp_path / "seed.glb").write_bytes(_VALID_GLB)
    assert validate_gltf(tmp_path, "seed.glb").issues == ()


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=256), st.booleans())
def test_any_bytes(data: bytes, glb: bool) -> None:
    try:
        document, _ = parse_gltf_bytes(data, "fuzz", glb=glb)
    except AssetRejected as exc:
        _documented(exc)
    else:
        assert isinstance(document, dict)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(_VALID_GLB) - 1),
    st.binary(min_size=1, max_size=8),
    st.integers(min_value=0, max_value=len(_VALID_GLB)),
)
def test_glb_mutations(at: int, patch: bytes, cut: int) -> None:
    """Overwrite bytes anywhere (length fields, chunk types, JSON), then maybe truncate."""
    mutated = (_VALID_GLB[:at] + patch + _VALID_GLB[at + len(patch) :])[: max(cut, 12)]
    try:
        chunks = read_glb(mutated, "fuzz.glb")
    except AssetRejected as exc:
        _documented(exc)
    else:
        assert len(chunks.json) + len(chunks.bin or b"") <= len(mutated)


_PATHS = [
    ("accessors", 0, "count"),
    ("accessors", 0, "byteOffset"),
    ("accessors", 0, "componentType"),
    ("accessors", 0, "type"),
    ("accessors", 0, "bufferView"),
    ("accessors", 0, "sparse"),
    ("accessors", 0, "min"),
    ("bufferViews", 0, "byteLength"),
    ("bufferViews", 0, "byteOffset"),
    ("bufferViews", 0, "byteStride"),
    ("bufferViews", 0, "buffer"),
    ("buffers", 0, "byteLength"),
    ("buffers", 0, "uri"),
    ("nodes", 0, "children"),
    ("nodes", 0, "mesh"),
    ("nodes", 0, "matrix"),
    ("meshes", 0, "primitives"),
    ("scenes", 0, "nodes"),
]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(_PATHS), _json_values), min_size=1, max_size=4))
def test_any_json_values_through_the_whole_gate(
    tmp_path: Path, replacements: list[tuple[tuple[str, int, str], Any]]
) -> None:
    """Every check after the parser sees any JSON type in the properties that drive
    allocation and recursion; the gate reports, it never raises."""
    document = json.loads(json.dumps(_DOCUMENT))
    for (kind, index, key), value in replacements:
        document[kind][index][key] = value
    (tmp_path / "fuzz.glb").write_bytes(write_glb(document, _TRIANGLE))
    report = validate_gltf(tmp_path, "fuzz.glb")
    for issue in report.issues:
        assert _CODE.match(issue.code) and issue.message


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(sorted(_DOCUMENT)), _json_values, min_size=1, max_size=3))
def test_any_top_level_values(tmp_path: Path, replacements: dict[str, Any]) -> None:
    document = {**_DOCUMENT, **replacements}
    (tmp_path / "fuzz.gltf").write_text(json.dumps(document))
    report = validate_gltf(tmp_path, "fuzz.gltf")
    for issue in report.issues:
        assert _CODE.match(issue.code) and issue.message
