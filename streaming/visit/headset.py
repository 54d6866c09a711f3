"""A session's headset: while poses arrive, its frames are both eyes, rendered for where
the head will be when the frame is shown.

Each frame slot takes the newest pose, turns it on by the pipeline's latency (pose to
display, corrected by what the page measures: the ``shown`` command) and renders both eyes
side by side (:class:`~museion.runtime.stereo.StereoView`).  What each frame was rendered
with goes to the page keyed by the frame's RTP timestamp, as hotspot marks are, so the page
re-projects exactly that frame to each display frame's head.  When poses stop (the visitor
left VR, or the tab vanished) frames are the flat view again within ``STALE`` seconds.

The eye size follows the render budget (:class:`EyeBudget`): it starts at the pixels of
the flat stream (``width`` x ``height``) split over two eyes in the shape of the headset's
over-rendered field of view, then follows the measured stereo render time so frames take
``1 / headset_fps``, never above that start nor below two eyes of 320 x 320 pixels (a
picture to read by beats a faster one: reprojection keeps head turns smooth).  The stereo
view is the session's own buffer, beside its flat view, freed when the session ends.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from museion.runtime.engine import RenderEngine
from museion.runtime.errors import RenderError
from museion.runtime.eye_pose import Frustum, Place
from museion.runtime.frame_source import Frame
from museion.runtime.navigation import WalkState
from museion.runtime.stereo import StereoFrame, StereoView
from museion.runtime.visit import Visit
from museion.streaming.visit.pose import Pose, PoseKeeper

__all__ = ["PREDICT_CAP", "STALE", "EyeBudget", "Headset", "HeadsetFrame", "eye_size"]

logger = logging.getLogger(__name__)

STALE = 0.5
"""Seconds without a pose after which frames are flat again (the visitor left VR)."""
_LATENCY = 0.08  # pose to display before the page has measured it: render, encode, send
_MAX_LATENCY = 0.5  # what the estimate may grow to on a slow link
PREDICT_CAP = 0.1
"""The furthest ahead (s) a head is turned on at constant angular velocity: beyond it a
guess misleads more than it helps (a sudden turn, taken as a fast one, overshoots), and the
page's reprojection takes the rest of the way."""
_GAIN = 0.5  # of each measured lateness taken into the estimate (it is a median already)
_ALIGN = 16
_FLOOR = 2 * 320 * 320  # pixels: two eyes of at least 320 x 320 pixels between them
_SETTLE = 8  # renders measured before the budget moves
_EVERY = 2.0  # seconds between two changes of the eye size, at least
_STEP = 0.15  # the least change worth remaking the stereo view for
_DAMPING = 0.7  # of the way (in log) to the pixels the measure asks for


