"""The lean shader's lights: a key light and a hemisphere ambient (the document's, else the
venue's and the settings'), and every point and spot light of the scene, of which each view
draws the few that light what it looks at (:class:`LightBudget`)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from museion.runtime.materials import (
    DEFAULT_INPUTS,
    material_inputs,
    set_material_inputs,
    set_texcoord_inputs,
)
from museion.runtime.scene_builder import to_panda
from museion.runtime.settings import RuntimeSettings
from museion.scenes.document.model import Light
from museion.scenes.gltf.gate import CheckedGltf, read_gltf

__all__ = ["LightBudget", "PunctualLight", "gather_lights", "prepare_model", "set_light_inputs"]

logger = logging.getLogger(__name__)

Vec3 = tuple[float, float, float]

AHEAD = 2.0
"""Metres in front of a camera without an orbit target where its lights are chosen."""
GLTF_WATTS_TO_LUMENS = 683.0
"""panda3d-gltf divides a punctual light's intensity by this (and multiplies a point or
spot light's by 4 pi); :func:`gather_lights` undoes both to get candela back."""


@dataclass(frozen=True)
class PunctualLight:
    """A point or spot light in the scene root's coordinates (Panda3D's, Z up).

    ``color`` is linear RGB in house units at 1 m: candela times ``key_light_intensity / 3``,
    the scale that makes the document's 3-lux directional light the house key light, so a
    3 cd lamp 1 m away (or a 100 cd lamp 5.8 m away) lights a surface facing it as the
    house key does.  ``range``
    is glTF's cut-off (0: none).  A spot light shines along ``direction`` with glTF's
    smooth cone as ``cone = (scale, offset)``; a point light's scale is 0.
    """

    name: str
    position: Vec3
    color: Vec3
    range: float = 0.0
    direction: Vec3 = (0.0, 0.0, -1.0)
    cone: tuple[float, float] = (0.0, 1.0)

    def strength_at(self, point: Vec3) -> float:
        """How much light reaches ``point`` (ignoring the surface's facing): what the
        budget ranks lights by."""
        d2 = max(sum((a - b) ** 2 for a, b in zip(self.position, point, strict=True)), 1e-4)
        if self.range > 0 and d2 >= self.range**2:
            return 0.0
        strength = max(self.color) / d2
        scale, offset = self.cone
        if scale > 0:
            d = math.sqrt(d2)
            towards = [(b - a) / d for a, b in zip(self.position, point, strict=True)]
            cd = sum(a * b for a, b in zip(self.direction, towards, strict=True))
            strength *= min(max(cd * scale + offset, 0.0), 1.0) ** 2
        return strength


def spot_cone(inner: float, outer: float) -> tuple[float, float]:
    """glTF's ``(scale, offset)`` for a cone of ``inner`` and ``outer`` half-angles (rad)."""
    scale = 1.0 / max(math.cos(inner) - math.cos(outer), 1e-3)
    return scale, -math.cos(outer) * scale


def _house_color(color: Sequence[float], candela: float, settings: RuntimeSettings) -> Vec3:
    k = candela * settings.key_light_intensity / 3.0
    return (color[0] * k, color[1] * k, color[2] * k)


def _model_lights(root: Any, settings: RuntimeSettings) -> list[PunctualLight]:
    """Point and spot lights panda3d-gltf made from the models' ``KHR_lights_punctual``.

    The converter keeps the outer cone as the lens's field of view and only a Phong
    exponent for the inner one: a spot with an exponent gets inner 0 (glTF's default), one
    without a hard edge (inner at 95% of outer).
    """
    found = []
    for kind in ("PointLight", "Spotlight"):
        paths = root.find_all_matches(f"**/+{kind}")
        for i in range(paths.get_num_paths()):
            path = paths.get_path(i)
            node = path.node()
            p = path.get_pos(root)
            c = node.get_color()
            per_candela = GLTF_WATTS_TO_LUMENS / (4 * math.pi)
            reach = float(node.max_distance)
            light = PunctualLight(
                name=node.name,
                position=(p.x, p.y, p.z),
                color=_house_color((c.x, c.y, c.z), per_candela, settings),
                range=reach if math.isfinite(reach) and reach > 0 else 0.0,
            )
            if kind == "Spotlight":
                forward = path.get_quat(root).get_forward()
                outer = math.radians(node.get_lens().get_fov().x / 2)
                inner = 0.0 if node.exponent > 0 else outer * 0.95
                light = PunctualLight(
                    light.name,
                    light.position,
                    light.color,
                    light.range,
                    (forward.x, forward.y, forward.z),
                    spot_cone(inner, outer),
                )
            found.append(light)
    return found


