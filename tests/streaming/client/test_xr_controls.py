"""The headset controllers' maths and input reading (``streaming/client/xr_controls.js``),
run in Node: target rays, the teleport arc, the snap turn and its sign, and what a session's
controllers tell the page."""

from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

MODULE = REPO / "streaming" / "client" / "xr_controls.js"


def run(script: str) -> Any:
    """``script``'s JSON result, with the module (it imports nothing) as ``m``."""
    body = f"process.stdout.write(JSON.stringify(await (async () => {{ {script} }})()));"
    command = [
        "node",
        "--input-type=module",
        "-e",
        f"const m = await import('{MODULE.as_uri()}');{body}",
    ]
    return json.loads(
        subprocess.run(command, capture_output=True, text=True, check=True, timeout=30).stdout
    )


def pitched(degrees: float) -> list[float]:
    """A unit direction straight ahead (-Z) tilted up by ``degrees`` (negative: down)."""
    a = math.radians(degrees)
    return [0.0, math.sin(a), -math.cos(a)]


def test_the_target_ray_of_an_identity_pose_runs_down_minus_z() -> None:
    identity = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    ray = run(f"return m.targetRay({identity});")
    assert ray["origin"] == [0, 0, 0]
    assert ray["direction"] == pytest.approx([0, 0, -1])


def test_the_target_ray_of_a_turned_and_moved_pose() -> None:
    # Turned 90 degrees left about +y (-Z goes to -X), standing at (0.2, 1.1, -0.5).
    c, s = 0.0, 1.0
    matrix = [c, 0, -s, 0, 0, 1, 0, 0, s, 0, c, 0, 0.2, 1.1, -0.5, 1]
    ray = run(f"return m.targetRay({matrix});")
    assert ray["origin"] == pytest.approx([0.2, 1.1, -0.5])
    assert ray["direction"] == pytest.approx([-1, 0, 0])
    # A scaled matrix still gives a unit direction.
    scaled = [2 * v if i < 12 else v for i, v in enumerate(matrix)]
    assert math.hypot(*run(f"return m.targetRay({scaled});")["direction"]) == pytest.approx(1)


def test_an_arc_pointed_down_lands_ahead_and_stays_above_the_floor() -> None:
    arc = run(f"return m.teleportArc([0, 1.2, 0], {pitched(-30)});")
    floor = arc["floor"]
    assert floor is not None and floor[1] == 0
    assert floor[0] == pytest.approx(0)
    # 7 m/s, 30 degrees down from 1.2 m: about 1.5 m ahead (-Z).
    assert -2.0 < floor[2] < -1.2
    points = arc["points"]
    assert points[0] == pytest.approx([0, 1.2, 0])
    assert points[-1] == floor
    assert all(p[1] > 0 for p in points[:-1])
    assert 5 <= len(points) <= 60
    assert all(b[2] < a[2] for a, b in itertools.pairwise(points))  # onwards


def test_pointing_level_or_up_lands_within_a_bounded_reach() -> None:
    def reach(degrees: float) -> float:
        floor = run(f"return m.teleportArc([0, 1.2, 0], {pitched(degrees)});")["floor"]
        assert floor is not None
        return float(math.hypot(floor[0], floor[2]))

    level, up, steeper = reach(0), reach(45), reach(70)
    assert 2.5 < level < up <= 8  # level lands ~3.4 m ahead, 45 degrees up farthest
    assert steeper == pytest.approx(up)  # a steeper launch flies as the steepest one


def test_pointing_at_the_sky_does_not_land() -> None:
    # Straight up has no heading: the arc is thrown (for drawing) but gives no floor point.
    arc = run("return m.teleportArc([0, 1.2, 0], [0, 1, 0]);")
    assert arc["floor"] is None
    assert 1 < len(arc["points"]) <= 60


