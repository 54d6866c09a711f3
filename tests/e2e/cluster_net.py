"""A cluster on a network of its own, for one test: a real ``redis-server``, a door and
gallery nodes as ``museion`` processes, each process in a network namespace of its own
with its own address on 10.77.0.0/24, so redirects and announced addresses are real ones
(not all 127.0.0.1).

How it is wired (as root; nothing outside is touched):

- The test's thread leaves the machine's namespace for a new one, the *hub* (``unshare``
  of this thread through libc: Python 3.11 has no ``os.unshare``), and comes back on the
  way out (``setns``).  A network namespace belongs to a thread, and the test's event
  loop, its aiortc peers, its HTTP clients and whatever it starts (Chromium through
  Playwright, ``redis-server``, ``ip``) all run from that one thread, so they are all in
  the hub.  Other threads of the pytest process stay where they were.
- The hub holds a bridge at ``HUB`` (10.77.0.1, the clients' address) and Redis on it.
- The door and each node get a namespace held by a sleeping process (``unshare -n``),
  joined to the bridge by a veth, and run there through ``nsenter``: the door at
  ``DOOR`` (10.77.0.2), node *i* at 10.77.0.(10 + i); every one reaches every other and
  the hub, each on port ``PORT``.

This kernel has no netem (:mod:`tests.netns`); none is needed here.  Where root, the tools
or ``redis-server`` are missing, :func:`missing_tools` says why (tests skip with it).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import aioice

from tests.conftest import ASSETS, REPO, until
from tests.streaming.cluster.redis_server import RedisServer, redis_server
from tests.tools.cli import MUSEION

__all__ = [
    "DOOR", "HUB", "PORT", "ClusterNet", "Member", "cluster_net", "log_tails", "missing_tools",
    "node_address",
]  # fmt: skip

HUB, DOOR, PORT = "10.77.0.1", "10.77.0.2", 8080
SECRET = "cluster-net-test-secret"
PUBLISH_TOKEN = "cluster-net-publish"  # every node takes live shows published with it
_CLONE_NEWNET = 0x40000000
_BRIDGE = "mcbr"
_STREAM = {  # small streams, so that three nodes render side by side on two cores
    "MUSEION_STREAMING_WIDTH": "320",
    "MUSEION_STREAMING_HEIGHT": "180",
    "MUSEION_STREAMING_FPS": "15",
    "LP_NUM_THREADS": "1",  # llvmpipe: one thread per node, not one per core each
}


def missing_tools() -> str | None:
    """Why the cluster's network cannot be made here (None: it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    tools = ("unshare", "nsenter", "ip", "redis-server")
    missing = [t for t in tools if not shutil.which(t)]
    return f"{', '.join(missing)} not installed" if missing else None


def node_address(index: int) -> str:
    """Node ``index``'s (1, 2, ...) address."""
    return f"10.77.0.{10 + index}"


def _ip(*args: str, inside: int | None = None) -> None:
    enter = () if inside is None else ("nsenter", f"--net=/proc/{inside}/ns/net")
    subprocess.run([*enter, "ip", *args], check=True, capture_output=True)


def _thread_net(fd: int | None = None) -> None:
    """Move this thread into the network namespace open as ``fd`` (None: a new one)."""
    libc = ctypes.CDLL(None, use_errno=True)
    done = libc.unshare(_CLONE_NEWNET) if fd is None else libc.setns(fd, _CLONE_NEWNET)
    if done != 0:
        raise OSError(ctypes.get_errno(), "cannot change this thread's network namespace")


