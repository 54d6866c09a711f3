"""Recording a show as fragmented MP4 without re-encoding; a crash loses at most a second."""

from __future__ import annotations

import asyncio
import dataclasses
import fractions
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
import av
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.live import LIVE_KEY
from museion.streaming.live.publish import FileTrack, publish
from museion.streaming.live.recorder import Recorder
from museion.streaming.live.stream import h264_is_keyframe
from tests.conftest import serve, until
from tests.streaming.live.test_live import LIVE, TOKEN, clip, publisher

__all__ = ["clip"]  # the fixture, shared with test_live

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def _frames(path: Path) -> tuple[int, tuple[int, int], str]:
    """Decoded frames, their size and the codec of a recording, read back with PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.decode(stream))
        return (
            count,
            (stream.codec_context.width, stream.codec_context.height),
            stream.codec_context.name,
        )


async def _frames_in(base: str, count: int, timeout: float = 60.0) -> None:
    """Wait until the server at ``base`` (another process) has taken in ``count`` frames
    of the show, as its stats say."""
    stats = f"{base}/live/show/stats"
    auth = {"Authorization": f"Bearer {TOKEN}"}

    async with aiohttp.ClientSession() as http:

        async def taken_in() -> bool:
            async with http.get(stats, headers=auth) as reply:
                return reply.status == 200 and (await reply.json())["frames_in"] >= count

        await until(taken_in, timeout)


def test_a_recording_holds_every_frame_as_sent(clip: Path, tmp_path: Path) -> None:
    source = FileTrack(clip)
    recorder = Recorder(tmp_path, "show", "H264")
    sent = 0
    payload = 0
    while (packet := source._next_packet()) is not None:
        data = bytes(packet)
        ticks = int(packet.pts * packet.time_base / fractions.Fraction(1, 90_000))
        recorder.write(data, ticks, h264_is_keyframe(data))
        sent += 1
        payload += len(data)
    source.stop()
    recorder.close()
    assert recorder.path is not None and recorder.failed is None
    count, size, codec = _frames(recorder.path)
    assert (count, size, codec) == (sent, (640, 360), "h264")
    # Not re-encoded: the file is the frames' bytes plus a little container.
    assert payload <= recorder.path.stat().st_size <= payload * 1.05


async def test_a_crash_loses_at_most_a_second_of_the_show(clip: Path, tmp_path: Path) -> None:
    """The server is killed (SIGKILL) mid-show; its recording still plays to within 1 s."""
    museion = str(Path(sys.executable).with_name("museion"))
    record = tmp_path / "rec"
    server = await asyncio.create_subprocess_exec(
        museion, "serve", "--port", "0", "--ice-address", "127.0.0.1",
        "--publish-token", TOKEN, "--record", str(record),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert server.stdout is not None
        line = await asyncio.wait_for(server.stdout.readline(), 120)
        found = re.search(rb"http://\S+/", line)
        assert found, line
        base = found.group(0).decode().rstrip("/")
        stop = asyncio.Event()
        task = asyncio.ensure_future(publish(str(clip), f"{base}/whip/show", TOKEN, stop=stop))
        await _frames_in(base, 6 * 30)  # 6 s of the show reached the server
        server.send_signal(signal.SIGKILL)
        await server.wait()
        stop.set()
        # The server is gone: the publisher ends (its DELETE fails, which it may report).
        done, _ = await asyncio.wait({task}, timeout=30)
        assert done, "the publisher did not end after the server died"
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    (recording,) = record.glob("show-*.mp4")
    count, size, _ = _frames(recording)
    assert size == (640, 360)
    # About 6 s were sent (from its first keyframe); at most a fragment (1 s, 30 frames) and
    # the frames still in flight at the kill may be missing.
    assert count >= 6 * 30 - 30 - 15, count


async def test_the_shows_opus_is_recorded_beside_its_video(
    engine: RenderEngine, clip: Path, tmp_path: Path
) -> None:
    """A publisher sending H.264 and Opus: the file holds both as sent, in step."""
    settings = dataclasses.replace(LIVE, record_dir=str(tmp_path), relay_workers=0)
    async with (
        serve(engine, settings) as server,
        publisher(server.url, clip, audio=True) as location,
    ):
        stream = server.app[LIVE_KEY].streams["show"]
        await until(lambda: stream.has_audio and stream.frames_in > 0)
        start = stream.frames_in
        await until(lambda: stream.frames_in >= start + 4 * 30, 30)  # 4 s of the show
        async with aiohttp.ClientSession() as http:
            await http.delete(f"{server.url}{location}")
    (recording,) = tmp_path.glob("show-*.mp4")
    with av.open(str(recording)) as container:
        sound, picture = container.streams.audio[0], container.streams.video[0]
        assert (sound.codec_context.name, sound.codec_context.sample_rate) == ("opus", 48000)
        packets = {"audio": 0, "video": 0}
        starts: dict[str, float] = {}
        for packet in container.demux():
            if packet.pts is None:
                continue
            kind = packet.stream.type
            packets[kind] += 1
            starts.setdefault(kind, float(packet.pts * packet.time_base))
        samples = sum(frame.samples for frame in av.open(str(recording)).decode(audio=0))
    seconds = packets["video"] / 30
    assert seconds >= 3, packets
    assert samples >= 48000 * (seconds - 1), (samples, seconds)  # 20 ms Opus frames, decoded
    assert abs(starts["audio"] - starts["video"]) < 0.5, starts
    assert picture.codec_context.name == "h264"
