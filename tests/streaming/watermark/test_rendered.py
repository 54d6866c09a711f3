"""The mark on frames the engine really renders (the sample relic in its room, the camera
orbiting as a visitor would): named when marked, nobody when not."""

from __future__ import annotations

import dataclasses
import secrets

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.watermark import Watermark, detect
from tests.streaming.watermark.recording import reencode

pytestmark = pytest.mark.render

KEY = b"0123456789abcdef0123456789abcdef"
CANDIDATES = [secrets.token_urlsafe(16) for _ in range(1000)]


@pytest.fixture(scope="module")
def orbit(engine: RenderEngine) -> list[np.ndarray]:
    """60 frames at 640 x 360, the camera turning 2 degrees a frame around the relic."""
    source = engine.open_view(640, 360, preview=False)
    try:
        home = engine.home
        states = [dataclasses.replace(home, yaw=home.yaw + 2.0 * i) for i in range(60)]
        frames = [source.frame(state).copy() for state in states]
    finally:
        source.close()
    assert 40 < float(np.mean(frames[0])) < 220, "the room is lit"
    return frames


def test_a_rendered_visit_recorded_at_half_size_names_the_session(
    orbit: list[np.ndarray],
) -> None:
    session = CANDIDATES[500]
    mark = Watermark(KEY, session, 640, 360, 3.0)
    recording = reencode([mark.apply(f) for f in orbit], (320, 180), 150_000)
    found = detect(recording, KEY, CANDIDATES)
    assert found.session == session, found


def test_an_unmarked_rendered_visit_names_nobody(orbit: list[np.ndarray]) -> None:
    found = detect(reencode(orbit, (320, 180), 150_000), KEY, CANDIDATES)
    assert found.session is None, found
