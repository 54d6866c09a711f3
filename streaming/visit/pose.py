"""A headset's pose, upstream on the ``pose`` datachannel: parsed, checked, kept, predicted.

The page sends one compact JSON object every XR frame on an unordered, no-retransmit
channel (a late pose is worth nothing once a newer one exists)::

    {"t": 1234.5,                                  (the frame's display time, page ms)
     "p": [x, y, z], "q": [x, y, z, w],            (the viewer: local-floor metres, unit q)
     "views": [{"eye": "left", "p": [...], "q": [...], "m": [16 numbers]}, {...}]}
                                                   (each eye; m: projection, column-major)

:func:`parse_pose` is pure (fuzzed like :mod:`commands`): it returns a :class:`Pose` or
raises :class:`CommandError` with a stable code.  :class:`PoseKeeper` keeps only the newest
pose and its arrival time, drops messages over 120 a second before parsing them, and
logs one warning per kind of refusal.  :func:`predict` turns the head at constant angular
velocity to the time a frame will be shown, capped, so a stale pair never spins the view.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from museion.runtime.errors import PoseRefused
from museion.runtime.eye_pose import MAX_REACH, UNIT_TOLERANCE, EyePose, StereoPose
from museion.streaming.errors import CommandError
from museion.streaming.visit.rate_limit import RateLimit

__all__ = [
    "MAX_POSE_BYTES",
    "MAX_POSE_RATE",
    "EyeView",
    "KeptPose",
    "Pose",
    "PoseKeeper",
    "parse_pose",
    "predict",
]

logger = logging.getLogger(__name__)

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]

MAX_POSE_BYTES = 2048
MAX_POSE_RATE = 120.0
"""Pose messages a second a session takes; a headset sends one a display frame."""
_BURST = 24.0  # 0.2 s of them: an unordered channel delivers in bunches after a hiccup
_EYES = frozenset({"left", "right", "none"})
_VIEW_FIELDS = frozenset({"eye", "p", "q", "m"})
_FIELDS = frozenset({"t", "p", "q", "views"})


@dataclass(frozen=True)
class EyeView(EyePose):
    """One eye as the runtime renders it (checked by :class:`EyePose`, whose bounds are the
    parser's) and which eye it is."""

    eye: str = "none"


@dataclass(frozen=True)
class Pose:
    """The viewer at ``time`` (seconds on the page's clock) and its eyes."""

    time: float
    position: Vec3
    orientation: Quat
    views: tuple[EyeView, ...]

    def stereo(self) -> StereoPose | None:
        """Both eyes for the stereo render, or None when this is no headset's left and
        right pair (a single view: a phone's inline session)."""
        eyes = {view.eye: view for view in self.views}
        if "left" not in eyes or "right" not in eyes:
            return None
        return StereoPose(left=eyes["left"], right=eyes["right"])


@dataclass(frozen=True)
class KeptPose:
    """The newest pose, when it arrived (server monotonic seconds), and the one before it
    (for the angular velocity)."""

    pose: Pose
    received: float
    previous: Pose | None


def _refused(code: str, message: str) -> CommandError:
    return CommandError(message, code=code)


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refused("COMMAND_MALFORMED", f"'{what}' must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _refused("COMMAND_NOT_FINITE", f"'{what}' must be a finite number")
    return number


def _numbers(value: Any, count: int, what: str) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != count:
        raise _refused("COMMAND_MALFORMED", f"'{what}' must be a list of {count} numbers")
    return tuple(_finite(v, what) for v in value)


def _position(value: Any, what: str) -> Vec3:
    x, y, z = _numbers(value, 3, what)
    if max(abs(x), abs(y), abs(z)) > MAX_REACH:
        raise _refused("COMMAND_OUT_OF_RANGE", f"'{what}' is over {MAX_REACH:g} m away")
    return x, y, z


def _orientation(value: Any, what: str) -> Quat:
    x, y, z, w = _numbers(value, 4, what)
    norm = math.sqrt(x * x + y * y + z * z + w * w)
    if not abs(norm - 1.0) <= UNIT_TOLERANCE:
        raise _refused("COMMAND_QUATERNION_NOT_UNIT", f"'{what}' must be a unit quaternion")
    return x / norm, y / norm, z / norm, w / norm


_REFUSED_AS = {
    "POSE_MALFORMED": "COMMAND_OUT_OF_RANGE",  # the shape was checked: only reach is left
    "POSE_NOT_UNIT": "COMMAND_QUATERNION_NOT_UNIT",
}


def _view(value: Any) -> EyeView:
    if not isinstance(value, dict) or set(value) != _VIEW_FIELDS:
        raise _refused("COMMAND_MALFORMED", f"each view must have exactly {sorted(_VIEW_FIELDS)}")
    eye = value["eye"]
    if eye not in _EYES:
        raise _refused("COMMAND_MALFORMED", f"'eye' must be one of {sorted(_EYES)}")
    position, orientation = _numbers(value["p"], 3, "p"), _numbers(value["q"], 4, "q")
    projection = _numbers(value["m"], 16, "m")
    try:
        return EyeView(position, orientation, projection, eye=str(eye))  # type: ignore[arg-type]
    except PoseRefused as exc:
        code = _REFUSED_AS.get(exc.code, "COMMAND_PROJECTION_OUT_OF_RANGE")
        raise _refused(code, f"a view was refused: {exc.message}") from None


def parse_pose(raw: str | bytes) -> Pose:
    """One pose message, checked; raises :class:`CommandError` when it is refused."""
    if len(raw) > MAX_POSE_BYTES:
        raise _refused("COMMAND_TOO_LARGE", f"poses are limited to {MAX_POSE_BYTES} bytes")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        message = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _refused("COMMAND_MALFORMED", "the pose is not JSON") from exc
    if not isinstance(message, dict) or set(message) != _FIELDS:
        raise _refused("COMMAND_MALFORMED", f"a pose must have exactly {sorted(_FIELDS)}")
    views = message["views"]
    if not isinstance(views, list) or not 1 <= len(views) <= 2:
        raise _refused("COMMAND_MALFORMED", "'views' must list one or two views")
    stamp = _finite(message["t"], "t")
    if stamp < 0.0:
        raise _refused("COMMAND_OUT_OF_RANGE", "'t' must not be negative")
    return Pose(
        time=stamp / 1000.0,
        position=_position(message["p"], "p"),
        orientation=_orientation(message["q"], "q"),
        views=tuple(_view(v) for v in views),
    )


def _multiply(a: Quat, b: Quat) -> Quat:
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def _conjugate(q: Quat) -> Quat:
    return -q[0], -q[1], -q[2], q[3]


def _rotate(q: Quat, v: Vec3) -> Vec3:
    x, y, z, _ = _multiply(_multiply(q, (v[0], v[1], v[2], 0.0)), _conjugate(q))
    return x, y, z


def _scaled_rotation(delta: Quat, factor: float) -> Quat:
    """``delta`` (a rotation) applied ``factor`` times: axis kept, angle scaled."""
    x, y, z, w = delta if delta[3] >= 0.0 else tuple(-c for c in delta)
    sine = math.sqrt(x * x + y * y + z * z)
    if sine < 1e-12:
        return 0.0, 0.0, 0.0, 1.0
    angle = 2.0 * math.atan2(sine, w) * factor
    s = math.sin(angle / 2.0) / sine
    return x * s, y * s, z * s, math.cos(angle / 2.0)


def predict(previous: Pose | None, newest: Pose, at: float, cap: float = 0.1) -> Pose:
    """``newest`` turned on to time ``at`` (page seconds) at the angular velocity it had
    since ``previous``; never more than ``cap`` seconds ahead, never back in time.

    The eyes turn with the head about the head's position; positions do not move (a
    constant-velocity guess of where someone walks is worse than none at these horizons).
    """
    horizon = min(max(at - newest.time, 0.0), cap)
    if previous is None or horizon == 0.0 or not newest.time > previous.time:
        return newest
    delta = _multiply(newest.orientation, _conjugate(previous.orientation))
    turn = _scaled_rotation(delta, horizon / (newest.time - previous.time))
    head = newest.position

    def turned(view: EyeView) -> EyeView:
        offset = tuple(p - h for p, h in zip(view.position, head, strict=True))
        moved = _rotate(turn, (offset[0], offset[1], offset[2]))
        position = (head[0] + moved[0], head[1] + moved[1], head[2] + moved[2])
        return replace(view, position=position, orientation=_multiply(turn, view.orientation))

    return replace(
        newest,
        time=newest.time + horizon,
        orientation=_multiply(turn, newest.orientation),
        views=tuple(turned(v) for v in newest.views),
    )


class PoseKeeper:
    """A session's newest pose: takes each message, refuses the bad ones through
    ``refuse(code, message)`` (the view channel's rate-limited errors) and keeps the rest."""

    def __init__(
        self,
        refuse: Callable[[str, str], None],
        name: str = "session",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._refuse = refuse
        self._name = name
        self._clock = clock
        self._limit = RateLimit(MAX_POSE_RATE, clock, burst=_BURST)
        self._warned: set[str] = set()
        self.kept: KeptPose | None = None
        self.taken = 0
        self.refused = 0
        self.channel: Any = None

    def attach(self, channel: Any) -> None:
        """Take poses from ``channel`` (the session's ``pose`` datachannel) from now on."""
        self.channel = channel
        channel.on("message", self._on_message)

    def _on_message(self, raw: str | bytes) -> None:
        self.take(raw)
        if self.flooding and self.channel.readyState == "open":
            logger.warning("%s: pose channel flooding; closing it", self._name)
            self.channel.close()  # the session and its view channel live on

    def take(self, raw: str | bytes) -> bool:
        """One message off the channel: True when it became the newest pose."""
        if not self._limit.allow():  # dropped before parsing: an excess costs a counter
            self._refuse_kind("COMMAND_RATE_LIMITED", "Poses over 120 a second are dropped.")
            return False
        try:
            pose = parse_pose(raw)
        except CommandError as exc:
            self._refuse_kind(exc.code, f"Pose refused: {exc.message}")
            return False
        kept = self.kept
        if kept is not None and pose.time <= kept.pose.time:
            return False  # unordered delivery: an older pose than the one kept is stale
        self.kept = KeptPose(pose, self._clock(), None if kept is None else kept.pose)
        self.taken += 1
        return True

    @property
    def flooding(self) -> bool:
        """The channel keeps sending far over the rate (its owner closes it)."""
        return self._limit.flooding

    def predicted(self, latency: float, cap: float = 0.1) -> Pose | None:
        """The head ``latency`` seconds from now (the pipeline's delay to the display), on
        the page's clock as the newest pose's arrival maps it; None before any pose."""
        kept = self.kept
        if kept is None:
            return None
        at = kept.pose.time + (self._clock() - kept.received) + latency
        return predict(kept.previous, kept.pose, at, cap)

    def _refuse_kind(self, code: str, message: str) -> None:
        self.refused += 1
        if code not in self._warned:
            self._warned.add(code)
            logger.warning("%s: pose refused (%s): %s", self._name, code, message)
        self._refuse(code, message)
