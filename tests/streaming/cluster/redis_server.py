"""A real ``redis-server`` for tests (Debian's, installed by ``make test``): started on a
free port of ``host`` with nothing saved to disk, stopped (or killed and started again on
the same port) by the test."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["RedisServer", "redis_server"]


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One ``redis-server`` process; ``url`` stays the same across :meth:`restart`."""

    def __init__(self, host: str, folder: Path, password: str | None = None) -> None:
        self.host = host
        self.port = _free_port(host)
        self.password = password
        self._folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", self.host,
            "--save", "", "--appendonly", "no", "--dir", str(self._folder),
            "--protected-mode", "no",
        ]  # fmt: skip
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), 0.2),
            ):
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self, kill: bool = False) -> None:
        if self.process is not None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop(kill=True)
        self.start()


@contextlib.contextmanager
def redis_server(host: str = "127.0.0.1", password: str | None = None) -> Iterator[RedisServer]:
    """A running ``redis-server`` for the block (skips where Debian's is not installed)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    with tempfile.TemporaryDirectory(prefix="museion-redis-") as folder:
        server = RedisServer(host, Path(folder), password)
        server.start()
        try:
            yield server
        finally:
            server.stop()
