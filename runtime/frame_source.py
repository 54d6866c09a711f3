"""Views of the scene rendered to numpy frames: the seam between engine and network.

A :class:`FrameSource` answers one question: "what does the camera see now?".  It renders
only when the camera (or the scene) changed since its last answer and otherwise hands back
the very same array, so a visitor who stops to read costs nothing here, and callers can
tell "unchanged" with ``is``.  While the camera moves it renders a reduced-size preview
and, once the camera rests, refines to full size.  The buffers it draws into are
:mod:`~museion.runtime.render_view`'s.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from museion.runtime.camera import ViewState, fitted, look_at_basis, project
from museion.runtime.errors import RenderError
from museion.runtime.picking import HotspotMark
from museion.runtime.render_view import Frame, RenderView, check_size
from museion.runtime.screen_rects import Rect, box_rect, exhibit_boxes

if TYPE_CHECKING:
    from museion.runtime.engine import RenderEngine

__all__ = ["Frame", "FrameSource", "Rect", "RenderView", "check_size"]

logger = logging.getLogger(__name__)

HOTSPOT_SLACK = 0.03
"""How far (m) in front of a hotspot a surface may be and still count as its own."""


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
        half_v = math.tan(math.radians(state.fov) / 2)
        half_h = half_v * width / height
        tangents = (-half_h, half_h, -half_v, half_v)
        boxes = exhibit_boxes(self._engine.exhibit_nodes, exhibit_ids, self._engine.bounds)
        eye, basis = state.eye(), look_at_basis(state)
        found = (box_rect(c, eye, basis, tangents, width, height) for c in boxes)
        return [rect for rect in found if rect is not None]

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
