"""One docent tour's room: who follows, what they were shown, chat and raised hands.

The video is the live relay's (stream ``tour-<id>``); this is everything beside it.  What
the docent's page is told (hotspot marks, the label they opened, a guided tour's step) is
passed on to every follower, whose page draws it in its own language.  No I/O here: each
follower is an :class:`~museion.streaming.outbox.Outbox` its WebSocket writer drains, and the
docent is told through a callback (their datachannel).  A follower whose outbox overflows
(a stalled connection) is let go rather than holding memory for ever.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from museion.streaming.errors import TourMessageError
from museion.streaming.outbox import Message, Outbox
from museion.streaming.tours.room import Chat, Hand, Lower, Unshare, clean_name
from museion.streaming.visit.rate_limit import RateLimit

__all__ = ["CHAT_HISTORY", "HANDS_DELAY", "Follower", "Tour"]

logger = logging.getLogger(__name__)

CHAT_HISTORY = 30  # chat lines a joining follower is shown
HANDS_DELAY = 0.2  # seconds over which hand changes are collapsed into one update
MESSAGES_PER_SECOND = 20  # room messages one follower may send; the rest are dropped
FLOOD_FACTOR = 5.0  # dropped past 5x that rate for 2 s: a flood, and they are let go


def _room_limit() -> RateLimit:
    limit = RateLimit(MESSAGES_PER_SECOND)
    limit.FLOOD_FACTOR = FLOOD_FACTOR  # a button pressed in a frenzy is not a flood
    return limit


@dataclass(eq=False)
class Follower(Outbox):
    """One follower's place in the room (and the messages on their way to them)."""

    id: str = ""
    name: str = ""
    chat: RateLimit = field(default_factory=lambda: RateLimit(1))
    messages: RateLimit = field(default_factory=lambda: _room_limit())
    hand: bool = False


