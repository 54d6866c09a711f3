"""The shared relay-bench load viewer (``../shared/relay-bench/viewer.py``), unchanged but
for one thing: in WHEP mode it offers H.264 only.

Its header-only "sink" viewers read the media payload type from the local description,
which with Janus is the answer (H.264 only) but with WHEP is the offer, where aiortc lists
VP8 first; offering only H.264 (as Janus's mountpoint does) makes the sinks count the same
packets for both relays.  Run as a script it is the viewer itself (same arguments).
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "relay-bench"


def load() -> ModuleType:
    """The shared viewer module, patched as the docstring says."""
    spec = importlib.util.spec_from_file_location("relay_bench_viewer", SHARED / "viewer.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(SHARED / "viewer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from aiortc import RTCRtpReceiver, RTCSessionDescription

    async def connect(self: Any, pc: Any) -> None:
        transceiver = pc.addTransceiver("video", direction="recvonly")
        codecs = RTCRtpReceiver.getCapabilities("video").codecs
        transceiver.setCodecPreferences(
            [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]
        )
        await pc.setLocalDescription(await pc.createOffer())
        headers = {"Content-Type": "application/sdp"}
        async with self.http.post(self.url, data=pc.localDescription.sdp, headers=headers) as r:
            if r.status != 201:
                raise RuntimeError(f"WHEP POST -> {r.status} {await r.text()}")
            location = r.headers.get("Location")
            if location:
                self.resource = str(r.url.join(module.aiohttp.client.URL(location)))
            answer = await r.text()
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    module.WhepSignaller.connect = connect
    return module


if __name__ == "__main__":
    asyncio.run(load().main())
    sys.exit(0)
