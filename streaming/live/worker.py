"""A relay worker: a process of its own that sends live shows to some of the viewers.

One Python event loop is one core.  The server process takes the publishers (WHIP),
packetizes each frame once and writes it once to every worker over a Unix socket
(:mod:`.wire`); each worker keeps a copy of each live stream (:class:`LiveStream`:
the last group of pictures for joiners, bounded per-viewer queues) and answers the WHEP
viewers the server hands it, sending to them with :class:`DirectSender`.  A worker knows
nothing of HTTP or tokens; the server decides who may watch.

Run by :class:`~museion.streaming.live.pool.RelayPool` as
``python -c '...live.worker import main...' FD``; its first message configures it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import sys
from collections.abc import Coroutine
from typing import Any

from museion.streaming.errors import StreamingError, StreamNotLive
from museion.streaming.ice import configure_ice
from museion.streaming.live.dtls import allow_rsa_peers
from museion.streaming.live.stream import LiveStream, RelayLimits
from museion.streaming.live.viewers import Viewer, attach_viewer
from museion.streaming.live.wire import WireError, decode, encode_json, read_length
from museion.streaming.negotiation import register_profiles
from museion.streaming.reservation import Reservation
from museion.streaming.settings import IceServer, StreamSettings

__all__ = ["Worker", "settings_from_json", "settings_to_json"]

logger = logging.getLogger(__name__)


def settings_to_json(settings: StreamSettings) -> dict[str, Any]:
    return dataclasses.asdict(settings)


def settings_from_json(values: dict[str, Any]) -> StreamSettings:
    known = {f.name for f in dataclasses.fields(StreamSettings)}
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            continue
        if key == "ice_servers":
            value = tuple(IceServer(**server) for server in value)
        elif isinstance(value, list):
            value = tuple(value)
        kept[key] = value
    return StreamSettings(**kept)


class Worker:
    """The worker's state: its copies of the live streams and its viewers."""

    def __init__(self, settings: StreamSettings, writer: asyncio.StreamWriter) -> None:
        self.settings = settings
        self.writer = writer
        self.streams: dict[str, LiveStream] = {}
        self.viewers: dict[str, Viewer] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, message: dict[str, Any]) -> None:
        if not self.writer.is_closing():
            self.writer.write(encode_json(message))

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def handle(self, kind: str, value: Any) -> None:
        if kind == "video":
            name, frame = value
            stream = self.streams.get(name)
            if stream is not None and stream.live:
                stream.publish(frame)
        elif kind == "audio":
            name, frame = value
            stream = self.streams.get(name)
            if stream is not None and stream.live:
                stream.publish_audio_frame(frame)
        else:
            self.control(value)

    def control(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "start":
            profile = message.get("profile")
            self.start(
                str(message["stream"]),
                str(message["codec"]),
                profile if isinstance(profile, str) else None,
                tuple(str(rid) for rid in message.get("layers") or ()),
                origin if isinstance(origin := message.get("origin"), int) else None,
            )
        elif op == "sizes":
            stream = self.streams.get(str(message["stream"]))
            for rid, (width, height) in dict(message["sizes"]).items():
                if stream is not None and rid in stream.layers:
                    stream.layers[rid].size = int(width), int(height)
        elif op == "stop":
            self.spawn(self.stop(str(message["stream"]), str(message.get("reason", "ended"))))
        elif op == "view":
            request, name = int(message["req"]), str(message["stream"])
            self.spawn(self.view(request, name, message["offer"], bool(message.get("audio"))))
        elif op == "stats":
            stats = [v.stats() for v in self.viewers.values()]
            self.send({"req": int(message["req"]), "ok": True, "viewers": stats})
        elif op == "layer":
            viewer = self.viewers.get(str(message["viewer"]))
            if viewer is not None:
                viewer.choose(str(message["layer"]))
            self.send({"req": int(message["req"]), "ok": viewer is not None})
        elif op == "leave":
            viewer = self.viewers.get(str(message["viewer"]))
            if viewer is not None:
                self.spawn(self.end_viewer(viewer, "left", tell=False))
        else:
            logger.warning("relay worker: unknown control message %r", op)

    def start(
        self,
        name: str,
        codec: str,
        profile_level_id: str | None = None,
        layers: tuple[str, ...] = (),
        rtp_origin: int | None = None,
    ) -> None:
        stream = self.streams.get(name)
        if stream is None:
            stream = self.streams[name] = LiveStream(name, RelayLimits())

        def ask_keyframe(layer: str = "") -> None:
            self.send({"event": "keyframe", "stream": name, "layer": layer})

        stream.start(
            codec, ask_keyframe, None, profile_level_id, layers, ask_keyframe, rtp_origin=rtp_origin
        )

    async def stop(self, name: str, reason: str) -> None:
        stream = self.streams.pop(name, None)
        if stream is None:
            return
        stream.stop(reason)
        for viewer in [v for v in self.viewers.values() if v.stream is stream]:
            await self.end_viewer(viewer, reason, tell=False)

    async def view(self, request: int, name: str, offer: str, audio: bool) -> None:
        stream = self.streams.get(name)
        held = Reservation(f"viewer of {name}")
        try:
            async with held:
                if stream is None:
                    raise StreamNotLive(
                        f"Stream '{name}' is not live; try again when the show starts."
                    )
                # The server has seen the show's audio even if this worker's first packet
                # is still on its way.
                stream.has_audio = stream.has_audio or audio
                viewer, answer = await attach_viewer(
                    stream, offer, self.settings, self.spawn, held, self.end_viewer
                )
                self.viewers[viewer.id] = viewer
                held.add(lambda: self.viewers.pop(viewer.id, None))
        except StreamingError as exc:
            self.send(
                {"req": request, "ok": False, "error": type(exc).__name__, "message": str(exc)}
            )
            return
        except Exception as exc:  # a bug on one offer: refused, the worker goes on
            logger.exception("relay worker: offer refused")
            self.send({"req": request, "ok": False, "error": "SdpMalformed", "message": str(exc)})
            return
        self.send({"req": request, "ok": True, "viewer": viewer.id, "answer": answer})

    async def end_viewer(self, viewer: Viewer, reason: str, tell: bool = True) -> None:
        if viewer.ended is not None:
            return
        viewer.ended = reason
        if tell:
            self.send({"event": "left", "viewer": viewer.id, "reason": reason})
        await viewer.held.release()

    async def close(self) -> None:
        for viewer in list(self.viewers.values()):
            await self.end_viewer(viewer, "relay shutdown", tell=False)


async def serve(fd: int) -> None:
    """Read the server's messages until it goes away."""
    sock = socket.socket(fileno=fd)
    reader, writer = await asyncio.open_unix_connection(sock=sock, limit=2**20)
    kind, first = decode(await reader.readexactly(read_length(await reader.readexactly(4))))
    if kind != "json" or first.get("op") != "configure":
        raise WireError("a relay worker's first message configures it")
    logging.basicConfig(
        level=int(first.get("log_level", logging.WARNING)),
        format="%(asctime)s %(levelname)s %(name)s[worker]: %(message)s",
    )
    settings = settings_from_json(first["settings"])
    configure_ice(settings)
    worker = Worker(settings, writer)
    worker.send({"event": "ready"})
    try:
        while True:
            header = await reader.readexactly(4)
            body = await reader.readexactly(read_length(header))
            kind, value = decode(body)
            worker.handle(kind, value)
    except asyncio.IncompleteReadError:
        logger.info("relay worker: the server went away")
    finally:
        await worker.close()
        writer.close()  # a transport's close never raises


def main() -> int:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.stderr.write("usage: python -m museion.streaming.live.worker FD\n")
        return 2
    allow_rsa_peers()
    register_profiles()
    asyncio.run(serve(int(sys.argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
