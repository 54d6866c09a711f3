"""Errors of the rendering engine."""

from __future__ import annotations

from museion.scenes.errors import MuseionError

__all__ = [
    "AssetLoadFailed",
    "PoseRefused",
    "RenderError",
    "RuntimeFailure",
    "ViewPoolExhausted",
]


class RuntimeFailure(MuseionError):
    """Base of the engine's errors."""

    code = "RUNTIME_ERROR"


class RenderError(RuntimeFailure):
    """The graphics pipe, a buffer or a shader could not be set up."""

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
    ``LOAD_FAILED``.
    """

    code = "LOAD_FAILED"

    def __init__(self, code: str, asset: str, message: str) -> None:
        super().__init__(message, code=code)
        self.asset = asset
