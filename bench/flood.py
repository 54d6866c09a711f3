"""What a datachannel flood costs the gallery server: one visitor's one-byte messages sent as
fast as aiortc sends them, against an honest visitor orbiting 60 times a second.

Workload: ``museion serve --port 0 --ice-address 127.0.0.1`` on the sample relic in its
venue (``assets/``, 1280x720 VP8, 30 fps moving, 10 fps still, ``max_commands_per_second``
200), all traffic on 127.0.0.1.  Each visitor is a Python aiortc peer in its own process
(``flood.py --visitor URL MODE SECONDS``) negotiating as ``tests/conftest.py`` ``viewer()``
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
import resource
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

Row = tuple[str, str, str, str]
SECONDS = 8.0
SETTLE = 1.0
PROBE_EVERY = 0.1
CPU_EVERY = 0.05
HONEST_RATE = 60
ORBIT = json.dumps({"type": "orbit", "yaw": 1, "pitch": 0}, separators=(",", ":"))
SERVING = re.compile(r"Museion is serving .* at (http://127\.0\.0\.1:\d+)/")
# The server's warning as it closes a flooding channel, with the log line's local time.
DROPPED = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) .*datachannel flooding \((\d+) dropped\)", re.M
)

# (name, visitor modes); the flooder, when there is one, comes first.
PHASES = (
    ("idle", ("idle",)),
    ("honest", ("orbit",)),
    ("flood", ("flood",)),
    ("flood+honest", ("flood", "orbit")),
)

__all__ = ["run"]

logger = logging.getLogger(__name__)


# -- a visitor, in its own process ---------------------------------------------------------


async def visitor(url: str, mode: str, seconds: float) -> dict[str, Any]:
    """Connect over WHEP, say "ready", wait for a line on stdin, then run ``mode``."""
    import aiohttp
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    channel = pc.createDataChannel("view", ordered=True)
    loop = asyncio.get_running_loop()
    got_track: asyncio.Future[Any] = loop.create_future()
    opened: asyncio.Future[None] = loop.create_future()
    frames: list[float] = []
    received: dict[str, int] = {}
    flood_told: list[float] = []
    start = [0.0]

    def on_message(message: str | bytes) -> None:
        try:
            data = json.loads(message)
            key = data.get("code") or data.get("type") or "?"
        except (ValueError, AttributeError):
            key = "?"
        received[key] = received.get(key, 0) + 1
        if key == "COMMAND_FLOOD" and start[0]:
            flood_told.append(time.monotonic() - start[0])

    channel.on("message", on_message)
    pc.on("track", lambda t: got_track.done() or got_track.set_result(t))
    channel.on("open", lambda: opened.done() or opened.set_result(None))
    await pc.setLocalDescription(await pc.createOffer())
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/whep", data=pc.localDescription.sdp, headers={"Content-Type": "application/sdp"}
        ) as reply:
            if reply.status != 201:
                raise RuntimeError(f"POST /whep -> {reply.status} {await reply.text()}")
            location = reply.headers["Location"]
            answer = await reply.text()
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        track = await asyncio.wait_for(got_track, 15)
        await asyncio.wait_for(opened, 15)

        async def consume() -> None:
            with contextlib.suppress(Exception):
                while True:
                    await track.recv()
                    frames.append(time.monotonic())

        consumer = asyncio.ensure_future(consume())
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await loop.run_in_executor(None, sys.stdin.readline)
        start[0] = t0 = time.monotonic()
        cpu0 = _own_cpu()
        result: dict[str, Any] = {"mode": mode}
        if mode == "flood":
            result.update(await _flood(channel, t0, seconds))
        elif mode == "orbit":
            result.update(await _orbit(channel, t0, seconds))
        await asyncio.sleep(max(0.0, t0 + seconds - time.monotonic()))
        result["fps"] = sum(t0 <= t < t0 + seconds for t in frames) / seconds
        result["received"] = received
        result["flood_told_s"] = flood_told[0] if flood_told else None
        result["state_at_end"] = channel.readyState
        result["cores"] = (_own_cpu() - cpu0) / (time.monotonic() - t0)
        result["sctp"] = _sctp_queues(channel)
        consumer.cancel()
        async with http.delete(f"{url}{location}"):
            pass
    await pc.close()
    return result


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _sctp_queues(channel: Any) -> dict[str, Any]:
    """What this peer's SCTP association still holds (aiortc internals; diagnostics only)."""
    sctp = channel.transport
    return {
        "state": str(getattr(sctp, "_association_state", "?")),
        "unsent_messages": len(getattr(sctp, "_data_channel_queue", ())),
        "outbound_chunks": len(getattr(sctp, "_outbound_queue", ())),
        "unacked_chunks": len(getattr(sctp, "_sent_queue", ())),
        "cwnd": getattr(sctp, "_cwnd", None),
    }


