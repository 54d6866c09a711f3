"""Animations the gate refuses, on whole generated files: a keyframe past the duration
cap (ANIMATION_TOO_LONG), a NaN sample (ACCESSOR_INVALID_FLOAT), times that go back;
a sane one passes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from museion.scenes.gltf.gate import GateLimits, validate_gltf
from museion.scenes.gltf.glb import write_glb
from museion.scenes.gltf.structure import StructureLimits


def _animated(folder: Path, times: list[float], angles: list[float]) -> str:
    """A triangle on a node turning about Y at ``times`` by ``angles`` (radians, LINEAR),
    written as a GLB; returns its name."""
    positions = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.float32)
    keys = np.array(times, np.float32)
    half = np.array(angles, np.float64) / 2
    rotations = np.stack(
        [np.zeros_like(half), np.sin(half), np.zeros_like(half), np.cos(half)], axis=1
    ).astype(np.float32)
    blocks = [positions.tobytes(), keys.tobytes(), rotations.tobytes()]
    views, offset = [], 0
    for block in blocks:
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(block)})
        offset += len(block)
    finite = np.isfinite(keys)
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": offset}],
        "bufferViews": views,
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 3,
                "type": "VEC3",
                "min": [0, 0, 0],
                "max": [1, 1, 0],
            },
            {
                "bufferView": 1,
                "componentType": 5126,
                "count": len(keys),
                "type": "SCALAR",
                "min": [float(keys[finite].min())],
                "max": [float(keys[finite].max())],
            },
            {"bufferView": 2, "componentType": 5126, "count": len(keys), "type": "VEC4"},
        ],
        "animations": [
            {
                "name": "Turn",
                "samplers": [{"input": 1, "output": 2, "interpolation": "LINEAR"}],
                "channels": [{"sampler": 0, "target": {"node": 0, "path": "rotation"}}],
            }
        ],
    }
    (folder / "turn.glb").write_bytes(write_glb(document, b"".join(blocks)))
    return "turn.glb"


def _codes(folder: Path, name: str, limits: GateLimits | None = None) -> set[tuple[str, str]]:
    report = validate_gltf(folder, name, limits)
    return {(i.code, i.pointer) for i in report.issues if i.severity == "error"}


def test_a_sane_animation_passes(tmp_path: Path) -> None:
    assert _codes(tmp_path, _animated(tmp_path, [0, 1, 2], [0, math.pi, 2 * math.pi])) == set()


def test_a_keyframe_past_the_cap_is_refused(tmp_path: Path) -> None:
    name = _animated(tmp_path, [0, 1, 601], [0, 1, 2])
    assert ("ANIMATION_TOO_LONG", "/animations/0/samplers/0/input") in _codes(tmp_path, name)
    # The cap is configurable: ten minutes is the default, not a rule.
    longer = GateLimits(structure=StructureLimits(max_animation_seconds=3600))
    assert _codes(tmp_path, name, longer) == set()


def test_a_nan_sample_is_refused(tmp_path: Path) -> None:
    name = _animated(tmp_path, [0, 1, 2], [0, float("nan"), 2])
    assert ("ACCESSOR_INVALID_FLOAT", "/accessors/2") in _codes(tmp_path, name)


@pytest.mark.parametrize("times", [[0, 2, 1], [0, 1, 1], [-1, 0, 1]])
def test_keyframes_that_do_not_increase_are_refused(tmp_path: Path, times: list[float]) -> None:
    codes = {code for code, _ in _codes(tmp_path, _animated(tmp_path, times, [0, 1, 2]))}
    assert codes & {"ACCESSOR_ANIMATION_INPUT_NON_INCREASING", "ACCESSOR_ANIMATION_INPUT_NEGATIVE"}
