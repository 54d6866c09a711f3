"""A really full disk during publish: a small tmpfs mounted in a private user and mount
namespace (``unshare -rm``, so nothing outside the test sees it), filled but for ``spare``
bytes.  The publish fails with DISK_FULL, the live version stays whole and unchanged, no
temporary file is left, and after space is freed the same publish succeeds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SCRIPT = 'mount -t tmpfs -o size=4m tmpfs "$1" || exit 99; shift; exec "$@"'


@pytest.mark.parametrize("spare", [0, 8192, 300_000])
def test_publish_onto_a_full_tmpfs_reports_disk_full(tmp_path: Path, spare: int) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a private tmpfs")
    mount = tmp_path / "small"
    mount.mkdir()
    worker = [sys.executable, "-m", "tests.scenes.library.full_disk_worker", str(mount)]
    run = subprocess.run(
        ["unshare", "-rm", "sh", "-c", SCRIPT, "sh", str(mount), *worker, str(spare)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode in (1, 99) and "mount" in run.stderr and not run.stdout:
        pytest.skip(f"cannot mount a private tmpfs here: {run.stderr.strip()}")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["code"] == "DISK_FULL", result
    assert "disk is full" in result["message"]
    assert result["live_unchanged"] and result["live_revision"] == 1
    assert result["temporaries"] == []
    assert result["audit"] == ["draft", "publish", "draft"]
    assert result["then"] == 2  # with room again, the same draft publishes
