"""An exhibit's ``contact_shadow``: false opts it out and is saved; true is the default and
saved as absent."""

from __future__ import annotations

import json

import pytest

from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.errors import SceneInvalid
from tests.scenes.document.scene_examples import _set, valid_bytes


def test_false_opts_out_and_round_trips() -> None:
    document = load_scene(_set("/exhibits/0/contact_shadow", False))
    assert document.exhibits[0].contact_shadow is False
    saved = dump_scene(document)
    assert json.loads(saved)["exhibits"][0]["contact_shadow"] is False
    assert dump_scene(load_scene(saved)) == saved


def test_true_is_the_default_and_not_saved() -> None:
    document = load_scene(_set("/exhibits/0/contact_shadow", True))
    assert document == load_scene(valid_bytes())
    assert b"contact_shadow" not in dump_scene(document)


def test_anything_else_is_refused() -> None:
    with pytest.raises(SceneInvalid) as refused:
        load_scene(_set("/exhibits/0/contact_shadow", "no"))
    assert [(i.pointer, i.code) for i in refused.value.issues] == [
        ("/exhibits/0/contact_shadow", "TYPE_MISMATCH")
    ]
