"""A visitor's stream quality: its size and frame rate follow their link and screen.

The :class:`~museion.streaming.visit.ladder.Ladder` decides; this is its I/O: every half
second it gathers what the link said (the REMB aiortc handed our encoder, the receiver's
last report: loss and round trip, and the bits sent), and applies the rung it names to the
visitor's frame source (rendered at that size: a smaller rung costs less to draw and to
encode; the encoder rebuilds at the new size and starts with a keyframe) and to the video
track's pace.  A page's ``screen`` message rebases the ladder on the screen's shape.  A
docent's stream, whose encoded frames go to a tour, keeps its size: followers share it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from museion.streaming.metrics import LinkFigures
from museion.streaming.visit.commands import Screen
from museion.streaming.visit.ladder import Feedback, Ladder, Rung, rungs, stream_shape

if TYPE_CHECKING:
    from museion.streaming.visit.session import Session

__all__ = ["Quality"]

logger = logging.getLogger(__name__)


class Quality:
    """The rung ``session`` streams at, and the loop that keeps it following the link."""

    def __init__(self, session: Session) -> None:
        s = session.settings
        self._session = session
        self.base = (s.width, s.height)
        """The screen-shaped size of the top rung."""
        self.ladder = Ladder(rungs(s.width, s.height, s.fps), time.monotonic())
        self.rung = self.ladder.rung
        self.steps: list[tuple[float, Rung, str]] = []
        """Each change: (monotonic time, rung, why), for tests, logs and benchmarks."""
        self._report: Any = None  # the last receiver report's time, to tell a new one
        self._sent: tuple[float, int] | None = None  # (when, bytes sent) at the last look

    @property
    def adapts(self) -> bool:
        """False for a stream whose encoded frames are shared (a docent's tour)."""
        encoder = self._session.encoder
        return encoder is None or encoder.tap is None

    def screen(self, screen: Screen) -> None:
        """The page shows the picture in ``screen``: the stream takes its shape."""
        s = self._session.settings
        if not self.adapts:
            return
        shape = (screen.width, screen.height, screen.dpr)
        base = stream_shape(s.width, s.height, shape, s.max_pixels, s.screen_tolerance)
        if base == self.base:
            return
        self.base = base
        self._apply(self.ladder.rebase(rungs(*base, s.fps), time.monotonic()), "screen")

    async def listen(self) -> None:
        """Every interval: hear the link, step the ladder (runs until cancelled)."""
        while True:
            await asyncio.sleep(self.ladder.settings.interval)
            heard = await self.heard()
            if not self._session.settings.ladder or not self.adapts:
                continue
            rung = self.ladder.decide(time.monotonic(), heard)
            if rung != self.rung:
                self._apply(rung, self.ladder.reason)

    async def heard(self) -> Feedback:
        """What the link said since the last call."""
        sender = self._session.sender
        encoder = self._session.encoder
        loss = rtt = sent = None
        if sender is not None:
            now = time.monotonic()
            for stats in (await sender.getStats()).values():
                if stats.type == "outbound-rtp":
                    if self._sent is not None and now > self._sent[0]:
                        sent = (stats.bytesSent - self._sent[1]) * 8 / (now - self._sent[0])
                    self._sent = (now, stats.bytesSent)
                elif stats.type == "remote-inbound-rtp" and stats.timestamp != self._report:
                    self._report = stats.timestamp
                    loss = (stats.fractionLost or 0) / 256
                    rtt = stats.roundTripTime
        return Feedback(
            remb=None if encoder is None else encoder.estimate,
            remb_at=-float("inf") if encoder is None else encoder.estimate_at,
            loss=loss,
            rtt=rtt,
            sent=sent,
        )

    @property
    def shape(self) -> tuple[int, int, int]:
        """The stream now: width, height and frame rate (for metrics)."""
        return self.rung.width, self.rung.height, self.rung.fps

    async def figures(self, label: str, frames_sent: int) -> LinkFigures:
        """The video link as RTCP tells it (zeros until the first reports), for metrics."""
        sent = lost = 0
        round_trip = None
        sender = self._session.sender
        if sender is not None:
            for stats in (await sender.getStats()).values():
                if stats.type == "outbound-rtp":
                    sent = stats.bytesSent
                elif stats.type == "remote-inbound-rtp":
                    lost, round_trip = stats.packetsLost, stats.roundTripTime
        return LinkFigures(label, sent, lost, round_trip, frames_sent, self.shape)

    def _apply(self, rung: Rung, why: str) -> None:
        session = self._session
        size = f"{rung.width}x{rung.height}"
        logger.info("session %s: %s at %d fps (%s)", session.label, size, rung.fps, why)
        self.rung = rung
        self.steps.append((time.monotonic(), rung, why))
        del self.steps[:-100]
        session.source.resize(rung.width, rung.height)
        session.track.fps = rung.fps