class Tour:
    """A running docent tour: the room around its live stream."""

    def __init__(
        self,
        tour_id: str,
        title: str,
        exhibition: Message,
        tell_docent: Callable[[Message], None],
        watchers: Callable[[], int],
        chat_per_minute: int,
        retime: Callable[[int], int | None] = lambda rtp: None,
    ) -> None:
        """``retime`` turns an RTP timestamp of the docent's stream into the followers'
        (None while unknown: their pages then draw the marks as they arrive)."""
        self.id = tour_id
        self.title = title
        self.stream = f"tour-{tour_id}"
        self.exhibition = exhibition
        self.started = time.time()
        self.followers: dict[str, Follower] = {}
        self.ended: str | None = None
        self._tell_docent = tell_docent
        self._watchers = watchers
        self._retime = retime
        self._chat_per_minute = chat_per_minute
        self._ids = itertools.count(1)
        self._chat_ids = itertools.count(1)
        self._chat: collections.deque[Message] = collections.deque(maxlen=CHAT_HISTORY)
        self._shown: dict[str, Message] = {}  # the latest marks, label and tour step
        self._hands_due: asyncio.TimerHandle | None = None
        self._count = -1

    @property
    def languages(self) -> list[str]:
        return list(self.exhibition.get("languages", []))

    def summary(self) -> Message:
        """What ``GET /tours`` lists."""
        return {
            "id": self.id,
            "title": self.title,
            "stream": self.stream,
            "url": f"/tour/{self.id}",
            "followers": self._watchers(),
            "languages": self.languages,
            "started": round(self.started),
        }

    def shown(self, kind: str) -> Message | None:
        """The latest ``hotspots``, ``label`` or ``tour`` message followers were sent."""
        return self._shown.get(kind)

    # Followers -----------------------------------------------------------------------

    def join(self, name: str | None) -> Follower:
        """A follower enters: they are greeted with the tour, the chat so far and what
        the docent shows now."""
        number = next(self._ids)
        follower_id = f"f{number}"
        follower = Follower(
            id=follower_id,
            name=clean_name(name, f"Visitor {number}"),
            chat=RateLimit(self._chat_per_minute / 60, burst=3),
        )
        self.followers[follower_id] = follower
        follower.send(
            {
                "type": "hello",
                "tour": self.summary(),
                "you": {"id": follower.id, "name": follower.name},
                "chat": list(self._chat),
                **self.exhibition,
            }
        )
        for message in self._shown.values():
            follower.send(message)
        return follower

    def leave(self, follower: Follower) -> None:
        """A follower's socket closed: their hand goes down with them."""
        if self.followers.pop(follower.id, None) is not None and follower.hand:
            self._hands_changed()

    def from_follower(self, follower: Follower, message: Chat | Hand) -> None:
        """Apply a follower's parsed message; raises :class:`TourMessageError` when refused."""
        if isinstance(message, Hand):
            if message.raised != follower.hand:  # a repeated raise changes nothing
                follower.hand = message.raised
                self._hands_changed()
            return
        if not follower.chat.allow():
            raise TourMessageError(
                "You are sending chat messages too fast; wait a moment.",
                code="CHAT_RATE_LIMITED",
            )
        self._say(follower.name, follower.id, message.text)

    # The docent ----------------------------------------------------------------------

    def from_docent(self, message: Chat | Lower | Unshare) -> None:
        """Apply the docent's parsed tour message."""
        if isinstance(message, Chat):
            self._say("Docent", None, message.text)
        elif isinstance(message, Lower):
            follower = self.followers.get(message.follower)
            if follower is not None and follower.hand:
                follower.hand = False
                follower.send({"type": "hand", "raised": False, "by": "docent"})
                self._hands_changed()
        else:
            self._show("label", {"type": "label", "label": None, "hotspot": None})

    def docent_told(self, message: Message) -> None:
        """What the docent's page was just told, passed on where followers see it too."""
        kind = message.get("type")
        if kind == "hotspots":
            # The docent's RTP timestamp, as the followers' stream numbers the same frame.
            rtp = message.get("rtp")
            followers = self._retime(rtp) if isinstance(rtp, int) else None
            self._show("hotspots", {**message, "rtp": followers})
        elif kind == "picked":
            label = message.get("label") if message.get("exhibit") else None
            hotspot = message.get("hotspot") if label is not None else None
            self._show("label", {"type": "label", "label": label, "hotspot": hotspot})
        elif kind == "tour":
            self._show("tour", message)

    def tick(self) -> None:
        """Tell everyone how many follow, when that changed (called every second)."""
        count = self._watchers()
        if count != self._count:
            self._count = count
            self._broadcast({"type": "followers", "count": count})
            self._tell_docent({"type": "followers", "count": count})

    def end(self, reason: str, code: str = "TOUR_ENDED") -> None:
        """The tour is over: every follower is told why (``code``, for their page to say
        in its language, and ``reason`` in English) and let go."""
        if self.ended is not None:
            return
        self.ended = reason
        if self._hands_due is not None:
            self._hands_due.cancel()
        for follower in list(self.followers.values()):
            follower.send({"type": "ended", "code": code, "message": reason})
            follower.close("tour ended")
        self.followers.clear()

    # Inside --------------------------------------------------------------------------

    def _show(self, key: str, message: Message) -> None:
        self._shown[key] = message
        self._broadcast(message)

    def _broadcast(self, message: Message) -> None:
        for follower in self.followers.values():
            follower.send(message)

    def _say(self, name: str, follower: str | None, text: str) -> None:
        line = {
            "type": "chat",
            "id": next(self._chat_ids),
            "from": name,
            "follower": follower,
            "docent": follower is None,
            "text": text,
            "at": round(time.time() * 1000),
        }
        self._chat.append(line)
        self._broadcast(line)
        self._tell_docent(line)

    def _hands_changed(self) -> None:
        """Collapse a burst of hand changes into one update for the docent."""
        if self._hands_due is None and self.ended is None:
            loop = asyncio.get_running_loop()
            self._hands_due = loop.call_later(HANDS_DELAY, self._send_hands)

    def _send_hands(self) -> None:
        self._hands_due = None
        raised = [{"follower": f.id, "name": f.name} for f in self.followers.values() if f.hand]
        self._tell_docent({"type": "hands", "raised": raised})
