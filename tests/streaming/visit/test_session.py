"""WHEP signalling against the real server, with real aiortc peers on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from museion.streaming.settings import StreamSettings
from museion.streaming.visit.encoders import RenderedH264Encoder, RenderedVp8Encoder
from tests.conftest import LOOPBACK, centre_patch, is_bronze, is_neutral, serve, until, viewer

pytestmark = pytest.mark.render


async def _post(
    url: str, body: bytes, content_type: str = "application/sdp"
) -> tuple[int, dict[str, str], dict[str, str]]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/whep", data=body, headers={"Content-Type": content_type}) as reply,
    ):
        return reply.status, dict(reply.headers), await reply.json()


async def test_sixty_frames_show_the_relic_in_the_middle(engine: RenderEngine) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        frames = [await asyncio.wait_for(view.track.recv(), 5) for _ in range(60)]
        image = frames[-1].to_ndarray(format="rgb24")
        assert image.shape == (720, 1280, 3)
        assert is_bronze(centre_patch(image)), centre_patch(image)
        # The room around the relic: the top corners show walls or ceiling, not bronze.
        for corner in (image[20:60, 20:60], image[20:60, -60:-20]):
            assert is_neutral(np.median(corner.reshape(-1, 3), axis=0))
        hello = [m for m in view.messages if m.get("type") == "hello"]
        assert hello and hello[0]["width"] == 1280


async def test_orbit_command_changes_the_picture(engine: RenderEngine) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        for _ in range(10):
            before = (await view.track.recv()).to_ndarray(format="rgb24")
        view.send({"type": "orbit", "yaw": 60, "pitch": 0, "seq": 1})
        changed = False
        for _ in range(30):
            after = (await view.track.recv()).to_ndarray(format="rgb24")
            if np.abs(after.astype(int) - before.astype(int)).mean() > 2:
                changed = True
                break
        assert changed


async def test_bad_messages_get_errors_and_the_session_lives(engine: RenderEngine) -> None:
    # 50 a second, not the default 200: the burst below comes from a peer on the test's
    # own event loop, which a busy machine slows to ~100 a second; 93 messages overflow a
    # bucket of 50 at any pace over ~110 a second, and drop fewer than the 50 that would
    # close the channel as a flood.
    settings = StreamSettings(**{**LOOPBACK.__dict__, "max_commands_per_second": 50})
    async with serve(engine, settings) as server, viewer(server.url) as view:
        view.send("garbage")
        view.send({"type": "fly", "seq": 4})
        view.send({"type": "zoom", "factor": 1e9, "seq": 5})
        for _ in range(90):  # a burst far over 50 messages a second
            view.send({"type": "orbit", "yaw": 1, "pitch": 0})
        for _ in range(20):
            await view.track.recv()

        def error_codes() -> list[str]:
            return [m["code"] for m in view.messages if m.get("type") == "error"]

        # A busy server answers the flood after those frames: wait for its answer.
        await until(lambda: "COMMAND_RATE_LIMITED" in error_codes())
        codes = error_codes()
        assert codes[:3] == ["COMMAND_MALFORMED", "COMMAND_UNKNOWN", "COMMAND_OUT_OF_RANGE"]
        assert "COMMAND_RATE_LIMITED" in codes
        assert "COMMAND_FLOOD" not in codes  # an eager client, not a flood: controls stay
        assert all(m["message"] for m in view.messages if m.get("type") == "error")
        assert (await server.health())["sessions"] == 1
        await view.track.recv()  # still streaming


OFFER_PREFIX = b"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"hello", "application/sdp", 400, "SDP_MALFORMED"),
        (b"\xff\xfe\x00", "application/sdp", 400, "SDP_MALFORMED"),
        (
            OFFER_PREFIX + b"m=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
            "application/sdp",
            400,
            "SDP_MALFORMED",
        ),
        (
            OFFER_PREFIX + b"m=video x\r\na=candidate:garbage\r\n",
            "application/sdp",
            400,
            "SDP_MALFORMED",
        ),
        (b"v=0\r\n" + b"a=x\r\n" * 40000, "application/sdp", 413, "SDP_TOO_LARGE"),
        (b"{}", "application/json", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ],
)
async def test_hostile_offers_get_json_errors(
    engine: RenderEngine, body: bytes, content_type: str, status: int, code: str
) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        got_status, _, reply = await _post(server.url, body, content_type)
        assert (got_status, reply["code"]) == (status, code)
        assert reply["message"]
        # The running session is not disturbed, and the refused offer holds nothing.
        await asyncio.wait_for(view.track.recv(), 5)
        health = await server.health()
        assert health["sessions"] == 1
        assert health["views_in_use"] == 1


async def test_unknown_session_is_404_and_delete_frees_everything(engine: RenderEngine) -> None:
    async with serve(engine) as server, aiohttp.ClientSession() as http:
        async with http.delete(f"{server.url}/whep/nope") as reply:
            assert reply.status == 404
            assert (await reply.json())["code"] == "SESSION_NOT_FOUND"
        async with viewer(server.url) as view:
            await view.track.recv()
            assert (await server.health())["views_in_use"] == 1
            async with http.delete(f"{server.url}{view.location}") as reply:
                assert reply.status == 204
            async with http.delete(f"{server.url}{view.location}") as reply:
                assert reply.status == 404
        health = await server.health()
        assert (health["sessions"], health["views_in_use"]) == (0, 0)


async def test_a_shutdown_waits_for_a_session_already_ending(engine: RenderEngine) -> None:
    """A session leaves the registry as its ending begins; a shutdown then (its visitor
    just left) still waits for the render view to be given back, or the view stays held
    once the loop stops."""
    async with serve(engine) as server, viewer(server.url) as view:
        await view.track.recv()
        registry = server.app[SESSIONS_KEY]
        (session,) = registry.sessions.values()
        gate = threading.Event()  # the render thread, busy: the view's release must queue
        busy = asyncio.get_running_loop().run_in_executor(engine.executor, gate.wait)
        try:
            ending = asyncio.ensure_future(session.close("visitor left"))
            await until(lambda: not registry.sessions)
            shutdown = asyncio.ensure_future(registry.close_all())
            done, _ = await asyncio.wait({shutdown}, timeout=1.0)
            assert not done, "the shutdown did not wait for the ending session's view"
        finally:
            gate.set()
        await asyncio.gather(busy, ending, shutdown)
        assert engine.views_in_use == 0


async def test_over_capacity_is_503_with_retry_after(engine: RenderEngine) -> None:
    settings = StreamSettings(**{**LOOPBACK.__dict__, "max_sessions": 1, "retry_after": 7})
    async with serve(engine, settings) as server, viewer(server.url) as view:
        pc_offer = view.pc.localDescription.sdp.encode()
        status, headers, reply = await _post(server.url, pc_offer)
        assert status == 503
        assert headers["Retry-After"] == "7"
        assert reply["code"] == "SERVER_FULL"
        await asyncio.wait_for(view.track.recv(), 5)


VANISHING_PEER = Path(__file__).parent.parent / "vanishing_peer.py"


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_a_vanished_browser_is_cleaned_up_within_ten_seconds(engine: RenderEngine) -> None:
    async with serve(engine) as server:
        registry = server.app[SESSIONS_KEY]
        async with viewer(server.url) as warm_up:  # let one-off resources settle first
            await warm_up.track.recv()
        await until(lambda: not registry.sessions and engine.views_in_use == 0)
        tasks_before, fds_before = len(asyncio.all_tasks()), _open_fds()
        peer = await asyncio.create_subprocess_exec(
            sys.executable,
            str(VANISHING_PEER),
            server.url,
            stdout=asyncio.subprocess.PIPE,
        )
        assert peer.stdout is not None
        line = await asyncio.wait_for(peer.stdout.readline(), 20)
        assert line.strip() == b"receiving", line
        assert (await server.health())["sessions"] == 1
        peer.send_signal(signal.SIGKILL)  # no DELETE, no DTLS close: the tab is just gone
        await peer.wait()
        killed = time.monotonic()
        await until(lambda: not registry.sessions, 10)
        elapsed = time.monotonic() - killed
        logging.getLogger(__name__).info("vanished peer cleaned up after %.1f s", elapsed)
        assert elapsed < 10, f"session lived {elapsed:.1f} s after the peer died"
        assert (await server.health())["sessions"] == 0
        assert (await server.health())["views_in_use"] == 0
        # Let the health check's own HTTP connection wind down, then count (the asserts
        # below say what is left when it does not).
        with contextlib.suppress(AssertionError):
            await until(
                lambda: len(asyncio.all_tasks()) <= tasks_before and _open_fds() <= fds_before, 3
            )
        assert len(asyncio.all_tasks()) <= tasks_before, asyncio.all_tasks()
        assert _open_fds() <= fds_before


@pytest.mark.parametrize("codec", ["VP8", "H264"])
async def test_each_codec_streams_with_our_tuned_encoder(engine: RenderEngine, codec: str) -> None:
    settings = StreamSettings(**{**LOOPBACK.__dict__, "codec": codec})
    async with serve(engine, settings) as server, viewer(server.url) as view:
        frame = None
        for _ in range(15):
            frame = await asyncio.wait_for(view.track.recv(), 5)
        assert frame is not None
        assert is_bronze(centre_patch(frame.to_ndarray(format="rgb24")))
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        encoder = session.pc.getSenders()[0]._RTCRtpSender__encoder
        expected = RenderedVp8Encoder if codec == "VP8" else RenderedH264Encoder
        assert isinstance(encoder, expected)
        assert codec.lower() in view.pc.remoteDescription.sdp.lower()


async def test_an_offer_without_our_codec_is_refused_clearly(engine: RenderEngine) -> None:
    from aiortc import RTCPeerConnection, RTCRtpSender

    pc = RTCPeerConnection()
    transceiver = pc.addTransceiver("video", direction="recvonly")
    h264_only = [
        c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"
    ]
    transceiver.setCodecPreferences(h264_only)
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription.sdp.encode()
    await pc.close()
    async with serve(engine) as server:  # VP8 by default
        status, _, reply = await _post(server.url, offer)
        assert (status, reply["code"]) == (400, "SDP_MALFORMED")
        assert "VP8" in reply["message"]
        health = await server.health()
        assert (health["sessions"], health["views_in_use"]) == (0, 0)


async def test_a_browser_that_never_connects_is_let_go(engine: RenderEngine) -> None:
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    offer = pc.localDescription.sdp.encode()
    await pc.close()  # it offers, then is never heard from again
    settings = StreamSettings(**{**LOOPBACK.__dict__, "connect_timeout": 1.0})
    async with serve(engine, settings) as server:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{server.url}/whep", data=offer, headers={"Content-Type": "application/sdp"}
            ) as reply,
        ):
            assert reply.status == 201
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        await asyncio.wait_for(session.closed.wait(), 10)
        assert session.end_reason in ("connect timeout", "connection failed")
        health = await server.health()
        assert (health["sessions"], health["views_in_use"]) == (0, 0)


async def test_a_click_on_the_relic_names_it(engine: RenderEngine) -> None:
    async with serve(engine) as server, viewer(server.url) as view:
        await view.track.recv()
        view.send({"type": "pick", "x": 0.5, "y": 0.5, "seq": 11})
        view.send({"type": "pick", "x": 0.01, "y": 0.01, "seq": 12})
        view.send({"type": "pick", "x": 1.5, "y": 0.5, "seq": 13})
        for _ in range(60):
            if len([m for m in view.messages if m.get("seq") in (11, 12, 13)]) == 3:
                break
            await view.track.recv()
        replies = {m["seq"]: m for m in view.messages if m.get("seq") in (11, 12, 13)}
        assert replies[11]["type"] == "picked" and replies[11]["exhibit"] == "relic"
        assert replies[12]["type"] == "picked" and replies[12]["exhibit"] is None
        assert replies[13]["type"] == "error" and replies[13]["code"] == "COMMAND_OUT_OF_RANGE"


async def test_hotspot_marks_name_the_rtp_timestamp_of_their_frame() -> None:
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import open_scene
    from tests.conftest import ASSETS

    exhibition = RenderEngine(
        open_scene(ASSETS / "example.scene.json"), RuntimeSettings(asset_root=ASSETS)
    )
    try:
        async with (
            serve(exhibition) as server,
            viewer(server.url, "?exhibit=bronze-hu") as view,
        ):
            received: set[int] = set()
            for step in range(60):
                if step % 5 == 0 and step < 45:
                    view.send({"type": "orbit", "yaw": 15, "pitch": 2})
                frame = await asyncio.wait_for(view.track.recv(), 5)
                received.add(frame.pts)  # the RTP timestamp less the stream's first one
            marks = [m for m in view.messages if m.get("type") == "hotspots" and m["rtp"]]
            assert len(marks) >= 5
            # Every new picture's marks name a frame that really arrived with that timestamp
            # (aiortc's receiver counts from its first frame and rounds by one tick, so
            # compare up to one offset, within a tick).
            near = received | {p + 1 for p in received} | {p - 1 for p in received}
            offsets = {(m["rtp"] - pts) % 2**32 for m in marks for pts in received}
            best = max(
                sum((m["rtp"] - offset) % 2**32 in near for m in marks) for offset in offsets
            )
            assert best == len(marks), (best, len(marks))
            assert all(
                0 <= h["x"] <= 1 and 0 <= h["y"] <= 1
                for m in marks
                for h in m["marks"]
                if h["visible"]
            )
    finally:
        exhibition.close()


async def test_a_guided_tour_moves_the_camera_step_by_step() -> None:
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import open_scene
    from tests.conftest import ASSETS

    exhibition = RenderEngine(
        open_scene(ASSETS / "example.scene.json"), RuntimeSettings(asset_root=ASSETS)
    )

    async def frames(view: Any, count: int) -> np.ndarray:
        frame = None
        for _ in range(count):
            frame = await asyncio.wait_for(view.track.recv(), 5)
        assert frame is not None
        return frame.to_ndarray(format="rgb24").astype(int)

    def tour_messages(view: Any) -> list[dict[str, Any]]:
        return [m for m in view.messages if m.get("type") == "tour"]

    try:
        async with (
            serve(exhibition) as server,
            viewer(server.url, "?exhibit=bronze-hu") as view,
        ):
            await frames(view, 5)
            hello = next(m for m in view.messages if m.get("type") == "hello")
            assert hello["tours"][0] == {
                "id": "highlights",
                "title": {"zh": "精选导览", "en": "Highlights"},
                "steps": 4,
            }
            view.send({"type": "tour", "action": "start", "tour": "nowhere", "seq": 1})
            view.send({"type": "tour", "action": "start", "tour": "highlights", "seq": 2})
            first = await frames(view, 60)  # the flight takes 1.6 s
            view.send({"type": "tour", "action": "pause"})
            view.send({"type": "tour", "action": "next"})
            second = await frames(view, 60)
            assert np.abs(first - second).mean() > 3  # a different view of the hall
            steps = [(m["step"], m["state"]) for m in tour_messages(view) if "step" in m]
            assert steps[0] == (0, "playing") and (1, "paused") in steps
            assert tour_messages(view)[-1]["narration"]["en"] == "The zig-zag band on the belly."
            errors = [m for m in view.messages if m.get("type") == "error"]
            assert errors[0]["code"] == "TOUR_UNKNOWN" and errors[0]["seq"] == 1
            view.send({"type": "orbit", "yaw": 10, "pitch": 0})  # the visitor takes over
            await frames(view, 5)
            assert tour_messages(view)[-1]["state"] == "stopped"
    finally:
        exhibition.close()


async def test_walking_and_orbiting_over_the_datachannel(engine: RenderEngine) -> None:
    from museion.runtime.settings import RuntimeSettings
    from museion.scenes.checked_scene import open_scene
    from museion.streaming.server import SESSIONS_KEY
    from tests.conftest import ASSETS

    exhibition = RenderEngine(
        open_scene(ASSETS / "example.scene.json"), RuntimeSettings(asset_root=ASSETS)
    )
    try:
        async with serve(exhibition) as server, viewer(server.url) as view:
            await asyncio.wait_for(view.track.recv(), 5)
            (session,) = server.app[SESSIONS_KEY].sessions.values()
            modes = [m for m in view.messages if m.get("type") == "mode"]
            assert modes[-1] == {"type": "mode", "mode": "walk", "exhibit": None, "can_walk": True}
            start = session.view.eye()
            # At the entrance only the hotspots of relics within 4 m show, not the hall's.
            for _ in range(3):
                await asyncio.wait_for(view.track.recv(), 5)
            marks = next(m for m in reversed(view.messages) if m.get("type") == "hotspots")
            shown = {h["exhibit"] for h in marks["marks"] if h["visible"]}
            assert shown == {"bronze-hu"}, shown
            assert len({h["exhibit"] for h in marks["marks"]}) >= 5
            for _ in range(10):
                view.send({"type": "walk", "forward": 0.1})
            view.send({"type": "mode", "mode": "orbit", "exhibit": "nowhere", "seq": 5})
            view.send({"type": "walk", "forward": 3.0, "seq": 6})
            # The channel is ordered: once seq 6 is answered, every step before it was taken.
            await until(lambda: any(m.get("seq") == 6 for m in view.messages))
            assert math.dist(session.view.eye(), start) == pytest.approx(1.0, abs=0.01)
            errors = {m["seq"]: m["code"] for m in view.messages if m.get("type") == "error"}
            assert errors == {5: "EXHIBIT_UNKNOWN", 6: "COMMAND_OUT_OF_RANGE"}
            first = next(iter(exhibition.exhibit_views))
            view.send({"type": "mode", "mode": "orbit"})  # the nearest exhibit
            await until(
                lambda: [m for m in view.messages if m.get("type") == "mode"][-1] != modes[-1]
            )
            await until(lambda: session.view == exhibition.exhibit_views[first][0])  # flown there
            assert view.messages[-1]["type"] != "error"
            modes = [m for m in view.messages if m.get("type") == "mode"]
            assert modes[-1]["mode"] == "orbit" and modes[-1]["exhibit"] == first
            assert session.view == exhibition.exhibit_views[first][0]
        # A showcase (one relic, no document) has no floor to walk.
        async with serve(engine) as server, viewer(server.url) as view:
            view.send({"type": "walk", "forward": 0.1, "seq": 1})
            view.send({"type": "mode", "mode": "walk", "seq": 2})
            await until(lambda: any(m.get("seq") == 2 for m in view.messages))
            codes = [m["code"] for m in view.messages if m.get("type") == "error"]
            assert codes == ["WALK_UNAVAILABLE", "WALK_UNAVAILABLE"]
    finally:
        exhibition.close()