def test_snap_turn_fires_once_per_push_with_hysteresis_both_ways() -> None:
    stick = [0, 0.5, 0.8, 0.95, 0.8, 0.5, 0.8, 0.2, 0.9, 0, -0.75, -1, -0.2, -0.8]
    turns = run(f"const s = m.createSnapTurn(); return {stick}.map((x) => s.update(x));")
    # Right (positive x) turns right: -30 in the convention where positive turns left.
    assert turns == [0, 0, -30, 0, 0, 0, 0, 0, -30, 0, 30, 0, 0, 30]
    own = run(
        "const s = m.createSnapTurn({angle: 45, press: 0.5, release: 0.1});"
        "return [0.6, 0.2, 0.6, 0.05, -0.6].map((x) => s.update(x));"
    )
    assert own == [-45, 0, 0, 0, 45]


# A session with one right controller at `pose` (a column-major matrix) whose thumbstick
# moves through `sticks`, one XR frame each; what the handlers heard, in order.
CONTROLS = """
const [pose, sticks, selectAt] = ARGS;
const listeners = {};
const gamepad = { mapping: 'xr-standard', axes: [0, 0, 0, 0] };
const source = { handedness: 'right', targetRaySpace: {}, gamepad };
const session = {
  inputSources: [source],
  addEventListener: (type, fn) => { listeners[type] = fn; },
  removeEventListener: (type) => { delete listeners[type]; },
};
const frame = { getPose: () => ({ transform: { matrix: pose } }) };
const heard = [];
const controls = m.createControls(session, {
  onSelect: (hand, ray) => heard.push(['select', hand, ray.direction]),
  onAim: (hand, arc) => heard.push(['aim', hand, arc && arc.floor !== null]),
  onTeleport: (hand, floor) => heard.push(['teleport', hand, floor]),
  onTurn: (degrees) => heard.push(['turn', degrees]),
});
sticks.forEach(([x, y], i) => {
  gamepad.axes = [0, 0, x, y];
  controls.update(frame, {});
  if (i === selectAt) listeners.select({ inputSource: source, frame });
});
return { heard, rays: controls.rays };
"""


def controls(pose: list[float], sticks: list[list[float]], select_at: int = -1) -> Any:
    return run(f"const ARGS = {json.dumps([pose, sticks, select_at])};" + CONTROLS)


# A controller at 1.2 m pointing 30 degrees down: its -Z axis is `pitched(-30)`.
DOWN = [1, 0, 0, 0, 0, math.cos(math.radians(30)), -math.sin(math.radians(30)), 0,
        0, math.sin(math.radians(30)), math.cos(math.radians(30)), 0, 0, 1.2, 0, 1]  # fmt: skip


def test_a_pushed_stick_aims_and_its_release_teleports_to_the_floor_point() -> None:
    got = controls(DOWN, [[0, 0], [0, -0.9], [0, -0.5], [0, 0]], select_at=0)
    kinds = [h[0] for h in got["heard"]]
    assert kinds == ["select", "aim", "aim", "teleport", "aim"]
    assert got["heard"][0][1] == "right"
    assert got["heard"][0][2] == pytest.approx(pitched(-30))
    assert got["heard"][1] == ["aim", "right", True]
    _, hand, floor = got["heard"][3]
    assert hand == "right" and floor[1] == 0 and -2.0 < floor[2] < -1.2
    assert got["heard"][4] == ["aim", "right", None]  # the arc put away
    assert got["rays"]["right"]["origin"] == pytest.approx([0, 1.2, 0])


def test_an_arc_at_the_sky_never_teleports_and_the_stick_turns_when_not_aiming() -> None:
    up = [1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1.2, 0, 1]  # -Z axis is +Y: the sky
    got = controls(up, [[0, -0.9], [0, 0], [0.9, 0], [0.9, 0], [0, 0], [-0.9, 0]])
    assert got["heard"] == [
        ["aim", "right", False],
        ["aim", "right", None],  # let go: no teleport, the arc had not landed
        ["turn", -30],
        ["turn", 30],
    ]