async def _flood(channel: Any, t0: float, seconds: float) -> dict[str, Any]:
    """One-byte messages as fast as the channel takes them, until it is no longer open."""
    sent = 0
    closed_s = None
    while time.monotonic() - t0 < seconds:
        if channel.readyState != "open":
            closed_s = time.monotonic() - t0
            break
        channel.send("x")
        sent += 1
        await asyncio.sleep(0)
    stopped = time.monotonic() - t0
    return {
        "sent": sent,
        "closed_s": closed_s,
        "rate": sent / max(stopped, 1e-9),
    }


async def _orbit(channel: Any, t0: float, seconds: float) -> dict[str, Any]:
    """``HONEST_RATE`` orbit messages a second, on a fixed schedule."""
    sent = 0
    while time.monotonic() - t0 < seconds and channel.readyState == "open":
        channel.send(ORBIT)
        sent += 1
        await asyncio.sleep(max(0.0, t0 + sent / HONEST_RATE - time.monotonic()))
    return {"sent": sent}


def visitor_main(url: str, mode: str, seconds: float) -> int:
    result = asyncio.run(visitor(url, mode, seconds))
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


# -- the server and what it costs ----------------------------------------------------------


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its live descendants, reaped children included."""
    total, todo, ticks = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / ticks  # utime stime cutime cstime
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Server:
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
    museion = Path(sys.executable).with_name("museion")
    command = [str(museion)] if museion.exists() else [sys.executable, "-m", "museion.tools.cli"]
    with log.open("w") as err:
        process = subprocess.Popen(
            [*command, "serve", "--port", "0", "--ice-address", "127.0.0.1"],
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
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def cores_between(samples: list[tuple[float, float]], a: float, b: float) -> float | None:
    """Cores used from the first sample at or after ``a`` to the last at or before ``b``."""
    inside = [s for s in samples if a <= s[0] <= b]
    if len(inside) < 2 or inside[-1][0] - inside[0][0] < 0.2:
        return None
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


async def phase(server: Server, modes: tuple[str, ...], seconds: float) -> dict[str, Any]:
    """Visitors in ``modes`` connected, settled, then measured together for ``seconds``."""
    import aiohttp

    script = str(Path(__file__).resolve())
    procs = []
    for n, mode in enumerate(modes):
        with (server.log.parent / f"visitor-{n}-{mode}.log").open("a") as err:
            procs.append(
                await asyncio.create_subprocess_exec(
                    *(sys.executable, script, "--visitor", server.url, mode, str(seconds)),
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


# -- figures -------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(result: dict[str, Any]) -> dict[str, float | None]:
    seconds, samples = result["seconds"], result["samples"]
    visitors = result["visitors"]
    flooder = next((v for v in visitors if v["mode"] == "flood"), None)
    honest = next((v for v in visitors if v["mode"] == "orbit"), None)
    out: dict[str, float | None] = {
        "cores": cores_between(samples, 0.0, seconds),
        "p50": pct(result["latencies"], 0.5),
        "p95": pct(result["latencies"], 0.95),
        "max": max(result["latencies"]),
        "fps": visitors[0]["fps"],
        "honest_fps": honest["fps"] if honest else None,
        "log_lines": float(result["log_lines"]),
    }
    if flooder:
        closed = flooder["closed_s"]
        server_closed, dropped = result["closing"] or (None, None)
        open_until = closed or server_closed or seconds
        replies = flooder["received"]
        handled = replies.get("COMMAND_MALFORMED", 0) + (dropped or 0)  # parsed + dropped
        out.update(
            sent=float(flooder["sent"]),
            flooder_cores=flooder["cores"],
            unacked=float(flooder["sctp"]["unacked_chunks"]),
            rate=flooder["rate"],
            closed_s=closed,
            told_s=flooder["flood_told_s"],
            server_closed_s=server_closed,
            dropped=dropped,
            replies=float(replies.get("COMMAND_MALFORMED", 0)),
            server_rate=handled / server_closed if server_closed else None,
            cores_open=cores_between(samples, 0.0, open_until),
            cores_after=cores_between(samples, open_until + 1.0, seconds),
        )
    return out


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


# Times that stay None in a flood phase: the event did not happen within the window.
EVENTS = ("closed_s", "told_s", "server_closed_s")


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"


MEASURES = (
    ("server cores, whole window", "cores", ".2f"),
    ("server cores, flooder's channel open", "cores_open", ".2f"),
    ("server cores, from 1 s after it closed", "cores_after", ".2f"),
    ("/healthz p50 (ms)", "p50", ".1f"),
    ("/healthz p95 (ms)", "p95", ".1f"),
    ("/healthz max (ms)", "max", ".1f"),
    ("fps, first visitor (the flooder)", "fps", ".1f"),
    ("fps, honest visitor", "honest_fps", ".1f"),
    ("flooder: messages sent", "sent", ".0f"),
    ("flooder: send rate while open (msg/s)", "rate", ".0f"),
    ("flooder: channel no longer open after (s)", "closed_s", ".2f"),
    ("flooder: COMMAND_FLOOD received after (s)", "told_s", ".2f"),
    ("flooder: its own process's cores", "flooder_cores", ".2f"),
    ("flooder: SCTP chunks still unacked at the end", "unacked", ".0f"),
    ("server: logged closing it after (s)", "server_closed_s", ".2f"),
    ("server: rate it took them in until then (msg/s)", "server_rate", ".0f"),
    ("server: COMMAND_MALFORMED replies (parsed 'x')", "replies", ".0f"),
    ("server: drops it logged at closing", "dropped", ".0f"),
    ("server: log lines in the window", "log_lines", ".0f"),
)


def detail(by_phase: dict[str, dict[str, float | None]]) -> str:
    """The wide table: every phase, and flood / honest ratios."""
    idle, ref = by_phase["idle"], by_phase["honest"]
    flood, both = by_phase["flood"], by_phase["flood+honest"]
    header = ("measure", "idle", "honest (ref)", "flood", "flood/ref", "flood+honest", "f+h/ref")
    rows: list[tuple[str, ...]] = [header]

    def cell(phase: dict[str, float | None], key: str, spec: str) -> str:
        if key in EVENTS and "sent" in phase and phase[key] is None:
            return "not in window"
        return fmt(phase.get(key), spec)

    for label, key, spec in MEASURES:
        rows.append(
            (
                label,
                cell(idle, key, spec),
                cell(ref, key, spec),
                cell(flood, key, spec),
                ratio(flood.get(key), ref.get(key)),
                cell(both, key, spec),
                ratio(both.get(key), ref.get(key)),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


async def measure(seconds: float) -> dict[str, dict[str, float | None]]:
    with tempfile.TemporaryDirectory(prefix="museion-flood-") as folder, serve(Path(folder)) as s:
        return {name: figures(await phase(s, modes, seconds)) for name, modes in PHASES}


def rows_for(by_phase: dict[str, dict[str, float | None]]) -> list[Row]:
    """The rows for bench/run.py: the flood phases against the honest visitor."""
    ref, flood, both = by_phase["honest"], by_phase["flood"], by_phase["flood+honest"]

    def row(label: str, ours: float | None, theirs: float | None, spec: str) -> Row:
        return (label, fmt(ours, spec), fmt(theirs, spec), ratio(ours, theirs))

    def closed(phase: dict[str, float | None]) -> str:
        return fmt(phase["closed_s"], ".2f") if phase["closed_s"] is not None else "open"

    return [
        row("flood vs honest 60/s: server cores", flood["cores"], ref["cores"], ".2f"),
        row("flood vs honest 60/s: /healthz p50 ms", flood["p50"], ref["p50"], ".1f"),
        row("flood vs honest 60/s: /healthz p95 ms", flood["p95"], ref["p95"], ".1f"),
        row("flood+honest vs honest: server cores", both["cores"], ref["cores"], ".2f"),
        row("flood+honest vs honest: /healthz p50 ms", both["p50"], ref["p50"], ".1f"),
        row("flood+honest: honest visitor fps", both["honest_fps"], ref["fps"], ".1f"),
        ("flood, flood+honest: channel closed after s", closed(flood), closed(both), ""),
    ]


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
    if argv[:1] == ["--visitor"]:
        return visitor_main(argv[1], argv[2], float(argv[3]))
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
