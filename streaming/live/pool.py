"""The server's side of the relay workers: start them, hand them viewers, feed them frames.

Each frame comes in once (from the publisher), is packetized once (by its
:class:`LiveStream`), encoded once (:func:`relay_wire.encode_frame`) and written once per
worker.  A new viewer goes to the worker with the fewest.  A worker that falls behind
(more than :data:`MAX_BEHIND` bytes unread) skips to the next keyframe; a worker that dies
loses its viewers (told to the registry), is replaced, and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from museion.streaming import errors
from museion.streaming.errors import RelayUnavailable, StreamingError
from museion.streaming.live.stream import EncodedFrame, LiveStream
from museion.streaming.live.wire import decode, encode_frame, encode_json, read_length
from museion.streaming.live.worker import settings_to_json
from museion.streaming.settings import StreamSettings

__all__ = ["MAX_BEHIND", "RelayPool", "WorkerLink"]

logger = logging.getLogger(__name__)

MAX_BEHIND = 32 * 1024 * 1024  # unread bytes before a worker is cut back to a keyframe
READY_TIMEOUT = 30.0
ANSWER_TIMEOUT = 20.0

# Not ``-m``: the package imports the module first, and runpy warns of running it twice.
_WORKER_MAIN = "import sys; from museion.streaming.live.worker import main; sys.exit(main())"

OnEvent = Callable[["WorkerLink", dict[str, Any]], None]


@dataclass(eq=False)
class WorkerLink:
    """One worker process and the socket to it."""

    index: int
    process: asyncio.subprocess.Process
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    viewers: set[str] = field(default_factory=set)
    pending: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    behind: set[str] = field(default_factory=set)  # streams waiting for a keyframe
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    alive: bool = True
    skipped_frames: int = 0

    def write(self, data: bytes) -> None:
        if self.alive and not self.writer.is_closing():
            self.writer.write(data)

    def backlog(self) -> int:
        return self.writer.transport.get_write_buffer_size()


class RelayPool:
    """``count`` relay workers; ``on_event(worker, message)`` hears keyframe requests and
    viewers that left."""

    def __init__(
        self,
        settings: StreamSettings,
        count: int,
        on_event: OnEvent,
        kept_frames: Callable[[str], list[EncodedFrame]] = lambda name: [],
    ) -> None:
        self.settings = settings
        self.kept_frames = kept_frames
        self.count = count
        self.on_event = on_event
        self.workers: list[WorkerLink] = []
        # live stream -> (codec, H.264 profile-level-id, simulcast layers), replayed to new
        # workers, and each layer's picture size (workers see payloads, not pictures)
        self.streams: dict[str, tuple[str, str | None, tuple[str, ...], int | None]] = {}
        self.sizes: dict[str, dict[str, tuple[int, int]]] = {}
        self._requests = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._starting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the workers (once); returns when every one is ready."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start_all())
        await asyncio.shield(self._starting)

    async def _start_all(self) -> None:
        await asyncio.gather(*(self._spawn(i) for i in range(self.count)))

    async def _spawn(self, index: int) -> WorkerLink:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        for sock in (ours, theirs):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _WORKER_MAIN, str(theirs.fileno()),
                pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours, limit=2**20)
        link = WorkerLink(index, process, reader, writer)
        # In the list at once: frames published while it starts wait in its socket.
        for position, existing in enumerate(self.workers):
            if existing.index == index:  # a replacement
                self.workers[position] = link
                break
        else:
            self.workers.append(link)
        level = logging.getLogger("museion").getEffectiveLevel()
        link.write(
            encode_json(
                {
                    "op": "configure",
                    "settings": settings_to_json(self.settings),
                    "log_level": level,
                }
            )
        )
        for name, (codec, profile, layers, origin) in self.streams.items():
            # A worker that comes up mid-show gets the kept group of pictures first, so
            # its first viewers start at once rather than at the next keyframe.
            link.write(encode_json(_start(name, codec, profile, layers, origin)))
            if self.sizes.get(name):
                link.write(encode_json(_sizes(name, self.sizes[name])))
            for frame in self.kept_frames(name):
                link.write(encode_frame(name, frame))
        task = asyncio.ensure_future(self._listen(link))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            await asyncio.wait_for(link.ready.wait(), READY_TIMEOUT)
        except TimeoutError:
            logger.error("relay worker %d did not start in %.0f s", index, READY_TIMEOUT)
        logger.info("relay worker %d up (pid %d)", index, process.pid)
        return link

    async def _listen(self, link: WorkerLink) -> None:
        try:
            while True:
                header = await link.reader.readexactly(4)
                kind, message = decode(await link.reader.readexactly(read_length(header)))
                if kind != "json":
                    continue
                if message.get("event") == "ready":
                    link.ready.set()
                elif "req" in message:
                    future = link.pending.pop(int(message["req"]), None)
                    if future is not None and not future.done():
                        future.set_result(message)
                else:
                    if message.get("event") == "left":
                        link.viewers.discard(str(message.get("viewer")))
                    self.on_event(link, message)
        except (asyncio.IncompleteReadError, ConnectionError, StreamingError) as exc:
            if not self._closing:
                logger.error("relay worker %d is gone (%s)", link.index, exc)
        finally:
            await self._lost(link)

    async def _lost(self, link: WorkerLink) -> None:
        link.alive = False
        for future in link.pending.values():
            if not future.done():
                future.set_exception(RelayUnavailable("The relay worker serving you stopped."))
        for viewer in list(link.viewers):
            self.on_event(link, {"event": "left", "viewer": viewer, "reason": "relay worker lost"})
        link.viewers.clear()
        link.writer.close()  # a transport's close never raises; a second one does nothing
        if link.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it exited a moment ago
                link.process.kill()
        await link.process.wait()
        if self._closing or link not in self.workers:
            return
        await self._spawn(link.index)

    def _pick(self) -> WorkerLink:
        alive = [w for w in self.workers if w.alive and w.ready.is_set()]
        if not alive:
            raise RelayUnavailable("The relay is starting or restarting; try again shortly.")
        return min(alive, key=lambda w: len(w.viewers))

    async def view(
        self, stream: str, offer: str, audio: bool = False
    ) -> tuple[WorkerLink, str, str]:
        """A worker answers ``offer`` for ``stream`` (with ``audio`` if the show has it):
        (the worker, viewer id, answer)."""
        await self.start()
        link = self._pick()
        ask: dict[str, Any] = {"op": "view", "stream": stream, "offer": offer, "audio": audio}
        reply = await self._ask(link, ask)
        if not reply.get("ok"):
            kind = getattr(errors, str(reply.get("error")), None)
            message = str(reply.get("message", "The relay refused the offer."))
            if isinstance(kind, type) and issubclass(kind, errors.SignallingError):
                if kind is errors.CapacityReached:
                    raise errors.CapacityReached(message, retry_after=self.settings.retry_after)
                raise kind(message)
            raise RelayUnavailable(message)
        viewer = str(reply["viewer"])
        link.viewers.add(viewer)
        return link, viewer, str(reply["answer"])

    async def stats(self) -> list[dict[str, Any]]:
        """Every worker's viewers' counters (see :meth:`Viewer.stats`), each with its worker."""
        found: list[dict[str, Any]] = []
        for link in [w for w in self.workers if w.alive]:
            reply = await self._ask(link, {"op": "stats"})
            found += [dict(v, worker=link.index) for v in reply.get("viewers", [])]
        return found

    async def choose(self, link: WorkerLink, viewer: str, layer: str) -> None:
        """``viewer`` (served by ``link``) gets simulcast ``layer``."""
        await self._ask(link, {"op": "layer", "viewer": viewer, "layer": layer})

    async def _ask(self, link: WorkerLink, message: dict[str, Any]) -> dict[str, Any]:
        request = next(self._requests)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        link.pending[request] = future
        link.write(encode_json({**message, "req": request}))
        try:
            return await asyncio.wait_for(future, ANSWER_TIMEOUT)
        except TimeoutError:
            raise RelayUnavailable("The relay did not answer in time; try again.") from None
        finally:
            link.pending.pop(request, None)

    def leave(self, link: WorkerLink, viewer: str) -> None:
        """Tell ``link`` to let ``viewer`` go, unless it already has (it said so, or died)."""
        if viewer in link.viewers:
            link.viewers.discard(viewer)
            link.write(encode_json({"op": "leave", "viewer": viewer}))

    def stream_started(
        self,
        name: str,
        codec: str,
        profile_level_id: str | None = None,
        layers: tuple[str, ...] = (),
        rtp_origin: int | None = None,
    ) -> None:
        self.streams[name] = (codec, profile_level_id, layers, rtp_origin)
        self.sizes.pop(name, None)
        self._broadcast(encode_json(_start(name, codec, profile_level_id, layers, rtp_origin)))

    def stream_stopped(self, name: str, reason: str) -> None:
        self.streams.pop(name, None)
        self.sizes.pop(name, None)
        self._broadcast(encode_json({"op": "stop", "stream": name, "reason": reason}))

    def frame(self, name: str, frame: EncodedFrame, stream: LiveStream | None = None) -> None:
        """One video frame to every worker: encoded once, written once each (a simulcast
        keyframe that told ``stream`` a new picture size tells the workers first)."""
        if frame.keyframe and frame.layer and stream is not None:
            size = stream.layers[frame.layer].size
            sizes = self.sizes.setdefault(name, {})
            if size is not None and sizes.get(frame.layer) != size:
                sizes[frame.layer] = size
                self._broadcast(encode_json(_sizes(name, sizes)))
        data = encode_frame(name, frame)
        for link in self.workers:
            if name in link.behind:
                if not frame.keyframe:
                    link.skipped_frames += 1
                    continue
                link.behind.discard(name)
            if link.backlog() > MAX_BEHIND:
                link.behind.add(name)
                link.skipped_frames += 1
                logger.warning("relay worker %d is behind; it resumes at a keyframe", link.index)
                continue
            link.write(data)

    def audio(self, name: str, frame: EncodedFrame) -> None:
        data = encode_frame(name, frame, audio=True)
        for link in self.workers:
            if link.backlog() <= MAX_BEHIND:
                link.write(data)

    def _broadcast(self, data: bytes) -> None:
        for link in self.workers:
            link.write(data)

    async def close(self) -> None:
        self._closing = True
        if self._starting is not None:
            # Until the starting is over, however it went: a failure was start()'s to
            # raise, and its caller heard it.
            await asyncio.wait([self._starting])
        for link in self.workers:
            link.writer.close()
        for link in self.workers:
            try:
                await asyncio.wait_for(link.process.wait(), 10)
            except TimeoutError:
                link.process.kill()
                await link.process.wait()
        for task in list(self._tasks):
            task.cancel()


def _start(
    name: str,
    codec: str,
    profile_level_id: str | None,
    layers: tuple[str, ...],
    rtp_origin: int | None,
) -> dict[str, object]:
    return {
        "op": "start",
        "stream": name,
        "codec": codec,
        "profile": profile_level_id,
        "layers": list(layers),
        "origin": rtp_origin,
    }


def _sizes(name: str, sizes: dict[str, tuple[int, int]]) -> dict[str, object]:
    return {"op": "sizes", "stream": name, "sizes": {r: list(s) for r, s in sizes.items()}}


def default_workers() -> int:
    """One relay worker per core."""
    return max(1, len(os.sched_getaffinity(0)))
