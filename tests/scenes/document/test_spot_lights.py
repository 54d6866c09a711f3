"""A document's spot lights: loaded, saved canonically, and a spot light without a place or
a direction, with a cone inside out, or a cone on another kind of light refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from museion.scenes.document.file import dump_scene
from museion.scenes.document.loader import load_scene
from museion.scenes.document.model import Light
from museion.scenes.errors import SceneInvalid
from tests.scenes.document.scene_examples import _set

SPOT = {
    "type": "spot",
    "color": [1, 0.9, 0.8],
    "intensity": 40,
    "position": [0, 3, 0],
    "direction": [0, -1, 0],
    "inner_cone": 10,
    "outer_cone": 25,
}


def test_a_spot_light_round_trips() -> None:
    document = load_scene(_set("/lights", [SPOT]))
    assert document.lights == (
        Light("spot", (1.0, 0.9, 0.8), 40.0, (0.0, -1.0, 0.0), (0.0, 3.0, 0.0), 10.0, 25.0),
    )
    once = dump_scene(document)
    assert json.loads(once)["lights"] == [SPOT]
    assert dump_scene(load_scene(once)) == once


def test_the_cone_defaults_are_not_saved() -> None:
    bare = {k: v for k, v in SPOT.items() if not k.endswith("_cone")}
    document = load_scene(_set("/lights", [bare]))
    assert (document.lights[0].inner_cone, document.lights[0].outer_cone) == (None, None)
    assert "outer_cone" not in json.loads(dump_scene(document))["lights"][0]


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [
        ({"direction": None}, "/lights/0", "MISSING_FIELD"),
        ({"position": None}, "/lights/0", "MISSING_FIELD"),
        ({"inner_cone": 30, "outer_cone": 20}, "/lights/0/inner_cone", "OUT_OF_RANGE"),
        ({"outer_cone": 0}, "/lights/0/outer_cone", "OUT_OF_RANGE"),
        ({"outer_cone": 91}, "/lights/0/outer_cone", "OUT_OF_RANGE"),
        ({"type": "point"}, "/lights/0/inner_cone", "INVALID_VALUE"),
        ({"type": "torch"}, "/lights/0/type", "INVALID_VALUE"),
    ],
)
def test_a_bad_spot_light_is_refused(change: dict[str, Any], pointer: str, code: str) -> None:
    light = {k: v for k, v in {**SPOT, **change}.items() if v is not None}
    with pytest.raises(SceneInvalid) as refused:
        load_scene(_set("/lights", [light]))
    assert (pointer, code) in {(i.pointer, i.code) for i in refused.value.issues}, (
        refused.value.issues
    )
