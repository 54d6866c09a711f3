"""Errors of the rendering engine."""

from __future__ import annotations

from museion.scenes.errors import MuseionError

__all__ = [
    "AssetLoadFailed",
    "EditRefused",
    "PoseRefused",
    "RenderError",
    "RuntimeFailure",
    "ViewPoolExhausted",
]


class RuntimeFailure(MuseionError):
    """Base of the engine's errors."""

    code = "RUNTIME_ERROR"


class RenderError(RuntimeFailure):
    """The graphics pipe, a buffer or a shader could not be set up, or an animation asked
    for cannot play (``NO_SUCH_ANIMATION``, ``BAD_ANIMATION_SPEED``)."""

    code = "RENDER_FAILED"


class ViewPoolExhausted(RuntimeFailure):
    """Every render view is in use; the caller should refuse the visitor politely."""

    code = "VIEWS_EXHAUSTED"


class PoseRefused(RuntimeFailure):
    """A headset's eye pose or projection cannot be rendered; nothing was drawn from it.

    ``code`` is one of ``POSE_MALFORMED`` (not finite, wrong shape, out of reach),
    ``POSE_NOT_UNIT`` (the orientation is not a unit quaternion), ``PROJECTION_MALFORMED``
    (not finite or not a perspective matrix), ``PROJECTION_DEGENERATE`` (a zero or flipped
    field of view) and ``PROJECTION_OUT_OF_RANGE`` (wider than a lens can be).
    """

    code = "POSE_REFUSED"


class AssetLoadFailed(RuntimeFailure):
    """A gated model could not be loaded into Panda3D; ``asset`` names it.

    The load runs in a worker process (:mod:`museion.runtime.loading`), so a crash,
    hang or runaway allocation there ends up here, for that asset alone.  ``code`` is one of
    ``LOAD_CRASHED``, ``LOAD_TIMEOUT``, ``LOAD_OUT_OF_MEMORY``, ``LOAD_CPU_LIMIT``,
    ``LOAD_FAILED``, ``LOAD_TOO_LARGE`` (a converted model over ``max_model_mib``).
    """

    code = "LOAD_FAILED"

    def __init__(self, code: str, asset: str, message: str) -> None:
        super().__init__(message, code=code)
        self.asset = asset


class EditRefused(RuntimeFailure):
    """The studio's editor could not change the scene as asked; nothing was changed.

    ``code`` is one of ``EXHIBIT_UNKNOWN`` (no exhibit has that id), ``EXHIBIT_EXISTS``
    (adding an id already used), ``PARENT_UNKNOWN`` (adding under an exhibit that is not
    there), ``EXHIBIT_HAS_CHILDREN`` (removing an exhibit others stand on),
    ``EXHIBIT_IN_TOUR`` (removing an exhibit a tour visits), ``HOTSPOT_MALFORMED`` (a
    position not finite, or two hotspots with one id),
    ``TRANSFORM_MALFORMED`` (not finite, or a scale not above zero), ``PEDESTAL_MISSING``
    (no pedestal model to stand a new exhibit on), ``NOTHING_BELOW`` (snapping found no
    surface under the exhibit), ``NO_GEOMETRY`` (the exhibit has nothing to snap) and
    ``NOT_AN_EXHIBITION`` (a one-relic showcase is not edited).
    """

    code = "EDIT_REFUSED"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
