"""Every options dataclass of the glTF room refuses a cap that is not a positive integer,
where it is made (:mod:`museion.scenes.gltf.caps`)."""

from __future__ import annotations

from typing import Any

import pytest

from museion.scenes.gltf.decode.source import DecodeLimits
from museion.scenes.gltf.gate import GateLimits
from museion.scenes.gltf.structure import StructureLimits


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "64", None])
def test_gate_limits_refuse_a_cap_that_is_not_a_positive_integer(value: Any) -> None:
    with pytest.raises(ValueError, match=r"GateLimits\.max_json_bytes must be a positive"):
        GateLimits(max_json_bytes=value)
    with pytest.raises(ValueError, match=r"GateLimits\.structure must be a StructureLimits"):
        GateLimits(structure=value)
    assert GateLimits(max_json_bytes=1).max_json_bytes == 1


@pytest.mark.parametrize("value", [0, -3, False, 2.0])
def test_structure_limits_refuse_a_cap_that_is_not_a_positive_integer(value: Any) -> None:
    with pytest.raises(ValueError, match=r"StructureLimits\.max_node_depth must be a positive"):
        StructureLimits(max_node_depth=value)
    assert StructureLimits(max_node_depth=1).max_node_depth == 1


@pytest.mark.parametrize("value", [0, -1, True, 1e9])
def test_decode_limits_refuse_a_cap_that_is_not_a_positive_integer(value: Any) -> None:
    with pytest.raises(ValueError, match=r"DecodeLimits\.max_decoded_bytes must be a positive"):
        DecodeLimits(max_decoded_bytes=value)
    assert DecodeLimits(max_decoded_bytes=1).max_decoded_bytes == 1