def gather_lights(
    root: Any, lights: Sequence[Light], settings: RuntimeSettings
) -> tuple[PunctualLight, ...]:
    """Every point and spot light under ``root`` (the models') and in the document
    (``type: point`` or ``spot`` with a position; its intensity in candela)."""
    found = _model_lights(root, settings)
    for i, light in enumerate(lights):
        if light.type not in ("point", "spot"):
            continue
        if light.position is None:
            logger.warning("document light %d (%s) has no position: left out", i, light.type)
            continue
        lamp = PunctualLight(
            name=f"document-light-{i}",
            position=to_panda(light.position),
            color=_house_color(light.color, light.intensity, settings),
        )
        if light.type == "spot" and light.direction is not None:
            inner = math.radians(0.0 if light.inner_cone is None else light.inner_cone)
            outer = math.radians(45.0 if light.outer_cone is None else light.outer_cone)
            x, y, z = to_panda(light.direction)
            length = math.sqrt(x * x + y * y + z * z) or 1.0
            lamp = replace(
                lamp, direction=(x / length, y / length, z / length), cone=spot_cone(inner, outer)
            )
        found.append(lamp)
    return tuple(found)


class LightBudget:
    """The scene's point and spot lights, and the shader arrays holding one view's chosen
    few: the :attr:`count` strongest at the view's camera target.

    The shader is compiled for exactly :attr:`count` lights (``max_lights``, or fewer when
    the scene has fewer; see :meth:`defines`).  The choice is made when a view's camera
    moves (:meth:`choose`, a few flops per light) and written into the shared arrays just
    before that view draws (:meth:`apply`), so a hall with 20 lamps costs each view
    ``max_lights`` lights.  Render thread only.
    """

    MOVING_LIGHTS = 2
    """A moving preview draws the first (strongest) two of a view's lights."""

    def __init__(self, root: Any, lights: Sequence[PunctualLight], max_lights: int) -> None:
        from panda3d.core import PTA_LVecBase4f

        self.lights = tuple(lights)
        self.count = min(max_lights, len(self.lights))
        slots = max(self.count, 1)  # GLSL has no empty array
        self._position = PTA_LVecBase4f.empty_array(slots)
        self._color = PTA_LVecBase4f.empty_array(slots)
        self._spot = PTA_LVecBase4f.empty_array(slots)
        self.applied: tuple[int, ...] | None = None
        """The lights the arrays hold now (indices into :attr:`lights`)."""
        root.set_shader_input("light_position", self._position)
        root.set_shader_input("light_color", self._color)
        root.set_shader_input("light_spot", self._spot)
        if len(self.lights) > max_lights:
            logger.info(
                "%d point and spot lights; each view draws the %d strongest where it looks",
                len(self.lights),
                max_lights,
            )

    def defines(self, moving: bool) -> tuple[str, ...]:
        """The shader's ``#define`` lines: its light count and its arrays' size."""
        count = min(self.count, self.MOVING_LIGHTS) if moving else self.count
        return (f"LIGHTS {count}", f"LIGHT_SLOTS {max(self.count, 1)}")

    def choose(self, target: Vec3) -> tuple[int, ...]:
        """The :attr:`count` lights a view looking at ``target`` (Panda3D coordinates)
        draws, the strongest there first (a moving preview draws only the first few)."""
        if self.count <= 1 and len(self.lights) <= 1:
            return tuple(range(self.count))
        ranked = sorted((-light.strength_at(target), i) for i, light in enumerate(self.lights))
        return tuple(i for _, i in ranked[: self.count])

    def ahead(self, camera: Any, root: Any) -> Vec3:
        """Where a camera aimed by other means than an orbit (a headset's eye) looks: a
        couple of metres in front of it, what :meth:`choose` ranks its lights at."""
        from panda3d.core import Point3

        p = root.get_relative_point(camera, Point3(0.0, AHEAD, 0.0))
        return (p.x, p.y, p.z)

    def held(self) -> tuple[Vec3, ...]:
        """Where the lights the shader's arrays hold now are (for tests and logs)."""
        if not self.applied:
            return ()
        return tuple(
            (p[0], p[1], p[2]) for p in (self._position[i] for i in range(len(self.applied)))
        )

    def apply(self, chosen: tuple[int, ...]) -> None:
        """Write ``chosen`` into the shader's arrays (nothing when they hold it already)."""
        from panda3d.core import LVecBase4f

        if chosen == self.applied:
            return
        for slot, index in enumerate(chosen):
            light = self.lights[index]
            self._position[slot] = LVecBase4f(*light.position, light.range)
            self._color[slot] = LVecBase4f(*light.color, light.cone[1])
            self._spot[slot] = LVecBase4f(*light.direction, light.cone[0])
        self.applied = chosen


