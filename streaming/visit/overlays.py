"""What goes to a visitor beside each picture's pixels: hotspot marks and the cover.

After each new picture, on the render thread, the session's track asks where the picture's
hotspots are and where its restricted exhibits are (the visible mark's cover); as the frame
goes to the encoder, the marks are sent timed to its RTP timestamp (a headset's frame sends
its own markers instead).  The session carries; this module says what the page gets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from museion.runtime.camera import ViewState
from museion.runtime.engine import RenderEngine
from museion.runtime.frame_source import Frame, FrameSource
from museion.runtime.picking import HotspotMark
from museion.runtime.stereo import StereoView
from museion.runtime.visit import Visit
from museion.streaming.settings import StreamSettings
from museion.streaming.visit.headset import Headset, HeadsetFrame
from museion.streaming.visit.messages import marks_message
from museion.streaming.watermark import (
    Cover,
    marker_for,
    restricted_exhibits,
    visible_for,
    visible_text,
)

__all__ = ["Marks", "Overlays", "restricted"]

Marks = tuple[list[HotspotMark], tuple[int, int]]
"""A picture's hotspot marks (in its pixels) and its size."""


def restricted(engine: RenderEngine) -> bool:
    """Whether the exhibition shows a restricted exhibit (its visitors' frames are marked
    when ``watermark`` is ``"restricted"``, the default)."""
    return bool(restricted_exhibits(engine.document))


class Overlays:
    """One session's marks and cover: made after each new picture, sent with its frame."""

    def __init__(
        self,
        engine: RenderEngine,
        source: FrameSource,
        settings: StreamSettings,
        session_id: str,
        visit: Visit,
        headset: Headset,
        send: Callable[[dict[str, Any]], None],
    ) -> None:
        self._engine = engine
        self._source = source
        self._visit = visit
        self._headset = headset
        self._send = send
        self.visible = visible_for(settings, engine.document, session_id)
        self._covered_ids = (
            restricted_exhibits(engine.document) if self.visible is not None else frozenset()
        )
        self.cover: Cover | None = None
        """Where the restricted exhibits are in the picture being marked: set on the render
        thread after each new picture and read as it is marked, before the next is made
        (a track makes one frame at a time)."""
        self._last_pts: int | None = None
        self.rtp_origin: int | None = None
        """What aiortc adds to our pts to make RTP timestamps (None until a frame went out)."""
        self._marks_message: dict[str, Any] | None = None

    @property
    def wanted(self) -> bool:
        """Whether a new picture needs :meth:`after_render` (hotspots, or a visible mark)."""
        return self._engine.has_hotspots or bool(self.visible)

    def marker(self, settings: StreamSettings, session_id: str) -> Callable[[Frame], Frame] | None:
        """The watermark for this session's frames, covering what :attr:`cover` says."""
        return marker_for(
            settings,
            session_id,
            settings.width,
            settings.height,
            restricted=restricted(self._engine),
            visible=self.visible,
            cover=lambda: self.cover,
        )

    def _marks(self) -> Marks:
        """On the render thread, after a new picture: its hotspot marks (in its pixels)
        and its size."""
        return self._source.hotspot_marks(), self._source.size

    def after_render(self) -> Marks | None:
        """On the render thread, after a new picture: where its restricted exhibits are
        (for the visible mark, when the document asks for one) and its hotspot marks."""
        if self._covered_ids:
            rects = self._source.exhibit_rects(self._covered_ids)
            self.cover = Cover(tuple(rects), self._source.size)
        return self._marks() if self._engine.has_hotspots else None

    def speak(self, language: str) -> bool:
        """The visitor reads in ``language``: the visible mark says its text in it (when
        the document has it) from the next frame on.  Whether the mark changed (the
        picture must then be marked anew, even if the view is still)."""
        document = self._engine.document
        if self.visible is None or document is None:
            return False
        return self.visible.retell(visible_text(document, language))

    def after_stereo(self, view: StereoView | None) -> None:
        """On the render thread, after a headset's frame: where the restricted exhibits
        are in each eye (for the visible mark), side by side as the frame is."""
        if not self._covered_ids or view is None:
            self.cover = None
            return
        width, height = view.eye_size
        self.cover = Cover(tuple(view.exhibit_rects(self._covered_ids)), (2 * width, height))

    def timed(self, pts: int, sender: Any) -> None:
        """As each frame goes to the encoder: learn how its ``pts`` becomes an RTP timestamp.

        The marks message carries the frame's RTP timestamp, so the page can apply the
        marks to exactly the frame they belong to (``requestVideoFrameCallback``'s
        rtpTimestamp).  aiortc adds a random origin to our timestamps and keeps it private;
        it shows in the ``sender``'s last RTP timestamp, read once the previous frame has
        gone out.
        """
        if self.rtp_origin is None and self._last_pts is not None:
            sent = getattr(sender, "_RTCRtpSender__rtp_timestamp", 0)
            if sent:
                self.rtp_origin = (sent - self._last_pts) % 2**32
        self._last_pts = pts

    def send_marks(self, pts: int, marked: Any, view: ViewState) -> None:
        """Send a new picture's hotspot marks as its frame :meth:`timed` goes out (a headset's
        frame: its markers)."""
        rtp = None if self.rtp_origin is None else (self.rtp_origin + pts) % 2**32
        if isinstance(marked, HeadsetFrame):
            for message in self._headset.sent(pts, marked, rtp):
                self._send(message)
            return
        if marked is None:
            return
        marks, size = marked
        eye = view.eye()
        self._marks_message = marks_message(
            marks, size, rtp, lambda m: self._visit.near(eye, (m.exhibit, m.hotspot))
        )
        self._send(self._marks_message)

    def resend(self) -> None:
        """Repeat the latest marks (a page that missed them catches up)."""
        place = self._headset.place_message(force=True)
        if place is not None:  # a headset's markers, not the flat picture's
            self._send(place)
        elif self._marks_message is not None:
            self._send(self._marks_message)
