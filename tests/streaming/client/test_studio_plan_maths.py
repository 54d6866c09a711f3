"""The studio floor plan's maths (``studio_plan.js``, ``studio_plan_form.js``), run in Node:
which walkable polygons cross themselves, which way the spawn's yaw faces, a light's colour
between the colour picker and the document, and its direction from azimuth and elevation."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

CLIENT = REPO / "streaming" / "client"


def run(module: str, script: str) -> Any:
    """``script``'s JSON result with ``module`` as ``m`` (its page-only import of the studio's
    words replaced by a stand-in: these functions use no words)."""
    source = (CLIENT / module).read_text()
    source = source.replace(
        "import { w } from '/static/studio_words.js';", "const w = (key) => key;"
    )
    loader = (
        "const m = await import('data:text/javascript,' + encodeURIComponent("
        f"{json.dumps(source)}));"
        f"process.stdout.write(JSON.stringify(await (async () => {{ {script} }})()));"
    )
    command = ["node", "--input-type=module", "-e", loader]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("polygon", "crosses"),
    [
        ([[0, 0], [4, 0], [4, 3], [0, 3]], False),  # a room
        ([[0, 0], [4, 0], [4, 3], [2, 1], [0, 3]], False),  # concave, still simple
        ([[0, 0], [4, 3], [4, 0], [0, 3]], True),  # a bow tie
        ([[0, 0], [4, 0], [2, 0], [2, 3]], True),  # an edge folding back along its neighbour
        ([[0, 0], [4, 0], [4, 0], [0, 3]], True),  # a corner twice
        ([[0, 0], [4, 0], [4, 3], [0, 3], [2, 0]], True),  # a corner on another edge
        ([[0, 0], [1, 0], [0, 1]], False),  # a triangle never crosses itself
    ],
)
def test_a_crossing_walkable_polygon_is_found(polygon: list[list[float]], crosses: bool) -> None:
    assert run("studio_plan.js", f"return m.selfIntersects({polygon});") is crosses


def test_the_spawn_yaw_faces_minus_z_and_turns_left() -> None:
    ahead, left = run("studio_plan.js", "return [m.yawDirection(0), m.yawDirection(90)];")
    assert ahead == pytest.approx([0, -1])
    assert left == pytest.approx([-1, 0], abs=1e-12)


def test_a_colour_goes_to_the_picker_and_back() -> None:
    hex_, rgb, clipped = run(
        "studio_plan_form.js",
        "return [m.toHex([1, 0.5, 0]), m.fromHex('#ff8000'), m.toHex([2, -1, 0.2])];",
    )
    assert hex_ == "#ff8000"
    assert rgb == [1, 0.502, 0]
    assert clipped == "#ff0033"


def test_azimuth_and_elevation_make_the_direction_and_come_back() -> None:
    down, ahead, back = run(
        "studio_plan_form.js",
        "return [m.direction(0, 90), m.direction(0, 0), m.angles(m.direction(30, 45))];",
    )
    assert down == pytest.approx([0, -1, 0], abs=1e-3)
    assert ahead == pytest.approx([0, 0, -1], abs=1e-3)
    assert back == {"azimuth": 30, "elevation": 45}


def test_the_spawn_is_inside_the_walkable_area_as_the_loader_counts_it() -> None:
    room = [[0, 0], [4, 0], [4, 3], [2, 1], [0, 3]]  # concave: a notch at the top
    answers = run(
        "studio_plan.js",
        f"return [[1, 0.5], [2, 2], [5, 1], [3, 1.5]].map((p) => m.inside(p, {room}));",
    )
    assert answers == [True, False, False, True]
