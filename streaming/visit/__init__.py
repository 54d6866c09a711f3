"""A gallery visitor over WebRTC: the session (peer connection, render view, datachannel),
the video track and its tuned encoders, and the parser of view commands."""

from museion.streaming.visit.commands import ParsedCommand, parse_command
from museion.streaming.visit.session import Session

__all__ = ["ParsedCommand", "Session", "parse_command"]
