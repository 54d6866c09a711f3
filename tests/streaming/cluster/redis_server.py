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

    def __init__(
        self, host: str, folder: Path, password: str | None = None, tls: bool = False
    ) -> None:
        self.host = host
        self.port = _free_port(host)
        self.password = password
        self.tls = tls
        self._folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        if tls:
            _certificates(folder, host)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        if self.tls:  # the test's own CA: the client checks the server's certificate
            return f"rediss://{auth}{self.host}:{self.port}/0?ssl_ca_certs={self._folder}/ca.crt"
        return f"redis://{auth}{self.host}:{self.port}/0"

    def user_url(self, user: str, password: str) -> str:
        """The URL for an ACL ``user`` (see :meth:`add_user`)."""
        return f"redis://{user}:{password}@{self.host}:{self.port}/0"

    def add_user(self, user: str, password: str) -> None:
        """An ACL user that may use Museion's keys only."""
        command = ["redis-cli", "-h", self.host, "-p", str(self.port)]
        if self.password:
            command += ["-a", self.password, "--no-auth-warning"]
        subprocess.run(
            [*command, "ACL", "SETUSER", user, "on", f">{password}", "~museion:*", "+@all"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        ports = (
            ["--port", "0", "--tls-port", str(self.port)]
            if self.tls
            else ["--port", str(self.port)]
        )
        command = [
            "redis-server", *ports, "--bind", self.host,
            "--save", "", "--appendonly", "no", "--dir", str(self._folder),
            "--protected-mode", "no",
        ]  # fmt: skip
        if self.password:
            command += ["--requirepass", self.password]
        if self.tls:
            folder = self._folder
            command += [
                "--tls-cert-file", f"{folder}/redis.crt", "--tls-key-file", f"{folder}/redis.key",
                "--tls-ca-cert-file", f"{folder}/ca.crt", "--tls-auth-clients", "no",
            ]  # fmt: skip
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


def _certificates(folder: Path, host: str) -> None:
    """A throwaway CA and a certificate for ``host`` signed by it, in ``folder``."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.crt", "-days", "1", "-subj", "/CN=museion-test-ca")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "redis.key", "-out",
            "redis.csr", "-subj", f"/CN={host}")  # fmt: skip
    (folder / "san.ext").write_text(f"subjectAltName=IP:{host}\n")
    openssl("x509", "-req", "-in", "redis.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "redis.crt", "-days", "1",
            "-extfile", "san.ext")  # fmt: skip


@contextlib.contextmanager
def redis_server(
    host: str = "127.0.0.1", password: str | None = None, tls: bool = False
) -> Iterator[RedisServer]:
    """A running ``redis-server`` for the block (skips where Debian's is not installed);
    ``tls``: TLS only, with a certificate from a CA made for the test."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    with tempfile.TemporaryDirectory(prefix="museion-redis-") as folder:
        server = RedisServer(host, Path(folder), password, tls)
        server.start()
        try:
            yield server
        finally:
            server.stop()
