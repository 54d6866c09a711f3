"""Full-size renders of one view turning a degree a frame: what the render benches time."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from render_encode import Clock


def orbit_loop(engine: Any, home: Any, size: tuple[int, int], frames: int) -> Clock:
    """``frames`` full-size renders at ``size`` from ``home`` (a ViewState), one degree
    apart, after one unmeasured render (the shader's and the textures' first use)."""
    source = engine.open_view(*size, preview=False)
    try:
        source.frame(dataclasses.replace(home, yaw=home.yaw - 1))
        with Clock() as clock:
            for i in range(frames):
                source.frame(dataclasses.replace(home, yaw=home.yaw + i))
    finally:
        source.close()
    return clock
