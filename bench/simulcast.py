"""Simulcast: what the relay spends per viewer with and without layers, in one run.

Workload: a WHIP publisher in this process (aiortc's H.264 encoder, the tests' simulcast
publisher) at 15 fps, either one plain 640x360 stream or three simulcast layers (640x360,
320x180, 160x90); the relay alone in a process of its own (``workloads/live_relay.py``,
relay workers off); 8 WHEP viewers of the shared relay-bench harness (``relay_viewer.py``:
cheap RTP-header sinks once connected) in another.  Each figure is the relay's CPU seconds
per viewer-second: its CPU over 10 s with the viewers, less the same stream's ingest with
none, over viewers x seconds.  With layers the viewers are measured on the top layer (the
same picture as the plain stream) and then, after each picked Low, on the low one.

python bench/simulcast.py
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import aiohttp  # noqa: E402
from instruments.proc_stats import tree_cpu  # noqa: E402
from instruments.processes import stop  # noqa: E402
from instruments.table import Row, ratio, table  # noqa: E402

from tests.streaming.live.simulcast.publisher import simulcast_publisher  # noqa: E402

TOKEN = "bench-simulcast"
VIEWERS = 8
SECONDS = 10.0
IDLE_SECONDS = 5.0
LAYERS = {"h": (640, 360), "m": (320, 180), "l": (160, 90)}


async def _relay_cpu(pid: int, seconds: float) -> float:
    """The relay's CPU seconds per second over ``seconds``."""
    start, at = tree_cpu(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return (tree_cpu(pid) - start) / (time.monotonic() - at)


async def _viewers(base: str, pid: int, layer: str | None) -> dict[str, Any]:
    """:data:`VIEWERS` sinks on ``base`` (on ``layer`` if given): relay CPU s/s, Mbps each."""
    command = [sys.executable, str(HERE / "relay_viewer.py"), "--mode", "whep",
               "--url", f"{base}/whep/show", "-n", str(VIEWERS), "--stagger", "0.2",
               "--ready-timeout", "60", "--full", "0"]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, bufsize=1,
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    loop = asyncio.get_running_loop()
    try:
        ready = await loop.run_in_executor(None, process.stdout.readline)
        if not ready.startswith(f"READY {VIEWERS}"):
            raise RuntimeError(f"the viewers did not all connect: {ready.strip()!r}")
        if layer is not None:
            await _choose_all(base, layer)
        await asyncio.sleep(2)  # the switches (at the next keyframes) are done
        process.stdin.write("START\n")
        process.stdin.flush()
        cpu = await _relay_cpu(pid, SECONDS)
        process.stdin.write("STOP\n")
        process.stdin.flush()
        result = ""
        while not result.startswith("RESULT "):
            result = await loop.run_in_executor(None, process.stdout.readline)
        each = json.loads(result[len("RESULT ") :])
    finally:
        stop(process)
    return {"cpu": cpu, "mbps": sum(v["mbps"] for v in each) / len(each)}


async def _choose_all(base: str, layer: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/live/show/stats", headers=headers) as reply:
            viewers = (await reply.json())["viewers"]
        for viewer in viewers:
            url = f"{base}/whep/show/{viewer['id']}/layer"
            async with http.post(url, json={"layer": layer}) as reply:
                reply.raise_for_status()


async def _run_mode(simulcast: bool) -> dict[str, dict[str, Any]]:
    relay = subprocess.Popen(
        [sys.executable, str(HERE / "workloads" / "live_relay.py"), TOKEN],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert relay.stdout is not None
    base = relay.stdout.readline().strip()
    found: dict[str, dict[str, Any]] = {}
    try:
        async with simulcast_publisher(
            base, layers=LAYERS, codec="H264", simulcast=simulcast, token=TOKEN
        ):
            await asyncio.sleep(3)  # every layer's first keyframe is in
            idle = await _relay_cpu(relay.pid, IDLE_SECONDS)
            for layer in ("h", "l") if simulcast else (None,):
                seen = await _viewers(base, relay.pid, layer)
                seen["idle"] = idle
                seen["per_viewer"] = max(0.0, seen["cpu"] - idle) / VIEWERS
                found[layer or "plain"] = seen
    finally:
        stop(relay)
    return found


def run() -> list[Row]:
    """The rows: relay CPU per viewer-second and Mbps per viewer, layers vs none."""
    plain = asyncio.run(_run_mode(False))["plain"]
    layered = asyncio.run(_run_mode(True))
    top, low = layered["h"], layered["l"]
    workload = f"{VIEWERS} viewers, H.264 15 fps"

    def cost(seen: dict[str, Any]) -> str:
        return f"{seen['per_viewer'] * 1000:.2f} ms/s"

    return [
        (f"relay CPU per viewer-second, top layer 640x360 vs plain ({workload})",
         cost(top), cost(plain), ratio(top["per_viewer"], plain["per_viewer"])),
        (f"relay CPU per viewer-second, low layer 160x90 vs plain ({workload})",
         cost(low), cost(plain), ratio(low["per_viewer"], plain["per_viewer"])),
        ("relay CPU with no viewer (ingest: 3 layers vs 1 stream)",
         f"{top['idle'] * 1000:.1f} ms/s", f"{plain['idle'] * 1000:.1f} ms/s",
         ratio(top["idle"], plain["idle"])),
        ("Mbps per viewer, top layer / low layer vs plain",
         f"{top['mbps']:.2f} / {low['mbps']:.2f}", f"{plain['mbps']:.2f}",
         ratio(top["mbps"], plain["mbps"])),
    ]  # fmt: skip


if __name__ == "__main__":
    sys.stdout.write(table(run()))
