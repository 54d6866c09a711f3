"""A viewer process the tests stop (SIGSTOP) or kill (SIGKILL), like a frozen or vanished
browser tab.  It prints ``receiving`` at its first frame, then ``frames N`` each second."""

from __future__ import annotations

import asyncio
import sys

import aiohttp
import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription


async def main(url: str, path: str = "/whep") -> None:
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    got = asyncio.get_running_loop().create_future()
    pc.on("track", lambda t: got.done() or got.set_result(t))
    await pc.setLocalDescription(await pc.createOffer())
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}{path}",
            data=pc.localDescription.sdp,
            headers={"Content-Type": "application/sdp"},
        ) as reply,
    ):
        answer = await reply.text()
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    track = await got
    await track.recv()
    sys.stdout.write("receiving\n")
    sys.stdout.flush()
    frames = 1

    async def report() -> None:
        while True:
            await asyncio.sleep(1)  # the report's period, not a wait
            sys.stdout.write(f"frames {frames}\n")
            sys.stdout.flush()

    reporting = asyncio.ensure_future(report())
    try:
        while True:
            await track.recv()
            frames += 1
    finally:
        reporting.cancel()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
