"""The video track a visitor receives: frames from a :class:`FrameSource`, paced.

Rendering runs on the engine's render thread and the RGB -> YUV conversion on the loop's
default executor (so the next view renders meanwhile); the event loop only waits.  When the
source hands back the same array (the camera did not move), the converted frame is reused
and nothing is rendered.  Once the picture has not changed for ``IDLE_AFTER`` seconds the
track sends ``idle_fps`` frames a second instead of ``fps`` (as WebRTC screen sharing does),
still checking the camera every ``1/fps``, so a visitor who stops to read costs a few
encodes a second and the next movement is sent at once.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from museion.runtime.camera import ViewState
from museion.runtime.frame_source import Frame, FrameSource

__all__ = [
    "STAMP_BITS",
    "STAMP_BLOCK",
    "VIDEO_CLOCK",
    "OwnRender",
    "ViewTrack",
    "stamp_time",
    "to_video",
]

OwnRender = Callable[[], tuple[Frame, Any]]
"""A render of its own a track may be given for a slot: the picture and what it shows."""
VIDEO_CLOCK = 90_000
_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
IDLE_AFTER = 1.0
STAMP_BITS = 42
STAMP_BLOCK = 16

logger = logging.getLogger(__name__)


def stamp_time(image: Frame, millis: int) -> Frame:
    """A copy of ``image`` with ``millis`` drawn as black/white blocks along the top left.

    Bit ``i`` (most significant first) fills the ``STAMP_BLOCK``-pixel square at column
    ``i``; large blocks survive lossy video coding, so a page can read the time back.
    """
    stamped = image.copy()
    for i in range(STAMP_BITS):
        bit = (millis >> (STAMP_BITS - 1 - i)) & 1
        stamped[:STAMP_BLOCK, i * STAMP_BLOCK : (i + 1) * STAMP_BLOCK] = 255 if bit else 0
    return stamped


def to_video(image: Frame, width: int, height: int) -> av.VideoFrame:
    """``image`` as a ``width`` x ``height`` YUV 4:2:0 frame.

    A moving preview comes at its own smaller size: swscale enlarges it (nearest neighbour,
    as the frame source would) within the one conversion, a quarter of the work of
    converting an enlarged copy.
    """
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    if (frame.width, frame.height) == (width, height):
        return frame.reformat(format="yuv420p")
    return frame.reformat(width, height, "yuv420p", interpolation="POINT")


class ViewTrack(MediaStreamTrack):
    """A ``fps``-paced video track showing ``view()`` as seen by ``source``."""

    kind = "video"

    def __init__(
        self,
        source: FrameSource,
        executor: Executor,
        view: Callable[[], ViewState],
        fps: int,
        stamp_clock: bool = False,
        idle_fps: int | None = None,
        after_render: Callable[[], Any] | None = None,
        on_frame: Callable[[int, Any, ViewState], None] | None = None,
        on_render: Callable[[float], None] | None = None,
        own_render: Callable[[], OwnRender | None] | None = None,
        mark: Callable[[Frame], Frame] | None = None,
    ) -> None:
        """``own_render``, asked at each slot, may return a render of its own to run on the
        render thread instead of ``source``'s view (a headset's two eyes): it gives the
        picture and what ``on_frame`` is to be told of it.  ``mark`` marks each new
        picture (the visitor's watermark) off the render thread, before it is encoded."""
        super().__init__()
        self._mark = mark
        self._own_render = own_render
        self._after_render = after_render
        self._on_frame = on_frame
        self._on_render = on_render
        self._stamp = stamp_clock
        self._idle_fps = idle_fps or fps
        self._idle_interval = 1.0 / self._idle_fps
        self._changed_at = 0.0
        self._sent_at = 0.0
        self._source = source
        self._executor = executor
        self._view = view
        self._step = VIDEO_CLOCK // fps
        source.budget = 1 / fps  # a preview slower than a frame is drawn coarser
        self._start: float | None = None
        self._pts = 0
        self._last_image: Frame | None = None
        self._last_frame: av.VideoFrame | None = None
        self._stale = False
        self._lead = 0.0
        self._ahead: asyncio.Future[tuple[int, av.VideoFrame, bool, Any, ViewState]] | None = None
        self.frames_sent = 0
        self.size = source.size
        """``(width, height)`` of the last frame sent (what the visitor sees now)."""

    @property
    def fps(self) -> int:
        """Frames a second while the picture changes; set it to change the pace from the
        next frame on (a quality ladder's rung)."""
        return VIDEO_CLOCK // self._step

    @fps.setter
    def fps(self, fps: int) -> None:
        self._step = VIDEO_CLOCK // fps
        self._source.budget = 1 / fps
        self._idle_interval = 1.0 / min(self._idle_fps, fps)

    def remake(self) -> None:
        """Make the next frame anew even if the picture did not change (its marks did: a
        visible watermark's text); on the loop."""
        self._stale = True

    def stop(self) -> None:
        """End the track and the render already under way for it."""
        if self._ahead is not None:
            self._ahead.cancel()
            self._ahead = None
        super().stop()

    def _next_slot(self) -> tuple[int, float]:
        """The next frame's pts and the monotonic time it is due."""
        now = time.monotonic()
        if self._start is None:
            self._start = now
            return 0, now
        self._pts += self._step
        due = self._start + self._pts / VIDEO_CLOCK
        if now - due > self._step / VIDEO_CLOCK:
            # Late by more than a frame: follow the wall clock instead of bursting to catch up.
            self._pts = round((now - self._start) * VIDEO_CLOCK)
            due = now
        return self._pts, due

    async def _make(self) -> tuple[int, av.VideoFrame, bool, Any, ViewState]:
        """Wait for the next slot less the expected render time, then make its frame.

        Starting early by the recent render time makes the frame ready when it is due,
        with the camera sampled as late as possible.
        """
        pts, due = self._next_slot()
        wait = due - self._lead - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        state = self._view()
        own = None if self._own_render is None else self._own_render()
        image, changed, extra, size, began = await loop.run_in_executor(
            self._executor, self._render, state, own
        )
        rendered = time.monotonic()
        stale, self._stale = self._stale, False  # remade (see remake()): marked anew
        if changed or stale:
            # Off the render thread (swscale lets go of the GIL): the next view renders
            # meanwhile.
            self._last_frame = await loop.run_in_executor(None, _video, image, size, self._mark)
        frame = self._last_frame
        assert frame is not None
        took = time.monotonic() - started
        if changed and logger.isEnabledFor(logging.DEBUG):
            # Where a frame's time went: waiting for the render thread, drawing, converting.
            logger.debug(
                "frame %d %dx%d: queued %.1f ms, drawn %.1f ms, converted %.1f ms",
                pts, image.shape[1], image.shape[0], 1000 * (began - started),
                1000 * (rendered - began), 1000 * (time.monotonic() - rendered),
            )  # fmt: skip
        self._lead = min(self._step / VIDEO_CLOCK, 0.8 * self._lead + 0.2 * took)
        if self._on_render is not None:
            self._on_render(took)
        return pts, frame, changed, extra, state

    def _render(
        self, state: ViewState, own: OwnRender | None = None
    ) -> tuple[Frame, bool, Any, tuple[int, int], float]:
        """On the render thread: the picture for ``state`` (or ``own``'s), whether it
        differs from the last one, what ``after_render`` says about a new picture (or what
        ``own`` says about its picture, new or not), the frame's size (a preview comes
        smaller) and when the render thread took it up."""
        began = time.monotonic()
        if own is not None:
            image, about = own()
            changed = image is not self._last_image or self._last_frame is None
            self._last_image = image
            return image, changed, about, (image.shape[1], image.shape[0]), began
        if self._stamp:
            image = stamp_time(self._source.frame(state), int(time.time() * 1000))
        else:
            image = self._source.rendered(state)
        changed = image is not self._last_image or self._last_frame is None
        self._last_image = image
        extra = self._after_render() if changed and self._after_render is not None else None
        return image, changed, extra, self._source.size, began

    async def recv(self) -> av.VideoFrame:
        """The next frame: every ``1/fps`` while the picture changes, slower once idle.

        While aiortc encodes the frame returned here, the next one is already being
        rendered (``_ahead``), so a frame costs max(render, encode), not their sum.
        """
        if self.readyState != "live":
            raise MediaStreamError
        while True:
            making = self._ahead or asyncio.ensure_future(self._make())
            self._ahead = None
            pts, frame, changed, extra, state = await making
            now = time.monotonic()
            if changed:
                self._changed_at = now
            idle = now - self._changed_at >= IDLE_AFTER
            if not idle or now - self._sent_at >= self._idle_interval - 0.005:
                break
            if self.readyState != "live":
                raise MediaStreamError
        self._ahead = asyncio.ensure_future(self._make())
        if self._on_frame is not None:
            self._on_frame(pts, extra, state)
        self._sent_at = now
        frame.pts = pts
        frame.time_base = _TIME_BASE
        self.size = frame.width, frame.height
        # aiortc's VP8 encoder marks a frame I on a keyframe request and never unmarks it;
        # this frame object may be sent again, so clear the mark.
        frame.pict_type = av.video.frame.PictureType.NONE
        self.frames_sent += 1
        return frame


def _video(
    image: Frame, size: tuple[int, int], mark: Callable[[Frame], Frame] | None
) -> av.VideoFrame:
    """``image`` (marked, when the stream is) as a video frame of ``size``."""
    return to_video(image if mark is None else mark(image), *size)
