"""The lean shader's lights: one key light and a hemisphere ambient, from the document's
lights when it gives them, else from the venue and the settings."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from museion.runtime.scene_builder import to_panda
from museion.runtime.settings import RuntimeSettings
from museion.scenes.document.model import Light

__all__ = ["set_light_inputs"]

logger = logging.getLogger(__name__)


def _venue_key_direction(venue: Any, root: Any) -> tuple[float, float, float]:
    """Direction towards the venue's first directional light, else a default."""
    from panda3d.core import Vec3

    lights = venue.find_all_matches("**/+DirectionalLight")
    if lights.get_num_paths():
        forward = lights.get_path(0).get_quat(root).get_forward()
        towards = -Vec3(forward)
    else:
        towards = Vec3(0.4, -0.6, 0.8)
    towards.normalize()
    return (towards.x, towards.y, towards.z)


def set_light_inputs(
    root: Any, venue: Any, lights: Sequence[Light], settings: RuntimeSettings
) -> None:
    """Give ``root``'s lean shader its key light and hemisphere ambient.

    A document's first directional light becomes the key (intensity 3 is the house
    brightness, ``key_light_intensity``); ambient lights scale the hemisphere; point
    lights are not rendered by the lean shader (logged once).  Call on the render thread.
    """
    from panda3d.core import LVecBase3f

    s = settings
    k = s.key_light_intensity
    key_light = _venue_key_direction(venue, root)
    key_color = (k, k * 0.97, k * 0.92)
    ambient = 1.0
    directional = [light for light in lights if light.type == "directional"]
    if directional:
        key = directional[0]
        scale = k * key.intensity / 3.0
        key_color = (key.color[0] * scale, key.color[1] * scale, key.color[2] * scale)
        if key.direction is not None and any(key.direction):
            dx, dy, dz = to_panda(key.direction)
            norm = math.sqrt(dx * dx + dy * dy + dz * dz)
            key_light = (-dx / norm, -dy / norm, -dz / norm)
    ambients = [light.intensity for light in lights if light.type == "ambient"]
    if ambients:
        ambient = sum(ambients)
    if any(light.type == "point" for light in lights) or len(directional) > 1:
        logger.warning("the lean shader renders one directional light; others are ignored")
    root.set_shader_input("key_direction_world", LVecBase3f(*key_light))
    root.set_shader_input("key_color", LVecBase3f(*key_color))
    root.set_shader_input("sky_color", LVecBase3f(*(c * ambient for c in s.sky_color)))
    root.set_shader_input("ground_color", LVecBase3f(*(c * ambient for c in s.ground_color)))
    root.set_shader_input("exposure", s.exposure)
