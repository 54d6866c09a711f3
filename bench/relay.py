"""Live relay capacity: Museion against Janus 1.1, one 4K30 12 Mbps H.264 show, same box, one run.

Workload (``../shared/relay-bench``, whose Janus figures are the anchor): a 3840x2160 30 fps
H.264 clip at 12 Mbps CBR with a keyframe every 2 s, made once with the baseline's libx264
command (``build/bench/relay/clip.ts``).  Everything runs in a network namespace this script
creates (``unshare -n``; root needed) with a veth address, 10.200.0.1, because Janus offers
no loopback candidates; nothing leaves it.

- Janus: the Debian package with the harness's config (streaming plugin, one RTP
  mountpoint), fed by ffmpeg's paced RTP (``bitrate=24000000&burst_bits=96000``).
- Museion: ``museion serve`` with the relay's settings from the command line, fed over WHIP
  by ``museion publish clip.ts --loop`` (the same packets, paced by their timestamps).

For each N, viewer processes of the harness (``relay_viewer.py``: its ``viewer.py``, H.264
only in WHEP mode) connect N peers: 2 full viewers reassembling every frame, the others
counting RTP headers only (the harness's "sink" mode: Janus's and our work is unchanged,
the Python viewers just stop being the bottleneck).  After 3 s, 20 s are measured:
**sustained** = every peer >= 29 fps and < 1 % raw loss (the harness's rule).  Also: relay
CPU (its processes' utime+stime), relay memory (RSS of its processes) per viewer over the
idle relay, and join-to-first-frame (median and p95 of sequential joins under load: from
the start of signalling to the first complete frame).

    .venv/bin/python bench/relay.py [--ns 8,16,24,32,40,48] [--relays janus,museion]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures.relay import summarize  # noqa: E402
from instruments.proc_stats import rss_kib  # noqa: E402
from instruments.table import Row  # noqa: E402
from references.relays import HOST_IP, SHARED, Janus, Museion, Relay, running  # noqa: E402
from workloads.live_clip import WORK, make_clip  # noqa: E402

NETNS_FLAG = "MUSEION_RELAY_BENCH_NETNS"
PROBES = 10

__all__ = ["run"]

logger = logging.getLogger(__name__)


def _harness() -> ModuleType:
    """The harness's run.py, for its CPU and drop accounting (the Janus figures' own)."""
    os.environ.setdefault("RELAY_BENCH_DIR", str(SHARED))
    spec = importlib.util.spec_from_file_location("relay_bench_run", SHARED / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _netns_setup() -> None:
    for command in (
        "ip link set lo up",
        "ip link add v0 type veth peer name v1",
        f"ip addr add {HOST_IP}/32 dev v0",
        "ip link set v1 up",
        "ip link set v0 up",
    ):
        subprocess.run(command.split(), check=True)
    time.sleep(1)


def _viewers(relay: Relay, counts: list[int], log: Any) -> list[subprocess.Popen[str]]:
    env = dict(os.environ, VIEWER_HOST_IP=HOST_IP)
    procs = []
    for count in counts:
        command = [sys.executable, str(HERE / "relay_viewer.py"), "--mode", relay.mode,
                   "--url", relay.url, "--mount", "1", "-n", str(count), "--stagger", "0.3",
                   "--ready-timeout", "90", "--strip-abs-send-time", "--full", "1"]  # fmt: skip
        pipe = subprocess.PIPE
        procs.append(
            subprocess.Popen(
                command, stdin=pipe, stdout=pipe, stderr=log, text=True, bufsize=1, env=env
            )
        )
    return procs


def _command(procs: list[subprocess.Popen[str]], word: str) -> None:
    for process in procs:
        assert process.stdin is not None
        process.stdin.write(word + "\n")
        process.stdin.flush()


def measure(relay: Relay, n: int, harness: ModuleType, log: Any, duration: float) -> dict[str, Any]:
    """N peers on ``relay``: the harness's figures plus relay CPU and memory."""
    procs = _viewers(relay, [n // 2 + n % 2, n // 2] if n > 1 else [1], log)
    ready = [p.stdout.readline().strip() for p in procs if p.stdout is not None]
    time.sleep(3)
    pids = {f"relay{i}": pid for i, pid in enumerate(relay.pids())}
    if relay.feed is not None:
        pids["feed"] = relay.feed.pid
    pids |= {f"viewer{i}": p.pid for i, p in enumerate(procs)}
    before = harness.snap(pids)
    _command(procs, "START")
    time.sleep(duration)
    _command(procs, "STOP")
    after = harness.snap(pids)
    relay_stats = relay.stats()
    rss = rss_kib(relay.pids())
    results: list[dict[str, Any]] = []
    for process in procs:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("RESULT "):
                results += json.loads(line[7:])
                break
    for process in procs:
        assert process.stdin is not None
        try:  # the viewer ends once its stdin closes; one already gone breaks the pipe
            process.stdin.close()
            process.wait(timeout=30)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            logger.warning("a viewer did not end cleanly (pid %s)", process.pid)
    relay_cores = sum(harness.cores(before, after, k) or 0 for k in pids if k.startswith("relay"))
    fps = [r["fps"] for r in results]
    loss = [r["loss_pct"] for r in results]
    full = [r for r in results if not r["sink"]]
    busy = after["sys"][0] - before["sys"][0]
    idle = after["sys"][1] - before["sys"][1]
    return {
        "relay": relay.name, "n": n, "ready": ready, "peers": len(results),
        "fps_min": min(fps, default=0.0), "fps_med": statistics.median(fps) if fps else 0.0,
        "loss_max": max(loss, default=100.0),
        "full_fps_min": min((r["fps"] for r in full), default=0.0),
        "keyframes_min": min((r["kf"] for r in full), default=0),
        "relay_cores": round(relay_cores, 3),
        "feed_cores": round(harness.cores(before, after, "feed") or 0, 3),
        "viewer_cores": round(
            sum(harness.cores(before, after, k) or 0 for k in pids if k.startswith("viewer")), 3
        ),
        "machine_busy": round(1 - idle / busy, 3) if busy > 0 else None,
        "relay_rss_kib": rss,
        "sustained": len(results) == n and min(fps, default=0) >= 29 and max(loss, default=100) < 1,
        "short_peers": [r for r in results if r["fps"] < 29 or r["loss_pct"] >= 1],
        "relay_stats": relay_stats,
    }  # fmt: skip


async def _probe_joins(relay: Relay, count: int) -> list[float]:
    """Seconds from the start of signalling to the first complete frame, one join at a time."""
    import aiohttp
    import relay_viewer

    viewer = relay_viewer.load()
    viewer.HOST_IP = HOST_IP
    args = argparse.Namespace(mode=relay.mode, url=relay.url, mount=1, strip_abs_send_time=True)
    seconds: list[float] = []
    async with aiohttp.ClientSession() as http:
        for index in range(count):
            peer = viewer.Viewer(index, http, args)
            started = time.monotonic()
            await peer.start()
            while peer.counter()["frames"] < 1 and time.monotonic() - started < 15:
                await asyncio.sleep(0.005)
            if peer.counter()["frames"] >= 1:
                seconds.append(time.monotonic() - started)
            await peer.close()
            await asyncio.sleep(0.5)
    return seconds


def sweep(args: argparse.Namespace) -> dict[str, Any]:
    """Inside the namespace: every relay over every N, then the join probes."""
    _netns_setup()
    harness = _harness()
    harness.proc_cpu  # noqa: B018 (fails here, not mid-run, if the harness changed)
    log = open(WORK / "relay-bench.log", "a")  # noqa: SIM115
    out: dict[str, Any] = {"rows": [], "joins": {}, "idle_rss_kib": {}}
    for name in args.relays.split(","):
        relay: Relay = Janus(log) if name == "janus" else Museion(log, args.museion_args)
        with running(relay):
            out["idle_rss_kib"][name] = rss_kib(relay.pids())
            out["joins"][name] = asyncio.run(_probe_joins(relay, args.probes))
            failures = 0
            for n in [int(x) for x in args.ns.split(",")]:
                row = measure(relay, n, harness, log, args.duration)
                out["rows"].append(row)
                sys.stderr.write(json.dumps(row) + "\n")
                if not row["sustained"]:
                    failures += 1
                    if failures >= 2:
                        break
                time.sleep(3)
    return out


def _unavailable() -> str | None:
    if not (SHARED / "viewer.py").exists():
        return "../shared/relay-bench is absent"
    if os.geteuid() != 0:
        return "needs root for a network namespace (unshare -n)"
    for tool in ("janus", "ffmpeg", "unshare", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install janus ffmpeg iproute2)"
    return None


def run(argv: list[str] | None = None, verbose: bool = False) -> list[Row]:
    """Both relays in a fresh network namespace; the rows for bench/run.py."""
    reason = _unavailable()
    if reason:
        return [("live relay vs Janus", f"skipped: {reason}", "", "")]
    make_clip()
    env = dict(os.environ, **{NETNS_FLAG: "1"})
    done = subprocess.run(
        ["unshare", "-n", sys.executable, str(Path(__file__).resolve()), *(argv or [])],
        env=env, stdout=subprocess.PIPE, stderr=None if verbose else subprocess.DEVNULL,
        text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return [("live relay vs Janus", f"failed (exit {done.returncode})", "", "")]
    out = json.loads(done.stdout)
    rows, detail = summarize(out)
    if verbose:
        sys.stdout.write(detail + "\n\n")
    return rows


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ns", default="8,16,24,32,40,48", help="viewer counts to try")
    parser.add_argument("--relays", default="janus,museion")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--probes", type=int, default=PROBES)
    parser.add_argument("--museion-args", nargs=argparse.REMAINDER, default=[])
    return parser


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    if os.environ.get(NETNS_FLAG):
        sys.stdout.write(json.dumps(sweep(_parser().parse_args())) + "\n")
        return 0
    argv = sys.argv[1:]
    _parser().parse_args(argv)
    rows = run(argv, verbose=True)
    width = max(len(r[0]) for r in rows)
    for row in rows:
        sys.stdout.write(f"{row[0]:{width}}  {row[1]:>12}  {row[2]:>12}  {row[3]:>8}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
