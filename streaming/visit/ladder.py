"""A visitor's quality ladder: which size and frame rate their link and screen can take.

Pure, on a given clock, so it is tested without a network.  aiortc only lowers the
encoder's bitrate when a receiver's estimate (REMB) falls; a 720p picture squeezed into
what a constrained link carries loses its keyframes to the bottleneck's queue and the
page freezes.  So each visitor gets a ladder of rungs (:func:`rungs`: the full size, then
smaller ones, then fewer frames a second), and a :class:`Ladder` that climbs it from
what the link says every :attr:`LadderSettings.interval` (:class:`Feedback`):

- down, at once, on congestion: a receiver report losing ``loss`` of the packets, a
  round trip rising past ``rtt_rise`` over the lowest seen (a queue filling), or an
  estimate that has fallen below what the rung needs (a receiver lowers its estimate only
  when it sees queueing; it does not vouch for a rate it has not seen, so a low estimate
  that never fell says nothing); the step goes to the best rung that fits the estimate
  (or what got through), else one rung;
- up, one rung, once the link has been quiet (and its round trip back near the lowest)
  for ``hold`` seconds and a fresh estimate covers the next rung with ``up_margin`` to
  spare; or, as a try, once it has been calm (no loss, the estimate not falling) for
  ``probe`` seconds and the estimate is at least ``probe_floor`` of the next rung's need:
  after congestion a receiver's estimate climbs back only some tens of kbit/s a second
  (measured with Chromium: 15-60), far too slowly to say in 10 s that a link cleared, so
  the rung is tried and the link's answer heard; with no estimate at all, a blind try
  after ``hold_max``.  A step up that meets congestion within ``failed_within`` doubles
  the quiet wait (to ``hold_max``), so the two do not see-saw.

Each step changes the picture's size, so the encoder starts anew with a keyframe: on a
bottleneck with a short queue that burst is itself lost in part, so steps are few and
a step down goes straight to the rung that fits.

aiortc has no transport-wide congestion control (it neither negotiates nor reads
transport-cc), so REMB, loss and round trip are what a sender hears.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["STEPS", "Feedback", "Ladder", "LadderSettings", "Rung", "rungs", "stream_shape"]

STEPS: tuple[tuple[float, float], ...] = (
    (1.0, 1.0),
    (0.75, 1.0),
    (0.5, 1.0),
    (0.5, 2 / 3),
    (0.375, 0.5),
)
"""Each rung as (share of the base size per side, share of the base frame rate): for a
1280x720@30 base, 1280x720@30, 960x540@30, 640x360@30, 640x360@20, 480x270@15."""


@dataclass(frozen=True)
class Rung:
    """One step of the ladder: a picture size and a frame rate."""

    width: int
    height: int
    fps: int

    def need(self, bits_per_pixel: float) -> float:
        """The bits a second this rung needs to look right at ``bits_per_pixel``."""
        return self.width * self.height * self.fps * bits_per_pixel


def _even(value: float) -> int:
    return max(16, 2 * round(value / 2))


def rungs(width: int, height: int, fps: int) -> tuple[Rung, ...]:
    """The ladder for a ``width`` x ``height`` base at ``fps``, best first (even sizes)."""
    return tuple(
        Rung(_even(width * size), _even(height * size), max(1, round(fps * rate)))
        for size, rate in STEPS
    )


def stream_shape(
    width: int,
    height: int,
    screen: tuple[float, float, float] | None,
    max_pixels: int | None = None,
    tolerance: float = 0.15,
) -> tuple[int, int]:
    """The base size of a stream of ``width`` x ``height`` (configured) for a screen of
    (CSS width, CSS height, device pixel ratio), None for unknown.

    A screen whose shape and device pixels are within ``tolerance`` of the configured
    size keeps it exactly (a desktop window a little off 16:9 is not worth a new encoder);
    any other gets its own aspect, with at most ``max_pixels`` (None: the configured
    count) and at most its own device pixels; sides even, multiples of 16 when that keeps
    the aspect within 2 %.
    """
    if screen is None:
        return width, height
    css_w, css_h, ratio = screen
    aspect = css_w / css_h
    configured = width / height
    pixels = min(max_pixels or width * height, css_w * ratio * css_h * ratio)
    if abs(math.log(aspect / configured)) <= math.log1p(tolerance) and pixels >= (1 - tolerance) * (
        width * height
    ):
        return width, height
    aspect = min(max(aspect, 1 / 4), 4.0)
    high = math.sqrt(pixels / aspect)
    wide = high * aspect
    for unit in (16, 2):
        w = max(16, int(wide // unit) * unit)
        h = max(16, int(w / aspect // unit) * unit)
        if abs((w / h) / aspect - 1) <= 0.02 or unit == 2:
            return min(w, 7680), min(h, 4320)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class LadderSettings:
    """How a :class:`Ladder` reads its link (see the module's docstring); bitrates are
    bits a second, times seconds, shares 0..1."""

    interval: float = 0.5
    bits_per_pixel: float = 0.05
    loss: float = 0.08
    rtt_rise: float = 0.15
    remb_age: float = 3.0
    settle: float = 2.0
    hold: float = 2.0
    hold_max: float = 4.0
    up_margin: float = 1.1
    probe: float = 6.0
    probe_floor: float = 0.6
    failed_within: float = 10.0

    def __post_init__(self) -> None:
        if not 0.05 <= self.interval <= 5.0:
            raise ValueError("the ladder's interval must lie in [0.05, 5] seconds")
        if not 0 < self.bits_per_pixel <= 1.0:
            raise ValueError("bits_per_pixel must lie in (0, 1]")
        if not 0 < self.loss <= 1.0:
            raise ValueError("the ladder's loss threshold must lie in (0, 1]")
        if not 0 < self.hold <= self.hold_max <= 60.0:
            raise ValueError("the ladder's hold must satisfy 0 < hold <= hold_max <= 60 s")
        if self.up_margin < 1.0:
            raise ValueError("up_margin must be at least 1")
        if not (0 <= self.probe <= 600 and 0 < self.probe_floor <= self.up_margin):
            raise ValueError("probe must lie in [0, 600] s (0: off), probe_floor in (0, up_margin]")


@dataclass(frozen=True)
class Feedback:
    """What the link said since the last decision: ``remb`` (bits/s) and when it came
    (None: never), ``loss`` (the share lost by a receiver report new since the last call,
    else None), ``rtt`` (seconds, None unknown), ``sent`` (bits/s we sent lately)."""

    remb: float | None = None
    remb_at: float = -math.inf
    loss: float | None = None
    rtt: float | None = None
    sent: float | None = None


class Ladder:
    """One visitor's rung on ``ladder`` (best first); starts at the top."""

    def __init__(
        self, ladder: tuple[Rung, ...], now: float, settings: LadderSettings = LadderSettings()
    ) -> None:
        self.settings = settings
        self.rungs = ladder
        self.index = 0
        self._changed = now
        self._quiet_since = now
        self._hold = settings.hold
        self._tried: float | None = None  # when the last step up was taken, until judged
        self._min_rtt = math.inf
        self._rtt: float | None = None
        self._remb: float | None = None  # the previous estimate, to tell one that fell
        self._fell = False  # the estimate fell since the last step, and stays below
        self._calm_since = now  # since when the estimate has not fallen, nor the link choked
        self.reason = "start"
        """Why the last step was taken (for logs and tests)."""

    @property
    def rung(self) -> Rung:
        return self.rungs[self.index]

    @property
    def estimate(self) -> float | None:
        """The last fresh estimate decided by (bits/s; None: none yet)."""
        return self._remb

    def rebase(self, ladder: tuple[Rung, ...], now: float) -> Rung:
        """A new ladder (the screen changed shape): the same step on it."""
        self.rungs = ladder
        self.index = min(self.index, len(ladder) - 1)
        self._changed = now
        return self.rung

    def decide(self, now: float, heard: Feedback) -> Rung:
        """The rung to send from now on."""
        s = self.settings
        fresh = heard.remb if heard.remb is not None and now - heard.remb_at <= s.remb_age else None
        if fresh is not None:
            if self._remb is not None and fresh < self._remb * 0.98:
                self._fell = True
                self._calm_since = now
            self._remb = fresh
        rising = False
        if heard.rtt is not None:
            self._min_rtt = min(self._min_rtt, heard.rtt)
            rising = self._rtt is not None and heard.rtt > self._rtt
            self._rtt = heard.rtt
        if now - self._changed < s.settle:  # reports still describe the previous rung
            return self.rung
        if self._tried is not None and now - self._tried >= s.failed_within:
            self._hold, self._tried = s.hold, None  # the last step up held
        need = self._need(self.index)
        why = self._congestion(heard, fresh, need, rising)
        if why is not None:
            if self.index < len(self.rungs) - 1:
                return self._step_down(now, why, fresh, heard)
            self._quiet_since = now
            return self.rung
        if self._rtt is not None and self._rtt > self._min_rtt + s.rtt_rise:
            self._quiet_since = now  # a queue still draining is no quiet link
        if self.index > 0 and self._may_climb(now, fresh):
            return self._set(now, self.index - 1, "quiet", up=True)
        return self.rung

    def _may_climb(self, now: float, fresh: float | None) -> bool:
        """Quiet long enough, and the estimate covers the next rung up; or calm (the
        estimate rising, nothing lost) for ``probe`` seconds and the estimate not far
        below (a receiver's estimate climbs some tens of kbit/s a second: it cannot say
        in time that a link cleared, a try can); with no estimate to go by, a longer
        quiet before a blind try."""
        s = self.settings
        quiet = now - self._quiet_since
        if fresh is None:
            return quiet >= max(self._hold, s.hold_max)
        if quiet < self._hold:
            return False
        wanted = self._need(self.index - 1)
        calm = now - max(self._calm_since, self._quiet_since)
        return fresh >= wanted * s.up_margin or (
            s.probe > 0 and calm >= max(s.probe, self._hold) and fresh >= wanted * s.probe_floor
        )

    def _congestion(
        self, heard: Feedback, fresh: float | None, need: float, rising: bool
    ) -> str | None:
        s = self.settings
        if heard.loss is not None and heard.loss >= s.loss:
            return f"loss {heard.loss:.0%}"
        if rising and heard.rtt is not None and heard.rtt > self._min_rtt + s.rtt_rise:
            return f"round trip {heard.rtt * 1000:.0f} ms"
        if fresh is not None and self._fell and fresh < need:
            return f"estimate {fresh / 1000:.0f} kbit/s"
        return None

    def _step_down(self, now: float, why: str, fresh: float | None, heard: Feedback) -> Rung:
        """To the best lower rung that fits what the link carries (one rung if unknown)."""
        s = self.settings
        if self._tried is not None and now - self._tried < s.failed_within:
            self._hold, self._tried = min(self._hold * 2, s.hold_max), None
        budget = fresh
        if heard.loss is not None and heard.loss >= s.loss and heard.sent:
            got_through = heard.sent * (1 - heard.loss)
            budget = got_through if budget is None else min(budget, got_through)
        lowest = len(self.rungs) - 1
        index = self.index + 1
        if budget is not None:
            fits = (i for i in range(index, lowest) if self._need(i) <= budget)
            index = next(fits, lowest)
        return self._set(now, index, why, up=False)

    def _need(self, index: int) -> float:
        return self.rungs[index].need(self.settings.bits_per_pixel)

    def _set(self, now: float, index: int, why: str, up: bool) -> Rung:
        self.index = index
        self._changed = now
        self._quiet_since = now
        self._calm_since = now
        self._fell = False
        self.reason = why
        if up:
            self._tried = now
        return self.rung
