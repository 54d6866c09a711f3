"""Tests of the ``museion`` verbs; :func:`run_museion` runs the command as a user does."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

MUSEION = [sys.executable, "-m", "museion.tools.cli"]


def run_museion(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``museion ARGS`` in a process of its own, from the repository's folder."""
    return subprocess.run(
        [*MUSEION, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO
    )
