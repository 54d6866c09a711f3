"""What a request holds, given back on every path, in one place.

A request that creates a session takes several things in turn: a place under a cap, a
render view, a peer connection, a stream entry, a registry entry.  Each is put on a
:class:`Reservation` the moment it is taken, with how to give it back.  ``async with
Reservation(...) as held:`` gives everything back, newest first, when the block raises
(a hostile offer, a full server, a cancelled request); on success the owner (a gallery
session, a publisher, a live viewer) keeps the reservation and calls :meth:`release` once
when it ends.  Every give-back runs even when an earlier one raises (aiortc's ``close``
can), so nothing outlives a failed request or a session that ended badly.

:class:`Places` is a bounded count (visitors, live viewers): a place is taken *before* any
expensive or awaited work, so concurrent requests cannot all pass the check at once.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from types import TracebackType

from museion.streaming.errors import CapacityReached

__all__ = ["Places", "Release", "Reservation"]

logger = logging.getLogger(__name__)

Release = Callable[[], object]
"""Gives one thing back; may return an awaitable, which is awaited."""


class Reservation:
    """The things one request or session holds, each with its release."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._releases: list[Release] = []
        self.released = False

    def add(self, release: Release) -> None:
        """Register ``release`` for something just taken (given back newest first)."""
        if self.released:
            raise RuntimeError(f"{self.what}: already released")
        self._releases.append(release)

    async def release(self) -> None:
        """Give everything back, newest first; each step runs even if another raised."""
        self.released = True
        while self._releases:
            release = self._releases.pop()
            try:
                result = release()
                if inspect.isawaitable(result):
                    await result
            except Exception:  # one failed give-back must not keep the others
                logger.exception("%s: releasing %r failed", self.what, release)

    async def __aenter__(self) -> Reservation:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            await self.release()


class Places:
    """``capacity`` places (visitors served, live-show viewers), taken before the work."""

    def __init__(self, capacity: int, what: str, retry_after: int) -> None:
        self.capacity = capacity
        self.what = what
        self.retry_after = retry_after
        self.in_use = 0
        self.on_free: Callable[[], None] | None = None  # told after a place is given back

    def take(self, held: Reservation) -> None:
        """One place, given back when ``held`` is released; raises :class:`CapacityReached`."""
        if self.in_use >= self.capacity:
            raise CapacityReached(
                f"All {self.capacity} {self.what} are taken; "
                f"please try again in {self.retry_after} seconds.",
                retry_after=self.retry_after,
            )
        self.in_use += 1
        held.add(self._give_back)

    def _give_back(self) -> None:
        self.in_use -= 1
        if self.on_free is not None:
            self.on_free()
