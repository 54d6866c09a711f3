"""A document asking for a visible watermark: a visitor's stream, rendered and received by
a real aiortc peer, carries the text over the restricted exhibit and not over the public
one beside it (against a session of the same exhibition without the field), and the
invisible mark still names the session among 1,000 on those very frames; a headset's two
eyes carry the text over the restricted exhibit in each eye, and nowhere else."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from museion.runtime.camera import view_from_pose
from museion.runtime.engine import RenderEngine
from museion.runtime.settings import RuntimeSettings
from museion.scenes.checked_scene import check_scene
from museion.scenes.document.loader import load_scene
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.watermark import detect
from tests.conftest import ASSETS, LOOPBACK, is_bronze, serve, until, viewer
from tests.streaming.visit.test_headset import headset
from tests.streaming.watermark.test_stream import KEY, candidates

pytestmark = pytest.mark.render

W, H = 640, 360
FRAMES = 40
SETTINGS = dataclasses.replace(LOOPBACK, width=W, height=H, watermark_key=KEY)


def two_bronzes(watermark: dict[str, Any] | None) -> dict[str, Any]:
    """Two relics side by side, the left one restricted, seen from the door."""
    document: dict[str, Any] = {
        "format": "museion.scene",
        "version": 2,
        "default_language": "en",
        "title": {"en": "Kept bronzes"},
        "venue": "venue.glb",
        "spawn": {"position": [0, 1.15, 1.7], "yaw": 0},
        "exhibits": [
            {
                "id": "kept",
                "asset": "relic.glb",
                "access": "restricted",
                "pedestal": False,
                "transform": {"translation": [-0.4, 0.9, 0]},
                "metadata": {"title": {"en": "Kept"}},
            },
            {
                "id": "shown",
                "asset": "relic.glb",
                "pedestal": False,
                "transform": {"translation": [0.4, 0.9, 0]},
                "metadata": {"title": {"en": "Shown"}},
            },
        ],
    }
    if watermark is not None:
        document["watermark"] = watermark
    return document


def _engine(document: dict[str, Any]) -> RenderEngine:
    checked = check_scene(load_scene(json.dumps(document).encode(), asset_root=ASSETS), ASSETS)
    return RenderEngine(checked, RuntimeSettings(asset_root=ASSETS))


@pytest.fixture(scope="module")
def marked_hall() -> Iterator[RenderEngine]:
    engine = _engine(two_bronzes({"visible": True, "opacity": 0.6}))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def plain_hall() -> Iterator[RenderEngine]:
    engine = _engine(two_bronzes(None))
    yield engine
    engine.close()


async def received(engine: RenderEngine) -> tuple[list[np.ndarray], str, Any]:
    """``FRAMES`` decoded frames of one visitor's stream, the session id and its view."""
    async with serve(engine, SETTINGS) as server, viewer(server.url) as visitor:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        frames = []
        for _ in range(FRAMES):
            frame = await visitor.track.recv()
            frames.append(frame.to_ndarray(format="rgb24"))
        return frames, session.id, session.view


