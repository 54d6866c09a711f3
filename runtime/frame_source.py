"""Views of the scene rendered to numpy frames: the seam between engine and network.

A :class:`FrameSource` answers one question: "what does the camera see now?".  It renders
only when the camera (or the scene) changed since its last answer and otherwise hands back
the very same array, so a visitor who stops to read costs nothing here, and callers can
tell "unchanged" with ``is``.  While the camera moves it renders a reduced-size preview
and, once the camera rests, refines to full size.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from museion.runtime.camera import ViewState, fitted, horizontal_fov, look_at_basis, project
from museion.runtime.errors import RenderError
from museion.runtime.picking import HotspotMark
from museion.runtime.scene_builder import BoundsCache

if TYPE_CHECKING:
    from museion.runtime.engine import RenderEngine

__all__ = ["Frame", "FrameSource", "Rect", "RenderView", "check_size"]

logger = logging.getLogger(__name__)

Frame = npt.NDArray[np.uint8]
NEAR, FAR = 0.05, 100.0
HOTSPOT_SLACK = 0.03
"""How far (m) in front of a hotspot a surface may be and still count as its own."""
Rect = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` pixels of a frame, right and bottom excluded."""
_BOX_EDGES = [(a, b) for a in range(8) for b in range(a + 1, 8) if bin(a ^ b).count("1") == 1]


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


class FrameSource:
    """Frames of one visitor's view; returns the same array while nothing changed."""

    def __init__(self, engine: RenderEngine, view: RenderView, *, preview: bool = True) -> None:
        self._engine = engine
        self._view = view
        self._preview = preview and view.preview is not None
        self._state: ViewState | None = None
        self._image: Frame | None = None  # as rendered (a preview at its own size)
        self._frame: Frame | None = None  # _image at full size, made when first asked
        self._is_preview = False
        self._shown: dict[str, int] = {}  # each stage screen's picture version in _image
        self._scene_version = -1  # the engine's scene_version that _image shows
        self._animated = -1  # the engine's animator.version that _image shows
        self._moved_at = 0.0
        self._wanted: tuple[int, int] | None = None
        self._bounds = BoundsCache()
        self.renders = 0
        self.budget = 1 / 30
        """Seconds a preview may take (the caller's frame interval): a movement whose
        preview takes longer is drawn on with the coarser meshes until the camera rests."""
        self.coarse = False
        """Whether this movement's previews are drawn with the coarser meshes."""
        self.clock: Callable[[], float] = time.monotonic
        """What the camera's rest before a refine is timed with (a test sets its own)."""
        self.detail = "full"
        """The engine's :attr:`~RenderEngine.detail` when the last frame was drawn: a heavy
        model's proxy, or every model whole."""
        self.closed = False

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the frames now (read it on the render thread, with the
        frame: :meth:`resize` takes effect there)."""
        return self._view.width, self._view.height

    def resize(self, width: int, height: int) -> None:
        """Make frames ``width`` x ``height`` from the next one on (from any thread); the
        camera's aspect follows, and a portrait picture widens its field of view
        (:func:`~museion.runtime.camera.fitted`)."""
        check_size(width, height)
        self._wanted = (width, height)

    def frame(self, state: ViewState) -> Frame:
        """The ``(H, W, 3)`` uint8 RGB image of the scene seen from ``state``."""
        if not self._engine.on_render_thread():
            return self._engine.executor.submit(self.frame, state).result()
        self._update(state)
        return self._full_size()

    def rendered(self, state: ViewState) -> Frame:
        """As :meth:`frame`, but while the camera moves (with the engine's
        ``small_previews``) the preview as rendered, smaller than :attr:`size`: for a
        caller that enlarges it within a conversion it makes anyway."""
        if not self._engine.on_render_thread():
            return self._engine.executor.submit(self.rendered, state).result()
        self._update(state)
        if self._engine.settings.small_previews:
            assert self._image is not None
            return self._image
        return self._full_size()

    def _update(self, state: ViewState) -> None:
        """Render if the camera moved, rested long enough to refine, or a screen or the
        scene (an exhibit moved in the studio) changed."""
        if self.closed:
            raise RenderError("this view is closed", code="VIEW_CLOSED")
        now = self.clock()
        animator = self._engine.animator
        animator.tick()
        wanted = self._wanted
        if wanted is not None and wanted != self.size:
            self._view.resize(*wanted)
            self._image = None  # the first picture at a new size is drawn whole
        if state != self._state or self._image is None:
            preview = self._image is not None and self._preview
            self._moved_at = now
            self._state = state
            self._render(state, preview)
        elif self._is_preview and now - self._moved_at >= self._engine.settings.refine_delay:
            self._render(state, preview=False)
        elif (
            self._screen_changed()
            or self._scene_version != self._engine.scene_version
            or animator.moved_in_view(
                self._animated, self._view.camera, self._view.lens, self._engine.root
            )
        ):
            self._render(state, preview=self._is_preview)

    def _full_size(self) -> Frame:
        """The last image at full size, enlarged once per image (so unchanged is ``is``)."""
        if self._frame is None:
            assert self._image is not None
            self._frame = self._view.enlarge(self._image) if self._is_preview else self._image
        return self._frame

    def hotspot_marks(self) -> list[HotspotMark]:
        """Where the engine's hotspots are in the last frame, and which of them show.

        A hotspot shows when it is inside the frame and nothing rendered lies in front of
        it (the depth buffer of that very frame).  Call after :meth:`frame`.
        """
        if not self._engine.on_render_thread():
            return self._engine.executor.submit(self.hotspot_marks).result()
        state = self._state
        if state is None:
            return []
        width, height = self._view.width, self._view.height
        target = self._view.last_target
        sx, sy = target.width / width, target.height / height
        state = fitted(state, width, height)
        marks = []
        for (exhibit, hotspot), spot in self._engine.hotspot_positions.items():
            where = project(state, width, height, spot)
            if where is None:
                continue
            x, y, depth = where
            inside = 0 <= x < width and 0 <= y < height
            visible = inside and target.distance_at(x * sx, y * sy) >= depth - HOTSPOT_SLACK
            marks.append(HotspotMark(exhibit, hotspot, x, y, visible))
        return marks

    def exhibit_rects(self, exhibit_ids: frozenset[str]) -> list[Rect]:
        """Where these exhibits are in the last frame: each one's bounds projected with
        the view's lens, clipped to the frame, in full-size pixels (also of a preview).

        An exhibit behind the camera or outside the frame has none; one hidden behind a
        wall still has its rectangle (the bounds are not tested against depth).  Call
        after :meth:`frame`.
        """
        if not self._engine.on_render_thread():
            return self._engine.executor.submit(self.exhibit_rects, exhibit_ids).result()
        state = self._state
        if state is None:
            return []
        width, height = self._view.width, self._view.height
        state = fitted(state, width, height)
        rects = []
        for key in sorted(exhibit_ids):
            node = self._engine.exhibit_nodes.get(key)
            bounds = None if node is None else self._bounds.bounds(node, self._engine.root)
            if bounds is None:
                continue
            low, high = bounds
            # Panda3D's Z-up corners in the scene's Y-up coordinates.
            corners = np.array(
                [
                    (x, z, -y)
                    for x in (low.x, high.x)
                    for y in (low.y, high.y)
                    for z in (low.z, high.z)
                ],
                dtype=np.float64,
            )
            rect = _box_rect(state, width, height, corners)
            if rect is not None:
                rects.append(rect)
        return rects

    def _screen_changed(self) -> bool:
        """Whether a stage screen in sight has a newer picture than the last frame shows."""
        view = self._view
        return any(
            surface.version != self._shown.get(key)
            and surface.in_view(view.camera, view.lens, self._engine.root)
            for key, surface in self._engine.screens.items()
        )

    def _render(self, state: ViewState, preview: bool) -> None:
        self._shown = {key: s.version for key, s in self._engine.screens.items()}
        self._scene_version = self._engine.scene_version
        self.detail = self._engine.detail
        self._animated = self._engine.animator.version
        self._view.aim(fitted(state, self._view.width, self._view.height))
        began = time.monotonic()
        crowded = preview and self._engine.moving.crowded(self._view, began)
        coarse = preview and self.coarse
        self._image = self._view.render(preview, crowded, coarse)
        took = time.monotonic() - began
        # Sticky for the movement (no flicker between the two meshes); reset at rest.
        self.coarse = preview and (self.coarse or took > self.budget)
        logger.debug(
            "%s %dx%d drawn in %.1f ms",
            ("coarse preview" if coarse else "preview") if preview else "full",
            self._image.shape[1],
            self._image.shape[0],
            1000 * took,
        )
        self._frame = None
        self._is_preview = preview
        self.renders += 1

    def close(self) -> None:
        """Give the view back to the engine's pool."""
        if not self.closed:
            self.closed = True
            self._engine.release_view(self._view)


