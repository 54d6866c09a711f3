"""Bounded logging of malformed requests.

aiohttp logs each request it cannot parse at ERROR with a traceback; anyone, with no
token, could fill an operator's disk and hide real errors.  :class:`BadRequestFilter`
keeps one line per kind of parse error per ``interval`` seconds, at WARNING and without
the traceback, and says how many like it were left out.  Other errors pass unchanged.
"""

from __future__ import annotations

import logging
import time

from aiohttp.http_exceptions import HttpProcessingError

__all__ = ["BadRequestFilter", "limit_bad_request_logs"]


class BadRequestFilter(logging.Filter):
    """One line per kind of malformed request per ``interval`` seconds."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__()
        self.interval = interval
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        kind = type(error).__name__
        now = time.monotonic()
        if now - self._last.get(kind, -float("inf")) < self.interval:
            self._left_out[kind] = self._left_out.get(kind, 0) + 1
            return False
        self._last[kind] = now
        left_out = self._left_out.pop(kind, 0)
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        record.msg = "malformed request from %s (%s: %s)%s"
        record.args = (
            remote,
            kind,
            str(error.message)[:200],
            f"; {left_out} more like it in the last {self.interval:g} s" if left_out else "",
        )
        record.exc_info = None
        record.exc_text = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        return True


def limit_bad_request_logs(interval: float = 60.0) -> None:
    """Put one :class:`BadRequestFilter` on aiohttp's server logger (idempotent)."""
    server_logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, BadRequestFilter) for f in server_logger.filters):
        server_logger.addFilter(BadRequestFilter(interval))
