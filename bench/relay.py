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
import contextlib
import importlib.util
import json
import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared" / "relay-bench"
WORK = REPO / "build" / "bench" / "relay"
CLIP = WORK / "clip.ts"
HOST_IP = "10.200.0.1"
NETNS_FLAG = "MUSEION_RELAY_BENCH_NETNS"
JANUS_URL = "http://127.0.0.1:8088/janus"
MUSEION_PORT = 8089
PROBES = 10

__all__ = ["run"]

logger = logging.getLogger(__name__)

Row = tuple[str, str, str, str]


def _harness() -> ModuleType:
    """The harness's run.py, for its CPU and drop accounting (the Janus figures' own)."""
    os.environ.setdefault("RELAY_BENCH_DIR", str(SHARED))
    spec = importlib.util.spec_from_file_location("relay_bench_run", SHARED / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_clip() -> Path:
    """The baseline's clip, made once (about 30 s of libx264 on this box)."""
    if CLIP.exists():
        return CLIP
    WORK.mkdir(parents=True, exist_ok=True)
    partial = CLIP.with_suffix(".part.ts")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", "testsrc2=size=3840x2160:rate=30", "-vf", "noise=alls=12:allf=t", "-t", "20",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
         "-profile:v", "baseline", "-level", "5.1", "-b:v", "12M", "-minrate", "12M",
         "-maxrate", "12M", "-bufsize", "6M",
         "-x264-params", "nal-hrd=cbr:keyint=60:min-keyint=60:scenecut=0",
         "-pix_fmt", "yuv420p", "-f", "mpegts", str(partial)],
        check=True,
    )  # fmt: skip
    partial.rename(CLIP)
    return CLIP


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


