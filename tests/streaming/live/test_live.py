"""Live relay end to end: an aiortc publisher fed by an ffmpeg-made H.264 file over WHIP,
aiortc viewers over WHEP decoding what the relay forwards (never re-encoded)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from museion.streaming.live.encoded_media import raise_socket_buffers
from tests.conftest import LOOPBACK, offer, serve, until

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

TOKEN = "s3cret-token"
LIVE = dataclasses.replace(LOOPBACK, publish_token=TOKEN)
WIDTH, HEIGHT = 640, 360


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """20 s of ffmpeg's test pattern, H.264 constrained baseline, a keyframe a second."""
    path = tmp_path_factory.mktemp("live") / "show.ts"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate=30",
         "-t", "20", "-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p",
         "-g", "30", "-bf", "0", "-tune", "zerolatency", "-f", "mpegts", str(path)],
        check=True,
    )  # fmt: skip
    yield path


def _h264_only(transceiver: Any) -> None:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences(
        [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]
    )


async def _post(url: str, sdp: str, token: str | None = TOKEN) -> tuple[int, str, dict[str, str]]:
    headers = {"Content-Type": "application/sdp"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    async with aiohttp.ClientSession() as http, http.post(url, data=sdp, headers=headers) as r:
        return r.status, await r.text(), dict(r.headers)


@contextlib.asynccontextmanager
async def publisher(
    base: str, clip: Path, stream: str = "show", audio: bool = False
) -> AsyncIterator[str]:
    """Publish ``clip`` (its packets, not decoded) to ``stream``, with a 440 Hz Opus tone if
    ``audio``; yields the Location."""
    player = MediaPlayer(str(clip), decode=False)
    tone = MediaPlayer("sine=frequency=440:sample_rate=48000", format="lavfi") if audio else None
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    assert player.video is not None
    _h264_only(pc.addTransceiver(player.video, direction="sendonly"))
    if tone is not None:
        assert tone.audio is not None
        pc.addTransceiver(tone.audio, direction="sendonly")
    await pc.setLocalDescription(await pc.createOffer())
    status, answer, headers = await _post(f"{base}/whip/{stream}", pc.localDescription.sdp)
    assert status == 201, answer
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    try:
        yield headers["Location"]
    finally:
        await pc.close()
        for track in (player.video, tone.audio if tone is not None else None):
            if track is not None:
                track.stop()


@dataclasses.dataclass
class Watched:
    frames: int = 0
    sizes: set[tuple[int, int]] = dataclasses.field(default_factory=set)
    ended: bool = False


@contextlib.asynccontextmanager
async def watcher(
    base: str, stream: str = "show", jitter: int | None = None
) -> AsyncIterator[tuple[Watched, str]]:
    """A WHEP viewer that decodes what it receives and counts it; with ``jitter``, its
    jitter buffer holds that many packets and its socket buffers are raised (for 8K)."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    loop = asyncio.get_running_loop()
    got: asyncio.Future[MediaStreamTrack] = loop.create_future()
    pc.on("track", lambda t: got.done() or got.set_result(t))
    await pc.setLocalDescription(await pc.createOffer())
    if jitter is not None:
        raise_socket_buffers(pc)
        receiver = pc.getTransceivers()[0].receiver
        receiver._RTCRtpReceiver__jitter_buffer = JitterBuffer(jitter, is_video=True)  # type: ignore[attr-defined]
    status, answer, headers = await _post(f"{base}/whep/{stream}", pc.localDescription.sdp, None)
    assert status == 201, answer
    await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
    watched = Watched()

    async def count() -> None:
        track = await got
        try:
            while True:
                frame = await track.recv()
                watched.frames += 1
                watched.sizes.add((frame.width, frame.height))  # type: ignore[union-attr]
        except MediaStreamError:
            watched.ended = True

    task = asyncio.ensure_future(count())
    try:
        yield watched, headers["Location"]
    finally:
        task.cancel()
        await pc.close()


@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "two-relay-workers"])
async def test_viewers_see_the_publishers_frames_without_re_encoding(
    engine: RenderEngine, clip: Path, workers: int
) -> None:
    settings = dataclasses.replace(LIVE, relay_workers=workers)
    async with serve(engine, settings) as server, publisher(server.url, clip):
        registry = server.app[LIVE_KEY]
        stream = registry.streams["show"]
        await until(lambda: stream.frames_in > 0)
        async with watcher(server.url) as (first, _), watcher(server.url) as (second, _):
            await until(lambda: first.frames > 0 and second.frames > 0)
            published = stream.frames_in
            before = first.frames, second.frames
            # A sample of 150 published frames: 5 s at 30 fps, longer on a busy box.
            await until(lambda: stream.frames_in - published >= 150, 60)
            sent = stream.frames_in - published
            got = first.frames - before[0], second.frames - before[1]
            if workers:  # one viewer on each worker
                assert registry.pool is not None
                assert [len(w.viewers) for w in registry.pool.workers] == [1, 1]
        assert stream.codec == "H264"
        for watched in (first, second):
            assert watched.sizes == {(WIDTH, HEIGHT)}
        # Each viewer decodes (nearly) every frame the publisher sent.
        assert sent >= 150, sent
        assert min(got) >= 0.95 * sent - 3, (got, sent)


async def test_publishing_needs_the_streams_token(engine: RenderEngine) -> None:
    async with serve(engine, LIVE) as server:
        sdp = await offer("sendonly", channel=False)
        status, body, headers = await _post(f"{server.url}/whip/show", sdp, token=None)
        assert status == 401 and '"AUTHORIZATION_REQUIRED"' in body
        assert headers["WWW-Authenticate"].startswith("Bearer")
        status, body, _ = await _post(f"{server.url}/whip/show", sdp, token="wrong")
        assert status == 403 and '"TOKEN_REJECTED"' in body
        status, body, _ = await _post(f"{server.url}/whip/no%20spaces", sdp)
        assert status == 400 and '"STREAM_NAME_INVALID"' in body


async def test_without_any_configured_token_nothing_can_be_published(engine: RenderEngine) -> None:
    async with serve(engine, LOOPBACK) as server:
        sdp = await offer("sendonly", channel=False)
        status, body, _ = await _post(f"{server.url}/whip/show", sdp, token="anything")
        assert status == 403, body


async def test_one_publisher_per_stream_and_a_codec_the_relay_can_pass(
    engine: RenderEngine, clip: Path
) -> None:
    async with serve(engine, LIVE) as server, publisher(server.url, clip):
        sdp = await offer("sendonly", channel=False)
        status, body, _ = await _post(f"{server.url}/whip/show", sdp)
        assert status == 409 and '"STREAM_BUSY"' in body
        hevc = sdp.replace("H264/90000", "H265/90000").replace("VP8/90000", "VP9/90000")
        status, body, _ = await _post(f"{server.url}/whip/other", hevc)
        assert status == 422 and '"CODEC_UNSUPPORTED"' in body
        status, body, _ = await _post(f"{server.url}/whip/show", "v=0\r\nbroken")
        assert status == 400 and '"SDP_MALFORMED"' in body
        # The show went on through all of that.
        stream = server.app[LIVE_KEY].streams["show"]
        before = stream.frames_in
        await until(lambda: stream.frames_in > before + 10)


async def test_a_viewer_of_a_stream_not_live_is_told_so(engine: RenderEngine) -> None:
    async with serve(engine, LIVE) as server:
        sdp = await offer("recvonly", channel=False)
        status, body, _ = await _post(f"{server.url}/whep/later", sdp, token=None)
        assert status == 404 and '"STREAM_NOT_LIVE"' in body


async def test_options_answers_the_cors_preflight(engine: RenderEngine) -> None:
    async with (
        serve(engine, LIVE) as server,
        aiohttp.ClientSession() as http,
        http.options(f"{server.url}/whip/show") as reply,
    ):
        assert reply.status == 204
        assert "POST" in reply.headers["Access-Control-Allow-Methods"]
        assert "Authorization" in reply.headers["Access-Control-Allow-Headers"]
        assert reply.headers["Accept-Post"] == "application/sdp"


async def test_the_publisher_ending_the_show_ends_its_viewers(
    engine: RenderEngine, clip: Path
) -> None:
    async with serve(engine, LIVE) as server, publisher(server.url, clip) as location:
        registry = server.app[LIVE_KEY]
        await until(lambda: registry.streams["show"].frames_in > 0)
        async with watcher(server.url) as (watched, _):
            await until(lambda: watched.frames > 10)
            async with (
                aiohttp.ClientSession() as http,
                http.delete(f"{server.url}{location}") as reply,
            ):
                assert reply.status == 200
            await until(lambda: watched.ended)
            assert not registry.viewers and not registry.publishers
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"{server.url}/live/show/status") as reply,
            ):
                assert (await reply.json())["live"] is False


async def test_opus_audio_passes_through_beside_the_video(engine: RenderEngine, clip: Path) -> None:
    async with serve(engine, LIVE) as server, publisher(server.url, clip, audio=True):
        stream = server.app[LIVE_KEY].streams["show"]
        await until(lambda: stream.has_audio and stream.frames_in > 0)
        viewer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        try:
            viewer.addTransceiver("video", direction="recvonly")
            viewer.addTransceiver("audio", direction="recvonly")
            tracks: dict[str, MediaStreamTrack] = {}
            viewer.on("track", lambda t: tracks.__setitem__(t.kind, t))
            await viewer.setLocalDescription(await viewer.createOffer())
            status, answer, _ = await _post(
                f"{server.url}/whep/show", viewer.localDescription.sdp, None
            )
            assert status == 201, answer
            assert "opus/48000" in answer.lower()
            await viewer.setRemoteDescription(RTCSessionDescription(answer, "answer"))
            await until(lambda: "audio" in tracks)
            samples = 0
            for _ in range(50):  # a second of 20 ms Opus frames, decoded
                frame = await asyncio.wait_for(tracks["audio"].recv(), 5)
                samples += frame.samples  # type: ignore[union-attr]
                assert frame.sample_rate == 48000  # type: ignore[union-attr]
            assert samples >= 48000 * 0.9
        finally:
            await viewer.close()


async def test_a_viewers_picture_loss_report_asks_the_publisher_for_a_keyframe(
    engine: RenderEngine, clip: Path
) -> None:
    async with serve(engine, LIVE) as server, publisher(server.url, clip):
        stream = server.app[LIVE_KEY].streams["show"]
        await until(lambda: stream.frames_in > 40)  # a keyframe is kept: joining asks nothing
        asked: list[int] = []
        original = stream.request_keyframe
        assert original is not None

        def counting() -> None:
            asked.append(1)
            original()

        stream.request_keyframe = counting
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        status, answer, _ = await _post(f"{server.url}/whep/show", pc.localDescription.sdp, None)
        assert status == 201
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        try:
            receiver = pc.getTransceivers()[0].receiver
            await until(lambda: bool(receiver._RTCRtpReceiver__active_ssrc))  # type: ignore[attr-defined]
            assert asked == []
            ssrc = next(iter(receiver._RTCRtpReceiver__active_ssrc))  # type: ignore[attr-defined]
            await asyncio.sleep(1.1)  # past the relay's one-request-a-second limit
            await receiver._send_rtcp_pli(ssrc)
            await until(lambda: len(asked) == 1)
        finally:
            await pc.close()


@pytest.fixture(scope="module")
def clip_4k(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """4 s of a 3840x2160 test pattern at 35 Mbps CBR (the top of the range a show is sent
    at), H.264 constrained baseline L5.1, a keyframe a second: each several hundred RTP
    packets, more than aiortc's own 512-packet jitter buffer holds."""
    path = tmp_path_factory.mktemp("live4k") / "show.ts"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=3840x2160:rate=30",
         "-t", "4", "-vf", "noise=alls=16:allf=t",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-profile:v", "baseline", "-level", "5.1", "-pix_fmt", "yuv420p",
         "-b:v", "35M", "-minrate", "35M", "-maxrate", "35M", "-bufsize", "35M",
         "-x264-params", "nal-hrd=cbr:keyint=30:min-keyint=30:scenecut=0",
         "-f", "mpegts", str(path)],
        check=True,
    )  # fmt: skip
    yield path


