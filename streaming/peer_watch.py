"""One rule for every peer we answer (visitor, publisher, live viewer): a peer connection
that fails, closes, or has not connected within its deadline ends its owner.

Without the deadline, an offer whose candidates lead nowhere (or were left out on purpose)
holds its place for ever: a render view, a live-viewer seat, a stream's one publisher.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiortc import RTCPeerConnection

from museion.streaming.reservation import Reservation

__all__ = ["watch_peer"]

logger = logging.getLogger(__name__)

End = Callable[[str], Awaitable[None]]


def watch_peer(
    pc: RTCPeerConnection, deadline: float, end: End, held: Reservation, what: str
) -> None:
    """Call ``end(reason)`` when ``pc`` fails or closes, or is not connected after
    ``deadline`` seconds; the watch itself is given back with ``held``."""

    async def changed() -> None:
        state = pc.connectionState
        logger.debug("%s: %s", what, state)
        if state in ("failed", "closed"):
            await end(f"connection {state}")

    async def watchdog() -> None:
        await asyncio.sleep(deadline)
        if pc.connectionState != "connected":
            logger.info("%s never connected within %.0f s; letting it go", what, deadline)
            await end("connect timeout")

    pc.on("connectionstatechange", changed)
    task = asyncio.get_running_loop().create_task(watchdog())

    def stop() -> None:
        # ``end`` may be running inside the watchdog itself: it must not cancel itself.
        if task is not asyncio.current_task():
            task.cancel()
        with contextlib.suppress(KeyError):
            pc.remove_listener("connectionstatechange", changed)

    held.add(stop)
