"""N orbiting visitors in one process, as cheap as a visitor can be: aiortc peers that
negotiate as ``tests/conftest.py`` ``viewer()`` does (WHEP, a recvonly video transceiver, a
datachannel "view"), send ``{"type":"orbit","yaw":1.5,"pitch":0}`` 60 times a second (what
``streaming/client/controls.js`` sends once per animation frame while a finger drags), and
count the frames they receive without decoding them, so no decoder competes with the server
for the cores.

Prints "ready" once every peer receives, starts orbiting on a line on stdin, then after
``SECONDS`` prints one JSON line: frames a second per visitor and this process's cores.
Usage: python bench/workloads/orbit_receivers.py URL N SECONDS [DOCENT_TOKEN]
(with a docent token each peer leads a tour: ``bench/docent.py``)
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

__all__ = ["ORBIT", "ORBIT_RATE", "receive"]

ORBIT_RATE = 60
ORBIT = json.dumps({"type": "orbit", "yaw": 1.5, "pitch": 0}, separators=(",", ":"))


class _Counted:
    """Stands in for aiortc's decoder: one tiny frame per received picture, nothing decoded."""

    def __init__(self) -> None:
        import av

        self._frame = av.VideoFrame(16, 16, "yuv420p")

    def decode(self, encoded: Any) -> list[Any]:
        return [self._frame]


def _skip_decoding() -> None:
    import aiortc.rtcrtpreceiver as receiver

    receiver.get_decoder = lambda codec: _Counted()  # type: ignore[assignment]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


class _Visitor:
    """One peer: its frame times and its channel."""

    def __init__(self) -> None:
        self.frames: list[float] = []
        self.pc: Any = None
        self.channel: Any = None
        self.location = ""
        self.counting: asyncio.Future[None] | None = None

    async def connect(self, http: Any, url: str, token: str | None = None) -> None:
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTransceiver("video", direction="recvonly")
        self.channel = self.pc.createDataChannel("view", ordered=True)
        loop = asyncio.get_running_loop()
        got_track: asyncio.Future[Any] = loop.create_future()
        opened: asyncio.Future[None] = loop.create_future()
        self.pc.on("track", lambda t: got_track.done() or got_track.set_result(t))
        self.channel.on("open", lambda: opened.done() or opened.set_result(None))
        await self.pc.setLocalDescription(await self.pc.createOffer())
        async with http.post(
            f"{url}/whep",
            data=self.pc.localDescription.sdp,
            headers={"Content-Type": "application/sdp", **_bearer(token)},
        ) as reply:
            if reply.status != 201:
                raise RuntimeError(f"POST /whep -> {reply.status} {await reply.text()}")
            self.location = reply.headers["Location"]
            answer = await reply.text()
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        track = await asyncio.wait_for(got_track, 20)
        await asyncio.wait_for(opened, 20)
        self.counting = asyncio.ensure_future(self._count(track))

    async def _count(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        try:
            while True:
                await track.recv()
                self.frames.append(time.monotonic())
        except MediaStreamError:
            pass

    async def orbit(self, until: float) -> None:
        sent = 0
        start = time.monotonic()
        while time.monotonic() < until and self.channel.readyState == "open":
            self.channel.send(ORBIT)
            sent += 1
            await asyncio.sleep(max(0.0, start + sent / ORBIT_RATE - time.monotonic()))

    async def leave(self, http: Any, url: str) -> None:
        async with http.delete(f"{url}{self.location}"):
            pass
        await self.pc.close()
        if self.counting is not None:
            self.counting.cancel()


async def receive(
    url: str, count: int, seconds: float, settle: float = 1.0, token: str | None = None
) -> dict[str, Any]:
    """Connect ``count`` visitors (docents, with ``token``), wait for stdin, orbit them all
    for ``settle`` + ``seconds`` and count the frames each received in the last ``seconds``."""
    import aiohttp

    _skip_decoding()
    visitors = [_Visitor() for _ in range(count)]
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as http:
        for visitor in visitors:
            await visitor.connect(http, url, token)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await loop.run_in_executor(None, sys.stdin.readline)
        begin = time.monotonic()
        t0 = begin + settle
        t1 = t0 + seconds
        orbiting = [asyncio.ensure_future(v.orbit(t1)) for v in visitors]
        await asyncio.sleep(max(0.0, t0 - time.monotonic()))
        cpu0 = _cpu()
        await asyncio.gather(*orbiting)
        cores = (_cpu() - cpu0) / (time.monotonic() - t0)
        fps = [sum(t0 <= t < t1 for t in v.frames) / seconds for v in visitors]
        for visitor in visitors:
            await visitor.leave(http, url)
    return {"fps": fps, "cores": cores}


def main(argv: list[str]) -> int:
    token = argv[3] if len(argv) > 3 else None
    result = asyncio.run(receive(argv[0], int(argv[1]), float(argv[2]), token=token))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
