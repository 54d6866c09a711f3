"""``museion publish`` when the endpoint cannot be reached, refuses, or the media never
connects: exit 1 with a code and a sentence, never a traceback, never "published"."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from tests.conftest import REPO

MUSEION = [sys.executable, "-m", "museion.tools.cli"]
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


async def _publish(*args: str, timeout: float = 60) -> tuple[int, str, str]:
    """Run ``museion publish ARGS`` as a user would; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *MUSEION, "publish", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=REPO,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@asynccontextmanager
async def endpoint(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[tuple[str, list[str]]]:
    """A WHIP endpoint of our own on 127.0.0.1: its URL, and each request's method."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.StreamResponse:
        seen.append(request.method)
        if request.method == "DELETE":
            return web.Response(status=200)
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/whip/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/whip/show", seen
    finally:
        await runner.cleanup()


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@needs_ffmpeg
async def test_an_endpoint_nobody_listens_on_is_a_sentence_not_a_traceback() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/whip/show"
    code, out, err = await _publish("testsrc", "--whip", url, "--token", "t")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"museion: WHIP_UNREACHABLE: could not reach {url}: connection refused"
    )
    assert "Traceback" not in err and "published" not in out


@needs_ffmpeg
async def test_a_refusal_shows_the_servers_own_code_and_message() -> None:
    async def forbid(request: web.Request) -> web.Response:
        body = {"code": "TOKEN_REJECTED", "message": "This token may not publish\x1b[31m 'show'."}
        return web.json_response(body, status=403)

    async with endpoint(forbid) as (url, seen):
        code, out, err = await _publish("testsrc", "--whip", url, "--token", "wrong")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"museion: TOKEN_REJECTED: {url} refused the show (HTTP 403): "
        "This token may not publish [31m 'show'."  # the escape character is not repeated
    )
    assert seen == ["POST"]
    assert "published" not in out


@needs_ffmpeg
async def test_a_refusal_without_json_shows_the_status_and_the_body() -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<h1>Bad gateway</h1>\n", content_type="text/html")

    async with endpoint(broken) as (url, _):
        code, _, err = await _publish("testsrc", "--whip", url, "--token", "t")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"museion: WHIP_REFUSED: {url} refused the show (HTTP 502): <h1>Bad gateway</h1>"
    )


@needs_ffmpeg
async def test_media_that_never_connects_fails_and_ends_the_session() -> None:
    """The endpoint answers 201 with a real answer, then its peer is gone: ICE can never
    complete, so nothing reaches the server, and publish must not say "published"."""

    async def vanish(request: web.Request) -> web.Response:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        await pc.setRemoteDescription(RTCSessionDescription(await request.text(), "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = pc.localDescription.sdp
        await pc.close()
        return web.Response(
            status=201,
            text=answer,
            content_type="application/sdp",
            headers={"Location": "/whip/show/gone"},
        )

    async with endpoint(vanish) as (url, seen):
        code, out, err = await _publish(
            "testsrc", "--size", "160x120", "--whip", url, "--token", "t",
            "--connect-timeout", "2",
        )  # fmt: skip
    assert code == 1, out
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        f"museion: PUBLISH_NOT_CONNECTED: {url} accepted the show, but no media could reach it: "
    ), last
    assert "Traceback" not in err
    assert "published" not in out
    assert seen == ["POST", "DELETE"]  # the session was ended, not left to time out


async def test_a_source_that_cannot_be_read_is_a_sentence(tmp_path: Path) -> None:
    (tmp_path / "loop.mp4").symlink_to("loop.mp4")
    (tmp_path / "folder.mp4").mkdir()
    url = f"http://127.0.0.1:{_closed_port()}/whip/show"
    for name, reason in (
        ("loop.mp4", "Too many levels of symbolic links"),
        ("folder.mp4", "Is a directory"),
        ("missing.mp4", "No such file or directory"),
    ):
        source = tmp_path / name
        code, _, err = await _publish(str(source), "--whip", url, "--token", "t")
        assert code == 1
        assert err.strip().splitlines()[-1] == (
            f"museion: SOURCE_UNREADABLE: {source} cannot be read as a video ({reason})"
        )


@pytest.mark.parametrize(
    "flags",
    [
        ["--whip", "notaurl"],
        ["--whip", "ftp://127.0.0.1/whip/show"],
        ["--whip", "http://127.0.0.1:99999/whip/show"],
        ["--whip", "http://127.0.0.1/whip/show", "--size", "big"],
        ["--whip", "http://127.0.0.1/whip/show", "--connect-timeout", "0"],
        ["--whip", "http://127.0.0.1/whip/show", "--duration", "-1"],
    ],
)
async def test_bad_flags_are_usage_errors(flags: list[str]) -> None:
    code, _, err = await _publish("testsrc", *flags, "--token", "t")
    assert code == 2
    assert "museion publish: error: argument" in err
