"""What the long-running verbs (``serve``, ``door``) share: running until told to stop."""

from __future__ import annotations

import asyncio
import signal

__all__ = ["until_stopped"]


async def until_stopped() -> None:
    """Return on SIGINT or SIGTERM (the caller then stops cleanly and exits 0)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
