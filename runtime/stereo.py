"""A headset's two eyes rendered side by side into one frame, each with its own projection.

One offscreen buffer twice an eye's width holds two display regions, the left eye's camera
in the left half and the right eye's in the right, so one render and one read-back make
both eyes.  Each camera takes its eye's pose from the headset (set down in the hall by a
:class:`~museion.runtime.eye_pose.Place`) and a ``MatrixLens`` built from the headset's
projection widened by ``RuntimeSettings.stereo_margin``: the page turns the picture to the
newest head pose before showing it, and the margin is what it turns into.

Always full size and full detail: a head is never still, so the moving preview would be
all a headset ever saw, at half the resolution of a picture that is enlarged to fill the
eye; the page's reprojection, not a cheaper render, is what keeps head turns smooth.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from museion.runtime.errors import RenderError
from museion.runtime.eye_pose import EyePose, Matrix, Place, StereoPose, Vec3
from museion.runtime.render_view import FAR, NEAR, Frame, RenderView, check_size
from museion.runtime.screen_rects import Rect, box_rect, exhibit_boxes

if TYPE_CHECKING:
    from museion.runtime.engine import RenderEngine

__all__ = ["StereoFrame", "StereoView", "lens_matrix"]

logger = logging.getLogger(__name__)

# Panda3D's camera space (x right, y ahead, z up) to OpenGL's (x right, y up, z behind), as
# a row-vector matrix: Panda3D multiplies points on the left.
_PANDA_TO_GL = (1, 0, 0, 0, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1)


def lens_matrix(projection: Matrix) -> Any:
    """The ``MatrixLens`` user matrix for an OpenGL projection given column-major.

    Column-major OpenGL is, read row by row, the transpose that Panda3D's row-vector
    convention wants; before it, camera space is turned from Panda3D's z-up to OpenGL's.
    """
    from panda3d.core import LMatrix4

    return LMatrix4(*_PANDA_TO_GL) * LMatrix4(*projection)


@dataclass(frozen=True)
class StereoFrame:
    """Both eyes side by side (``image`` is ``(H, 2W, 3)`` RGB, left eye on the left), the
    pose they were rendered from, and each eye's projection as used: the headset's widened
    by the margin, column-major, for the page's reprojection."""

    image: Frame
    pose: StereoPose
    place: Place
    left_projection: Matrix
    right_projection: Matrix