@contextlib.contextmanager
def _hub() -> Iterator[None]:
    """This thread in a new namespace holding the bridge at ``HUB``, for the block."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        _thread_net()
        try:
            _ip("link", "set", "lo", "up")
            _ip("link", "add", _BRIDGE, "type", "bridge")
            _ip("addr", "add", f"{HUB}/24", "dev", _BRIDGE)
            _ip("link", "set", _BRIDGE, "up")
            # The test's own peers gather ICE candidates on the hub: an in-process server
            # of an earlier test may have held aioice to 127.0.0.1 (configure_ice).
            gather = aioice.ice.get_host_addresses
            aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [HUB] if use_ipv4 else []
            try:
                yield
            finally:
                aioice.ice.get_host_addresses = gather
        finally:
            _thread_net(home)
    finally:
        os.close(home)


def _spoke(name: str, address: str) -> subprocess.Popen[bytes]:
    """A namespace on the bridge at ``address``, held by the sleeping process returned."""
    holder = subprocess.Popen(["unshare", "-n", "sleep", "3600"])
    hub = os.readlink("/proc/thread-self/ns/net")
    deadline = time.monotonic() + 10  # unshare takes milliseconds; setup, not a check
    while os.readlink(f"/proc/{holder.pid}/ns/net") == hub:
        if time.monotonic() > deadline:
            holder.kill()
            raise TimeoutError(f"the namespace of {name} was not made")
        time.sleep(0.01)
    _ip("link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", str(holder.pid))
    _ip("link", "set", name, "master", _BRIDGE, "up")
    _ip("addr", "add", f"{address}/24", "dev", "eth0", inside=holder.pid)
    _ip("link", "set", "eth0", "up", inside=holder.pid)
    _ip("link", "set", "lo", "up", inside=holder.pid)
    return holder


@dataclass
class Member:
    """One ``museion`` process of the cluster (the door or a node) in its namespace."""

    name: str
    address: str
    holder: subprocess.Popen[bytes]
    log: Path
    process: asyncio.subprocess.Process | None = None
    printed: str = ""

    @property
    def url(self) -> str:
        """``http://ADDRESS:PORT``: where the others and the clients reach it."""
        return f"http://{self.address}:{PORT}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def logged(self) -> str:
        """The tail of what it wrote to stderr (for failure messages)."""
        return self.log.read_text(errors="replace")[-3000:]

    async def start(self, *args: str, env: dict[str, str]) -> None:
        """``museion ARGS`` in this member's namespace; returns once it printed its URL."""
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                "nsenter", f"--net=/proc/{self.holder.pid}/ns/net", *MUSEION, *args,
                stdout=asyncio.subprocess.PIPE, stderr=log, cwd=REPO,
                env={**os.environ, **env},
            )  # fmt: skip
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 120)
        self.printed = line.decode().strip()
        if f"http://{self.address}:{PORT}" not in self.printed:
            raise RuntimeError(f"{self.name} did not start: {self.printed!r}\n{self.logged()}")

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the process to end: its exit code."""
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()


@dataclass
class ClusterNet:
    """A running cluster: ``redis``, ``door`` and ``nodes`` (by node id)."""

    redis: RedisServer
    door: Member
    nodes: dict[str, Member]
    folder: Path
    exits: dict[str, int] = field(default_factory=dict)

    async def health(self, url: str | None = None) -> dict[str, Any]:
        """``GET /healthz`` of ``url`` (default: the door)."""
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
            http.get(f"{url or self.door.url}/healthz") as reply,
        ):
            result: dict[str, Any] = await reply.json()
            return result

    async def wait_nodes(self, count: int, timeout: float = 60.0) -> None:
        """Wait until the door counts ``count`` registered nodes."""
        seen: list[Any] = []

        async def counted() -> bool:
            try:
                seen.append((await self.health())["nodes"])
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                seen.append(repr(exc))
            return bool(seen[-1] == count)

        await until(counted, timeout, lambda: seen[-3:])

    async def kill(self, node: str, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` to ``node``'s process and wait for it to end: its exit code."""
        code = await self.nodes[node].stop(sig)
        self.exits[node] = code
        return code

    def stop_redis(self) -> None:
        """Redis killed (SIGKILL), nothing saved."""
        self.redis.stop(kill=True)

    def start_redis(self) -> None:
        """Redis back on the same address and port, empty."""
        self.redis.start()

    def restart_redis(self) -> None:
        """Redis killed and started again, empty."""
        self.redis.restart()


async def _members(count: int, folder: Path) -> tuple[Member, dict[str, Member]]:
    door = Member("door", DOOR, _spoke("mcdoor", DOOR), folder / "door.log")
    nodes = {}
    for index in range(1, count + 1):
        name, address = f"node-{index}", node_address(index)
        nodes[name] = Member(name, address, _spoke(f"mcn{index}", address), folder / f"{name}.log")
    return door, nodes


@contextlib.asynccontextmanager
async def cluster_net(count: int = 3, max_sessions: int = 2) -> AsyncIterator[ClusterNet]:
    """Redis, a door and ``count`` nodes (``max_sessions`` places each) on their own
    network, all registered, for the block; every process stopped on the way out (the
    exit codes of those stopped by SIGTERM in ``exits``)."""
    with tempfile.TemporaryDirectory(prefix="museion-cluster-") as name, _hub():
        folder = Path(name)
        members: list[Member] = []
        try:
            with redis_server(HUB) as redis:
                env = {
                    **_STREAM,
                    "MUSEION_RUNTIME_ASSET_ROOT": str(ASSETS),
                    "MUSEION_STREAMING_REDIS_URL": redis.url,
                    "MUSEION_STREAMING_CLUSTER_SECRET": SECRET,
                    "MUSEION_STREAMING_PUBLISH_TOKEN": PUBLISH_TOKEN,
                }
                door, nodes = await _members(count, folder)
                members = [door, *nodes.values()]
                net = ClusterNet(redis, door, nodes, folder)
                await asyncio.gather(
                    door.start("door", "--host", DOOR, "--port", str(PORT), env=env),
                    *(_node(node, max_sessions, env) for node in nodes.values()),
                )
                await net.wait_nodes(count)
                try:
                    yield net
                finally:
                    for member in members:
                        if member.running:
                            net.exits[member.name] = await member.stop()
        finally:
            for member in members:
                if member.running:  # the block failed while starting: no waiting
                    await member.stop(signal.SIGKILL)
                member.holder.kill()
                member.holder.wait()


async def _node(node: Member, max_sessions: int, env: dict[str, str]) -> None:
    await node.start(
        "serve", str(ASSETS / "example.scene.json"), "--node-id", node.name,
        "--host", node.address, "--port", str(PORT), "--announce", node.address,
        "--ice-address", node.address, "--max-sessions", str(max_sessions), env=env,
    )  # fmt: skip


def log_tails(net: ClusterNet) -> str:
    """Every member's stderr tail, for a failing assertion's message."""
    members = [net.door, *net.nodes.values()]
    return "\n".join(f"--- {m.name}\n{m.logged()}" for m in members)
