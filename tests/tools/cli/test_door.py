"""``museion door`` and ``museion serve --redis``: a door and a node as separate processes
over a real ``redis-server``; the door places a visitor's offer on the node by redirect."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import ASSETS, REPO
from tests.streaming.cluster.redis_server import redis_server
from tests.tools.cli import MUSEION
from tests.tools.cli import run_museion as _run


def test_a_door_without_a_cluster_is_a_usage_error() -> None:
    done = _run("door", "--port", "0")
    assert done.returncode == 2
    assert "--redis URL" in done.stderr


@contextmanager
def _process(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``museion ARGS`` until the block ends (SIGTERM, exit 0): the URL it printed."""
    process = subprocess.Popen(
        [*MUSEION, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "http://127.0.0.1:" in line, (line, process.stderr and process.stderr.read())
        yield line.strip().rsplit(" ", 1)[1].rstrip("/")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        assert process.stderr is not None
        logged = process.stderr.read()
    assert code == 0, logged
    assert "s3cret" not in logged  # the Redis password is never logged


def _json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as reply:
        result: dict[str, object] = json.loads(reply.read())
        return result


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.mark.render
def test_a_door_places_visitors_on_a_node_started_with_redis() -> None:
    with redis_server(password="s3cret") as redis:
        env = {"MUSEION_RUNTIME_ASSET_ROOT": str(ASSETS), "MUSEION_STREAMING_REDIS_URL": redis.url}
        with (
            _process("serve", "--port", "0", "--node-id", "hall-1", env=env) as node,
            _process("door", "--port", "0", env=env) as door,
        ):
            deadline = time.monotonic() + 15.0
            while _json(f"{door}/healthz")["nodes"] != 1:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            with urllib.request.urlopen(f"{door}/", timeout=10) as page:
                assert b"<video" in page.read()
            opener = urllib.request.build_opener(_NoRedirect)
            request = urllib.request.Request(f"{door}/whep?lang=zh", data=b"v=0", method="POST")
            with pytest.raises(urllib.error.HTTPError) as redirected:
                opener.open(request, timeout=10)
            assert redirected.value.code == 307
            assert redirected.value.headers["Location"] == f"{node}/whep?lang=zh"
