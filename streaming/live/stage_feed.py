"""Live shows on the venue's stage screens: decode a stream small, hand it to the engine.

Each of the scene's stage screens watches one live stream by name.  While a publisher is on,
the stream's frames (the very encoded frames the relay forwards) go to a decoder thread of
the screen's own; it decodes them with libavcodec, scales each picture down to the screen's
texture (640 texels wide by default, not 4K) and puts at most ``stage_fps`` pictures a
second on the screen.  The render engine then re-renders only the views that can see it.

Costs stay bounded: nothing is decoded while no visitor is in the venue (the feed waits
for a keyframe, asking the publisher for one, when the first comes); a decoder that falls
behind (a 4K show on a busy machine) drops to the next keyframe instead of queueing; and
a picture is not handed over while the previous one still waits for the render thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any

import av
import numpy as np

from museion.runtime.engine import RenderEngine
from museion.runtime.stage_screens import fit, letterbox
from museion.streaming.live.stream import EncodedFrame, LiveStream

__all__ = ["StageFeed", "stage_feeds"]

logger = logging.getLogger(__name__)

MAX_QUEUED_BYTES = 8 * 1024 * 1024
"""Encoded bytes waiting for the decoder before it is made to skip to the next keyframe."""

_DECODERS = {"H264": "h264", "VP8": "vp8"}
_STOPPED = "stopped"  # the show ended: standby, and wait for the next
_CLOSE = "close"  # the server is shutting down: the thread ends


class StageFeed:
    """One stage screen showing one live stream."""

    def __init__(self, engine: RenderEngine, screen_id: str, stream: str, fps: int) -> None:
        self.engine = engine
        self.screen_id = screen_id
        self.stream_name = stream
        self.interval = 1.0 / fps
        self.size = engine.screen_size(screen_id)
        self.shown = 0
        self.decoded = 0
        self.skipped = 0
        self._queue: queue.SimpleQueue[tuple[str, EncodedFrame] | str] = queue.SimpleQueue()
        self._queued_bytes = 0
        self._lock = threading.Lock()
        self._need_keyframe = True
        self._codec: str | None = None
        self._thread: threading.Thread | None = None
        self._pending: Future[None] | None = None

    # -- on the event loop ---------------------------------------------------------------

    def attach(self, stream: LiveStream) -> None:
        """``stream``'s publisher is on: decode its frames until it stops."""
        if stream.name != self.stream_name or stream.codec not in _DECODERS:
            return
        self._codec = stream.codec
        self._need_keyframe = True
        stream.sinks.append(lambda frame: self._offer(stream, frame))
        stream.on_stop.append(self._stopped)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._decode_loop, name=f"museion-stage-{self.screen_id}", daemon=True
            )
            self._thread.start()
        logger.info("stage screen %s shows stream %s", self.screen_id, stream.name)

    def _offer(self, stream: LiveStream, frame: EncodedFrame) -> None:
        if self.engine.views_in_use == 0:  # nobody in the venue: decode nothing
            self._need_keyframe = True
            return
        if self._need_keyframe:
            if not frame.keyframe:
                stream.want_keyframe()  # rate-limited by the stream
                return
            self._need_keyframe = False
        with self._lock:
            if self._queued_bytes + frame.size > MAX_QUEUED_BYTES:
                self.skipped += 1
                self._need_keyframe = True
                return
            self._queued_bytes += frame.size
        assert self._codec is not None
        self._queue.put((self._codec, frame))

    def _stopped(self) -> None:
        self._queue.put(_STOPPED)

    def close(self) -> None:
        """Stop the decoder thread (the server is shutting down)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_CLOSE)
            self._thread.join(timeout=5)

    # -- on the decoder thread -----------------------------------------------------------

    def _decode_loop(self) -> None:
        decoder: Any = None
        codec: str | None = None
        last_shown = 0.0
        while True:
            item = self._queue.get()
            if isinstance(item, str):  # the show ended (a next one reuses this thread)
                self._post(None)
                decoder = None
                if item == _CLOSE:
                    return
                continue
            name, frame = item
            with self._lock:
                self._queued_bytes -= frame.size
            if decoder is None or codec != name:
                decoder = av.CodecContext.create(_DECODERS[name], "r")
                decoder.thread_type = "AUTO"
                codec = name
            try:
                pictures = decoder.decode(av.Packet(frame.data))
            except av.error.FFmpegError as exc:
                logger.debug("stage screen %s: undecodable frame: %s", self.screen_id, exc)
                self._need_keyframe = True
                continue
            for picture in pictures:
                self.decoded += 1
                now = time.monotonic()
                if now - last_shown < self.interval * 0.9 or not self._ready():
                    continue
                last_shown = now
                self._post(self._scaled(picture))

    def _scaled(self, picture: av.VideoFrame) -> np.ndarray[Any, np.dtype[np.uint8]]:
        width, height = fit(picture.width, picture.height, self.size)
        small = picture.reformat(width=width, height=height, format="rgb24")
        image = np.asarray(small.to_ndarray(), np.uint8)  # rgb24: already uint8
        return letterbox(image, *self.size)

    def _ready(self) -> bool:
        """Whether the render thread has taken the previous picture."""
        return self._pending is None or self._pending.done()

    def _post(self, image: np.ndarray[Any, np.dtype[np.uint8]] | None) -> None:
        self._pending = self.engine.executor.submit(
            self.engine.show_on_screen, self.screen_id, image
        )
        if image is not None:
            self.shown += 1


def stage_feeds(engine: RenderEngine, fps: int) -> list[StageFeed]:
    """A feed for each of the engine's stage screens."""
    return [
        StageFeed(engine, key, surface.screen.stream_name, fps)
        for key, surface in engine.screens.items()
    ]
