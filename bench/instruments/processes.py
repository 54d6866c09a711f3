"""Starting and stopping what a bench measures: the museion CLI, a clean stop, a tool's
last words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["last_line", "museion_command", "run_tool", "stop"]


def museion_command() -> list[str]:
    """The ``museion`` CLI of this interpreter's environment (its module when no script)."""
    museion = Path(sys.executable).with_name("museion")
    return [str(museion)] if museion.exists() else [sys.executable, "-m", "museion.tools.cli"]


def run_tool(argv: list[str], timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """``argv`` run to its end with its output captured as text; the caller judges its exit
    status (a tool that fails is a figure to report, not an exception)."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def stop(process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it has not ended within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def last_line(text: str) -> str:
    """The last non-blank line of a tool's output, cut to 200 characters: why it failed."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no message)"
