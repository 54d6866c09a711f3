"""The browser client's files as the server gives them: the pages and ``/static/``.

Served by a gallery node and by the cluster's door alike (the door has no renderer, but
the same page).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from museion.streaming.settings import StreamSettings

__all__ = ["client_dir", "index", "page_config", "static_files"]


def client_dir() -> Path:
    """The folder of the plain-JS client (``streaming/client``)."""
    return Path(str(resources.files("museion.streaming").joinpath("client")))


async def index(request: web.Request) -> web.FileResponse:
    """The visitor page."""
    return web.FileResponse(client_dir() / "index.html", headers={"Cache-Control": "no-cache"})


def static_files(folder: Path) -> Callable[[web.Request], Awaitable[web.FileResponse]]:
    """The page's own files, listed once at start: a name that is not one of them (too
    long for the file system, a link, ``..``) is a plain 404 and never reaches it."""
    files = {p.name: p for p in folder.iterdir() if p.is_file() and not p.is_symlink()}

    async def static(request: web.Request) -> web.FileResponse:
        path = files.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound(reason="No such file")
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    return static


def page_config(s: StreamSettings) -> dict[str, Any]:
    """What the page needs before it offers (``GET /config``): ICE servers and the
    stream's size."""
    servers = [
        {
            k: v
            for k, v in (("urls", i.urls), ("username", i.username), ("credential", i.credential))
            if v is not None
        }
        for i in s.ice_servers
    ]
    return {"iceServers": servers, "width": s.width, "height": s.height, "fps": s.fps}