def rects(engine: RenderEngine, view: Any) -> dict[str, tuple[int, int, int, int]]:
    """Each exhibit's rectangle in a ``W`` x ``H`` picture of ``view``."""
    source = engine.open_view(W, H, preview=False)
    try:
        picture = source.frame(view)
        found = {}
        for exhibit in ("kept", "shown"):
            (found[exhibit],) = source.exhibit_rects(frozenset({exhibit}))
            left, top, right, bottom = found[exhibit]
            middle = picture[(top + bottom) // 2, (left + right) // 2]
            assert is_bronze(middle), (exhibit, middle)  # the rectangle is on the relic
        return found
    finally:
        source.close()


def changed_share(a: list[np.ndarray], b: list[np.ndarray], rect: tuple[int, ...]) -> float:
    """The share of ``rect``'s pixels whose colour differs clearly between the last frames
    of two streams of a still view (the codec's own error stays well below)."""
    left, top, right, bottom = rect
    one = np.median(np.stack(a[-10:]), axis=0)[top:bottom, left:right]
    two = np.median(np.stack(b[-10:]), axis=0)[top:bottom, left:right]
    return float((np.abs(one - two).max(axis=2) > 40).mean())


async def test_the_text_covers_the_restricted_exhibit_only(
    marked_hall: RenderEngine, plain_hall: RenderEngine
) -> None:
    marked, session, view = await received(marked_hall)
    plain, _, plain_view = await received(plain_hall)
    assert view == plain_view
    where = rects(marked_hall, view)
    kept, shown = where["kept"], where["shown"]
    assert kept[2] <= shown[0]  # side by side, apart
    assert changed_share(marked, plain, kept) > 0.03
    assert changed_share(marked, plain, shown) < 0.002
    found = detect(marked, KEY.encode(), candidates(session))
    assert found.session == session, found


def test_exhibits_behind_the_camera_or_off_the_frame_have_no_rectangle(
    marked_hall: RenderEngine,
) -> None:
    source = marked_hall.open_view(W, H, preview=False)
    both = frozenset({"kept", "shown"})
    try:
        source.frame(view_from_pose((0.0, 1.15, 1.7), (0.0, 1.15, 0.0), fov=45.0))
        assert len(source.exhibit_rects(both)) == 2
        source.frame(view_from_pose((0.0, 1.15, 1.7), (0.0, 1.15, 4.0), fov=45.0))  # away
        assert source.exhibit_rects(both) == []
        source.frame(view_from_pose((0.0, 1.15, 1.7), (3.0, 1.15, 1.7), fov=45.0))  # aside
        assert source.exhibit_rects(both) == []
        # Standing at the restricted relic, it covers the frame (its bounds are cut at
        # the near plane, not projected through the eye).
        source.frame(view_from_pose((-0.4, 1.1, 0.05), (-0.4, 1.1, -1.0), fov=45.0))
        assert source.exhibit_rects(frozenset({"kept"})) == [(0, 0, W, H)]
    finally:
        source.close()


Rect = tuple[int, int, int, int]


async def received_stereo(engine: RenderEngine) -> tuple[list[np.ndarray], dict[str, list[Rect]]]:
    """``FRAMES`` decoded frames of both eyes (a head facing the relics from the spawn)
    and each exhibit's rectangles in them (one an eye), as the server found them."""
    async with serve(engine, SETTINGS) as server, viewer(server.url) as visitor:
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        async with headset(visitor, [0.0]):
            await until(lambda: session.headset.view is not None)
            frames: list[np.ndarray] = []
            while len(frames) < FRAMES:
                frame = await visitor.track.recv()
                width, height = session.headset.view.eye_size
                if (frame.width, frame.height) != (2 * width, height):
                    frames.clear()  # the eyes' size changed (the render budget): again
                    continue
                frames.append(frame.to_ndarray(format="rgb24"))
            rects = {
                key: session.headset.view.exhibit_rects(frozenset({key}))
                for key in ("kept", "shown")
            }
            return frames, rects


async def test_a_headsets_eyes_carry_the_text_over_the_restricted_exhibit_only(
    marked_hall: RenderEngine, plain_hall: RenderEngine
) -> None:
    marked, where = await received_stereo(marked_hall)
    plain, plain_where = await received_stereo(plain_hall)
    assert marked[0].shape == plain[0].shape and where == plain_where
    half = marked[0].shape[1] // 2
    kept, shown = where["kept"], where["shown"]
    assert len(kept) == len(shown) == 2, where  # each relic in each eye
    assert kept[0][2] <= half <= kept[1][0]  # one rectangle in each eye's half
    for left, top, right, bottom in kept + shown:  # each on its relic
        middle = plain[-1][(top + bottom) // 2, (left + right) // 2]
        assert is_bronze(middle), ((left, top, right, bottom), middle)
    for rect in kept:  # small rectangles: a share of the text's diagonal lines
        assert changed_share(marked, plain, rect) > 0.01, rect
    for rect in shown:
        assert changed_share(marked, plain, rect) < 0.002, rect


async def test_the_text_speaks_the_language_the_visitor_reads_in() -> None:
    """The page tells the server its language: the mark says the document's text in it
    from then on (the public relic untouched); an unknown tag is refused with a code."""
    words = {"en": "Kept for study", "zh": "仅供研究"}
    engine = _engine(two_bronzes({"visible": True, "opacity": 0.6, "text": words}))
    try:
        async with serve(engine, SETTINGS) as server, viewer(server.url) as visitor:
            (session,) = server.app[SESSIONS_KEY].sessions.values()
            mark = session.overlays.visible
            assert mark is not None and mark.text.startswith("Kept for study")
            english = [(await visitor.track.recv()).to_ndarray(format="rgb24") for _ in range(20)]
            visitor.send({"type": "language", "lang": "zh-Hans"})  # falls back to "zh"
            await until(lambda: mark.text.startswith("仅供研究"))
            chinese = []
            while len(chinese) < 20:
                frame = (await visitor.track.recv()).to_ndarray(format="rgb24")
                chinese.append(frame)
            where = rects(engine, session.view)
            assert changed_share(english, chinese, where["kept"]) > 0.01
            assert changed_share(english, chinese, where["shown"]) < 0.002
            visitor.send({"type": "language", "lang": "zz-!!", "seq": 9})
            await until(lambda: any(m.get("code") == "COMMAND_MALFORMED" for m in visitor.messages))
            assert mark.text.startswith("仅供研究")
    finally:
        engine.close()
