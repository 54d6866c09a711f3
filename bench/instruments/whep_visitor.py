"""One real visitor of a gallery for a bench: an aiortc WHEP peer with the ``view`` channel,
its ``hello`` awaited and every decoded frame's arrival time kept.

The same negotiation as a browser (and as ``tests/conftest.py``'s ``viewer``), in bench/'s
own room so that a bench needs nothing of tests/.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiortc import (
    MediaStreamError,
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from yarl import URL

__all__ = ["Visitor", "visit"]


@dataclass
class Visitor:
    """A connected visitor: its session's ``Location``, the ``hello`` it was given (with the
    moment it came, ``time.perf_counter``), and when each frame arrived."""

    location: str
    hello: dict[str, Any]
    hello_at: float
    frames: list[float] = field(default_factory=list)

    def frames_between(self, start: float, end: float) -> list[float]:
        return [t for t in self.frames if start <= t < end]


async def _count(track: MediaStreamTrack, frames: list[float]) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()
            frames.append(time.perf_counter())


@contextlib.asynccontextmanager
async def visit(gallery: str, timeout: float = 180) -> AsyncIterator[Visitor]:
    """A visitor of ``gallery`` (the URL its ``whep`` is under), from its offer until its
    ``hello`` came and frames flow; it leaves (DELETE, close) when the block ends."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    channel = pc.createDataChannel("view", ordered=True)
    loop = asyncio.get_running_loop()
    hello: asyncio.Future[tuple[dict[str, Any], float]] = loop.create_future()
    track: asyncio.Future[MediaStreamTrack] = loop.create_future()

    def on_message(raw: str | bytes) -> None:
        message = json.loads(raw)
        if message.get("type") == "hello" and not hello.done():
            hello.set_result((message, time.perf_counter()))

    channel.on("message", on_message)

    def on_track(received: MediaStreamTrack) -> None:
        if not track.done():
            track.set_result(received)

    pc.on("track", on_track)
    counting: asyncio.Task[None] | None = None
    async with aiohttp.ClientSession() as http:
        location = ""
        try:
            await pc.setLocalDescription(await pc.createOffer())
            async with http.post(
                f"{gallery}/whep",
                data=pc.localDescription.sdp,
                headers={"Content-Type": "application/sdp"},
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as reply:
                if reply.status != 201:
                    raise RuntimeError(f"WHEP refused ({reply.status}): {await reply.text()}")
                location = reply.headers["Location"]
                answer = await reply.text()
            await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
            frames: list[float] = []
            counting = asyncio.create_task(_count(await asyncio.wait_for(track, timeout), frames))
            message, at = await asyncio.wait_for(hello, timeout)
            yield Visitor(location, message, at, frames)
        finally:
            if counting is not None:
                counting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await counting
            if location:
                origin = str(URL(gallery).origin())
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.delete(f"{origin}{location}"):
                        pass
            await pc.close()
