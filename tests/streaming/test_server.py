"""streaming/server.py's entry points: a gallery listens for the block, then lets go."""

from __future__ import annotations

import dataclasses
import socket

import aiohttp
import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.errors import StreamingError
from museion.streaming.server import serve_engine
from tests.conftest import LOOPBACK


async def test_a_gallery_answers_at_its_url_until_the_block_ends(engine: RenderEngine) -> None:
    async with serve_engine(engine, LOOPBACK) as listening:
        assert listening.port != 0  # the one the system chose
        assert listening.url == f"http://127.0.0.1:{listening.port}"
        async with aiohttp.ClientSession() as http, http.get(f"{listening.url}/healthz") as reply:
            assert reply.status == 200
            assert (await reply.json())["status"] == "ok"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", listening.port), timeout=5).close()


async def test_a_port_in_use_is_listen_failed(engine: RenderEngine) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StreamingError) as caught:
            async with serve_engine(engine, dataclasses.replace(LOOPBACK, port=port)):
                pass
    assert caught.value.code == "LISTEN_FAILED"
    assert caught.value.message.startswith(f"cannot listen on 127.0.0.1:{port}: ")
