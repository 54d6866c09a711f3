"""What a process costs, read from /proc and getrusage: CPU seconds, resident memory.

The benches count a server's workers and children as the server, so most readings take a
pid and walk the processes below it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from pathlib import Path

__all__ = [
    "cpu_seconds",
    "descendants",
    "machine_busy",
    "own_cpu",
    "own_status_kib",
    "rss_kib",
    "start_peak_measure",
    "tree_cpu",
]


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (a relay's workers count as the relay)."""
    found = [pid]
    for child in Path("/proc").glob(f"{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            for text in child.read_text().split():
                found += descendants(int(text))
    return found


def cpu_seconds(pid: int) -> float:
    """utime+stime of ``pid`` alone."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and its live descendants, reaped children included."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    for current in descendants(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / ticks  # utime stime cutime cstime
        except (OSError, ValueError):
            continue
    return total


def rss_kib(pids: list[int]) -> int:
    """Resident memory of ``pids`` together, in KiB (a process gone counts as nothing)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def own_cpu() -> float:
    """CPU seconds of this process, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def own_status_kib(field: str) -> int:
    """A KiB figure of this process's /proc status (``VmRSS``, ``VmHWM``), 0 if absent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, every core), /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def start_peak_measure() -> tuple[float, int]:
    """Reset the peak RSS (where the kernel allows) and return (clock, RSS in KiB): a load's
    memory is then ``own_status_kib("VmHWM")`` less that RSS."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return time.perf_counter(), own_status_kib("VmRSS")
