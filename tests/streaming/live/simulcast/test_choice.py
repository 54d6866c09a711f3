"""A viewer's layer choice: a rid of the show or auto; anything else the documented 400."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.http_errors import status_for
from museion.streaming.live.simulcast.choice import LayerUnknown, parse_layer_choice

RIDS = ["h", "m", "l"]


def test_a_rid_of_the_show_or_auto_is_taken() -> None:
    assert parse_layer_choice('{"layer": "m"}', RIDS) == "m"
    assert parse_layer_choice('{"layer": "auto"}', RIDS) == "auto"
    assert parse_layer_choice('{"layer": "auto"}', []) == "auto"  # a show without layers


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"layer": "x"}', "LAYER_UNKNOWN"),
        ('{"layer": "h"}', "LAYER_UNKNOWN"),  # with no layers
        ('{"layer": 1}', "LAYER_CHOICE_MALFORMED"),
        ('["h"]', "LAYER_CHOICE_MALFORMED"),
        ("h", "LAYER_CHOICE_MALFORMED"),
        ('{"layer": "' + "h" * 300 + '"}', "LAYER_CHOICE_MALFORMED"),
    ],
)
def test_anything_else_is_a_400_with_a_stable_code(text: str, code: str) -> None:
    layers = [] if text == '{"layer": "h"}' else RIDS
    with pytest.raises(LayerUnknown) as refused:
        parse_layer_choice(text, layers)
    assert refused.value.code == code and status_for(refused.value) == 400


@given(st.text(max_size=300))
def test_any_text_is_a_layer_or_the_documented_error(text: str) -> None:
    with contextlib.suppress(LayerUnknown):
        assert parse_layer_choice(text, RIDS) in [*RIDS, "auto"]
