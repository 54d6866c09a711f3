"""A visitor's stream, received by a real aiortc peer and decoded, names its session when
marking is on, and names nobody when it is off (the default for a showcase: nothing in it
is restricted)."""

from __future__ import annotations

import dataclasses
import secrets

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.watermark import detect
from tests.conftest import LOOPBACK, serve, viewer

pytestmark = pytest.mark.render

KEY = "a watermark key for the tests"
FRAMES = 45


async def received(engine: RenderEngine, watermark: str) -> tuple[list[np.ndarray], str]:
    """``FRAMES`` decoded frames of one visitor's stream, and that visitor's session id."""
    settings = dataclasses.replace(LOOPBACK, watermark=watermark, watermark_key=KEY)
    async with serve(engine, settings) as server, viewer(server.url) as visitor:
        (session,) = server.app[SESSIONS_KEY].sessions
        frames = []
        for _ in range(FRAMES):
            frame = await visitor.track.recv()
            frames.append(frame.to_ndarray(format="rgb24"))
        return frames, session


def candidates(session: str) -> list[str]:
    """The session among 999 others, as an operator's log of a busy day would list them."""
    others = [secrets.token_urlsafe(16) for _ in range(999)]
    return [*others[:500], session, *others[500:]]


async def test_a_marked_stream_names_its_session_among_a_thousand(engine: RenderEngine) -> None:
    frames, session = await received(engine, "all")
    found = detect(frames, KEY.encode(), candidates(session))
    assert found.session == session, found


async def test_an_unmarked_stream_names_nobody(engine: RenderEngine) -> None:
    frames, session = await received(engine, "restricted")  # a showcase has no restricted exhibit
    found = detect(frames, KEY.encode(), candidates(session))
    assert found.session is None, found
