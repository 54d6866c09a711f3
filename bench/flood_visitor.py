"""One visitor of ``bench/flood.py``, in its own process: a Python aiortc peer that
negotiates as ``tests/conftest.py`` ``viewer()`` does (WHEP, a recvonly video transceiver, a
datachannel "view"), decodes every frame it receives, and on a line on stdin runs its mode:

- idle: sends nothing;
- orbit: ``{"type":"orbit","yaw":1,"pitch":0}`` ``HONEST_RATE`` times a second;
- flood: ``channel.send("x")`` with ``await asyncio.sleep(0)`` between sends until the
  channel is no longer open.

Prints "ready" once connected and one JSON line of what it saw at the end.
Usage: python bench/flood_visitor.py URL MODE SECONDS
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from instruments.proc_stats import own_cpu

HONEST_RATE = 60
ORBIT = json.dumps({"type": "orbit", "yaw": 1, "pitch": 0}, separators=(",", ":"))

__all__ = ["HONEST_RATE", "visitor"]


async def visitor(url: str, mode: str, seconds: float) -> dict[str, Any]:
    """Connect over WHEP, say "ready", wait for a line on stdin, then run ``mode``."""
    import aiohttp
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamError

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    channel = pc.createDataChannel("view", ordered=True)
    loop = asyncio.get_running_loop()
    got_track: asyncio.Future[Any] = loop.create_future()
    opened: asyncio.Future[None] = loop.create_future()
    frames: list[float] = []
    received: dict[str, int] = {}
    flood_told: list[float] = []
    start = [0.0]

    def on_message(message: str | bytes) -> None:
        try:
            data = json.loads(message)
            key = data.get("code") or data.get("type") or "?"
        except (ValueError, AttributeError):
            key = "?"
        received[key] = received.get(key, 0) + 1
        if key == "COMMAND_FLOOD" and start[0]:
            flood_told.append(time.monotonic() - start[0])

    def on_track(track: Any) -> None:
        if not got_track.done():
            got_track.set_result(track)

    def on_open() -> None:
        if not opened.done():
            opened.set_result(None)

    channel.on("message", on_message)
    pc.on("track", on_track)
    channel.on("open", on_open)
    await pc.setLocalDescription(await pc.createOffer())
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/whep", data=pc.localDescription.sdp, headers={"Content-Type": "application/sdp"}
        ) as reply:
            if reply.status != 201:
                raise RuntimeError(f"POST /whep -> {reply.status} {await reply.text()}")
            location = reply.headers["Location"]
            answer = await reply.text()
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        track = await asyncio.wait_for(got_track, 15)
        await asyncio.wait_for(opened, 15)

        async def consume() -> None:
            try:
                while True:
                    await track.recv()
                    frames.append(time.monotonic())
            except MediaStreamError:  # the track ended: the server closed the session
                pass

        consumer = asyncio.ensure_future(consume())
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await loop.run_in_executor(None, sys.stdin.readline)
        start[0] = t0 = time.monotonic()
        cpu0 = own_cpu()
        result: dict[str, Any] = {"mode": mode}
        if mode == "flood":
            result.update(await _flood(channel, t0, seconds))
        elif mode == "orbit":
            result.update(await _orbit(channel, t0, seconds))
        await asyncio.sleep(max(0.0, t0 + seconds - time.monotonic()))
        result["fps"] = sum(t0 <= t < t0 + seconds for t in frames) / seconds
        result["received"] = received
        result["flood_told_s"] = flood_told[0] if flood_told else None
        result["state_at_end"] = channel.readyState
        result["cores"] = (own_cpu() - cpu0) / (time.monotonic() - t0)
        result["sctp"] = _sctp_queues(channel)
        consumer.cancel()
        async with http.delete(f"{url}{location}"):
            pass
    await pc.close()
    return result


def _sctp_queues(channel: Any) -> dict[str, Any]:
    """What this peer's SCTP association still holds (aiortc internals; diagnostics only)."""
    sctp = channel.transport
    return {
        "state": str(getattr(sctp, "_association_state", "?")),
        "unsent_messages": len(getattr(sctp, "_data_channel_queue", ())),
        "outbound_chunks": len(getattr(sctp, "_outbound_queue", ())),
        "unacked_chunks": len(getattr(sctp, "_sent_queue", ())),
        "cwnd": getattr(sctp, "_cwnd", None),
    }


async def _flood(channel: Any, t0: float, seconds: float) -> dict[str, Any]:
    """One-byte messages as fast as the channel takes them, until it is no longer open."""
    sent = 0
    closed_s = None
    while time.monotonic() - t0 < seconds:
        if channel.readyState != "open":
            closed_s = time.monotonic() - t0
            break
        channel.send("x")
        sent += 1
        await asyncio.sleep(0)
    stopped = time.monotonic() - t0
    return {
        "sent": sent,
        "closed_s": closed_s,
        "rate": sent / max(stopped, 1e-9),
    }


async def _orbit(channel: Any, t0: float, seconds: float) -> dict[str, Any]:
    """``HONEST_RATE`` orbit messages a second, on a fixed schedule."""
    sent = 0
    while time.monotonic() - t0 < seconds and channel.readyState == "open":
        channel.send(ORBIT)
        sent += 1
        await asyncio.sleep(max(0.0, t0 + sent / HONEST_RATE - time.monotonic()))
    return {"sent": sent}


def main(argv: list[str]) -> int:
    result = asyncio.run(visitor(argv[0], argv[1], float(argv[2])))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
