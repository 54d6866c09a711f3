"""Museion's network layer: the aiohttp server, WHEP signalling, aiortc sessions and the
browser client (``client/``, plain JS served as static files)."""

import logging

from museion.streaming.errors import (
    CapacityReached,
    CommandError,
    SdpMalformed,
    SdpTooLarge,
    SessionNotFound,
    SignallingError,
    StreamingError,
    UnsupportedMediaType,
)
from museion.streaming.server import make_app
from museion.streaming.settings import IceServer, StreamSettings
from museion.streaming.visit.commands import ParsedCommand, parse_command

__all__ = [
    "CapacityReached",
    "CommandError",
    "IceServer",
    "ParsedCommand",
    "SdpMalformed",
    "SdpTooLarge",
    "SessionNotFound",
    "SignallingError",
    "StreamSettings",
    "StreamingError",
    "UnsupportedMediaType",
    "make_app",
    "parse_command",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
