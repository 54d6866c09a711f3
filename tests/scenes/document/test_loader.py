"""Scene documents: every problem reported with pointer, code and sentence; nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from museion.scenes.checked_scene import check_scene
from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.errors import SceneInvalid
from tests.conftest import ASSETS
from tests.scenes.document.scene_examples import BROKEN, VALID, valid_bytes


def test_the_example_loads_with_its_parts() -> None:
    document = load_scene(valid_bytes(), asset_root=ASSETS)
    assert document.default_language == "zh"
    vessel = document.exhibit("vessel")
    assert vessel.metadata.title == {"zh": "青铜壶", "en": "Bronze vessel"}
    assert vessel.hotspots[0].id == "band"
    assert document.exhibit("lid").parent == "vessel"
    assert [s.exhibit for s in document.tours[0].steps] == ["vessel", None]
    assert document.tours[0].steps[1].camera is not None
    assert document.stage_screens[0].width == 3.2


def test_save_is_canonical_and_byte_stable() -> None:
    once = dump_scene(load_scene(valid_bytes()))
    twice = dump_scene(load_scene(once))
    assert once == twice
    assert once.endswith(b"\n")
    assert json.loads(once)["format"] == "museion.scene"
    assert "青铜壶".encode() in once  # readable UTF-8, not \\u escapes


def test_at_least_thirty_broken_documents() -> None:
    assert len(BROKEN) >= 30


@pytest.mark.parametrize(("name", "raw", "code", "pointer"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_broken_document_is_explained(name: str, raw: bytes, code: str, pointer: str) -> None:
    with pytest.raises(SceneInvalid) as caught:
        load_scene(raw, asset_root=ASSETS)
    issues = caught.value.issues
    assert issues, name
    assert (pointer, code) in [(i.pointer, i.code) for i in issues], [str(i) for i in issues]
    assert all(i.message and i.code.isupper() for i in issues)


def test_a_nul_in_a_file_name_is_an_issue_where_the_engine_checks_files_too() -> None:
    """check_scene, what serve runs, shares the path policy with the loader: no ValueError."""
    document: dict[str, Any] = json.loads(valid_bytes())
    document["tours"][0]["steps"][0]["audio"] = {"en": "voice\x00.ogg"}
    document["exhibits"][0]["hotspots"][0]["image"] = "band\x00.png"
    document["exhibits"][1]["asset"] = "relic.glb\x00"
    loaded = load_scene(json.dumps(document).encode())  # no asset root: files unchecked
    with pytest.raises(SceneInvalid) as caught:
        check_scene(loaded, ASSETS)
    assert {(i.pointer, i.code) for i in caught.value.issues} == {
        ("/tours/0/steps/0/audio/en", "PATH_INVALID"),
        ("/exhibits/0/hotspots/0/image", "PATH_INVALID"),
        ("/exhibits/1/asset", "PATH_INVALID"),
    }
    assert all("NUL character" in i.message for i in caught.value.issues)


def test_every_problem_is_reported_at_once() -> None:
    document: dict[str, Any] = json.loads(valid_bytes())
    document["exhibits"][0]["metadat"] = 1
    document["exhibits"][0]["metadata"]["title"]["zz"] = "?"
    document["tours"][0]["steps"][0]["exhibit"] = "ghost"
    document["exhibits"][1]["asset"] = "../outside.glb"
    with pytest.raises(SceneInvalid) as caught:
        load_scene(json.dumps(document).encode(), asset_root=ASSETS)
    codes = {i.code for i in caught.value.issues}
    assert {"UNKNOWN_FIELD", "UNKNOWN_LANGUAGE", "DANGLING_REFERENCE", "URI_OUTSIDE_ROOT"} <= codes
    text = str(caught.value)
    assert "/exhibits/0/metadata/title: UNKNOWN_LANGUAGE 'zz'" in text
    assert "did you mean 'metadata'?" in text


def test_version_one_showcase_migrates_forward() -> None:
    document = load_scene(
        b'{"version": 1, "venue": "venue.glb", "relic": "relic.glb"}', asset_root=ASSETS
    )
    assert document.version == 2
    assert [e.asset for e in document.exhibits] == ["relic.glb"]
    assert document.title == {"en": "Museion"}
    assert load_scene(dump_scene(document)) == document


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_bytes_load_or_raise_scene_invalid(raw: bytes) -> None:
    try:
        load_scene(raw)
    except SceneInvalid as exc:
        assert exc.issues


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


ALL_PATHS = _paths(VALID)[1:]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), json_values)
def test_fuzz_any_part_replaced_loads_or_raises_scene_invalid(
    path: tuple[Any, ...], value: Any
) -> None:
    document = json.loads(json.dumps(VALID))
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    try:
        loaded = load_scene(json.dumps(document).encode(), asset_root=ASSETS)
    except SceneInvalid as exc:
        assert all(i.code and i.message for i in exc.issues)
    else:
        assert load_scene(dump_scene(loaded)) == loaded


def test_the_committed_example_exhibition_is_valid_and_canonical() -> None:
    raw = (ASSETS / "example.scene.json").read_bytes()
    document = load_scene(raw, asset_root=ASSETS)
    assert dump_scene(document) == raw
    assert {"zh", "en"} <= set(document.exhibits[0].metadata.title)
    assert len(document.tours[0].steps) == 4
