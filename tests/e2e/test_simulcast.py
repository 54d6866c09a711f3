"""Simulcast end to end: Chromium publishes its camera in three layers over WHIP; a viewer on
a link held to 250 kbit/s gets the low layer and one on loopback the high, both on Auto;
the free one then picks Low and High on its page (slow: e2e; root, for the namespaces).

The constrained link is real: the scenario (:mod:`tests.e2e.simulcast_link`) runs in a
network namespace of its own, the constrained Chromium in a second one behind a veth with
a token bucket; nothing outside them is touched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces need root"
    missing = [t for t in ("unshare", "nsenter", "ip", "tc", "chromium") if not shutil.which(t)]
    return f"{', '.join(missing)} not installed" if missing else None


pytestmark = [pytest.mark.e2e, pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))]


def test_a_constrained_viewer_gets_the_low_layer_and_a_free_one_the_high() -> None:
    run = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "tests.e2e.simulcast_link"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    # Chromium sent all three layers, at full, half and quarter size.
    sizes = {rid: (x["width"], x["height"]) for rid, x in seen["publisher"].items()}
    assert sizes == {"h": (1280, 720), "m": (640, 360), "l": (320, 180)}
    # The relay put the constrained viewer on the low layer, and it decodes that layer...
    assert set(seen["relay"]) == {"h", "l"}, seen["relay"]
    assert seen["relay"]["l"]["choice"] == "auto"
    assert (seen["constrained"]["width"], seen["constrained"]["height"]) == (320, 180)
    assert seen["constrained"]["decoded"] >= 60, seen["constrained"]
    # ...while the free one, on the same Auto, stays on the high layer.
    assert (seen["free"]["width"], seen["free"]["height"]) == (1280, 720)
    assert seen["relay"]["h"]["switches"] == 0, seen["relay"]["h"]
    # The Quality choice on the page: Low, then High.
    assert seen["chosen"] == [320, 1280]
