"""The waiting room: visitors admitted in arrival order as places and render time allow.

A visitor who cannot be served now waits on a WebSocket (:mod:`.routes`) and is told their
place and an estimate, live.  When the head of the queue can be served (a free place, and
room on the render thread for one more moving visitor: :class:`~.load.RenderLoad`), a
place is reserved for it and it is sent a signed, single-use pass that is good for
``pass_ttl`` seconds; its ``POST /whep`` with the pass takes that place.  Nobody enters
directly while anyone waits or holds a pass, so the queue cannot be jumped, and a pass
that is forged, used before or lapsed admits nobody (:mod:`.passes`).  A waiting tab that
closes leaves the queue when its socket does.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from museion.streaming import passes
from museion.streaming.admission.load import RenderLoad
from museion.streaming.errors import CapacityReached, PassRefused
from museion.streaming.outbox import Outbox
from museion.streaming.reservation import Places, Reservation

__all__ = ["PASS_HEADER", "QUEUE_PATH", "Waiter", "WaitingRoom"]

logger = logging.getLogger(__name__)

PASS_HEADER = passes.PASS_HEADER
QUEUE_PATH = "/queue"
SESSION_PRIOR = 300.0  # seconds a visit lasts, until visits have ended here
MAX_WAITING = 1000  # visitors in the line at once; more are told to come back later
# From one address: a script cannot fill the line alone, yet a school class behind one
# public address can all wait.
MAX_WAITING_FROM_ONE = 64
_SMOOTHING = 0.2


@dataclass(eq=False)
class Waiter(Outbox):
    """One waiting visitor (and the messages on their way to them)."""

    id: str = ""
    joined: float = 0.0
    address: str = ""


@dataclass(eq=False)
class _Pass:
    held: Reservation
    due: asyncio.TimerHandle
    joined: float


@dataclass
class WaitingRoom:
    """The queue of one gallery, over its ``places`` and its render ``load``; ``fps`` is
    what each moving visitor must keep (0: admission by places alone)."""

    places: Places
    load: RenderLoad
    fps: int = 28
    pass_ttl: float = 20.0
    clock: Callable[[], float] = time.time
    waiting: dict[str, Waiter] = field(default_factory=dict)
    on_wait: Callable[[float], None] | None = None  # told each admitted visitor's wait
    _passes: dict[str, _Pass] = field(default_factory=dict)
    _key: bytes = field(default_factory=passes.new_key)
    _visit: float = SESSION_PRIOR

    def room(self) -> bool:
        """Whether one more visitor can be served now."""
        if self.places.in_use >= self.places.capacity:
            return False
        return self.fps == 0 or self.load.room_for(self.fps)

    def enter(self, held: Reservation, pass_text: str | None) -> None:
        """Give a gallery offer its place on ``held``: the one its pass reserved, or a
        free one if nobody waits; else :class:`CapacityReached` pointing to the queue."""
        if pass_text is not None:
            self._redeem(pass_text, held)
        elif not self.waiting and not self._passes and self.room():
            self.places.take(held)
        else:
            raise CapacityReached(
                "The gallery is busy; wait your turn in the queue, or try again in "
                f"{self.places.retry_after} seconds.",
                retry_after=self.places.retry_after,
                queue=QUEUE_PATH,
            )

    def check_room(self, address: str) -> None:
        """Raise :class:`CapacityReached` if the line is full, or full for ``address``."""
        mine = sum(w.address == address for w in self.waiting.values())
        if len(self.waiting) >= MAX_WAITING or mine >= MAX_WAITING_FROM_ONE:
            raise CapacityReached(
                f"The queue is full; please try again in {self.places.retry_after} seconds.",
                retry_after=self.places.retry_after,
            )

    def join(self, address: str = "") -> Waiter:
        waiter = Waiter(id=secrets.token_urlsafe(9), joined=self.clock(), address=address)
        self.waiting[waiter.id] = waiter
        self.pump()
        if waiter.id in self.waiting:
            self._tell_positions()
        return waiter

    def leave(self, waiter: Waiter) -> None:
        if self.waiting.pop(waiter.id, None) is not None:
            self._tell_positions()

    def visit_ended(self, seconds: float) -> None:
        """A visit of ``seconds`` ended: the estimate learns, and a place may be free."""
        self._visit += _SMOOTHING * (seconds - self._visit)
        self.pump()

    def pump(self) -> None:
        """Admit from the head of the queue while there is room."""
        admitted = False
        while self.waiting and self.room():
            waiter = self.waiting.pop(next(iter(self.waiting)))
            self._admit(waiter)
            admitted = True
        if admitted:
            self._tell_positions()

    def estimate(self, position: int) -> float:
        """Seconds until the visitor at ``position`` (1: next) may enter, roughly."""
        return position * self._visit / self.places.capacity

    def _admit(self, waiter: Waiter) -> None:
        held = Reservation("admission pass")
        self.places.take(held)
        pass_id = secrets.token_urlsafe(12)
        loop = asyncio.get_running_loop()
        due = loop.call_later(self.pass_ttl, self._lapse, pass_id)
        self._passes[pass_id] = _Pass(held, due, waiter.joined)
        expires = int(self.clock() + self.pass_ttl) + 1
        waiter.send({"type": "admitted", "pass": passes.sign(self._key, pass_id, expires)})
        waiter.close("admitted")
        logger.info("waiting room: admitted a visitor after %.0f s", self.clock() - waiter.joined)

    def _lapse(self, pass_id: str) -> None:
        """A pass not used in time gives its place to the next in line."""
        lapsed = self._passes.pop(pass_id, None)
        if lapsed is not None:
            asyncio.ensure_future(lapsed.held.release()).add_done_callback(lambda _: self.pump())

    def _redeem(self, text: str, held: Reservation) -> None:
        pass_id = passes.read(self._key, text, self.clock())
        reserved = self._passes.pop(pass_id, None)
        if reserved is None:
            raise PassRefused(
                "This admission pass was used already, or lapsed; join the queue again.",
                code="PASS_USED",
            )
        reserved.due.cancel()
        held.add(reserved.held.release)
        if self.on_wait is not None:
            self.on_wait(self.clock() - reserved.joined)

    def _tell_positions(self) -> None:
        total = len(self.waiting)
        for position, waiter in enumerate(self.waiting.values(), start=1):
            waiter.send(
                {
                    "type": "queue",
                    "position": position,
                    "waiting": total,
                    "estimate": round(self.estimate(position)),
                }
            )
