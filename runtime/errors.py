"""Errors of the rendering engine."""

from __future__ import annotations

from museion.scenes.errors import MuseionError

__all__ = ["RenderError", "RuntimeFailure", "ViewPoolExhausted"]


class RuntimeFailure(MuseionError):
    """Base of the engine's errors."""

    code = "RUNTIME_ERROR"


class RenderError(RuntimeFailure):
    """The graphics pipe, a buffer or a shader could not be set up."""

    code = "RENDER_FAILED"


class ViewPoolExhausted(RuntimeFailure):
    """Every render view is in use; the caller should refuse the visitor politely."""

    code = "VIEWS_EXHAUSTED"