class StereoView:
    """Renders a headset's two eyes at ``eye_width`` x ``eye_height`` each (pick an eye
    size of the projection's aspect: the picture spans the widened frustum whatever its
    shape), ``margin`` (default the engine's ``stereo_margin``) wider each side.

    Its own buffer, not pooled with the flat views (a pooled buffer would keep the second
    display region); :meth:`close` frees it.  Use from any thread: the work runs on the
    engine's render thread.
    """

    def __init__(
        self, engine: RenderEngine, eye_width: int, eye_height: int, *, margin: float | None = None
    ) -> None:
        check_size(2 * eye_width, eye_height)
        self._engine = engine
        self.margin = engine.settings.stereo_margin if margin is None else margin
        """How much wider than each eye's own view it is rendered (``stereo_margin``)."""
        if not 0.0 <= self.margin <= 0.5:
            raise ValueError("margin must lie in [0, 0.5]")
        self.eye_size = (eye_width, eye_height)
        self._last: StereoFrame | None = None
        self._screens: dict[str, int] = {}
        self._scene_version = -1  # the engine's scene_version the last frame shows
        self._animated = -1  # the engine's animator.version the last frame shows
        self.renders = 0
        self.closed = False
        self._call(self._set_up)

    def _call(self, fn: Any, *args: Any) -> Any:
        if self._engine.on_render_thread():
            return fn(*args)
        return self._engine.executor.submit(fn, *args).result()

    def _set_up(self) -> None:
        from panda3d.core import Camera, MatrixLens

        width, height = self.eye_size
        view = RenderView(self._engine, 2 * width, height)
        for smaller in (view.preview, view.crowd):  # never drawn: always full size here
            if smaller is not None:
                self._engine.graphics_engine.remove_window(smaller.buffer)
        view.preview = view.crowd = None
        self._view = view
        self._lenses = (MatrixLens(), MatrixLens())
        view.camera.node().set_lens(self._lenses[0])
        buffer = view.full.buffer
        regions = [buffer.get_display_region(i) for i in range(buffer.get_num_display_regions())]
        left = next(r for r in regions if r.get_camera() == view.camera)
        left.set_dimensions(0.0, 0.5, 0.0, 1.0)
        self._right = self._engine.root.attach_new_node(Camera(f"museion-right-eye-{id(self)}"))
        self._right.node().set_lens(self._lenses[1])
        buffer.make_display_region(0.5, 1.0, 0.0, 1.0).set_camera(self._right)
        self._cameras = (view.camera, self._right)

    def frame(self, pose: StereoPose, place: Place) -> StereoFrame:
        """Both eyes as seen from ``pose`` standing at ``place``; the very same frame again
        while neither changed (nor a stage screen's picture)."""
        result: StereoFrame = self._call(self._frame, pose, place)
        return result

    def _frame(self, pose: StereoPose, place: Place) -> StereoFrame:
        if self.closed:
            raise RenderError("this stereo view is closed", code="VIEW_CLOSED")
        screens = {key: s.version for key, s in self._engine.screens.items()}
        animator = self._engine.animator
        animator.tick()  # a headset sees a relic move as a flat view does
        last = self._last
        if (
            last is not None
            and (last.pose, last.place) == (pose, place)
            and screens == self._screens
            and self._scene_version == self._engine.scene_version
            and self._animated == animator.version
        ):
            return last
        projections = []
        for eye, camera, lens in zip(
            (pose.left, pose.right), self._cameras, self._lenses, strict=True
        ):
            projection = eye.frustum.widened(self.margin).projection(NEAR, FAR)
            lens.set_user_mat(lens_matrix(projection))
            _aim(camera, place, eye)
            projections.append(projection)
        image = self._view.render(preview=False)
        self._screens = screens
        self._scene_version = self._engine.scene_version
        self._animated = animator.version
        self.renders += 1
        self._last = StereoFrame(image, pose, place, projections[0], projections[1])
        return self._last

    def exhibit_rects(self, exhibit_ids: frozenset[str]) -> list[Rect]:
        """Where these exhibits are in the last frame (both eyes side by side, the right
        eye's rectangles offset by an eye's width), through each eye's widened frustum as
        rendered; none before a frame.  A headset's visible watermark covers these."""
        found: list[Rect] = self._call(self._exhibit_rects, exhibit_ids)
        return found

    def _exhibit_rects(self, exhibit_ids: frozenset[str]) -> list[Rect]:
        last = self._last
        if last is None:
            return []
        engine = self._engine
        boxes = exhibit_boxes(engine.exhibit_nodes, exhibit_ids, engine.bounds)
        width, height = self.eye_size
        rects = []
        for offset, eye in ((0, last.pose.left), (width, last.pose.right)):
            position, forward, up = last.place.eye_in_scene(eye)
            right = _cross(forward, up)
            frustum = eye.frustum.widened(self.margin)
            tangents = (frustum.left, frustum.right, frustum.bottom, frustum.top)
            for corners in boxes:
                rect = box_rect(corners, position, (right, up, forward), tangents, width, height)
                if rect is not None:
                    left, top, right_edge, bottom = rect
                    rects.append((left + offset, top, right_edge + offset, bottom))
        return rects

    def close(self) -> None:
        """Free the buffer for good (from any thread; once)."""
        if not self.closed:
            self.closed = True
            self._call(self._destroy)

    def _destroy(self) -> None:
        self._view.destroy()
        self._right.remove_node()


def _aim(camera: Any, place: Place, eye: EyePose) -> None:
    """Put ``camera`` where the eye is in the hall (scene y-up to Panda3D z-up)."""
    from panda3d.core import Point3, Vec3

    (x, y, z), (fx, fy, fz), (ux, uy, uz) = place.eye_in_scene(eye)
    camera.set_pos(Point3(x, -z, y))
    camera.look_at(Point3(x + fx, -(z + fz), y + fy), Vec3(ux, -uz, uy))


def _cross(a: Vec3, b: Vec3) -> Vec3:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
