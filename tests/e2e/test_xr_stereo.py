"""The headset sees the server's stereo stream (headless Chromium, emulated Quest 3, real
server): a head turn shows in the very next XR frame, before any new video, by the page's
reprojection, and the server's next frame agrees with it; the two eyes see a relic at a
known distance with the parallax two eyes that far apart must see."""

from __future__ import annotations

import dataclasses
import math
import shutil
from typing import Any

import numpy as np
import pytest

from museion.runtime.engine import RenderEngine
from museion.runtime.eye_pose import Frustum, Place
from museion.streaming.server import SESSIONS_KEY
from tests.conftest import LOOPBACK, serve, until
from tests.e2e.browser import WAIT
from tests.e2e.headset import enter_vr, headset_page, move_head, next_frame_rows

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed"),
]

HEAD = (0.0, 1.6, 0.0)


def yaw_of(q: list[float]) -> float:
    x, y, z, w = q
    return math.degrees(math.atan2(2.0 * (w * y + x * z), 1.0 - 2.0 * (x * x + y * y)))


def best_shift(before: Any, after: Any, most: int) -> tuple[int, float]:
    """The shift s (pixels, positive: to the right) for which ``after[x] ~ before[x - s]``
    over the middle half of the row, and the mean difference there."""
    width = len(before)
    lo, hi = width // 4, 3 * width // 4
    errors = {
        s: float(np.abs(after[lo:hi] - before[lo - s : hi - s]).mean())
        for s in range(-most, most + 1)
    }
    shift = min(errors, key=errors.__getitem__)
    return shift, errors[shift]


def pixels_per_tangent(eye: dict[str, Any]) -> tuple[float, float]:
    """The eye's viewport pixels per unit of tangent, and its left edge's tangent."""
    frustum = Frustum.from_projection(eye["m"])
    return len(eye["row"]) / (frustum.right - frustum.left), frustum.left


async def test_a_head_turn_shows_in_the_next_xr_frame_and_the_server_agrees(
    exhibition: RenderEngine,
) -> None:
    # The slowest headset rate keeps the eye size put between the frames compared: on a
    # busy box the budget would otherwise shrink it between them, and blur the second.
    steady = dataclasses.replace(LOOPBACK, headset_fps=5)
    async with serve(exhibition, steady) as server, headset_page() as page:
        await enter_vr(page, server.url)
        await move_head(page, HEAD, (0.0, 0.0, 0.0, 1.0))
        await page.wait_for_function(
            "Math.abs(window.museion.xr.shown.eyes[0].q[1]) < 1e-4", timeout=WAIT
        )
        before = await next_frame_rows(page)
        # Turn the head 6 degrees left; read the very next XR frame.
        after = await next_frame_rows(page, turn=6.0)
        # The picture shown was still rendered for the head before the turn...
        assert abs(yaw_of(after["rendered"][0])) < 0.5
        # ...yet the hall moved right in the eye by what a 6 degree turn moves it.
        scale, _ = pixels_per_tangent(after["eyes"][0])
        expected = scale * math.tan(math.radians(6.0))
        left_before, left_after = before["eyes"][0]["row"], after["eyes"][0]["row"]
        shift, error = best_shift(left_before, left_after, int(2 * expected))
        assert shift == pytest.approx(expected, abs=max(3.0, 0.15 * expected)), (shift, expected)
        assert error < float(np.abs(left_after - left_before)[len(left_before) // 4 :].mean())

        # The server's next frames are rendered for the turned head; the eye shows the
        # same hall it showed re-projected.
        await page.wait_for_function(
            "Math.abs(2 * Math.atan2(window.museion.xr.shown.eyes[0].q[1],"
            " window.museion.xr.shown.eyes[0].q[3]) * 180 / Math.PI - 6) < 0.5",
            timeout=WAIT,
        )
        rendered = await next_frame_rows(page)
        assert abs(yaw_of(rendered["rendered"][0]) - 6.0) < 0.5
        agreed, agreement = best_shift(left_after, rendered["eyes"][0]["row"], 6)
        assert abs(agreed) <= 2
        unturned = float(np.abs(left_after - left_before).mean())
        assert agreement < 0.5 * unturned, (agreement, unturned)


def is_hu(rgb: Any) -> bool:
    """The hu's brown-gold bronze or its green patina, not the red lacquer behind it."""
    r, g, b = (int(c) for c in rgb)
    return (g > 0.55 * r and r > b + 40 and g > b + 20) or (g > r + 10 and g > b + 10)


def hu_centre(row: Any, around: float, reach: int = 120) -> float:
    """The middle column of the hu seen near ``around`` in one row."""
    lo = max(0, int(around) - reach)
    columns = [x for x in range(lo, min(len(row), int(around) + reach)) if is_hu(row[x])]
    assert columns, f"no hu within {reach} px of column {around:.0f}"
    return (columns[0] + columns[-1]) / 2.0


async def test_the_eyes_see_a_relic_with_the_parallax_of_its_distance(
    exhibition: RenderEngine,
) -> None:
    distance = 1.1
    target = exhibition.exhibit_views["bronze-hu"][0].target
    async with serve(exhibition) as server, headset_page() as page:
        await enter_vr(page, server.url)
        await move_head(page, HEAD, (0.0, 0.0, 0.0, 1.0))
        (session,) = server.app[SESSIONS_KEY].sessions.values()
        # Stand the headset's space so the head is ``distance`` south of the hu's middle,
        # at its height, looking north at it.
        # Only once the server has the head where it was put (frames from before would
        # see the hu from elsewhere).
        await until(lambda: session.pose is not None and session.pose.pose.position == HEAD)
        tx, ty, tz = target
        session.visit.place = Place(floor=(tx, ty - HEAD[1], tz + distance), heading=0.0)
        await until(lambda: session.headset.spot >= 2, what=lambda: session.headset.spot)
        await page.wait_for_function(
            "(spot) => window.museion.xr.shown.spot >= spot", arg=session.headset.spot, timeout=WAIT
        )
        # The first frames of a new picture are coarse (the encoder's whole budget spread
        # over a changed frame); the still picture sharpens over the next ones.
        shown = await page.evaluate("window.museion.xr.stereoFrames")
        await page.wait_for_function(
            "(n) => window.museion.xr.stereoFrames >= n", arg=shown + 20, timeout=WAIT
        )
        grabbed = await next_frame_rows(page)
        columns = []
        for eye in grabbed["eyes"]:
            scale, left = pixels_per_tangent(eye)
            # Where the hu's middle is in this eye: across by the eye's offset from the
            # head, ``distance`` ahead, through the eye's own (asymmetric) frustum.
            expected = (-(eye["p"][0] - HEAD[0]) / distance - left) * scale
            seen = hu_centre(eye["row"], expected)
            assert seen == pytest.approx(expected, abs=4.0), (eye["eye"], seen, expected)
            columns.append((seen, expected))
        (left_seen, left_expected), (right_seen, right_expected) = columns
        # The disparity itself (both eyes share any offset of the silhouette): the right eye
        # sees the hu further left than the left eye does, by the IPD over the distance.
        ipd = grabbed["eyes"][1]["p"][0] - grabbed["eyes"][0]["p"][0]
        assert 0.05 < ipd < 0.08
        disparity = left_expected - right_expected
        assert disparity > 10
        assert left_seen - right_seen == pytest.approx(disparity, abs=3.0)
