"""A constrained link for tests and benchmarks: a second network namespace behind a veth.

Run as root inside a namespace of the caller's own (``unshare -n``), so nothing outside
is touched.  :func:`far_namespace` makes a namespace held by a sleeping process, joins it
to this one by a veth pair (``near`` address here, ``far`` there), and gives a wrapper
script that runs a program (Chromium) in it.  :func:`limit` holds one side's sending to a
rate with a token bucket (``tc tbf``): this kernel has no netem, so there is no fixed
delay or random loss; a full bucket drops, as a real bottleneck does, and its queue
(``latency``) delays.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FarNamespace", "far_namespace", "limit", "missing_tools", "unlimit"]


def missing_tools() -> str | None:
    """Why a constrained link cannot be made here (None: it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = [t for t in ("unshare", "nsenter", "ip", "tc", "chromium") if not shutil.which(t)]
    return f"{', '.join(missing)} not installed" if missing else None


def _run(*command: str) -> None:
    subprocess.run(command, check=True)


@dataclass(frozen=True)
class FarNamespace:
    """The far side: its holder's pid, the veth ends' names and addresses."""

    pid: int
    near_device: str
    far_device: str
    near: str
    far: str

    def inside(self, *command: str) -> tuple[str, ...]:
        """``command`` run in the far namespace."""
        return ("nsenter", f"--net=/proc/{self.pid}/ns/net", *command)

    def wrapper(self, folder: Path, program: str) -> Path:
        """A script in ``folder`` that runs ``program`` (its path) in the far namespace."""
        script = folder / f"{Path(program).name}-far"
        script.write_text(f'#!/bin/sh\nexec {" ".join(self.inside(program))} "$@"\n')
        script.chmod(0o755)
        return script


@contextlib.contextmanager
def far_namespace(near: str, far: str, name: str = "mfar") -> Iterator[FarNamespace]:
    """A namespace joined to this one by a veth (/24 addresses ``near`` here, ``far``
    there); ended on the way out."""
    _run("ip", "link", "set", "lo", "up")
    holder = subprocess.Popen(["unshare", "-n", "sleep", "3600"])
    try:
        deadline = time.monotonic() + 10
        while os.readlink(f"/proc/{holder.pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            if time.monotonic() > deadline:
                raise TimeoutError("the far namespace was not made")
            time.sleep(0.01)
        ns = FarNamespace(holder.pid, f"{name}0", f"{name}1", near, far)
        _run("ip", "link", "add", ns.near_device, "type", "veth", "peer", "name",
             ns.far_device, "netns", str(holder.pid))  # fmt: skip
        _run("ip", "addr", "add", f"{near}/24", "dev", ns.near_device)
        _run("ip", "link", "set", ns.near_device, "up")
        _run(*ns.inside("ip", "addr", "add", f"{far}/24", "dev", ns.far_device))
        _run(*ns.inside("ip", "link", "set", ns.far_device, "up"))
        _run(*ns.inside("ip", "link", "set", "lo", "up"))
        yield ns
    finally:
        holder.kill()
        holder.wait()


def _sides(ns: FarNamespace, both: bool) -> list[tuple[str, ...]]:
    near = ("tc", "qdisc", "{}", "dev", ns.near_device, "root")
    far = ns.inside("tc", "qdisc", "{}", "dev", ns.far_device, "root")
    return [near, far] if both else [near]


def limit(
    ns: FarNamespace, rate: str, burst: str = "16kbit", latency: str = "50ms", both: bool = True
) -> None:
    """Hold sending to ``rate`` over the veth (this side's, and with ``both`` the far
    side's too), with a bucket of ``burst`` and a queue of ``latency``."""
    for side in _sides(ns, both):
        command = [part.format("add") if part == "{}" else part for part in side]
        _run(*command, "tbf", "rate", rate, "burst", burst, "latency", latency)


def unlimit(ns: FarNamespace, both: bool = True) -> None:
    """The link clears: the buckets go."""
    for side in _sides(ns, both):
        _run(*(part.format("del") if part == "{}" else part for part in side))