async def test_a_4k_show_relays_and_decodes_at_full_size(
    engine: RenderEngine, clip_4k: Path
) -> None:
    async with serve(engine, LIVE) as server, publisher(server.url, clip_4k):
        stream = server.app[LIVE_KEY].streams["show"]
        await until(lambda: stream.frames_in > 0)
        # The test's viewer needs what the relay's ingest has: room for a whole keyframe.
        async with watcher(server.url, jitter=4096) as (watched, _):
            # The first keyframe and what follows it, decoded.
            await until(lambda: watched.frames >= 20, 60)
            assert watched.sizes == {(3840, 2160)}
        kept = stream.kept_frames()
        largest = max(len(f.data) for f in kept[:1]) if kept else 0
        assert largest > 512 * 1200, largest  # the keyframe really was that large
        # Every keyframe reached the relay whole: none was cut off by a buffer.
        assert stream.frames_in > 20


async def test_a_relay_worker_that_dies_is_replaced_and_the_show_goes_on(
    engine: RenderEngine, clip: Path
) -> None:
    settings = dataclasses.replace(LIVE, relay_workers=2)
    async with serve(engine, settings) as server, publisher(server.url, clip):
        registry = server.app[LIVE_KEY]
        stream = registry.streams["show"]
        await until(lambda: stream.frames_in > 0)
        assert registry.pool is not None
        async with watcher(server.url) as (first, _), watcher(server.url) as (second, _):
            await until(lambda: first.frames > 10 and second.frames > 10)
            doomed = registry.pool.workers[0]
            position = doomed.index
            doomed.process.kill()
            # Its viewer is let go; the other keeps watching; a new worker takes its place.
            await until(lambda: registry.watching(stream) == 1)
            await until(
                lambda: [w.index for w in registry.pool.workers if w.alive].count(position) == 1,
                timeout=30,
            )
            assert doomed not in registry.pool.workers and len(registry.pool.workers) == 2
            before = first.frames, second.frames
            await until(lambda: max(first.frames - before[0], second.frames - before[1]) >= 45, 30)
            assert max(first.frames - before[0], second.frames - before[1]) >= 45
            async with watcher(server.url) as (third, _):
                await until(lambda: third.frames > 30)
                assert third.sizes == {(WIDTH, HEIGHT)}


