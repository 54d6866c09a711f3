"""Stereo render for a headset against a flat render of the same pixels, in one run.

Workload: the committed sample showcase (``assets/``: the relic on its pedestal in the
venue), a visitor a metre in front of the relic turning their head one degree a frame.
Ours: :class:`~museion.runtime.stereo.StereoView`, two 960x960 eyes (90 degree views,
64 mm apart, widened by the default 10 % margin) into one 1920x960 frame.  Reference: a
flat :class:`~museion.runtime.frame_source.FrameSource` of 1920x960 at full size (no
preview), the same pixels in one camera.  The two loops alternate three times and each
keeps its median round (llvmpipe shares the cores with everything else).

python bench/stereo.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from instruments.table import Row, ratio, table  # noqa: E402
from render_encode import Clock  # noqa: E402

from museion.runtime.engine import RenderEngine  # noqa: E402
from museion.runtime.eye_pose import EyePose, Frustum, Place, StereoPose  # noqa: E402
from museion.runtime.navigation import WalkState  # noqa: E402
from museion.runtime.settings import RuntimeSettings  # noqa: E402
from museion.scenes.showcase import open_showcase  # noqa: E402

ASSETS = HERE.parent / "assets"
EYE = (960, 960)
FRAMES = 40
ROUNDS = 3
IPD = 0.064
SQUARE = Frustum(-1.0, 1.0, -1.0, 1.0).projection(0.1, 1000.0)


def head(yaw: float, height: float) -> StereoPose:
    """Both eyes of a head turned ``yaw`` degrees left, ``height`` above the floor."""
    h = math.radians(yaw)
    q = (0.0, math.sin(h / 2), 0.0, math.cos(h / 2))
    x, z = math.cos(h) * IPD / 2, -math.sin(h) * IPD / 2
    return StereoPose(EyePose((-x, height, -z), q, SQUARE), EyePose((x, height, z), q, SQUARE))


def stereo_loop(engine: RenderEngine, place: Place, height: float) -> Clock:
    from museion.runtime.stereo import StereoView

    view = StereoView(engine, *EYE)
    try:
        view.frame(head(-1.0, height), place)
        with Clock() as clock:
            for i in range(FRAMES):
                view.frame(head(float(i), height), place)
    finally:
        view.close()
    return clock


def mono_loop(engine: RenderEngine, place: Place, height: float) -> Clock:
    x, floor, z = place.floor
    source = engine.open_view(2 * EYE[0], EYE[1], preview=False)
    try:
        walker = WalkState(position=(x, floor + height, z), fov=60.0)
        source.frame(WalkState(walker.position, heading=-1.0, fov=60.0).view())
        with Clock() as clock:
            for i in range(FRAMES):
                source.frame(WalkState(walker.position, heading=float(i), fov=60.0).view())
    finally:
        source.close()
    return clock


def run() -> list[Row]:
    engine = RenderEngine(open_showcase(ASSETS), RuntimeSettings(asset_root=ASSETS))
    try:
        tx, ty, tz = engine.home.target
        place = Place((tx, 0.0, tz + 1.0))
        stereos, monos = [], []
        for _ in range(ROUNDS):
            stereos.append(stereo_loop(engine, place, ty))
            monos.append(mono_loop(engine, place, ty))
    finally:
        engine.close()
    stereo = sorted(stereos, key=lambda c: c.wall)[ROUNDS // 2]
    mono = sorted(monos, key=lambda c: c.wall)[ROUNDS // 2]
    size = f"2x{EYE[0]}x{EYE[1]}"
    return [
        (
            f"stereo render+readback {size} (fps)",
            f"{FRAMES / stereo.wall:.1f}",
            f"{FRAMES / mono.wall:.1f} flat {2 * EYE[0]}x{EYE[1]}",
            ratio(mono.wall, stereo.wall),
        ),
        ("  cores used", f"{stereo.cores:.2f}", f"{mono.cores:.2f}", ""),
    ]


if __name__ == "__main__":
    sys.stdout.write(table(run()))