def _venue_key_direction(venue: Any, root: Any) -> Vec3:
    """Direction towards the venue's first directional light, else a default."""
    from panda3d.core import Vec3 as PandaVec3

    lights = venue.find_all_matches("**/+DirectionalLight")
    if lights.get_num_paths():
        forward = lights.get_path(0).get_quat(root).get_forward()
        towards = -PandaVec3(forward)
    else:
        towards = PandaVec3(0.4, -0.6, 0.8)
    towards.normalize()
    return (towards.x, towards.y, towards.z)


def set_light_inputs(
    root: Any, venue: Any, lights: Sequence[Light], settings: RuntimeSettings
) -> LightBudget:
    """Give ``root``'s lean shader its key light, hemisphere ambient and point and spot
    lights; the returned budget picks each view's few.

    A document's first directional light becomes the key (intensity 3 is the house
    brightness, ``key_light_intensity``); ambient lights scale the hemisphere; point
    lights, the document's and the models' (``KHR_lights_punctual``), and the models' spot
    lights go to the budget.  A second directional light is not rendered (logged).  Call
    on the render thread, after every model is under ``root``.
    """
    from panda3d.core import LVecBase2f, LVecBase3f, LVecBase4f

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
    if len(directional) > 1:
        logger.warning("the lean shader renders one directional light; others are ignored")
    root.set_shader_input("key_direction_world", LVecBase3f(*key_light))
    root.set_shader_input("key_color", LVecBase3f(*key_color))
    root.set_shader_input("sky_color", LVecBase3f(*(c * ambient for c in s.sky_color)))
    root.set_shader_input("ground_color", LVecBase3f(*(c * ambient for c in s.ground_color)))
    root.set_shader_input("exposure", s.exposure)
    for name, value in DEFAULT_INPUTS.items():
        root.set_shader_input(name, value)
    root.set_shader_input("clearcoat", LVecBase2f(0.0, 0.0))
    root.set_shader_input("texcoord_set", LVecBase4f(0.0, 0.0, 0.0, 0.0))
    root.set_shader_input("texcoord_stages", LVecBase2f(0.0, 0.0))
    return LightBudget(root, gather_lights(root, lights, settings), s.max_lights)


def _colourless_lights(document: dict[str, Any], node: Any) -> None:
    """Give ``node``'s point and spot lights that glTF gives no ``color`` (white, by
    default) their intensity: panda3d-gltf scales only a given colour by it."""
    lights = document.get("extensions", {}).get("KHR_lights_punctual", {}).get("lights", [])
    wanted = {
        light.get("name", f"light{i}"): float(light.get("intensity", 1.0))
        for i, light in enumerate(lights)
        if isinstance(light, dict) and "color" not in light and light.get("type") != "directional"
    }
    if not wanted:
        return
    from panda3d.core import LColor

    for kind in ("PointLight", "Spotlight"):
        paths = node.find_all_matches(f"**/+{kind}")
        for i in range(paths.get_num_paths()):
            light = paths.get_path(i).node()
            if light.name in wanted:
                level = wanted[light.name] / GLTF_WATTS_TO_LUMENS * 4 * math.pi
                light.set_color(LColor(level, level, level, 1.0))


def prepare_model(node: Any, model: CheckedGltf) -> Any:
    """What the lean shader needs of a loaded model that panda3d-gltf leaves out: its
    packed occlusion maps, ``KHR_materials_*`` factors and second UV sets
    (:mod:`museion.runtime.materials`),
    and the intensity of its lights given without a colour.  Returns ``node``.

    (It reads the glTF's JSON once more, on the render thread: a model cache entry that
    kept what it needs would spare that.)
    """
    document = read_gltf(model.path.parent, model.path.name).document
    _colourless_lights(document, node)
    set_material_inputs(node, material_inputs(document, model.name))
    set_texcoord_inputs(node)
    return node
