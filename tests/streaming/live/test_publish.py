"""Publishing files and the test pattern over WHIP, as `museion publish` does, to the relay."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.errors import CodecUnsupported, StreamingError
from museion.streaming.live import LIVE_KEY
from museion.streaming.live.publish import FileTrack, publish
from tests.conftest import REPO, serve, until
from tests.streaming.live.test_live import LIVE, TOKEN, watcher

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def _make(path: Path, *codec: str, size: str = "320x240", seconds: int = 4) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30",
         "-t", str(seconds), *codec, "-g", "30", "-bf", "0", str(path)],
        check=True,
    )  # fmt: skip
    return path


async def test_an_mp4_is_published_as_annex_b_and_viewers_decode_it(
    engine: RenderEngine, tmp_path: Path
) -> None:
    """H.264 in MP4 is length-prefixed; RTP needs start codes: the publisher converts."""
    clip = _make(
        tmp_path / "show.mp4", "-c:v", "libx264", "-profile:v", "main", "-pix_fmt", "yuv420p"
    )
    async with serve(engine, LIVE) as server:
        task = asyncio.ensure_future(publish(str(clip), f"{server.url}/whip/show", TOKEN))
        registry = server.app[LIVE_KEY]
        await until(lambda: "show" in registry.streams and registry.streams["show"].frames_in > 0)
        async with watcher(server.url) as (watched, _):
            await until(lambda: watched.frames >= 30)
            assert watched.sizes == {(320, 240)}
        result = await asyncio.wait_for(task, 15)
        assert result.frames == 120  # the whole file, then the session was ended
        assert result.location.startswith(f"{server.url}/whip/show/")
        assert not registry.publishers


async def test_vp8_in_webm_goes_through_as_vp8(engine: RenderEngine, tmp_path: Path) -> None:
    clip = _make(tmp_path / "show.webm", "-c:v", "libvpx", "-b:v", "500k", seconds=3)
    async with serve(engine, LIVE) as server:
        task = asyncio.ensure_future(publish(str(clip), f"{server.url}/whip/show", TOKEN))
        registry = server.app[LIVE_KEY]
        await until(lambda: "show" in registry.streams and registry.streams["show"].frames_in > 0)
        assert registry.streams["show"].codec == "VP8"
        async with watcher(server.url) as (watched, _):
            await until(lambda: watched.frames >= 20)
            assert watched.sizes == {(320, 240)}
        await asyncio.wait_for(task, 15)


def test_a_codec_the_relay_cannot_pass_is_refused_before_any_network(tmp_path: Path) -> None:
    clip = _make(tmp_path / "show.mkv", "-c:v", "mpeg4", seconds=1)
    with pytest.raises(CodecUnsupported, match=r"H\.264 or VP8"):
        FileTrack(clip)


async def test_the_cli_publishes_the_test_pattern_and_exits_1_on_a_wrong_token(
    engine: RenderEngine,
) -> None:
    museion = str(Path(sys.executable).with_name("museion"))
    async with serve(engine, LIVE) as server:
        url = f"{server.url}/whip/pattern"
        refused = await asyncio.create_subprocess_exec(
            museion, "publish", "testsrc", "--whip", url, "--token", "wrong", "--duration", "2",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await refused.communicate()
        assert refused.returncode == 1
        assert b"403" in err and b"TOKEN_REJECTED" in err
        done = await asyncio.create_subprocess_exec(
            museion, "publish", "testsrc", "--size", "320x240", "--whip", url,
            "--token", TOKEN, "--duration", "4",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        registry = server.app[LIVE_KEY]
        await until(lambda: "pattern" in registry.streams and registry.streams["pattern"].live)
        async with watcher(server.url, "pattern") as (watched, _):
            await until(lambda: watched.frames >= 20)
            assert watched.sizes == {(320, 240)}
        out, err = await done.communicate()
        assert done.returncode == 0, err
        assert b"published" in out


async def test_a_looped_mpeg_ts_keeps_the_frame_rate_across_the_seam(tmp_path: Path) -> None:
    """MPEG-TS timestamps start near 1.4 s; the loop must not pause that long each time."""
    clip = _make(tmp_path / "show.ts", "-c:v", "libx264", "-f", "mpegts", seconds=1)
    track = FileTrack(clip, loop=True)
    try:
        stamps = [(await track.recv()).pts for _ in range(75)]
    finally:
        track.stop()
    steps = {b - a for a, b in itertools.pairwise(stamps)}
    assert steps == {3000}, f"90 kHz steps between frames: {sorted(steps)}"


async def test_a_show_the_server_ends_is_a_failure_not_published(engine: RenderEngine) -> None:
    """Cut off mid-show (here the venue ends the session), the publisher says so and
    raises: a show that did not run to its end was not "published"."""
    async with serve(engine, LIVE) as server:
        task = asyncio.ensure_future(
            publish("testsrc", f"{server.url}/whip/show", TOKEN, size="160x120", duration=60)
        )
        registry = server.app[LIVE_KEY]
        await until(lambda: "show" in registry.streams and registry.streams["show"].frames_in > 0)
        (session,) = registry.publishers
        async with (
            aiohttp.ClientSession() as http,
            http.delete(
                f"{server.url}/whip/show/{session}", headers={"Authorization": f"Bearer {TOKEN}"}
            ) as reply,
        ):
            assert reply.status == 200
        with pytest.raises(StreamingError) as cut:
            await asyncio.wait_for(task, 20)
    assert cut.value.code == "PUBLISH_INTERRUPTED"
    assert cut.value.message.startswith(f"the connection to {server.url}/whip/show was lost after")


def _loopback_only_namespace() -> str | None:
    """Why a loopback-only network namespace cannot be made here, or None."""
    if os.geteuid() != 0:
        return "creating a network namespace needs root"
    missing = [tool for tool in ("unshare", "nsenter", "ip") if shutil.which(tool) is None]
    return f"{', '.join(missing)} not installed" if missing else None


@pytest.mark.skipif(_loopback_only_namespace() is not None, reason=str(_loopback_only_namespace()))
def test_the_cli_publishes_to_a_server_in_a_loopback_only_network(tmp_path: Path) -> None:
    """Only 127.0.0.1 exists: aioice skips loopback when gathering, so the publisher once
    had no candidate at all, sent nothing, and still said "published".  Now it gathers
    127.0.0.1 and the server counts the frames."""
    museion = str(Path(sys.executable).with_name("museion"))
    holder = subprocess.Popen(
        ["unshare", "--net", "sh", "-c", "ip link set lo up && echo up && exec sleep 600"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    inside = ["nsenter", f"--net=/proc/{holder.pid}/ns/net"]
    server: subprocess.Popen[str] | None = None
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "up\n"
        server = subprocess.Popen(
            [*inside, museion, "serve", "--port", "0", "--publish-token", TOKEN],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        )  # fmt: skip
        assert server.stdout is not None
        line = server.stdout.readline()  # "Museion is serving ... at http://127.0.0.1:PORT/"
        assert "http://127.0.0.1:" in line, line
        url = line.strip().rsplit(" ", 1)[1].rstrip("/")
        stats = f"{url}/live/show/stats"
        watch = (  # inside the namespace: the most frames the server counted while live
            "import json, sys, time, urllib.request\n"
            "best, deadline = 0, time.monotonic() + 60\n"
            "while time.monotonic() < deadline:\n"
            f"    request = urllib.request.Request({stats!r}, headers={{'Authorization': "
            f"'Bearer {TOKEN}'}})\n"
            "    with urllib.request.urlopen(request, timeout=5) as reply:\n"
            "        best = max(best, json.load(reply)['frames_in'])\n"
            "    if best >= 30: break\n"
            "    time.sleep(0.1)\n"
            "print(best)\n"
        )
        watcher = subprocess.Popen(
            [*inside, sys.executable, "-c", watch], stdout=subprocess.PIPE, text=True
        )
        published = subprocess.run(
            [*inside, museion, "publish", "testsrc", "--size", "160x120", "--whip",
             f"{url}/whip/show", "--token", TOKEN, "--duration", "4", "--connect-timeout", "10"],
            capture_output=True, text=True, timeout=60, cwd=REPO,
        )  # fmt: skip
        frames, _ = watcher.communicate(timeout=60)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        holder.kill()
        holder.wait()
    assert published.returncode == 0, published.stderr
    assert published.stdout.startswith("published testsrc to ")
    assert int(frames) >= 30, f"the server counted {frames.strip()} frames"
