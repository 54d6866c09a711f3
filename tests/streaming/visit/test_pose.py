"""Headset poses: the parser's refusals by code, its fuzz rule, prediction and the rate."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from museion.streaming.errors import CommandError
from museion.streaming.visit.pose import (
    MAX_POSE_BYTES,
    EyeView,
    Pose,
    PoseKeeper,
    parse_pose,
    predict,
)
from tests.conftest import Clock


def projection(fovy_degrees: float = 90.0, aspect: float = 1.0, near: float = 0.1) -> list[float]:
    """A WebXR-style perspective projection, column-major (far at 1000 m)."""
    far = 1000.0
    f = 1.0 / math.tan(math.radians(fovy_degrees) / 2.0)
    depth = 1.0 / (near - far)
    return [
        *(f / aspect, 0.0, 0.0, 0.0),
        *(0.0, f, 0.0, 0.0),
        *(0.0, 0.0, (far + near) * depth, -1.0),
        *(0.0, 0.0, 2.0 * far * near * depth, 0.0),
    ]


def yaw(degrees: float) -> list[float]:
    """A turn about the vertical (+Y) axis, as [x, y, z, w]."""
    half = math.radians(degrees) / 2.0
    return [0.0, math.sin(half), 0.0, math.cos(half)]


def message(t: float = 1000.0, q: list[float] | None = None, **changes: Any) -> dict[str, Any]:
    """A pose as the page sends it: the head 1.6 m up, two eyes 64 mm apart."""
    q = q or [0.0, 0.0, 0.0, 1.0]
    views = [
        {"eye": "left", "p": [-0.032, 1.6, 0.0], "q": q, "m": projection()},
        {"eye": "right", "p": [0.032, 1.6, 0.0], "q": q, "m": projection()},
    ]
    return {"t": t, "p": [0.0, 1.6, 0.0], "q": q, "views": views, **changes}


def test_a_headset_pose_parses() -> None:
    pose = parse_pose(json.dumps(message()))
    assert pose.time == 1.0  # page milliseconds, kept in seconds
    assert pose.position == (0.0, 1.6, 0.0)
    assert [v.eye for v in pose.views] == ["left", "right"]
    assert pose.views[1].position == (0.032, 1.6, 0.0)
    assert len(pose.views[0].projection) == 16


def test_a_nearly_unit_quaternion_is_normalised() -> None:
    pose = parse_pose(json.dumps(message(q=[0.0, 0.0, 0.0, 1.0005])))
    assert pose.orientation == (0.0, 0.0, 0.0, 1.0)


def _with_view(**view: Any) -> str:
    body = message()
    body["views"][0] = {**body["views"][0], **view}
    return json.dumps(body)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "COMMAND_MALFORMED"),
        ("[1]", "COMMAND_MALFORMED"),
        (b"\xff", "COMMAND_MALFORMED"),
        (json.dumps({**message(), "extra": 1}), "COMMAND_MALFORMED"),
        (json.dumps(message(views=[])), "COMMAND_MALFORMED"),
        (json.dumps(message(p=[0, 1])), "COMMAND_MALFORMED"),
        (json.dumps(message(t="now")), "COMMAND_MALFORMED"),
        (_with_view(eye="third"), "COMMAND_MALFORMED"),
        (json.dumps(message(t=math.nan)), "COMMAND_NOT_FINITE"),
        (json.dumps(message(p=[0, math.inf, 0])), "COMMAND_NOT_FINITE"),
        ('{"t":1' + "0" * 400 + ',"p":[0,0,0],"q":[0,0,0,1],"views":[]}', "COMMAND_MALFORMED"),
        (json.dumps(message(t=-1)), "COMMAND_OUT_OF_RANGE"),
        (json.dumps(message(p=[5000, 0, 0])), "COMMAND_OUT_OF_RANGE"),
        (json.dumps(message(q=[0, 0, 0, 1.01])), "COMMAND_QUATERNION_NOT_UNIT"),
        (json.dumps(message(q=[0, 0, 0, 0])), "COMMAND_QUATERNION_NOT_UNIT"),
        (_with_view(q=[1, 1, 0, 0]), "COMMAND_QUATERNION_NOT_UNIT"),
        (_with_view(m=[0.0] * 16), "COMMAND_PROJECTION_OUT_OF_RANGE"),
        (_with_view(m=projection(fovy_degrees=179.5)), "COMMAND_PROJECTION_OUT_OF_RANGE"),
        (_with_view(m=projection(fovy_degrees=2.0)), "COMMAND_PROJECTION_OUT_OF_RANGE"),
        (_with_view(m=projection(near=-0.1)), "COMMAND_PROJECTION_OUT_OF_RANGE"),
        (_with_view(m=[math.nan] * 16), "COMMAND_NOT_FINITE"),
        (" " * (MAX_POSE_BYTES + 1), "COMMAND_TOO_LARGE"),
    ],
)
def test_refused_with_stable_code(text: str | bytes, code: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_pose(text)
    assert caught.value.code == code
    assert caught.value.message


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=17) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=40,
)


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_fuzz_text_parses_or_raises_command_error(raw: str | bytes) -> None:
    try:
        parse_pose(raw)
    except CommandError as exc:
        assert exc.code.startswith("COMMAND_")


@given(st.dictionaries(st.sampled_from(["t", "p", "q", "views"]), json_values))
def test_fuzz_shaped_messages(fields: dict[str, object]) -> None:
    try:
        text = json.dumps({**message(), **fields})
    except ValueError:
        return
    try:
        pose = parse_pose(text)
    except CommandError as exc:
        assert exc.code.startswith("COMMAND_")
    else:
        assert all(math.isfinite(c) for c in pose.orientation)


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=16, max_size=16))
def test_fuzz_projections(m: list[float]) -> None:
    try:
        parse_pose(_with_view(m=m))
    except (CommandError, ValueError) as exc:  # ValueError: json.dumps of no such text
        assert not isinstance(exc, CommandError) or exc.code.startswith("COMMAND_")


def _pose(t: float, degrees: float) -> Pose:
    return parse_pose(json.dumps(message(t=t * 1000.0, q=yaw(degrees))))


def _yaw_of(q: tuple[float, float, float, float]) -> float:
    return math.degrees(2.0 * math.atan2(q[1], q[3]))


def test_prediction_turns_on_at_the_same_angular_velocity() -> None:
    before, now = _pose(1.0, 0.0), _pose(1.01, 1.0)  # 100 degrees a second
    ahead = predict(before, now, at=1.06)
    assert ahead.time == pytest.approx(1.06)
    assert _yaw_of(ahead.orientation) == pytest.approx(6.0, abs=1e-6)
    # The eyes turn with the head, about it, by the 5 degrees more: the left eye (sent at
    # x = -32 mm) swings toward +z.
    left: EyeView = ahead.views[0]
    assert _yaw_of(left.orientation) == pytest.approx(6.0, abs=1e-6)
    assert left.position[2] == pytest.approx(0.032 * math.sin(math.radians(5.0)), abs=1e-9)
    assert math.dist(left.position, ahead.position) == pytest.approx(0.032)


def test_prediction_is_capped_and_never_looks_back() -> None:
    before, now = _pose(1.0, 0.0), _pose(1.01, 1.0)
    capped = predict(before, now, at=9.0, cap=0.05)
    assert _yaw_of(capped.orientation) == pytest.approx(6.0, abs=1e-6)  # 1 + 0.05 s * 100
    assert predict(before, now, at=0.5) == now
    assert predict(None, now, at=1.05) == now  # one pose: no velocity to go on


def test_prediction_takes_the_short_way_round() -> None:
    # 179 degrees to -179 degrees is a 2 degree turn, not 358 the other way.
    ahead = predict(_pose(1.0, 179.0), _pose(1.01, -179.0), at=1.02)
    assert (_yaw_of(ahead.orientation) + 360.0) % 360.0 == pytest.approx(183.0, abs=1e-6)


def test_keeper_keeps_the_newest_and_predicts_from_its_arrival() -> None:
    clock = Clock()
    refusals: list[str] = []
    keeper = PoseKeeper(lambda code, _: refusals.append(code), clock=clock)
    assert keeper.predicted(0.05) is None
    assert keeper.take(json.dumps(message(t=1000.0, q=yaw(0.0))))
    clock.now += 0.01
    assert keeper.take(json.dumps(message(t=1010.0, q=yaw(1.0))))
    assert not keeper.take(json.dumps(message(t=1005.0, q=yaw(0.5))))  # late: stale
    assert keeper.kept is not None and keeper.kept.received == clock.now
    clock.now += 0.02  # 20 ms since it arrived, and the picture shows 30 ms later
    ahead = keeper.predicted(0.03)
    assert ahead is not None
    assert _yaw_of(ahead.orientation) == pytest.approx(6.0, abs=1e-6)
    assert refusals == []


def test_keeper_refuses_bad_poses_with_one_warning_a_kind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    refusals: list[str] = []
    keeper = PoseKeeper(lambda code, _: refusals.append(code), "session x", clock=clock)
    with caplog.at_level(logging.WARNING, logger="museion.streaming.visit.pose"):
        for _ in range(3):
            clock.now += 0.1
            keeper.take("garbage")
            clock.now += 0.1
            keeper.take(json.dumps(message(q=[0, 0, 0, 2])))
    assert refusals == ["COMMAND_MALFORMED", "COMMAND_QUATERNION_NOT_UNIT"] * 3
    assert len(caplog.records) == 2
    assert keeper.kept is None


def test_keeper_drops_poses_faster_than_120_a_second() -> None:
    clock = Clock()
    refusals: list[str] = []
    keeper = PoseKeeper(lambda code, _: refusals.append(code), clock=clock)
    # Two seconds at 240 a second: about half are dropped, unparsed.
    taken = 0
    for i in range(480):
        clock.now += 1.0 / 240.0
        taken += keeper.take(json.dumps(message(t=1000.0 + i)))
    assert 240 <= taken <= 240 + 24 + 1  # 120 a second, plus one burst
    assert set(refusals) == {"COMMAND_RATE_LIMITED"}
    # A headset at 120 Hz loses none.
    clock.now += 1.0
    before = taken
    for i in range(240):
        clock.now += 1.0 / 120.0
        taken += keeper.take(json.dumps(message(t=5000.0 + i)))
    assert taken - before == 240
