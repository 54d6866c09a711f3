"""Accessor bytes: where they lie (``layout``), the one reader (``read``), and the gate's
range and value checks over them."""

from museion.scenes.gltf.accessors.ranges import check_accessors
from museion.scenes.gltf.accessors.read import (
    DecodedViews,
    LoadedBuffers,
    Refused,
    read_accessor,
    read_decoded_accessor,
)

__all__ = [
    "DecodedViews",
    "LoadedBuffers",
    "Refused",
    "check_accessors",
    "read_accessor",
    "read_decoded_accessor",
]