def _box_rect(
    state: ViewState, width: int, height: int, corners: npt.NDArray[np.float64]
) -> Rect | None:
    """The frame rectangle covering a box's eight ``corners`` (scene coordinates), or None
    when none of it is in front of the camera and inside the frame.

    The box's edges are cut at the near plane first: a box the camera stands in or beside
    then covers what of it lies ahead, not a projection through the eye.
    """
    eye = np.array(state.eye(), dtype=np.float64)
    basis = np.array(look_at_basis(state), dtype=np.float64)  # rows: right, up, forward
    local = (corners - eye) @ basis.T
    ahead = local[:, 2] >= NEAR
    points = [local[i] for i in range(8) if ahead[i]]
    for a, b in _BOX_EDGES:
        if ahead[a] != ahead[b]:
            t = (NEAR - local[a, 2]) / (local[b, 2] - local[a, 2])
            points.append(local[a] + t * (local[b] - local[a]))
    if not points:
        return None
    seen = np.array(points)
    half_v = math.tan(math.radians(state.fov) / 2)
    half_h = half_v * width / height
    x = (seen[:, 0] / (seen[:, 2] * half_h) + 1) / 2 * width
    y = (1 - seen[:, 1] / (seen[:, 2] * half_v)) / 2 * height
    left, right = max(0, math.floor(x.min())), min(width, math.ceil(x.max()))
    top, bottom = max(0, math.floor(y.min())), min(height, math.ceil(y.max()))
    if left >= right or top >= bottom:
        return None
    return (left, top, right, bottom)
