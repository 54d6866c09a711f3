"""The document's visible ``watermark``: loaded with its defaults, saved canonically,
absent when not asked for, and bad values refused with a pointer, a code and a sentence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import Watermark
from museion.scenes.errors import SceneInvalid
from tests.scenes.document.scene_examples import VALID, _set


def test_defaults_fill_in_and_the_save_is_canonical() -> None:
    document = load_scene(_set("/watermark", {"visible": True}))
    assert document.watermark == Watermark(visible=True, text=None, opacity=0.25)
    once = dump_scene(document)
    assert json.loads(once)["watermark"] == {"visible": True, "opacity": 0.25}
    assert load_scene(once) == document
    assert dump_scene(load_scene(once)) == once


def test_every_field_round_trips() -> None:
    text = {"zh": "故宫博物院", "en": "© The Palace Museum"}
    mark = {"visible": True, "text": text, "opacity": 1}
    document = load_scene(_set("/watermark", mark))
    assert document.watermark == Watermark(True, text, 1.0)
    saved = dump_scene(document)
    assert json.loads(saved)["watermark"] == {**mark, "opacity": 1.0}
    assert dump_scene(load_scene(saved)) == saved


def test_a_document_without_it_has_none_and_saves_none() -> None:
    document = load_scene(json.dumps(VALID, ensure_ascii=False).encode())
    assert document.watermark is None
    assert b'"watermark"' not in dump_scene(document)


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        ("/watermark/opacity", 0, "OUT_OF_RANGE"),
        ("/watermark/opacity", -0.5, "OUT_OF_RANGE"),
        ("/watermark/opacity", 1.01, "OUT_OF_RANGE"),
        ("/watermark/opacity", "half", "TYPE_MISMATCH"),
        ("/watermark/visible", "yes", "TYPE_MISMATCH"),
        ("/watermark/colour", [1, 1, 1], "UNKNOWN_FIELD"),
        ("/watermark/text", {"en": "only English"}, "MISSING_TRANSLATION"),
        ("/watermark/text", {"zh": "   "}, "INVALID_VALUE"),
        ("/watermark/text", {"zh": ""}, "INVALID_VALUE"),
        ("/watermark/text", {"zh": "长" * 121}, "TEXT_TOO_LONG"),
        ("/watermark/text", {"zh": "x", "not a tag!": "y"}, "UNKNOWN_LANGUAGE"),
        ("/watermark", True, "TYPE_MISMATCH"),
    ],
)
def test_bad_values_are_refused_with_their_code(path: str, value: Any, code: str) -> None:
    with pytest.raises(SceneInvalid) as refused:
        load_scene(_set_watermark(path, value))
    found = [i for i in refused.value.issues if i.code == code]
    assert found, refused.value.issues
    assert all(i.pointer.startswith("/watermark") for i in refused.value.issues)


def test_opacity_out_of_range_is_said_once_in_words() -> None:
    with pytest.raises(SceneInvalid) as refused:
        load_scene(_set("/watermark", {"visible": True, "opacity": 0}))
    (issue,) = refused.value.issues
    assert issue.pointer == "/watermark/opacity"
    assert "above 0" in issue.message and "at most 1" in issue.message


def _set_watermark(path: str, value: Any) -> bytes:
    """The valid document with ``value`` at ``path`` inside a visible watermark."""
    if path == "/watermark":
        return _set(path, value)
    field = path.rsplit("/", 1)[1]
    return _set("/watermark", {"visible": True, field: value})
