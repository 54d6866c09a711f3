"""An independent publisher end to end: GStreamer's webrtcbin (its own ICE, DTLS, RTP stack
and x264, run by Debian's Python) publishes a 4K H.264 High-profile test pattern over WHIP;
Python WHEP viewers decode it at full size, and the venue's stage screen shows it inside a
rendered gallery frame."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import numpy as np
import pytest
from aiortc.rtcdtlstransport import SRTP_AES128_CM_SHA1_80, RTCCertificate
from OpenSSL import SSL

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY, dtls
from museion.streaming.live.stream import LiveStream
from tests.conftest import LOOPBACK, serve, until
from tests.e2e.browser import WAIT, browser_page
from tests.e2e.test_live_page import watch_playback
from tests.stage_scene import FACING, H, W, on_screen
from tests.streaming.live.test_live import TOKEN, watcher

GST_PYTHON = "/usr/bin/python3"
PUBLISHER = Path(__file__).with_name("gst_whip_publisher.py")
LIVE = dataclasses.replace(LOOPBACK, publish_token=TOKEN)


def _gstreamer_missing() -> str | None:
    probe = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstWebRTC', '1.0');"
        "from gi.repository import Gst; Gst.init(None);"
        "missing = [e for e in ('webrtcbin', 'x264enc', 'nicesrc', 'opusenc', 'videotestsrc')"
        " if Gst.ElementFactory.find(e) is None]; print(' '.join(missing))"
    )
    try:
        done = subprocess.run([GST_PYTHON, "-c", probe], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "probe failed"
    return f"missing GStreamer elements: {done.stdout.strip()}" if done.stdout.strip() else None


_MISSING = _gstreamer_missing()
pytestmark = pytest.mark.skipif(
    _MISSING is not None,
    reason=f"GStreamer webrtcbin is not usable ({_MISSING}); `make test` installs it",
)

# GStreamer's SMPTE bars, left to right, as (R, G, B) on (1) / off (0).
SMPTE_BARS = [(1, 1, 1), (1, 1, 0), (0, 1, 1), (0, 1, 0), (1, 0, 1), (1, 0, 0), (0, 0, 1)]


@contextlib.asynccontextmanager
async def gst_publisher(
    url: str,
    *,
    size: str,
    fps: int,
    seconds: float,
    profile: str = "high",
    audio: bool = False,
    trickle: bool = False,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """GStreamer publishing to ``url`` for ``seconds`` at most (leaving the block stops it
    sooner); yields once its transport is connected."""
    args = [str(PUBLISHER), url, TOKEN, "--size", size, "--fps", str(fps)]
    args += ["--trickle"] if trickle else []
    args += ["--seconds", str(seconds), "--profile", profile, "--bitrate", "12000"]
    args += ["--ice-address", "127.0.0.1"]  # the test server gathers on loopback only
    process = await asyncio.create_subprocess_exec(
        GST_PYTHON, *args, *(["--audio"] if audio else []),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    try:
        lines = []
        async with asyncio.timeout(30):
            while (line := (await process.stdout.readline()).decode().strip()) != "connected":
                if not line:
                    error = (await process.stderr.read()).decode()
                    raise AssertionError(f"the GStreamer publisher stopped: {lines} {error}")
                lines.append(line)
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def _stream(server_app: object, name: str = "show") -> LiveStream:
    return server_app[LIVE_KEY].streams[name]  # type: ignore[index, no-any-return]


async def test_a_gstreamer_4k_high_profile_show_relays_to_viewers_at_full_size(
    engine: RenderEngine,
) -> None:
    async with serve(engine, LIVE) as server:
        url = f"{server.url}/whip/show"
        async with gst_publisher(url, size="3840x2160", fps=10, seconds=120, audio=True):
            stream = _stream(server.app)
            assert stream.codec == "H264"
            assert stream.profile_level_id is not None
            assert stream.profile_level_id.startswith("64")  # High, as the encoder offered
            async with watcher(server.url) as (watched, _):
                await until(lambda: watched.frames >= 3, 30)
                published, seen = stream.frames_in, watched.frames
                # Count 50 published frames (5 s at 10 fps; x264 is slower on a busy box).
                await until(lambda: stream.frames_in >= published + 50, 60)
                sent, decoded = stream.frames_in - published, watched.frames - seen
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"{server.url}/live/show/status") as response,
            ):
                status = await response.json()
    assert watched.sizes == {(3840, 2160)}
    assert sent >= 40  # 5 s at 10 fps
    assert decoded >= 0.95 * sent, (decoded, sent)
    assert status["live"] and (status["codec"], status["profile"]) == ("H264", "High")


async def test_the_stage_screen_shows_the_live_pattern_in_the_rendered_venue(
    stage: RenderEngine,
) -> None:
    loop = asyncio.get_running_loop()
    stage.show_on_screen("main", None)  # the shared engine's screen, as a server starts it
    source = stage.open_view(W, H, preview=False)
    try:
        standby = await loop.run_in_executor(stage.executor, source.frame, FACING)
        async with serve(stage, LIVE) as server:
            url = f"{server.url}/whip/show"
            async with gst_publisher(url, size="1280x720", fps=15, seconds=120):
                image = standby
                async with asyncio.timeout(30):
                    while on_screen(image, 0.5, 0.3).max() < 100:  # still standby
                        await asyncio.sleep(0.2)
                        image = await loop.run_in_executor(stage.executor, source.frame, FACING)
                assert image is not standby
                # Let a second's worth of pictures more onto the screen, then read the bars.
                screen = stage.screens["main"]
                shown = screen.version
                await until(lambda: screen.version >= shown + 15, 30)
                image = await loop.run_in_executor(stage.executor, source.frame, FACING)
                assert np.abs(image.astype(int) - standby.astype(int)).max() > 100
            # The show ended: the screen goes to standby.
            await until(
                lambda: np.abs(on_screen(source.frame(FACING), 0.5, 0.3) - 12).max() <= 8, 30
            )
    finally:
        source.close()
    for index, bar in enumerate(SMPTE_BARS):
        colour = on_screen(image, (index + 0.5) / len(SMPTE_BARS), 0.3)
        lit = tuple(int(c > 120) for c in colour)
        dark = all(c < 60 for c, on in zip(colour, bar, strict=True) if not on)
        assert lit == bar and dark, (index, colour)


async def test_a_trickling_publisher_connects_through_patch(engine: RenderEngine) -> None:
    """GStreamer sends its offer before gathering, with no candidate in it; its candidates
    follow by PATCH (RFC 9725 trickle ICE), and only through them can ICE connect."""
    async with serve(engine, LIVE) as server:
        url = f"{server.url}/whip/show"
        async with gst_publisher(
            url, size="640x360", fps=15, seconds=4, profile="main", trickle=True
        ) as process:
            stream = _stream(server.app)
            await until(lambda: stream.frames_in > 10, 30)
            assert process.stdout is not None
            rest = (await process.stdout.read()).decode()
    trickled = [line for line in rest.splitlines() if line.startswith("trickled")]
    assert trickled and not trickled[0].startswith("trickled 0 "), rest
    assert stream.profile_level_id is not None and stream.profile_level_id.startswith("4d")


def test_aiortc_alone_would_refuse_an_rsa_certified_peer() -> None:
    """Why :mod:`museion.streaming.live.dtls` exists: aiortc's own DTLS context offers ECDSA
    suites only (GStreamer's webrtcbin has an RSA certificate: 'no shared cipher')."""
    certificate = RTCCertificate.generateCertificate()
    profiles = [SRTP_AES128_CM_SHA1_80]
    own = SSL.Connection(dtls._original(certificate, profiles)).get_cipher_list()
    assert own and not any("RSA" in name.replace("ECDSA", "") for name in own)
    dtls.allow_rsa_peers()
    ours = SSL.Connection(certificate._create_ssl_context(profiles)).get_cipher_list()
    assert "ECDHE-RSA-AES128-GCM-SHA256" in ours


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
async def test_chromium_plays_the_gstreamer_4k_high_profile_show(engine: RenderEngine) -> None:
    async with serve(engine, LIVE) as server, browser_page() as page:
        url = f"{server.url}/whip/show"
        async with gst_publisher(url, size="3840x2160", fps=10, seconds=120):
            stream = _stream(server.app)
            first, last, sent = await watch_playback(page, server.url, stream, frames=50)
    assert last["codec"] == "video/H264"
    assert (last["width"], last["height"]) == (3840, 2160)
    assert sent >= 40, sent
    assert last["decoded"] - first["decoded"] >= 0.95 * sent - 2, (first, last, sent)


async def test_an_8k_show_passes_through_and_a_browser_that_cannot_decode_it_says_so(
    engine: RenderEngine,
) -> None:
    """8K (H.264 High level 6) relays untouched: a Python viewer with room for an 8K
    keyframe decodes it at 7680x4320; this Chromium receives it but decodes nothing, and
    its page says so plainly and lets the stream go."""
    async with serve(engine, LIVE) as server, browser_page() as page:
        url = f"{server.url}/whip/show"
        async with gst_publisher(url, size="7680x4320", fps=2, seconds=180):
            stream = _stream(server.app)
            assert stream.profile_level_id is not None
            assert stream.profile_level_id.lower().startswith("64003")  # level 6.x echoed
            async with watcher(server.url, jitter=8192) as (watched, _):
                await until(lambda: watched.frames >= 4, 60)
            await page.goto(f"{server.url}/live/show")
            # The page gives up after 8 s of packets without a picture (and 2 come a second).
            await page.wait_for_function(
                "['undecodable', 'ended', 'error'].includes(document.body.dataset.state)",
                timeout=2 * WAIT,
            )
            state = await page.evaluate("document.body.dataset.state")
            assert state == "undecodable", state
            message = await page.text_content("#message")
            await until(lambda: not server.app[LIVE_KEY].viewers, 30)  # the page let it go
    assert watched.sizes == {(7680, 4320)}
    assert message is not None
    assert "cannot decode this show (H.264 High, level 6: 8K)" in message, message
