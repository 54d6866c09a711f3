"""Museion's engine: Panda3D renders scenes offscreen into numpy frames.

Never imports :mod:`museion.streaming` or :mod:`museion.tools`.
"""

import logging

from museion.runtime.camera import OrbitLimits, ViewState, apply_command
from museion.runtime.engine import RenderEngine
from museion.runtime.errors import RenderError, RuntimeFailure, ViewPoolExhausted
from museion.runtime.frame_source import Frame, FrameSource
from museion.runtime.settings import RuntimeSettings
from museion.runtime.view_commands import Orbit, Pan, Reset, ViewCommand, Zoom

__all__ = [
    "Frame",
    "FrameSource",
    "Orbit",
    "OrbitLimits",
    "Pan",
    "RenderEngine",
    "RenderError",
    "Reset",
    "RuntimeFailure",
    "RuntimeSettings",
    "ViewCommand",
    "ViewPoolExhausted",
    "ViewState",
    "Zoom",
    "apply_command",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
