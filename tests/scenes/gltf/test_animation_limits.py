"""Animations the gate refuses, on whole generated files: a keyframe past the duration
cap (ANIMATION_TOO_LONG), a NaN sample (ACCESSOR_INVALID_FLOAT), times that go back;
a sane one passes."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from museion.scenes.gltf.gate import GateLimits, validate_gltf
from museion.scenes.gltf.structure import StructureLimits
from tests.gltf_fixtures import turning_triangle


def _codes(folder: Path, name: str, limits: GateLimits | None = None) -> set[tuple[str, str]]:
    report = validate_gltf(folder, name, limits)
    return {(i.code, i.pointer) for i in report.issues if i.severity == "error"}


def test_a_sane_animation_passes(tmp_path: Path) -> None:
    assert (
        _codes(tmp_path, turning_triangle(tmp_path, [0, 1, 2], [0, math.pi, 2 * math.pi])) == set()
    )


def test_a_keyframe_past_the_cap_is_refused(tmp_path: Path) -> None:
    name = turning_triangle(tmp_path, [0, 1, 601], [0, 1, 2])
    assert ("ANIMATION_TOO_LONG", "/animations/0/samplers/0/input") in _codes(tmp_path, name)
    # The cap is configurable: ten minutes is the default, not a rule.
    longer = GateLimits(structure=StructureLimits(max_animation_seconds=3600))
    assert _codes(tmp_path, name, longer) == set()


def test_a_nan_sample_is_refused(tmp_path: Path) -> None:
    name = turning_triangle(tmp_path, [0, 1, 2], [0, float("nan"), 2])
    assert ("ACCESSOR_INVALID_FLOAT", "/accessors/2") in _codes(tmp_path, name)


@pytest.mark.parametrize("times", [[0, 2, 1], [0, 1, 1], [-1, 0, 1]])
def test_keyframes_that_do_not_increase_are_refused(tmp_path: Path, times: list[float]) -> None:
    codes = {code for code, _ in _codes(tmp_path, turning_triangle(tmp_path, times, [0, 1, 2]))}
    assert codes & {"ACCESSOR_ANIMATION_INPUT_NON_INCREASING", "ACCESSOR_ANIMATION_INPUT_NEGATIVE"}
