"""Shared fixtures: the real engine on the sample assets, a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import json
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.showcase import open_showcase
from museion.streaming.server import serve_engine
from museion.streaming.settings import StreamSettings

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO / "assets"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
"""The public glTF corpus beside the repository (tests skip with a reason without it)."""


def pytest_configure(config: pytest.Config) -> None:
    """A model cache of the run's own (the load worker's .bam files), so tests neither
    read nor fill the user's ~/.cache/museion."""
    cache = Path(tempfile.mkdtemp(prefix="museion-test-cache-"))
    os.environ["XDG_CACHE_HOME"] = str(cache)
    config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))


# Every network test stays on loopback: gather and announce 127.0.0.1 only.
LOOPBACK = StreamSettings(host="127.0.0.1", port=0, ice_addresses=("127.0.0.1",))


@pytest.fixture(scope="session")
def engine() -> Iterator[RenderEngine]:
    """The real engine on the committed sample relic and venue (llvmpipe)."""
    settings = RuntimeSettings(asset_root=ASSETS, max_views=6)
    engine = RenderEngine(open_showcase(ASSETS), settings)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def exhibition() -> Iterator[RenderEngine]:
    """The real engine on the example exhibition (seven relics in one hall)."""
    from museion.scenes.checked_scene import open_scene

    engine = RenderEngine(
        open_scene(ASSETS / "example.scene.json"), RuntimeSettings(asset_root=ASSETS)
    )
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def stage() -> Iterator[RenderEngine]:
    """The real engine on a venue with one stage screen (``tests/stage_scene.py``)."""
    from tests.stage_scene import stage_engine

    engine = stage_engine()
    yield engine
    engine.close()


SHARED_ENGINES = ("engine", "exhibition", "stage")


@pytest.fixture(autouse=True)
def views_released(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test gives back the render views it took on a shared engine: a leak fails
    the test that leaked (within 10 s, for servers that release as they wind down), not
    every later test that expects an idle engine."""
    yield
    for name in SHARED_ENGINES:
        shared = request.node.funcargs.get(name)
        if not isinstance(shared, RenderEngine):
            continue
        deadline = time.monotonic() + 10.0
        while shared.views_in_use and time.monotonic() < deadline:
            time.sleep(0.05)
        assert shared.views_in_use == 0, (
            f"the test left {shared.views_in_use} render view(s) of the shared {name!r} engine open"
        )


class Clock:
    """A clock a test moves by hand (``now``), for code that takes ``clock=``."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def until(
    condition: Callable[[], Any], timeout: float = 10.0, what: Callable[[], object] = str
) -> None:
    """Wait for ``condition()`` (a plain or an async function) to hold, polling, for at most
    ``timeout`` seconds: the one way tests wait, for the thing, not for a time.  ``what()``
    says what was seen instead when the time runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        if loop.time() > deadline:
            raise AssertionError(f"condition not met in time {what()}".rstrip())
        await asyncio.sleep(0.05)


@dataclass
class Server:
    url: str
    app: web.Application
    settings: StreamSettings

    async def health(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(f"{self.url}/healthz") as reply:
            result: dict[str, Any] = await reply.json()
            return result


@contextlib.asynccontextmanager
async def serve(
    engine: RenderEngine, settings: StreamSettings = LOOPBACK, port: int = 0
) -> AsyncIterator[Server]:
    """Run the real aiohttp app on a loopback port (ephemeral by default) for the duration,
    through the same entry as ``museion serve``."""
    listen = dataclasses.replace(settings, host="127.0.0.1", port=port)
    async with serve_engine(engine, listen) as listening:
        yield Server(listening.url, listening.app, settings)


async def offer(kind: str = "recvonly", channel: bool = True) -> str:
    """A real aiortc offer (video ``kind``, a datachannel), its peer closed at once: what a
    refused request, or one whose peer the test does not need, sends."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction=kind)
    if channel:
        pc.createDataChannel("view")
    await pc.setLocalDescription(await pc.createOffer())
    text: str = pc.localDescription.sdp
    await pc.close()
    return text


async def delete(url: str) -> int:
    """``DELETE url`` (a session's or viewer's resource), as a page does when it leaves:
    the reply's status."""
    async with aiohttp.ClientSession() as http, http.delete(url) as reply:
        return reply.status


@dataclass
class Viewer:
    """A Python WebRTC peer doing what the browser page does."""

    pc: RTCPeerConnection
    track: MediaStreamTrack
    location: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def send(self, message: dict[str, Any] | str) -> None:
        channel = self.channel
        channel.send(message if isinstance(message, str) else json.dumps(message))

    channel: Any = None


@contextlib.asynccontextmanager
async def viewer(
    url: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    microphone: MediaStreamTrack | None = None,
) -> AsyncIterator[Viewer]:
    """Negotiate with ``url`` over WHEP (``query``: e.g. ``?exhibit=ID``; ``headers``: a
    docent's token), sending ``microphone`` if given; wait for media."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    if microphone is not None:
        pc.addTransceiver(microphone, direction="sendonly")
    channel = pc.createDataChannel("view", ordered=True)
    messages: list[dict[str, Any]] = []
    channel.on("message", lambda m: messages.append(json.loads(m)))  # before 'hello' comes
    loop = asyncio.get_running_loop()
    got_track: asyncio.Future[MediaStreamTrack] = loop.create_future()
    opened: asyncio.Future[None] = loop.create_future()
    pc.on("track", lambda t: got_track.done() or got_track.set_result(t))
    channel.on("open", lambda: opened.done() or opened.set_result(None))
    await pc.setLocalDescription(await pc.createOffer())
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/whep{query}",
            data=pc.localDescription.sdp,
            headers={"Content-Type": "application/sdp", **(headers or {})},
        ) as reply:
            assert reply.status == 201, await reply.text()
            location = reply.headers["Location"]
            base = str(reply.url.origin())  # the node that answered (a door redirects)
            answer = await reply.text()
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        track = await asyncio.wait_for(got_track, 10)
        await asyncio.wait_for(opened, 10)
        view = Viewer(pc=pc, track=track, location=location, messages=messages, channel=channel)
        try:
            yield view
        finally:
            # A server killed under its visitor (a cluster test) cannot be told.
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with http.delete(f"{base}{location}", headers=headers):
                    pass
            await pc.close()


def is_bronze(rgb: Any) -> bool:
    """The relic's patinated bronze: warm (red over blue) and clearly saturated."""
    r, g, b = (int(c) for c in rgb)
    return r > b + 25 and g > b and max(r, g, b) - min(r, g, b) > 30


def is_neutral(rgb: Any) -> bool:
    """Walls, ceiling and background: grey-ish, little saturation."""
    r, g, b = (int(c) for c in rgb)
    return max(r, g, b) - min(r, g, b) < 28


def centre_patch(image: Any, size: int = 9) -> Any:
    """Median colour of a small square at the centre of an (H, W, 3) image."""
    import numpy as np

    h, w = image.shape[:2]
    patch = image[h // 2 - size : h // 2 + size, w // 2 - size : w // 2 + size].reshape(-1, 3)
    return np.median(patch, axis=0)


def copy_gallery(folder: Path) -> Path:
    """The example exhibition's models and document in ``folder``, without recordings."""
    for glb in ASSETS.glob("*.glb"):
        shutil.copy(glb, folder)  # copies: the gate refuses symlinks leading out of the root
    data = json.loads((ASSETS / "example.scene.json").read_text())
    for tour in data["tours"]:
        for step in tour["steps"]:
            step.pop("audio", None)
    path = folder / "example.scene.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2))
    return path
