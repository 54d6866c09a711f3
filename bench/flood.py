"""What a datachannel flood costs the gallery server: one visitor's one-byte messages sent as
fast as aiortc sends them, against an honest visitor orbiting 60 times a second.

Workload: ``museion serve --port 0 --ice-address 127.0.0.1`` on the sample relic in its
venue (``assets/``, 1280x720 VP8, 30 fps moving, 10 fps still, ``max_commands_per_second``
200), all traffic on 127.0.0.1.  Each visitor is a Python aiortc peer in its own process
(``flood_visitor.py URL MODE SECONDS``) negotiating as ``tests/conftest.py`` ``viewer()``
does (WHEP, a recvonly video transceiver, a datachannel "view") and decoding every frame it
receives.  Phases, one after the other on the same server, each measured for ``--seconds``
(8 s) after its visitors connected and settled for 1 s:

- idle: one visitor that sends nothing (a still view: the server sends its idle frame rate);
- honest (the reference): one visitor sending ``{"type":"orbit","yaw":1,"pitch":0}`` 60 a
  second;
- flood: one visitor looping ``channel.send("x")`` with ``await asyncio.sleep(0)`` between
  sends until its channel is no longer open (the server closes a channel that keeps
  flooding: ``COMMAND_FLOOD``), then only watching;
- flood + honest: the flooder and an honest visitor at once.

Figures: server cores (utime+stime of the server process and its children from
``/proc``, over the window, and split at the flooder's channel closing), ``GET /healthz``
latency sampled every 100 ms (p50, p95, max), frames a second each visitor receives, the
flooder's messages sent, its send rate, the seconds until its channel left "open" (and
until the server logged closing it), the drops the server logged, the flooder's own CPU and
the SCTP chunks its association still had unacknowledged at the end (aiortc internals).
Before the fix (issue 13), ~2,800 one-byte messages a second from one visitor cost the
server 0.87 cores and took /healthz p50 from 1 to 20 ms.

.venv/bin/python bench/flood.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from figures.flood import Figures, detail, phase_figures, rows_for  # noqa: E402
from flood_visitor import HONEST_RATE  # noqa: E402
from instruments.proc_stats import tree_cpu  # noqa: E402
from instruments.processes import museion_command, stop  # noqa: E402
from instruments.table import Row  # noqa: E402

SECONDS = 8.0
SETTLE = 1.0
PROBE_EVERY = 0.1
CPU_EVERY = 0.05
SERVING = re.compile(r"Museion is serving .* at (http://127\.0\.0\.1:\d+)/")
# The server's warning as it closes a flooding channel, with the log line's local time.
DROPPED = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) .*datachannel flooding \((\d+) dropped\)", re.M
)
VISITOR = HERE / "flood_visitor.py"

# (name, visitor modes); the flooder, when there is one, comes first.
PHASES = (
    ("idle", ("idle",)),
    ("honest", ("orbit",)),
    ("flood", ("flood",)),
    ("flood+honest", ("flood", "orbit")),
)

__all__ = ["run"]

logger = logging.getLogger(__name__)


# -- the server and what it costs ----------------------------------------------------------


@dataclass
class Server:
    """A running ``museion serve``: its process, URL and log file."""

    process: subprocess.Popen[str]
    url: str
    log: Path
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)

    def log_since(self, offset: int) -> tuple[str, int]:
        data = self.log.read_bytes()
        return data[offset:].decode("utf-8", "replace"), len(data)


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[Server]:
    """``museion serve`` on loopback until it prints where it serves; stopped at the end."""
    log = folder / "server.log"
    with log.open("w") as err:
        process = subprocess.Popen(
            [*museion_command(), "serve", "--port", "0", "--ice-address", "127.0.0.1"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=err, text=True,
        )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        url = None
        while url is None:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError(f"museion serve exited: {log.read_text()[-2000:]}")
            match = SERVING.search(line)
            url = match.group(1) if match else None
        yield Server(process, url, log, lines)
    finally:
        stop(process, timeout=30)


async def _probe(http: Any, url: str, t0: float, seconds: float) -> list[float]:
    """GET /healthz every ``PROBE_EVERY`` s: latencies in ms (a failure counts as 5000)."""
    import aiohttp

    latencies: list[float] = []
    n = 0
    while time.monotonic() - t0 < seconds:
        start = time.perf_counter()
        try:
            async with http.get(f"{url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as r:
                await r.read()
            latencies.append((time.perf_counter() - start) * 1000)
        except (aiohttp.ClientError, TimeoutError):
            latencies.append(5000.0)
        n += 1
        await asyncio.sleep(max(0.0, t0 + n * PROBE_EVERY - time.monotonic()))
    return latencies


async def _cpu_samples(pid: int, t0: float, seconds: float) -> list[tuple[float, float]]:
    samples = [(0.0, tree_cpu(pid))]
    while (now := time.monotonic() - t0) < seconds:
        await asyncio.sleep(min(CPU_EVERY, seconds - now))
        samples.append((time.monotonic() - t0, tree_cpu(pid)))
    return samples


async def phase(server: Server, modes: tuple[str, ...], seconds: float) -> dict[str, Any]:
    """Visitors in ``modes`` connected, settled, then measured together for ``seconds``."""
    import aiohttp

    procs = []
    for n, mode in enumerate(modes):
        with (server.log.parent / f"visitor-{n}-{mode}.log").open("a") as err:
            procs.append(
                await asyncio.create_subprocess_exec(
                    *(sys.executable, str(VISITOR), server.url, mode, str(seconds)),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=err,
                )
            )
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            if line.strip() != b"ready":
                raise RuntimeError(f"a visitor failed to connect: {line!r}")
        await asyncio.sleep(SETTLE)
        _, offset = server.log_since(0)
        async with aiohttp.ClientSession() as http:
            t0, t0_wall = time.monotonic(), time.time()
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(b"go\n")
                await proc.stdin.drain()
            latencies, samples = await asyncio.gather(
                _probe(http, server.url, t0, seconds), _cpu_samples(server.process.pid, t0, seconds)
            )
            results = []
            for proc in procs:
                assert proc.stdout is not None
                line = await asyncio.wait_for(proc.stdout.readline(), seconds + 30)
                results.append(json.loads(line))
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), 30)
            await asyncio.sleep(0.5)
            async with http.get(f"{server.url}/healthz") as reply:
                after = await reply.json()
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    log, _ = server.log_since(offset)
    closings = [
        (time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")) + int(ms) / 1000 - t0_wall, int(n))
        for stamp, ms, n in DROPPED.findall(log)
    ]
    return {
        "latencies": latencies,
        "samples": samples,
        "visitors": results,
        "log_lines": len(log.splitlines()),
        "closing": closings[0] if closings else None,
        "health_after": after,
        "seconds": seconds,
    }


async def measure(seconds: float) -> dict[str, Figures]:
    with tempfile.TemporaryDirectory(prefix="museion-flood-") as folder, serve(Path(folder)) as s:
        return {name: phase_figures(await phase(s, modes, seconds)) for name, modes in PHASES}


def run(seconds: float = SECONDS, verbose: bool = False) -> list[Row]:
    """Every phase on one server; the detail table is printed when ``verbose``."""
    by_phase = asyncio.run(measure(seconds))
    if verbose:
        sys.stdout.write(detail(by_phase))
    return rows_for(by_phase)


def _load() -> str:
    """The 1, 5 and 15 minute load averages (other work on the box skews every figure)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=SECONDS, help="window per phase")
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    sys.stdout.write(
        f"museion serve on 127.0.0.1, sample relic, 1280x720 VP8; {args.seconds:.0f} s per "
        f"phase; honest = orbit {HONEST_RATE}/s, flood = send('x') + sleep(0) until closed\n"
        f"{os.cpu_count()} cores, load average before: {_load()}\n\n"
    )
    run(args.seconds, verbose=True)
    sys.stdout.write(
        f"\nbefore the fix (issue 13): ~2,800 msg/s cost 0.87 cores, /healthz p50 1 -> 20 ms"
        f"\nload average after: {_load()} ({time.monotonic() - t0:.0f} s)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
