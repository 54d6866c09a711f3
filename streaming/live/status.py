"""What a live show is doing, over HTTP: whether it is live (with its codec and, in
simulcast, its layers) for the viewer page, the venue's stats of every viewer, and the
viewer page itself."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

from museion.streaming.live.registry import LIVE_KEY, check_stream_name
from museion.streaming.negotiation import level_name, profile_name

__all__ = ["live_list", "live_page", "live_stats", "live_status"]


async def live_list(request: web.Request) -> web.Response:
    """The shows on now (a docent tour's stream is listed with its tour, not here): what
    a visitor waiting for a place can watch meanwhile."""
    registry = request.app[LIVE_KEY]
    shows = [
        {"stream": name, "url": f"/live/{name}", "viewers": registry.watching(stream)}
        for name, stream in sorted(registry.streams.items())
        if stream.live and stream.listed
    ]
    return web.json_response({"shows": shows})


async def live_status(request: web.Request) -> web.Response:
    """Whether a stream is live, its codec and how many watch (the viewer page polls it)."""
    registry = request.app[LIVE_KEY]
    name = check_stream_name(request.match_info["stream"])
    stream = registry.streams.get(name)
    if stream is None or not stream.live:
        off: dict[str, object] = {"live": False, "codec": None, "profile": None}
        off.update(level=None, viewers=0, layers=[])
        return web.json_response({"stream": name, **off})
    h264 = stream.codec == "H264"
    return web.json_response(
        {
            "stream": name,
            "live": True,
            "codec": stream.codec,
            "profile": profile_name(stream.profile_level_id) if h264 else None,
            "level": level_name(stream.profile_level_id) if h264 else None,
            "viewers": registry.watching(stream),
            "layers": stream.layer_status() if stream.simulcast else [],
        }
    )


async def live_stats(request: web.Request) -> web.Response:
    """For the venue: what came in and what each viewer was sent and lost (needs the
    stream's publish token: viewer ids are the keys to their sessions)."""
    registry = request.app[LIVE_KEY]
    name = check_stream_name(request.match_info["stream"])
    registry.authorize(name, request.headers.get("Authorization"))
    stream = registry.streams.get(name)
    return web.json_response(
        {
            "stream": name,
            "live": stream is not None and stream.live,
            "frames_in": stream.frames_in if stream is not None else 0,
            "bytes_in": stream.bytes_in if stream is not None else 0,
            "relay_workers": len(registry.pool.workers) if registry.pool is not None else 0,
            "viewers": await registry.viewer_stats(stream) if stream is not None else [],
        }
    )


async def live_page(request: web.Request) -> web.FileResponse:
    """The viewer page of a live show (its stream name is read from the path)."""
    check_stream_name(request.match_info["stream"])  # a valid name, or 400
    page = Path(str(resources.files("museion.streaming").joinpath("client"))) / "live.html"
    return web.FileResponse(page, headers={"Cache-Control": "no-cache"})
