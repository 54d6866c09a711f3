"""The two relays ``bench/relay.py`` compares, each started with its feed of the clip:
Janus 1.1 (the reference, the harness's config, fed by ffmpeg's paced RTP) and ``museion
serve`` (fed over WHIP by ``museion publish --loop``)."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from instruments.proc_stats import descendants
from instruments.processes import museion_command, stop
from workloads.live_clip import CLIP

__all__ = ["HOST_IP", "SHARED", "Janus", "Museion", "Relay", "running"]

SHARED = Path(__file__).resolve().parents[3] / "shared" / "relay-bench"
HOST_IP = "10.200.0.1"  # the namespace's veth address: Janus offers no loopback candidates
JANUS_URL = "http://127.0.0.1:8088/janus"
MUSEION_PORT = 8089


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
        return descendants(self.process.pid)

    def stop(self) -> None:
        for process in (self.feed, self.process):
            if process is not None:
                stop(process, timeout=15)


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
        museion = museion_command()
        base = f"http://127.0.0.1:{MUSEION_PORT}"
        self.process = subprocess.Popen(
            [*museion, "serve", "--host", "127.0.0.1", "--port", str(MUSEION_PORT),
             "--ice-address", HOST_IP, "--publish-token", "bench",
             "--max-live-viewers", "1000", *self.extra],
            stdout=self.log, stderr=self.log,
        )  # fmt: skip
        _wait_http(f"{base}/live/show/status")
        self.feed = subprocess.Popen(
            [*museion, "publish", str(CLIP), "--whip", f"{base}/whip/show",
             "--token", "bench", "--loop"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        time.sleep(4)

    def stats(self) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{MUSEION_PORT}/live/show/stats",
            headers={"Authorization": "Bearer bench"},
        )
        with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())
        return None


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2).read()
            return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


@contextlib.contextmanager
def running(relay: Relay) -> Iterator[Relay]:
    """``relay`` started for the block, stopped after it."""
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()
