"""Reference for the browser bench: the same page and WHEP, but a synthetic track.

Frames are a flat picture with the clock stamp (no rendering), encoded by the same tuned
VP8 encoder, so the difference to ``museion serve`` is the engine's share of the latency.
Usage: python bench/synthetic_server.py PORT
"""

from __future__ import annotations

import asyncio
import sys
import time

import numpy as np
from aiohttp import web
from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from av import VideoFrame

from museion.streaming.ice import configure_ice, rtc_configuration
from museion.streaming.server import SETTINGS_KEY, _client_dir, config, index
from museion.streaming.settings import StreamSettings
from museion.streaming.visit.encoders import install_encoder
from museion.streaming.visit.track import stamp_time

SETTINGS = StreamSettings(ice_addresses=("127.0.0.1",))


class Synthetic(VideoStreamTrack):
    def __init__(self) -> None:
        super().__init__()
        self.picture = np.full((720, 1280, 3), 120, np.uint8)
        self.picture[200:520, 480:800] = (150, 110, 55)

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = stamp_time(self.picture, int(time.time() * 1000))
        frame = VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts, frame.time_base = pts, time_base
        return frame


async def whep(request: web.Request) -> web.Response:
    pc = RTCPeerConnection(rtc_configuration(SETTINGS))
    request.app["pcs"].add(pc)
    transceiver = pc.addTransceiver(Synthetic(), direction="sendonly")
    install_encoder(transceiver.sender, SETTINGS)
    await pc.setRemoteDescription(RTCSessionDescription(await request.text(), "offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    return web.Response(
        status=201,
        text=pc.localDescription.sdp,
        content_type="application/sdp",
        headers={"Location": "/whep/synthetic"},
    )


async def delete(request: web.Request) -> web.Response:
    return web.Response(status=204)


def main() -> None:
    configure_ice(SETTINGS)
    app = web.Application()
    app["pcs"] = set()
    app[SETTINGS_KEY] = SETTINGS
    app.router.add_get("/", index)
    app.router.add_get("/config", config)
    app.router.add_post("/whep", whep)
    app.router.add_delete("/whep/{id}", delete)
    app.router.add_static("/static", _client_dir())

    async def close(app: web.Application) -> None:
        await asyncio.gather(*(pc.close() for pc in app["pcs"]))

    app.on_shutdown.append(close)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)


if __name__ == "__main__":
    main()
