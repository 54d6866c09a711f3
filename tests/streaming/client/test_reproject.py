"""The headset page's timewarp maths (``streaming/client/reproject.js``), run in Node: the
same functions the page uses to drive its shader."""

from __future__ import annotations

import base64
import json
import math
import shutil
import subprocess
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")

MODULE = REPO / "streaming" / "client" / "reproject.js"


def run(script: str) -> Any:
    """``script``'s JSON result, with the module's exports as ``m``."""
    source = base64.b64encode(MODULE.read_bytes()).decode()
    program = (
        f"const m = await import('data:text/javascript;base64,{source}');\n"
        f"process.stdout.write(JSON.stringify(await (async () => {{ {script} }})()));"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(done.stdout)


def perspective(fov: float, near: float = 0.1, far: float = 100.0) -> list[float]:
    """A symmetric OpenGL projection (column-major), as WebXR gives one."""
    f = 1 / math.tan(math.radians(fov) / 2)
    return [f, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1,
            0, 0, 2 * far * near / (near - far), 0]  # fmt: skip


def yaw(degrees: float) -> list[float]:
    """A turn to the left by ``degrees`` (about +y, WebXR's up), as a quaternion."""
    half = math.radians(degrees) / 2
    return [0.0, math.sin(half), 0.0, math.cos(half)]


def sample(ndc: tuple[float, float], display: list[float], rendered: list[float],
           turned: float, wider: float | None = None) -> Any:  # fmt: skip
    """Where display point ``ndc`` samples a picture rendered straight ahead, the head
    having turned left by ``turned`` degrees since."""
    wide = perspective(wider) if wider is not None else display
    return run(
        f"return m.sample({list(ndc)}, m.invert4({display}), "
        f"m.warp({[0, 0, 0, 1]}, {yaw(turned)}), {wide});"
    )


def test_a_still_head_samples_the_picture_where_it_stands() -> None:
    p = perspective(90)
    for ndc in [(0.0, 0.0), (0.5, -0.25), (-0.9, 0.9)]:
        u, v = sample(ndc, p, p, 0.0)
        assert (u, v) == pytest.approx((ndc[0] / 2 + 0.5, ndc[1] / 2 + 0.5), abs=1e-9)


def test_a_head_turned_left_sees_what_was_left_of_centre() -> None:
    p = perspective(90)
    u, v = sample((0.0, 0.0), p, p, 10.0)
    # The pinhole: the view's centre now lies tan(10 deg) left of the rendered centre.
    assert u == pytest.approx(0.5 - math.tan(math.radians(10)) / 2, abs=1e-9)
    assert v == pytest.approx(0.5, abs=1e-9)
    u_right, _ = sample((0.0, 0.0), p, p, -10.0)
    assert u_right == pytest.approx(1 - u, abs=1e-9)


def test_the_over_rendered_margin_covers_a_turn_the_display_edge_would_miss() -> None:
    display = perspective(90)
    assert sample((-1.0, 0.0), display, display, 5.0) is None  # past the rendered edge
    u, _ = sample((-1.0, 0.0), display, display, 5.0, wider=110)  # 10 degrees more each side
    assert 0.0 < u < 0.1


def test_the_inverse_undoes_the_projection() -> None:
    p = perspective(70)
    product = run(
        f"const i = m.invert4({p}); const p = {p};"
        "return [0,1,2,3].flatMap((c) => [0,1,2,3].map((r) =>"
        " [0,1,2,3].reduce((s, k) => s + i[k * 4 + r] * p[c * 4 + k], 0)));"
    )
    identity = [1.0 if c == r else 0.0 for c in range(4) for r in range(4)]
    assert product == pytest.approx(identity, abs=1e-9)
    assert run("return m.invert4(new Array(16).fill(0));") is None  # degenerate: refused