class EyeBudget:
    """The pixels a frame of both eyes may have, following the measured render time.

    A render's time is taken as roughly proportional to its pixels (llvmpipe's is; a GPU's
    has more fixed cost, which the next measurements correct): the budget moves part of
    the way to the pixels that would take ``1 / fps``, after ``_SETTLE`` renders and at
    most every ``_EVERY`` seconds, and only by more than ``_STEP``, so the stereo view is
    not remade for noise.
    """

    def __init__(
        self, ceiling: int, fps: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ceiling = ceiling
        self.fps = fps
        self.pixels = ceiling
        self._clock = clock
        self._seconds: float | None = None
        self._count = 0
        self._changed = clock()

    @property
    def seconds(self) -> float | None:
        """A stereo render's time lately (smoothed), None before one was measured."""
        return self._seconds

    def rendered(self, seconds: float) -> bool:
        """A stereo render took ``seconds``: True when the budget changed."""
        self._seconds = seconds if self._seconds is None else 0.8 * self._seconds + 0.2 * seconds
        self._count += 1
        now = self._clock()
        if self._count < _SETTLE or now - self._changed < _EVERY or self._seconds <= 0.0:
            return False
        wanted = self.pixels * ((1.0 / self.fps) / self._seconds) ** _DAMPING
        wanted = min(float(self.ceiling), max(float(min(_FLOOR, self.ceiling)), wanted))
        if abs(wanted / self.pixels - 1.0) < _STEP:
            return False
        self.pixels, self._changed, self._count, self._seconds = int(wanted), now, 0, None
        return True


def eye_size(frustum: Frustum, budget: int) -> tuple[int, int]:
    """An eye's picture for ``budget`` pixels over two eyes, in ``frustum``'s shape, each
    side a multiple of 16 (what video encoders code in whole blocks)."""
    aspect = (frustum.right - frustum.left) / (frustum.top - frustum.bottom)
    height = math.sqrt(budget / 2.0 / aspect)
    width, height = aspect * height, height
    return (max(_ALIGN, int(width) // _ALIGN * _ALIGN), max(_ALIGN, int(height) // _ALIGN * _ALIGN))


@dataclass(frozen=True)
class HeadsetFrame:
    """A frame of both eyes, the page time the head was predicted for, and the page time
    of the pose it was predicted from."""

    stereo: StereoFrame
    predicted_for: float
    posed_at: float


@dataclass(frozen=True)
class StereoJob:
    """One frame's stereo render, decided on the loop and run on the render thread."""

    headset: Headset
    pose: Pose
    place: Place
    posed_at: float

    def __call__(self) -> tuple[Frame, HeadsetFrame]:
        frame = self.headset.render(self)
        return frame.image, HeadsetFrame(frame, self.pose.time, self.posed_at)


class Headset:
    """The stereo side of one session: ``job()`` at each frame slot, ``message()`` as the
    frame goes out, :meth:`close` when the session ends."""

    def __init__(
        self,
        engine: RenderEngine,
        visit: Visit,
        poses: PoseKeeper,
        budget: int,
        fps: float = 24.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine = engine
        self._visit = visit
        self._poses = poses
        self.budget = EyeBudget(budget, fps, clock)
        """Pixels a frame of both eyes may have: at most ``budget``, as many as render at
        ``fps``."""
        self._clock = clock
        self.latency = _LATENCY
        """Seconds from a pose's arrival to its frame on the display, as last measured."""
        self.view: StereoView | None = None
        self.rendered: deque[tuple[int, HeadsetFrame]] = deque(maxlen=300)
        """Recent frames sent, by pts (for tests and diagnostics)."""
        self.active = False
        self._closed = False
        self._place_sent: Place | None = None
        self._spot_place: Place | None = None
        self._tour_place: Place | None = None
        self.spot = 0
        """Counts the places the headset's space has stood (a teleport, a snap turn, a
        tour's step): the page blinks when a frame's spot is new, never sliding the hall."""

    def job(self) -> StereoJob | None:
        """The next frame's stereo render, or None while no headset is on (no pose for
        ``STALE`` seconds, or a pose with no left and right eyes)."""
        kept = self._poses.kept
        if kept is None or self._clock() - kept.received > STALE:
            self.active = False
            return None
        pose = self._poses.predicted(self.latency, cap=PREDICT_CAP)
        if pose is None or pose.stereo() is None:
            self.active = False
            return None
        self.active = True
        return StereoJob(self, pose, self.place(pose), kept.pose.time)

    def place(self, pose: Pose) -> Place:
        """Where the headset's space stands: a guided tour's step puts the head where the
        step looks from (a cut, never a flight: the page fades), else the visitor's own."""
        tour = self._visit.tour
        if tour is None:
            if self._tour_place is not None:  # the tour ended: stay where it left the head
                self._visit.place, self._tour_place = self._tour_place, None
            return self._visit.headset_place()
        standing = Place.standing(WalkState.from_view(tour.step_view(tour.step)))
        head = standing.direction((pose.position[0], 0.0, pose.position[2]))
        fx, fy, fz = standing.floor
        self._tour_place = replace(standing, floor=(fx - head[0], fy, fz - head[2]))
        return self._tour_place

    def render(self, job: StereoJob) -> StereoFrame:
        """On the render thread: both eyes for ``job``, in a stereo view sized for the
        headset's field of view and the render budget (made on the first frame, remade when
        either changes)."""
        stereo = job.pose.stereo()
        assert stereo is not None
        if self._closed:  # a frame already under way as the session ended
            raise RenderError("the session has ended", code="VIEW_CLOSED")
        size = eye_size(
            stereo.left.frustum.widened(self._engine.settings.stereo_margin), self.budget.pixels
        )
        if self.view is None or self.view.eye_size != size:
            if self.view is not None:
                self.view.close()
            self.view = StereoView(self._engine, *size)
            logger.info("headset eyes at %d x %d each", *size)
        renders, started = self.view.renders, time.perf_counter()
        frame = self.view.frame(stereo, job.place)
        if self.view.renders != renders:  # a new picture, not the last one again
            self.budget.rendered(time.perf_counter() - started)
        return frame

    def sent(self, pts: int, rendered: HeadsetFrame, rtp: int | None) -> list[dict[str, Any]]:
        """The messages telling the page what frame ``pts`` (RTP timestamp ``rtp``) was
        rendered with: each eye's orientation and (widened) projection, the space's heading
        and spot, the page time the head was predicted for and that of the pose it was
        predicted from (the page measures pose-to-photon from it); then where the space
        stands, if that changed (:meth:`place_message`)."""
        self.rendered.append((pts, rendered))
        frame = rendered.stereo
        if frame.place != self._spot_place:
            self._spot_place, self.spot = frame.place, self.spot + 1
        stereo = {
            "type": "stereo",
            "rtp": rtp,
            "spot": self.spot,
            "t": round(rendered.predicted_for * 1000.0, 3),
            "from": round(rendered.posed_at * 1000.0, 3),
            "heading": round(frame.place.heading, 4),
            "eyes": [
                {"q": [round(c, 6) for c in eye.orientation], "m": [round(v, 6) for v in m]}
                for eye, m in (
                    (frame.pose.left, frame.left_projection),
                    (frame.pose.right, frame.right_projection),
                )
            ],
        }
        place = self.place_message()
        return [stereo] if place is None else [stereo, place]

    def shown(self, late: float) -> None:
        """The page measured its frames reaching the display ``late`` seconds after the
        time predicted: move the latency estimate that way (bounded)."""
        self.latency = min(_MAX_LATENCY, max(0.0, self.latency + _GAIN * late))

    def place_message(self, force: bool = False) -> dict[str, Any] | None:
        """Where the space stands and the hotspots near the head in ``local-floor`` (the
        page draws their markers), when that changed since last told (or ``force``)."""
        kept = self._poses.kept
        if kept is None or not self.active:
            return None
        place = self.place(kept.pose)
        if place == self._place_sent and not force:
            return None
        self._place_sent = place
        head = place.point(kept.pose.position)
        marks = [
            {"exhibit": exhibit, "hotspot": hotspot, "p": [round(c, 4) for c in place.local(p)]}
            for (exhibit, hotspot), p in self._engine.hotspot_positions.items()
            if self._visit.near(head, (exhibit, hotspot))
        ]
        return {"type": "xr_place", "heading": round(place.heading, 4), "marks": marks}

    def close(self) -> None:
        """Free the stereo view (from any thread; once)."""
        self._closed = True
        view, self.view = self.view, None
        if view is not None:
            view.close()
