"""A cluster on this box for a bench: a real ``redis-server``, ``museion door`` and
``museion serve`` nodes as processes on 127.0.0.1 (ports chosen by the kernel), each node
pinned to cores with ``taskset`` when asked; and its clients as processes (orbiting
receivers, counting live viewers), so that no client shares the bench's own process.

Taken, smaller, from the tests' ``tests/e2e/cluster_net.py`` and
``tests/streaming/cluster/redis_server.py`` (benches do not import tests/): no network
namespaces, since the figures are about processes and cores, not about addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiohttp

from instruments.processes import museion_command

__all__ = [
    "Cluster", "Member", "cluster", "receivers", "redis_server", "reported_fps", "say",
    "watching",
]  # fmt: skip

SECRET = "bench-cluster-secret"
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A ``redis-server`` on a free port, nothing saved, for the block: its URL."""
    if shutil.which("redis-server") is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="museion-bench-redis-") as folder:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--dir", folder, "--protected-mode", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 10.0  # start-up, not a measure
            while True:
                try:
                    socket.create_connection((HOST, port), 0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.02)
            yield f"redis://{HOST}:{port}/0"
        finally:
            process.kill()
            process.wait()


@dataclass
class Member:
    """One ``museion`` process (the door or a node): how it is started, and its URL."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    cores: str | None = None
    process: asyncio.subprocess.Process | None = None
    url: str = ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        """Started (pinned to ``cores``); returns once it printed its URL."""
        pin = ["taskset", "-c", self.cores] if self.cores else []
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *pin, *museion_command(), *self.args,
                stdout=asyncio.subprocess.PIPE, stderr=log, env={**os.environ, **self.env},
            )  # fmt: skip
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), 120)).decode()
        if "http://" not in line:
            raise RuntimeError(f"{self.name} did not start: {line!r}\n{self.tail()}")
        self.url = line.split("http://", 1)[1].split()[0].rstrip("/")
        self.url = f"http://{self.url}"

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(sig)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]


@dataclass
class Cluster:
    """Redis, a door and nodes (by name)."""

    redis_url: str
    door: Member
    nodes: dict[str, Member]
    folder: Path

    async def health(self, url: str | None = None) -> dict[str, Any]:
        """``GET /healthz`` of ``url`` (default: the door), as JSON."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            reply = await http.get(f"{url or self.door.url}/healthz")
            return cast(dict[str, Any], await reply.json())

    async def wait_nodes(self, count: int, timeout: float = 60.0) -> None:
        """Until the door counts ``count`` nodes (a set-up wait, polled)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                if (await self.health())["nodes"] == count:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the door never counted {count} nodes")
            await asyncio.sleep(0.1)

    async def wait_empty(self) -> None:
        """Until every node holds no session and the door's records say so too (a record
        a second old still counting the last run's visitors would skew its choices)."""
        deadline = time.monotonic() + 60
        while True:
            counts = [(await self.health(m.url))["sessions"] for m in self.nodes.values()]
            counts.append((await self.health())["places_in_use"])
            if not any(counts):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"sessions left over on the nodes: {counts}")
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        for member in [*self.nodes.values(), self.door]:
            await member.stop()


def node_args(name: str, document: Path, extra: list[str]) -> list[str]:
    return [
        "serve", str(document), "--node-id", name, "--host", HOST, "--port", "0",
        "--announce", HOST, "--ice-address", HOST, *extra,
    ]  # fmt: skip


@contextlib.asynccontextmanager
async def cluster(
    document: Path,
    nodes: dict[str, str | None],
    env: dict[str, str],
    extra: list[str] | None = None,
) -> AsyncIterator[Cluster]:
    """Redis, a door and one node per ``nodes`` entry (name: cores to pin it to, or None)
    serving ``document`` with ``extra`` arguments, all registered, for the block."""
    with (
        tempfile.TemporaryDirectory(prefix="museion-bench-cluster-") as name,
        redis_server() as redis_url,
    ):
        folder = Path(name)
        env = {
            **env,
            "MUSEION_STREAMING_REDIS_URL": redis_url,
            "MUSEION_STREAMING_CLUSTER_SECRET": SECRET,
        }
        door = Member("door", ["door", "--host", HOST, "--port", "0"], env, folder / "door.log")
        members = {
            node: Member(node, node_args(node, document, extra or []), env,
                         folder / f"{node}.log", cores)
            for node, cores in nodes.items()
        }  # fmt: skip
        made = Cluster(redis_url, door, members, folder)
        try:
            await asyncio.gather(door.start(), *(m.start() for m in members.values()))
            await made.wait_nodes(len(members))
            yield made
        finally:
            await made.stop()


# The clients, as processes ---------------------------------------------------------------


async def receivers(
    script: Path, url: str, count: int, seconds: float, cores: str
) -> asyncio.subprocess.Process:
    """One process (on ``cores``) of ``count`` orbiting receivers (``script``:
    ``workloads/orbit_receivers.py``) through ``url``, connected: it orbits on "go"."""
    child = await asyncio.create_subprocess_exec(
        "taskset", "-c", cores, sys.executable, str(script), url, str(count), str(seconds),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), 180)
    if line.strip() != b"ready":
        raise RuntimeError(f"the receivers did not connect: {line!r}")
    return child


@contextlib.asynccontextmanager
async def watching(
    script: Path, urls: list[str], count: int
) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """``count`` counting viewers (``script``: ``relay_viewer.py``) of each of ``urls``,
    one process each, all receiving, for the block."""
    made = []
    try:
        for url in urls:
            command = [sys.executable, str(script), "--mode", "whep", "--url", url,
                       "--mount", "1", "-n", str(count), "--stagger", "0.05",
                       "--ready-timeout", "120", "--full", "1"]  # fmt: skip
            made.append(
                await asyncio.create_subprocess_exec(
                    *command,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    env=dict(os.environ, VIEWER_HOST_IP=HOST),
                )
            )
        for process in made:
            assert process.stdout is not None
            ready = (await asyncio.wait_for(process.stdout.readline(), 180)).decode()
            if not ready.startswith("READY"):
                raise RuntimeError(f"the viewers did not connect: {ready!r}")
        yield made
    finally:
        for process in made:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def say(processes: list[asyncio.subprocess.Process], word: str) -> None:
    """``word`` on a line to each viewer process (START, STOP)."""
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(f"{word}\n".encode())
        await process.stdin.drain()


async def reported_fps(process: asyncio.subprocess.Process) -> list[float]:
    """Each viewer's fps from a viewer process's "RESULT" line (after STOP)."""
    assert process.stdout is not None
    while line := (await asyncio.wait_for(process.stdout.readline(), 60)).decode():
        if line.startswith("RESULT "):
            return [float(r["fps"]) for r in json.loads(line[7:])]
    return []