def _rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _children(pid: int) -> list[int]:
    """``pid`` and every process below it (a relay's workers count as the relay)."""
    found = [pid]
    for child in Path("/proc").glob(f"{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            for text in child.read_text().split():
                found += _children(int(text))
    return found


class Relay:
    """A relay under test: its processes, its feed, how viewers reach it."""

    name = ""
    mode = ""
    url = ""

    def __init__(self, log: Any) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.feed: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        raise NotImplementedError

    def stats(self) -> Any:
        """What the relay says of its viewers (Museion's stats endpoint), if it says."""
        return None

    def pids(self) -> list[int]:
        assert self.process is not None
        return _children(self.process.pid)

    def stop(self) -> None:
        for process in (self.feed, self.process):
            if process is None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class Janus(Relay):
    name, mode, url = "janus", "janus", JANUS_URL

    def start(self) -> None:
        conf = str(SHARED / "janus-conf")
        self.process = subprocess.Popen(
            ["janus", "-F", conf, "-C", f"{conf}/janus.jcfg"], stdout=self.log, stderr=self.log
        )
        time.sleep(2)
        self.feed = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
             "-i", str(CLIP), "-an", "-c:v", "copy", "-f", "rtp", "-payload_type", "96",
             "udp://127.0.0.1:5004?pkt_size=1200&bitrate=24000000&burst_bits=96000"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        time.sleep(3)


class Museion(Relay):
    name, mode = "museion", "whep"
    url = f"http://127.0.0.1:{MUSEION_PORT}/whep/show"

    def __init__(self, log: Any, extra: list[str]) -> None:
        super().__init__(log)
        self.extra = extra

    def start(self) -> None:
        museion = Path(sys.executable).with_name("museion")
        base = f"http://127.0.0.1:{MUSEION_PORT}"
        self.process = subprocess.Popen(
            [str(museion), "serve", "--host", "127.0.0.1", "--port", str(MUSEION_PORT),
             "--ice-address", HOST_IP, "--publish-token", "bench",
             "--max-live-viewers", "1000", *self.extra],
            stdout=self.log, stderr=self.log,
        )  # fmt: skip
        _wait_http(f"{base}/live/show/status")
        self.feed = subprocess.Popen(
            [str(museion), "publish", str(CLIP), "--whip", f"{base}/whip/show",
             "--token", "bench", "--loop"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        time.sleep(4)

    def stats(self) -> Any:
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{MUSEION_PORT}/live/show/stats",
            headers={"Authorization": "Bearer bench"},
        )
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())
        return None


def _wait_http(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2).read()
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


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
    rss = _rss_kib(relay.pids())
    results: list[dict[str, Any]] = []
    for process in procs:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("RESULT "):
                results += json.loads(line[7:])
                break
    for process in procs:
        with contextlib.suppress(Exception):
            assert process.stdin is not None
            process.stdin.close()
            process.wait(timeout=30)
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

    sys.path.insert(0, str(HERE))
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


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextlib.contextmanager
def running(relay: Relay) -> Iterator[Relay]:
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


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
            out["idle_rss_kib"][name] = _rss_kib(relay.pids())
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


def summarize(out: dict[str, Any]) -> tuple[list[Row], str]:
    rows_by: dict[str, list[dict[str, Any]]] = {}
    for row in out["rows"]:
        rows_by.setdefault(row["relay"], []).append(row)
    lines = [
        "relay    N  peers fps min/med  loss max%  relay cores  feed  viewers  busy  relay MiB  ok"
    ]
    for name, rows in rows_by.items():
        for r in rows:
            lines.append(
                f"{name:7} {r['n']:3} {r['peers']:5} {r['fps_min']:6.2f}/{r['fps_med']:5.2f} "
                f"{r['loss_max']:8.3f} {r['relay_cores']:11.3f} {r['feed_cores']:5.2f} "
                f"{r['viewer_cores']:8.2f} {r['machine_busy'] or 0:5.2f} "
                f"{r['relay_rss_kib'] / 1024:9.1f}  {'yes' if r['sustained'] else 'NO'}"
            )
    best: dict[str, int] = {}
    per_viewer: dict[str, float] = {}
    memory: dict[str, float] = {}
    for name, rows in rows_by.items():
        ok = [r for r in rows if r["sustained"]]
        best[name] = max((r["n"] for r in ok), default=0)
        if ok:
            top = max(ok, key=lambda r: r["n"])
            per_viewer[name] = top["relay_cores"] / top["n"]
            memory[name] = (top["relay_rss_kib"] - out["idle_rss_kib"][name]) / top["n"] / 1024
    joins = {k: v for k, v in out["joins"].items() if v}
    for name, values in joins.items():
        lines.append(
            f"{name}: join to first frame median {statistics.median(values):.3f} s, "
            f"p95 {_percentile(values, 0.95):.3f} s ({len(values)} joins)"
        )

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}x" if a and b else "-"

    ours, theirs = "museion", "janus"
    rows: list[Row] = [
        ("4K30 12 Mbps viewers sustained", str(best.get(ours, "-")), str(best.get(theirs, "-")),
         ratio(best.get(ours), best.get(theirs))),
        ("relay cores per viewer (at max N)", f"{per_viewer.get(ours, 0):.4f}",
         f"{per_viewer.get(theirs, 0):.4f}", ratio(per_viewer.get(ours), per_viewer.get(theirs))),
        ("relay MiB per viewer (at max N)", f"{memory.get(ours, 0):.2f}",
         f"{memory.get(theirs, 0):.2f}", ratio(memory.get(ours), memory.get(theirs))),
    ]  # fmt: skip
    for label, fraction in (("median", 0.5), ("p95", 0.95)):
        a = _percentile(joins[ours], fraction) if ours in joins else None
        b = _percentile(joins[theirs], fraction) if theirs in joins else None
        rows.append(
            (f"join to first frame {label} (s)", f"{a:.3f}" if a else "-",
             f"{b:.3f}" if b else "-", ratio(a, b))
        )  # fmt: skip
    return rows, "\n".join(lines)


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
