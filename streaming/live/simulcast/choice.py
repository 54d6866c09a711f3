"""A viewer's choice of layer, as a WHEP client sends it: ``{"layer": "<rid>"}`` or
``{"layer": "auto"}``, posted to ``<viewer Location>/layer``.  Pure; fuzzed."""

from __future__ import annotations

import json

from museion.streaming.errors import LayerUnknown
from museion.streaming.live.simulcast.pilot import AUTO

__all__ = ["LayerUnknown", "parse_layer_choice"]

MAX_CHOICE = 256  # bytes: a rid is at most 16 characters


def parse_layer_choice(text: str, layers: list[str]) -> str:
    """The layer ``text`` asks for: :data:`AUTO` or one of ``layers`` (the show's rids,
    none without simulcast)."""
    try:
        message = json.loads(text) if len(text) <= MAX_CHOICE else None
    except ValueError:
        message = None
    layer = message.get("layer") if isinstance(message, dict) else None
    if not isinstance(layer, str):
        raise LayerUnknown(
            'Send {"layer": "<rid>"} or {"layer": "auto"}.', code="LAYER_CHOICE_MALFORMED"
        )
    if layer != AUTO and layer not in layers:
        offered = ", ".join(["auto", *layers])
        raise LayerUnknown(f"This show has no layer {layer[:16]!r}; choose one of: {offered}.")
    return layer
