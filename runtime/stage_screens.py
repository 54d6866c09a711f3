"""Stage screens: surfaces in the venue that show a live picture.

Each of a scene's stage screens is a card with its own texture and an unlit shader: a
screen emits its picture, lights do not shade it.  Pictures arrive as RGB numpy frames
from whoever decodes the show (the streaming layer); a new picture bumps the screen's
``version``, and a view re-renders only when a screen it can see has a newer version than
its last frame showed, so a live show costs nothing to visitors looking elsewhere.

A picture of another aspect than the screen's is letterboxed, never stretched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from museion.runtime.scene_builder import to_panda
from museion.scenes.document.model import StageScreen

__all__ = ["STANDBY_COLOUR", "ScreenSurface", "build_screens", "letterbox"]

STANDBY_COLOUR = (12, 12, 14)
"""What a screen shows while its stream is off (RGB)."""

Image = npt.NDArray[np.uint8]


def letterbox(image: Image, width: int, height: int) -> Image:
    """``image`` centred on a black ``width`` x ``height`` canvas, when it is smaller; the
    caller scales it to fit first (the decoder's scaler does that without a copy here)."""
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return image
    canvas = np.zeros((height, width, 3), np.uint8)
    top, left = (height - min(h, height)) // 2, (width - min(w, width)) // 2
    canvas[top : top + min(h, height), left : left + min(w, width)] = image[:height, :width]
    return canvas


def fit(width: int, height: int, into: tuple[int, int]) -> tuple[int, int]:
    """The largest even size of ``width``:``height`` that fits ``into`` (width, height)."""
    box_w, box_h = into
    scale = min(box_w / width, box_h / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


@dataclass
class ScreenSurface:
    """One screen in the scene graph: its card, texture and picture version."""

    screen: StageScreen
    node: Any
    texture: Any
    size: tuple[int, int]
    centre: tuple[float, float, float]  # Panda3D axes, in the scene root's space
    radius: float
    version: int = 0

    def show(self, image: Image | None) -> None:
        """Put ``image`` (H, W, 3 RGB, at most :attr:`size`) on the screen; None: standby.

        Call on the render thread.  The bytes go to the texture as they are: Panda3D reads
        an RGB texture's memory as B, G, R, and the views' shaders write B, G, R for the
        read-back, so the two swaps cancel and no pass over the pixels is needed here.
        """
        width, height = self.size
        if image is None:
            picture = np.empty((height, width, 3), np.uint8)
            picture[:] = STANDBY_COLOUR
        else:
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
                raise ValueError("a screen picture is an (H, W, 3) uint8 RGB array")
            picture = letterbox(np.ascontiguousarray(image), width, height)
        self.texture.set_ram_image(np.ascontiguousarray(picture).data)
        self.version += 1

    def in_view(self, camera: Any, lens: Any, root: Any) -> bool:
        """Whether any of the screen could be in ``camera``'s picture (frustum test)."""
        from panda3d.core import BoundingSphere, BoundingVolume, Point3

        frustum = lens.make_bounds()
        frustum.xform(camera.get_mat(root))
        sphere = BoundingSphere(Point3(*self.centre), self.radius)
        return bool(frustum.contains(sphere) != BoundingVolume.IF_no_intersection)


def build_screens(
    root: Any, screens: tuple[StageScreen, ...], shader: Any, pixels: int
) -> dict[str, ScreenSurface]:
    """A card per screen under ``root``, each ``pixels`` texels wide, showing standby."""
    from panda3d.core import CardMaker, SamplerState, Texture

    surfaces: dict[str, ScreenSurface] = {}
    for screen in screens:
        maker = CardMaker(f"stage-screen-{screen.id}")
        half_w, half_h = screen.width / 2, screen.height / 2
        maker.set_frame(-half_w, half_w, -half_h, half_h)
        card = root.attach_new_node(maker.generate())
        # A card faces Panda3D's -Y, which is the scene's +Z (see scene_builder).
        card.set_pos(*to_panda(screen.position))
        yaw, pitch, roll = screen.rotation
        card.set_hpr(yaw, pitch, roll)
        card.set_two_sided(True)  # its back is dark (the shader), not a hole in the venue
        card.set_shader(shader, 10)
        width = max(16, pixels)
        height = max(16, round(width * screen.height / screen.width) // 2 * 2)
        texture = Texture(f"stage-screen-{screen.id}")
        texture.setup_2d_texture(width, height, Texture.T_unsigned_byte, Texture.F_rgb8)
        texture.set_minfilter(SamplerState.FT_linear_mipmap_linear)
        texture.set_magfilter(SamplerState.FT_linear)
        texture.set_wrap_u(SamplerState.WM_clamp)
        texture.set_wrap_v(SamplerState.WM_clamp)
        card.set_shader_input("picture", texture)
        centre = card.get_pos(root)
        surface = ScreenSurface(
            screen,
            card,
            texture,
            (width, height),
            (float(centre.x), float(centre.y), float(centre.z)),
            math.hypot(half_w, half_h),
        )
        surface.show(None)
        surfaces[screen.id] = surface
    return surfaces
