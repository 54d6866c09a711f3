"""The offscreen buffers a view draws into and the camera that looks through them.

A :class:`RenderView` is what the engine pools per size: a camera, its full-size buffer and
the smaller preview buffers, each read back as an ``(H, W, 3)`` RGB frame.  What to draw
and when is :mod:`~museion.runtime.frame_source`'s question, not this one's.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from museion.runtime.camera import ViewState, horizontal_fov
from museion.runtime.errors import RenderError

if TYPE_CHECKING:
    from museion.runtime.engine import RenderEngine

__all__ = ["FAR", "NEAR", "Frame", "RenderView", "check_size"]

Frame = npt.NDArray[np.uint8]
NEAR, FAR = 0.05, 100.0


def check_size(width: int, height: int) -> None:
    """Refuse a size no view renders (:class:`RenderError` ``BAD_SIZE``)."""
    if not (16 <= width <= 7680 and 16 <= height <= 4320):
        raise RenderError(f"{width}x{height} is not a renderable size", code="BAD_SIZE")


class _Target:
    """One offscreen buffer with a RAM-copied colour texture."""

    def __init__(
        self, engine: RenderEngine, camera: Any, width: int, height: int, depth: bool
    ) -> None:
        from panda3d.core import (
            FrameBufferProperties,
            GraphicsOutput,
            GraphicsPipe,
            LColor,
            Texture,
            WindowProperties,
        )

        s = engine.settings
        props = FrameBufferProperties()
        # No alpha: the read-back is then 3 bytes a pixel, already the frame's layout.
        props.set_rgba_bits(8, 8, 8, 0)
        props.set_depth_bits(24)
        props.set_multisamples(s.multisamples)
        self.buffer = engine.graphics_engine.make_output(
            engine.pipe,
            f"museion-view-{width}x{height}",
            0,
            props,
            WindowProperties.size(width, height),
            GraphicsPipe.BF_refuse_window,
            engine.gsg,
        )
        if self.buffer is None:
            raise RenderError(f"no {width}x{height} offscreen buffer", code="BUFFER_FAILED")
        self.texture = Texture(f"museion-view-{width}x{height}")
        self.buffer.add_render_texture(self.texture, GraphicsOutput.RTM_copy_ram)
        self.depth: Any = None
        if depth:  # for hotspot occlusion: what is in front, exactly as rendered
            self.depth = Texture(f"museion-depth-{width}x{height}")
            self.depth.set_format(Texture.F_depth_component32)
            self.depth.set_component_type(Texture.T_float)
            self.buffer.add_render_texture(
                self.depth, GraphicsOutput.RTM_copy_ram, GraphicsOutput.RTP_depth
            )
        # The shader writes B, G, R so the BGRA read-back is RGB in memory; the clear
        # colour must be swapped the same way.
        red, green, blue = s.background
        self.buffer.set_clear_color(LColor(blue, green, red, 1.0))
        self.buffer.set_active(False)
        region = self.buffer.make_display_region()
        region.set_camera(camera)
        self.width = width
        self.height = height

    def resize(self, width: int, height: int) -> None:
        """Render ``width`` x ``height`` from the next frame on (the textures follow)."""
        self.buffer.set_size(width, height)
        self.width, self.height = width, height

    def read(self) -> Frame:
        """A copy of the last image, top row first, as RGB (the shader swapped R and B).

        Panda3D reuses the RAM image for the next render, so the copy is what makes the
        returned frame stay as it was.
        """
        raw = np.frombuffer(self.texture.get_ram_image(), np.uint8)
        if raw.size != self.height * self.width * 3:
            raise RenderError("the read-back is not 8-bit RGB", code="READBACK_FORMAT")
        return raw.reshape(self.height, self.width, 3)[::-1].copy()

    def distance_at(self, x: float, y: float) -> float:
        """Depth along the view (metres) of the last render at pixel (x, y) from the top left."""
        if self.depth is None:
            return math.inf
        raw = np.frombuffer(self.depth.get_ram_image(), np.float32)
        row = self.height - 1 - min(self.height - 1, max(0, int(y)))
        col = min(self.width - 1, max(0, int(x)))
        z = float(raw[row * self.width + col]) * 2.0 - 1.0
        return 2 * NEAR * FAR / (FAR + NEAR - z * (FAR - NEAR))


class RenderView:
    """A camera with a full-size buffer and one or two preview-size buffers (the smaller
    for a crowd moving at once); pooled by the engine at the size it was made for, and
    resizable meanwhile (a visitor's quality ladder, the shape of their screen)."""

    def __init__(self, engine: RenderEngine, width: int, height: int) -> None:
        from panda3d.core import Camera, PerspectiveLens

        check_size(width, height)
        self._engine = engine
        self.width = width
        self.height = height
        self.made = (width, height)
        """The size the view was made (and is pooled) at."""
        self.lens = PerspectiveLens()
        self.lens.set_near_far(NEAR, FAR)
        self.lens.set_aspect_ratio(width / height)
        self.camera = engine.root.attach_new_node(Camera(f"museion-camera-{id(self)}"))
        self.camera.node().set_lens(self.lens)
        depth = engine.has_hotspots
        self.full = _Target(engine, self.camera, width, height, depth)
        scale, crowd = engine.settings.preview_scale, engine.settings.crowd_preview_scale
        self.preview = self._smaller(scale, depth) if scale < 1.0 else None
        self.crowd = self._smaller(crowd, depth) if self.preview and crowd < scale else None
        self.last_target: _Target = self.full
        self.lights: tuple[int, ...] = ()
        """The engine's point and spot lights this view draws (chosen where it looks)."""
        self._lights_aimed = False

    def _smaller(self, scale: float, depth: bool) -> _Target:
        return _Target(self._engine, self.camera, *self._scaled(scale), depth)

    def _scaled(self, scale: float) -> tuple[int, int]:
        return max(16, round(self.width * scale)), max(16, round(self.height * scale))

    def resize(self, width: int, height: int) -> None:
        """Render ``width`` x ``height`` from now on, previews at their scales of it: the
        buffers are resized in place (a new one per size would leak in Mesa)."""
        check_size(width, height)
        if (width, height) == (self.width, self.height):
            return
        self.width, self.height = width, height
        self.lens.set_aspect_ratio(width / height)
        self.full.resize(width, height)
        settings = self._engine.settings
        if self.preview is not None:
            self.preview.resize(*self._scaled(settings.preview_scale))
        if self.crowd is not None:
            self.crowd.resize(*self._scaled(settings.crowd_preview_scale))

    def aim(self, state: ViewState) -> None:
        """Point the camera as ``state`` says (scene Y-up → Panda3D Z-up)."""
        from panda3d.core import Point3, Vec3

        ex, ey, ez = state.eye()
        tx, ty, tz = state.target
        self.camera.set_pos(Point3(ex, -ez, ey))
        self.camera.look_at(Point3(tx, -tz, ty), Vec3(0, 0, 1))
        self.lens.set_fov(horizontal_fov(state.fov, self.width / self.height), state.fov)
        if self._engine.lights is not None:
            self.lights = self._engine.lights.choose((tx, -tz, ty))
            self._lights_aimed = True

    def render(self, preview: bool, crowded: bool = False, coarse: bool = False) -> Frame:
        """Render one image: a preview (``crowded``: the smaller one) at its own size, drawn
        with the engine's moving detail (``coarse``: its coarser meshes; see
        :meth:`enlarge`), else the full size."""
        target = self.full
        if preview and self.preview is not None:
            target = self.crowd if crowded and self.crowd is not None else self.preview
        moving = self._engine.moving
        drawn = moving.drawn(coarse) if target is not self.full else contextlib.nullcontext()
        budget = self._engine.lights
        if budget is not None:
            if not self._lights_aimed:  # aimed by other means (a headset's eyes)
                self.lights = budget.choose(budget.ahead(self.camera, self._engine.root))
            self._lights_aimed = False
            budget.apply(self.lights)
        target.buffer.set_active(True)
        try:
            with drawn:
                self._engine.graphics_engine.render_frame()
        finally:
            target.buffer.set_active(False)
        self.last_target = target
        return target.read()

    def enlarge(self, small: Frame) -> Frame:
        """Nearest-neighbour enlargement of a preview to the view's size."""
        ph, pw = small.shape[:2]
        k = self.width // pw
        if self.width == pw * k and self.height == ph * k:
            # Whole-number factors (the default 0.5 gives 2): one broadcast write.
            out = np.empty((self.height, self.width, 3), np.uint8)
            out.reshape(ph, k, pw, k, 3)[:] = small[:, None, :, None, :]
            return out
        rows = (np.arange(self.height) * ph // self.height).astype(np.intp)
        cols = (np.arange(self.width) * pw // self.width).astype(np.intp)
        enlarged: Frame = small[rows[:, None], cols[None, :]]
        return enlarged

    def reset(self) -> None:
        """Forget the previous visitor's camera and size (the buffers stay allocated)."""
        self.camera.set_pos(0, 0, 0)
        self.resize(*self.made)

    def destroy(self) -> None:
        """Free the buffers for good."""
        for target in (self.full, self.preview, self.crowd):
            if target is None:
                continue
            self._engine.graphics_engine.remove_window(target.buffer)
        self.camera.remove_node()
