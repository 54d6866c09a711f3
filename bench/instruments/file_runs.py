"""A checker run over many files in one process, surviving its crashes and stalls.

The process gets a JSON list of paths and prints one JSON line as it starts a file
(``{"start": path}``) and one as it ends it (``{"path": ..., "codes": [...], "ms": ...}``);
a file that started and never ended is the one that crashed or stalled it, and the run goes
on with the next file in a fresh process.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["FILE_TIMEOUT", "Outcome", "rate", "run_files"]

FILE_TIMEOUT = 60.0  # seconds one file may take before it counts as a stall


@dataclass
class Outcome:
    """One validator's verdict on one file."""

    path: str
    codes: list[str] = field(default_factory=list)
    ms: float = 0.0
    failure: str = ""  # "crash: ..." or "timeout" when the validator itself failed

    @property
    def rejects(self) -> bool:
        return bool(self.codes)


def run_files(command: list[str], files: list[Path], env: dict[str, str] | None) -> list[Outcome]:
    """Run ``command LISTFILE`` over ``files``; restart it after a crash or stall."""
    outcomes: dict[str, Outcome] = {}
    remaining = [str(f) for f in files]
    while remaining:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(remaining, handle)
        try:
            with tempfile.TemporaryFile() as errors:  # a file: a chatty stderr cannot block
                stderr = _one_process([*command, handle.name], outcomes, env, errors)
        finally:
            os.unlink(handle.name)
        left = [f for f in remaining if f not in outcomes]
        if len(left) == len(remaining):  # it did not even start: no file is its fault
            why = f"the validator did not run: {stderr[-200:]}"
            outcomes.update((f, Outcome(f, failure=why)) for f in left)
            left = []
        remaining = left
    return [outcomes[str(f)] for f in files]


def _one_process(
    command: list[str], outcomes: dict[str, Outcome], env: Any, errors: IO[bytes]
) -> str:
    """Read start/result lines until the process ends; a file that started and never
    ended is recorded as a crash (process gone) or a timeout (killed after FILE_TIMEOUT).
    Returns the end of the process's stderr."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env, bufsize=0)
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    buffer = b""
    current: str | None = None
    started = time.monotonic()
    try:
        while True:
            if current is not None and time.monotonic() - started > FILE_TIMEOUT:
                process.kill()
                outcomes[current] = Outcome(current, failure="timeout", ms=FILE_TIMEOUT * 1000)
                return ""
            if not selector.select(timeout=1.0):
                continue
            chunk = process.stdout.read(65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                data = json.loads(line)
                if "start" in data:
                    current, started = data["start"], time.monotonic()
                    continue
                outcomes[data["path"]] = _outcome(data)
                current = None
        process.wait(timeout=30)
        errors.seek(0)
        stderr = errors.read()[-4000:].decode("utf-8", "replace").strip()
        if current is not None and current not in outcomes:
            tail = stderr.splitlines()
            why = tail[-1] if tail else f"exit status {process.returncode}"
            outcomes[current] = Outcome(current, failure=f"crash: {why[:200]}")
        return stderr or f"exit status {process.returncode}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        selector.close()
        process.stdout.close()


def _outcome(data: dict[str, Any]) -> Outcome:
    if "crash" in data:
        first = data["crash"].splitlines()[0] if data["crash"] else "crash"
        return Outcome(data["path"], failure=f"crash: {first[:200]}", ms=data.get("ms", 0.0))
    codes = list(data.get("codes", []))
    if data.get("refused"):
        codes = codes or ["(format not detected)"]
    return Outcome(data["path"], codes=codes, ms=float(data.get("ms", 0.0)))


def rate(outcomes: Iterable[Outcome]) -> tuple[int, float]:
    """How many of ``outcomes`` finished, and their validation seconds summed."""
    done = [o for o in outcomes if not o.failure]
    return len(done), sum(o.ms for o in done) / 1000
