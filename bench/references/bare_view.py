"""A plain Panda3D offscreen view for the references: no FrameSource, no pooling, no copy.

It shares the engine's scene graph and OpenGL context, so a reference renders exactly the
same scene as ours.  Call everything on the engine's render thread.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from museion.runtime.camera import horizontal_fov
from museion.runtime.engine import RenderEngine

WIDTH, HEIGHT = 1280, 720


class BareView:
    """A buffer with a RAM-copied texture and a camera orbiting the engine's home view."""

    def __init__(self, engine: RenderEngine, name: str, alpha_bits: int = 0) -> None:
        from panda3d.core import (
            Camera,
            FrameBufferProperties,
            GraphicsOutput,
            GraphicsPipe,
            PerspectiveLens,
            Texture,
            WindowProperties,
        )

        props = FrameBufferProperties()
        props.set_rgba_bits(8, 8, 8, alpha_bits)
        props.set_depth_bits(24)
        self.engine = engine
        self.buffer = engine.graphics_engine.make_output(
            engine.pipe,
            name,
            0,
            props,
            WindowProperties.size(WIDTH, HEIGHT),
            GraphicsPipe.BF_refuse_window,
            engine.gsg,
        )
        self.texture = Texture()
        self.buffer.add_render_texture(self.texture, GraphicsOutput.RTM_copy_ram)
        lens = PerspectiveLens()
        lens.set_fov(horizontal_fov(45, WIDTH / HEIGHT), 45)
        lens.set_near_far(0.05, 100.0)
        self.camera: Any = engine.root.attach_new_node(Camera(name))
        self.camera.node().set_lens(lens)
        self.buffer.make_display_region().set_camera(self.camera)

    def orbit(self, degrees: float) -> None:
        """Aim the camera ``degrees`` around from the engine's home view."""
        from panda3d.core import Point3, Vec3

        home = self.engine.home
        ex, ey, ez = replace(home, yaw=home.yaw + degrees).eye()
        tx, ty, tz = home.target
        self.camera.set_pos(Point3(ex, -ez, ey))
        self.camera.look_at(Point3(tx, -tz, ty), Vec3(0, 0, 1))

    def read(self) -> Any:
        """The RAM image as numpy, without a copy."""
        return np.frombuffer(self.texture.get_ram_image(), np.uint8)

    def close(self) -> None:
        self.engine.graphics_engine.remove_window(self.buffer)
        self.camera.remove_node()
