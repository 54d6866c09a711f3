"""How many datachannel messages a visitor may send, and when their excess is a flood."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["ERROR_REPLIES", "FLOOD_GRACE", "RateLimit"]


class RateLimit:
    """A token bucket: ``rate`` messages a second, bursts up to ``burst`` (one second's
    worth unless given).

    It also tells a flood from an eager client: more than ``FLOOD_FACTOR`` times the rate
    dropped within one ``FLOOD_WINDOW`` (a client sending at 1.5 times the rate for 2 s,
    where the page sends at most 60 a second) means the channel keeps flooding.
    """

    FLOOD_FACTOR = 0.5
    FLOOD_WINDOW = 2.0

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        burst: float | None = None,
    ) -> None:
        self._clock = clock
        self.rate = float(rate)
        self.burst = float(rate if burst is None else burst)
        self.tokens = self.burst
        self.stamp = clock()
        self.warned_at = 0.0
        self.dropped = 0
        self._window_start = self.stamp
        self._window_drops = 0

    def allow(self) -> bool:
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.dropped += 1
        if now - self._window_start > self.FLOOD_WINDOW:
            self._window_start, self._window_drops = now, 0
        self._window_drops += 1
        return False

    @property
    def flooding(self) -> bool:
        return self._window_drops > self.FLOOD_FACTOR * self.rate * self.FLOOD_WINDOW


ERROR_REPLIES = 20
"""Error messages a session sends at most each second."""
FLOOD_GRACE = 2.0
"""Seconds a flooding visitor's channel has to close before its session is ended."""
