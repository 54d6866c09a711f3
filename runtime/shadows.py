"""Contact shadows: a soft dark blob on the surface under each exhibit (issue 19).

The lean shader casts no shadows, so a relic on its pedestal looked pasted on.  Under each
exhibit lies a horizontal card just above the surface its lowest point rests on (found by
a ray straight down, as the studio's snap finds it), as large as the exhibit's footprint
times :data:`SPREAD`, with a radial falloff made once with numpy, blended over what is
below by alpha (black, so it darkens).  The card has its own tiny unlit shader: the lean
shader's cost does not grow, and a card costs one blended quad per exhibit.  It neither
casts nor receives anything, and rays (picking, snapping) pass through it.

Pedestals get none of their own: their base covers the floor where a blob would be, and a
ring round it would double the relic's own shadow on the pedestal's top.  An exhibit whose
lowest point floats more than :data:`MAX_GAP` of its footprint above the surface (a relic
hung on a wall, a mobile) gets none either: a contact shadow without contact looks wrong;
nor does a flat one (lower than :data:`FLAT` of its footprint: a mosaic, a rug).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from museion.runtime.scene_builder import BoundsCache

__all__ = ["SHADOW_ROOT", "ContactShadows"]

logger = logging.getLogger(__name__)
SHADOW_ROOT = "contact-shadows"
SPREAD = 1.35
"""The card's sides, as a multiple of the exhibit's footprint (its box seen from above)."""
LIFT = 0.002
"""Metres above the surface (with a depth offset besides: no z-fighting on llvmpipe)."""
MAX_GAP = 0.25
"""No shadow under an exhibit floating more than this fraction of its footprint above."""
FLAT = 0.05
"""No shadow under an exhibit lower than this fraction of its footprint: a floor mosaic or a
rug lies on the surface, and darkening round it would only dim it."""
STRENGTH = 0.55
"""How much light the blob's centre takes away."""
TEXELS = 64

_VERTEX = """#version 330
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
in vec2 p3d_MultiTexCoord0;
out vec2 v_uv;
void main() {
    v_uv = p3d_MultiTexCoord0;
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
"""
_FRAGMENT = """#version 330
uniform sampler2D shape;
uniform float strength;
in vec2 v_uv;
out vec4 o_color;
void main() {
    o_color = vec4(0.0, 0.0, 0.0, texture(shape, v_uv).r * strength);
}
"""


def falloff(size: int = TEXELS) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The blob's shape: 255 at the centre, easing to 0 at the inscribed ellipse's rim."""
    axis = (np.arange(size, dtype=np.float64) + 0.5) / size * 2.0 - 1.0
    radius = np.hypot(axis[None, :], axis[:, None])
    t = np.clip((radius - 0.25) / 0.75, 0.0, 1.0)
    weight = 1.0 - t * t * (3.0 - 2.0 * t)  # smoothstep: soft at both ends
    return np.round(weight * 255.0).astype(np.uint8)


class ContactShadows:
    """One card per exhibit under ``root``, kept in step with the exhibit nodes by
    :meth:`sync` (set-up and every studio edit call it, on the render thread)."""

    def __init__(self, root: Any, bounds: BoundsCache) -> None:
        from panda3d.core import SamplerState, Shader, Texture, TransparencyAttrib

        self._root = root
        self._bounds = bounds
        self.node = root.attach_new_node(SHADOW_ROOT)
        shader = Shader.make(Shader.SL_GLSL, vertex=_VERTEX, fragment=_FRAGMENT)
        if shader is None:  # a driver without GLSL 330 draws no shadows, and says so
            logger.error("the contact shadow shader failed to compile: no contact shadows")
            self.node.hide()
        else:
            self.node.set_shader(shader, 10)  # over the scene root's lean (or moving) shader
        texture = Texture("contact-shadow")
        texture.setup_2d_texture(TEXELS, TEXELS, Texture.T_unsigned_byte, Texture.F_luminance)
        texture.set_ram_image(falloff().tobytes())
        texture.set_wrap_u(SamplerState.WM_clamp)
        texture.set_wrap_v(SamplerState.WM_clamp)
        self.node.set_shader_input("shape", texture)
        self.node.set_shader_input("strength", STRENGTH)
        self.node.set_transparency(TransparencyAttrib.M_alpha)
        self.node.set_depth_write(False)
        self.node.set_depth_offset(2)
        self.node.set_bin("transparent", 0)
        self._cards: dict[str, Any] = {}
        self._placed: dict[str, Any] = {}  # exhibit id -> its matrix when its card was made

    def sync(
        self, exhibits: dict[str, Any], picker: Any, without: frozenset[str] = frozenset()
    ) -> None:
        """Put a card under each of ``exhibits`` (id -> node) where it stands now, except
        those ``without`` one (their document says so), and take away the cards of exhibits
        no longer there."""
        for gone in set(self._placed) - (set(exhibits) - without):
            del self._placed[gone]
            card = self._cards.pop(gone, None)
            if card is not None:
                card.remove_node()
        for exhibit_id, node in exhibits.items():
            if exhibit_id in without:
                continue
            where = node.get_mat(self._root)
            if self._placed.get(exhibit_id) == where:
                continue  # unmoved: a studio edit re-casts only what it moved
            self._placed[exhibit_id] = where
            card = self._cards.pop(exhibit_id, None)
            if card is not None:
                card.remove_node()
            made = self._card(exhibit_id, node, picker)
            if made is not None:
                self._cards[exhibit_id] = made

    def card(self, exhibit_id: str) -> Any:
        """The exhibit's card (None when it has none): tests and the bench read it."""
        return self._cards.get(exhibit_id)

    def _card(self, exhibit_id: str, node: Any, picker: Any) -> Any:
        from panda3d.core import BitMask32, CardMaker

        bounds = self._bounds.bounds(node, self._root)
        if bounds is None:
            return None
        low, high = bounds
        width, depth = float(high.x - low.x), float(high.y - low.y)
        if width <= 0 or depth <= 0 or float(high.z - low.z) < FLAT * max(width, depth):
            return None
        cx, cy = float(low.x + high.x) / 2, float(low.y + high.y) / 2
        # A ray down through the exhibit's footprint meets what it stands on; it starts a
        # little above the lowest point (a relic's base is flush with a pedestal's top), with
        # the exhibit stashed so the ray cannot meet the exhibit itself.
        start = float(low.z) + 0.05 * float(high.z - low.z) + 1e-3
        node.stash()
        try:
            entry = picker.ray_entry((cx, start, -cy), (0.0, -1.0, 0.0))
        finally:
            node.unstash()
        if entry is None:
            return None
        surface = float(entry.get_surface_point(self._root).z)
        if float(low.z) - surface > MAX_GAP * max(width, depth):
            return None
        maker = CardMaker(f"shadow-{exhibit_id}")
        half_w, half_d = width * SPREAD / 2, depth * SPREAD / 2
        maker.set_frame(-half_w, half_w, -half_d, half_d)
        card = self.node.attach_new_node(maker.generate())
        card.node().set_into_collide_mask(BitMask32.all_off())  # rays pass through
        card.set_p(-90)  # the card faces up (+z)
        card.set_two_sided(True)
        card.set_pos(cx, cy, surface + LIFT)
        return card
