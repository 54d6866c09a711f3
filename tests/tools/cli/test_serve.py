"""``museion serve``: clear failures before serving, then the gallery until a signal."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ASSETS, REPO, copy_gallery
from tests.tools.cli import MUSEION
from tests.tools.cli import run_museion as _run


def test_a_missing_relic_is_a_clear_failure() -> None:
    done = _run("serve", "--port", "0", "--scene", "nope.glb")
    assert done.returncode == 1
    assert "NOT_FOUND" in done.stderr
    assert "nope.glb" in done.stderr


def test_a_path_outside_the_assets_is_refused() -> None:
    done = _run("serve", "--port", "0", "--scene", "../setup.cfg")
    assert done.returncode == 1
    assert "URI_OUTSIDE_ROOT" in done.stderr


def test_bad_config_is_a_clear_failure(tmp_path: Path) -> None:
    config = tmp_path / "museion.toml"
    config.write_text("[streaming]\nport = 'eighty'\n")
    done = _run("serve", "--config", str(config))
    assert done.returncode == 1
    assert "CONFIG_INVALID" in done.stderr


@pytest.mark.render
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_prints_its_address_serves_the_page_and_stops_cleanly(stop: int) -> None:
    env = {**os.environ, "MUSEION_RUNTIME_ASSET_ROOT": str(ASSETS)}
    server = subprocess.Popen(
        [*MUSEION, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "http://127.0.0.1:" in line, line
        url = line.strip().rsplit(" ", 1)[1]
        with urllib.request.urlopen(url, timeout=10) as reply:
            assert reply.status == 200
            assert b"<video" in reply.read()
        with urllib.request.urlopen(url + "healthz", timeout=10) as reply:
            assert b'"status": "ok"' in reply.read()
    finally:
        server.send_signal(stop)
        code = server.wait(timeout=30)
    assert code == 0
    time.sleep(0)


@pytest.mark.render
def test_a_port_in_use_is_a_clear_failure() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "MUSEION_RUNTIME_ASSET_ROOT": str(ASSETS)}
        done = subprocess.run(
            [*MUSEION, "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            env=env,
        )
    assert done.returncode == 1
    assert f"museion: LISTEN_FAILED: cannot listen on 127.0.0.1:{port}: " in done.stderr
    assert "Traceback" not in done.stderr


def test_serving_a_folder_lists_its_exhibitions_and_stops_cleanly(tmp_path: Path) -> None:
    copy_gallery(tmp_path)
    server = subprocess.Popen(
        [*MUSEION, "serve", str(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert "serving 1 exhibitions from" in line, line
        url = line.strip().rsplit(" ", 1)[1]
        with urllib.request.urlopen(f"{url}exhibitions", timeout=10) as reply:
            listed = json.load(reply)["exhibitions"]
        assert [e["url"] for e in listed] == ["/e/example/"]
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        server.kill()
        server.wait()


def test_a_folder_of_exhibitions_cannot_join_a_cluster_yet(tmp_path: Path) -> None:
    done = _run("serve", str(tmp_path), "--redis", "redis://127.0.0.1:1/0")
    assert done.returncode == 2
    assert "cluster" in done.stderr
