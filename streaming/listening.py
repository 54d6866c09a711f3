"""Taking a port: the one way the gallery and the cluster's door start listening."""

from __future__ import annotations

from aiohttp import web

from museion.streaming.errors import StreamingError

__all__ = ["start_site"]


async def start_site(runner: web.AppRunner, host: str, port: int) -> int:
    """Listen on ``host``:``port`` (0: a free one) with ``runner`` (set up); the port
    taken.  A port that cannot be had is a ``LISTEN_FAILED`` error, not a traceback."""
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        raise StreamingError(
            f"cannot listen on {host}:{port}: {exc.strerror}", code="LISTEN_FAILED"
        ) from exc
    taken: int = runner.addresses[-1][1]
    return taken
