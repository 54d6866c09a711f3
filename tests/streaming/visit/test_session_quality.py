"""A visitor's stream follows their link and screen: real server, real aiortc viewers.

The link's word reaches the server as it would from a browser: RTCP over the peer
connection (a receiver's REMB, sent by the viewer's own RTCP path), not a call into the
session."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, pack_remb_fci

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.visit.session import Session
from tests.conftest import LOOPBACK, Viewer, centre_patch, is_bronze, serve, until, viewer

pytestmark = pytest.mark.render


class Frames:
    """Every frame the viewer receives, its size and the last picture kept."""

    def __init__(self, view: Viewer) -> None:
        self.sizes: list[tuple[int, int]] = []
        self.last: Any = None
        self._task = asyncio.ensure_future(self._receive(view))

    async def _receive(self, view: Viewer) -> None:
        while True:
            frame = await view.track.recv()
            self.sizes.append((frame.width, frame.height))
            self.last = frame

    @property
    def size(self) -> tuple[int, int] | None:
        return self.sizes[-1] if self.sizes else None

    def stop(self) -> None:
        self._task.cancel()


@contextlib.asynccontextmanager
async def _visit(
    engine: RenderEngine, **settings: Any
) -> AsyncIterator[tuple[Viewer, Frames, Session]]:
    """A viewer of a server of its own, receiving full-size frames; its session."""
    async with (
        serve(engine, dataclasses.replace(LOOPBACK, **settings)) as server,
        viewer(server.url) as view,
    ):
        frames = Frames(view)
        try:
            await until(lambda: frames.size == (1280, 720), 20, lambda: frames.sizes[-3:])
            (session,) = server.app[SESSIONS_KEY].sessions.values()
            yield view, frames, session
        finally:
            frames.stop()


def _heard(session: Session, bitrate: int) -> bool:
    """Whether the session's ladder last went by ``bitrate``, a REMB aiortc handed the
    encoder."""
    return session.quality.ladder.estimate == bitrate


def _given(session: Session, bitrate: int) -> bool:
    """Whether aiortc last handed the session's encoder ``bitrate`` (a REMB)."""
    return session.encoder is not None and session.encoder.estimate == bitrate


class Remb:
    """The viewer's receiver as the only source of REMB: its own estimator is silenced
    and the test says what the 'link' carries."""

    def __init__(self, view: Viewer) -> None:
        (self._receiver,) = [t.receiver for t in view.pc.getTransceivers() if t.kind == "video"]
        self._receiver._RTCRtpReceiver__remote_bitrate_estimator = None
        self.bitrate = 0
        self._task: asyncio.Future[None] | None = None

    def keep_saying(self, bitrate: int) -> None:
        """Send ``bitrate`` as REMB five times a second from now on."""
        self.bitrate = bitrate
        if self._task is None:
            self._task = asyncio.ensure_future(self._send())

    async def _send(self) -> None:
        receiver = self._receiver
        while True:
            sources = receiver.getSynchronizationSources()
            if sources:
                packet = RtcpPsfbPacket(
                    fmt=RTCP_PSFB_APP,
                    ssrc=receiver._RTCRtpReceiver__rtcp_ssrc or 1,
                    media_ssrc=0,
                    fci=pack_remb_fci(self.bitrate, [sources[0].source]),
                )
                await receiver._send_rtcp(packet)
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def _orbiting(view: Viewer) -> None:
    """The visitor turns the relic all along (a moving picture fills its bitrate)."""
    while True:
        view.send({"type": "orbit", "yaw": 2, "pitch": 0})
        await asyncio.sleep(1 / 30)


async def test_a_constrained_estimate_makes_the_stream_smaller_and_a_cleared_one_restores_it(
    engine: RenderEngine,
) -> None:
    async with _visit(engine) as (view, frames, session):
        remb = Remb(view)
        turning = asyncio.ensure_future(_orbiting(view))
        try:
            remb.keep_saying(3_000_000)  # a link with room to spare: the top rung stays
            await until(lambda: _heard(session, 3_000_000), 10)
            remb.keep_saying(400_000)  # the estimate falls: the picture goes smaller
            await until(
                lambda: frames.size is not None and frames.size[0] < 1280,
                10,
                lambda: frames.sizes[-3:],
            )
            assert frames.size is not None
            width, height = frames.size
            assert abs(width / height - 16 / 9) < 0.02  # smaller, the same shape
            remb.keep_saying(3_000_000)  # the link clears: back to full size
            await until(lambda: frames.size == (1280, 720), 20, lambda: frames.sizes[-3:])
        finally:
            turning.cancel()
            remb.stop()


async def test_with_the_ladder_off_the_size_stays_whatever_the_estimate(
    engine: RenderEngine,
) -> None:
    async with _visit(engine, ladder=False) as (view, frames, session):
        remb = Remb(view)
        try:
            remb.keep_saying(3_000_000)
            await until(lambda: _given(session, 3_000_000), 10)
            remb.keep_saying(300_000)
            await until(lambda: _given(session, 300_000), 10)
            count = len(frames.sizes)
            await until(lambda: len(frames.sizes) >= count + 30, 20)
            assert set(frames.sizes[count:]) == {(1280, 720)}
        finally:
            remb.stop()


async def test_a_phone_upright_gets_a_portrait_stream_and_turned_a_landscape_one(
    engine: RenderEngine,
) -> None:
    async with _visit(engine) as (view, frames, session):
        view.send({"type": "screen", "width": 390, "height": 844, "dpr": 3, "seq": 1})
        await until(
            lambda: frames.size is not None and frames.size[1] > frames.size[0],
            10,
            lambda: frames.sizes[-3:],
        )
        assert frames.size is not None
        width, height = frames.size
        assert width * height <= 1280 * 720 and abs((width / height) / (390 / 844) - 1) < 0.02
        image = frames.last.to_ndarray(format="rgb24")
        assert image.shape == (height, width, 3)
        assert is_bronze(centre_patch(image)), centre_patch(image)  # the relic, upright
        assert session.quality.base == (width, height)
        # Turned: a desktop-like landscape picture, the configured size again.
        view.send({"type": "screen", "width": 1280, "height": 700, "dpr": 1})
        await until(lambda: frames.size == (1280, 720), 10, lambda: frames.sizes[-3:])
        assert not any(m.get("type") == "error" for m in view.messages), view.messages
        assert np.asarray(frames.last.to_ndarray(format="rgb24")).shape == (720, 1280, 3)