async def test_a_live_viewer_that_vanishes_is_freed_within_ten_seconds(
    engine: RenderEngine, clip: Path
) -> None:
    """SIGKILL, as a closed laptop: no DELETE, no DTLS close; ICE consent notices."""
    async with serve(engine, LIVE) as server, publisher(server.url, clip):
        registry = server.app[LIVE_KEY]
        stream = registry.streams["show"]
        await until(lambda: stream.frames_in > 0)
        peer = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).parent.parent / "vanishing_peer.py"),
            server.url,
            "/whep/show",
            stdout=asyncio.subprocess.PIPE,
        )
        assert peer.stdout is not None
        line = await asyncio.wait_for(peer.stdout.readline(), 30)
        assert line.strip() == b"receiving", line
        assert registry.watching(stream) == 1
        peer.send_signal(signal.SIGKILL)
        await peer.wait()
        killed = time.monotonic()
        while registry.watching(stream) and time.monotonic() - killed < 15:
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - killed
        assert elapsed < 10, f"the viewer lived {elapsed:.1f} s after it died"
        assert await registry.viewer_stats(stream) == []  # its worker let it go too


async def test_a_stalled_viewer_leaves_the_others_unaffected_and_recovers(
    engine: RenderEngine, clip: Path
) -> None:
    """A viewer process frozen for 4 s (SIGSTOP: its socket fills, it answers nothing) does
    not slow another viewer; thawed, it gets pictures again (a keyframe on its PLI)."""
    settings = dataclasses.replace(LIVE, relay_workers=1)  # both on one worker, one pump
    async with serve(engine, settings) as server, publisher(server.url, clip):
        registry = server.app[LIVE_KEY]
        stream = registry.streams["show"]
        await until(lambda: stream.frames_in > 0)
        frozen = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).parent.parent / "vanishing_peer.py"),
            server.url, "/whep/show", stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert frozen.stdout is not None
        try:
            assert (await asyncio.wait_for(frozen.stdout.readline(), 30)).strip() == b"receiving"
            async with watcher(server.url) as (watched, _):
                await until(lambda: watched.frames > 0)
                frozen.send_signal(signal.SIGSTOP)
                published, seen = stream.frames_in, watched.frames
                # The stall lasts 120 published frames (4 s at 30 fps, longer on a busy box).
                await until(lambda: stream.frames_in - published >= 120, 60)
                sent, decoded = stream.frames_in - published, watched.frames - seen
                frozen.send_signal(signal.SIGCONT)
                counts = []
                async with asyncio.timeout(15):
                    while len(counts) < 8:
                        line = await frozen.stdout.readline()
                        if line.startswith(b"frames "):
                            counts.append(int(line.split()[1]))
            # The other viewer has gone; the thawed one is still a viewer.
            await until(lambda: registry.watching(stream) == 1)
        finally:
            if frozen.returncode is None:
                frozen.kill()
                await frozen.wait()
    assert sent >= 120 and decoded >= 0.95 * sent, (decoded, sent)
    assert counts[-1] - counts[-4] >= 60, counts  # 30 fps again over its last 3 s
