"""What a WebSocket client (a tour follower, a waiting visitor) is about to be told.

Messages are queued without awaiting, from anywhere on the loop, and one writer task per
socket drains them; a client whose queue overflows (a stalled connection) is let go
rather than holding memory for ever.  ``None`` in the queue tells the writer to close.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["MAX_OUTBOX", "Message", "Outbox", "write_outbox"]

MAX_OUTBOX = 256  # messages queued for one client before it is let go

Message = dict[str, Any]


@dataclass(eq=False)
class Outbox:
    """One client's queued messages; ``gone`` says why it was let go, once it was."""

    queue: collections.deque[Message | None] = field(default_factory=collections.deque)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    gone: str | None = None

    def send(self, message: Message | None) -> None:
        """Queue ``message`` (``None``: close after what is queued)."""
        if self.gone is not None and message is not None:
            return
        if len(self.queue) >= MAX_OUTBOX:
            self.queue.clear()
            self.gone = "too slow"
            message = None
        self.queue.append(message)
        self.ready.set()

    def close(self, reason: str) -> None:
        """Close after what is queued; nothing more is taken."""
        self.send(None)
        self.gone = self.gone or reason

    async def next(self) -> Message | None:
        """The next message, waiting for one; ``None`` once the socket should close."""
        while not self.queue:
            self.ready.clear()
            await self.ready.wait()
        return self.queue.popleft()


async def write_outbox(socket: web.WebSocketResponse, outbox: Outbox) -> None:
    """Send ``outbox`` on ``socket`` until it says close, then close the socket."""
    with contextlib.suppress(ConnectionError):
        while (message := await outbox.next()) is not None:
            await socket.send_str(json.dumps(message, separators=(",", ":")))
    await socket.close()
