"""A stage screen fed by a live stream's encoded frames: decoded only while someone is in
the venue, shown small, standby between shows, and a next show picked up."""

from __future__ import annotations

import time
from collections.abc import Callable

import av
import numpy as np

from museion.runtime.engine import RenderEngine
from museion.streaming.live.stage_feed import StageFeed, stage_feeds
from museion.streaming.live.stream import LiveStream
from tests.stage_scene import FACING, H, W, on_screen

GREEN = (0, 200, 0)


def h264_frames(count: int, colour: tuple[int, int, int]) -> list[bytes]:
    """``count`` frames of one colour, H.264 (Annex B), a keyframe every 10."""
    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 320, 180, "yuv420p"
    encoder.framerate = 30
    encoder.options = {"tune": "zerolatency", "preset": "ultrafast", "g": "10", "bf": "0"}
    image = np.zeros((180, 320, 3), np.uint8)
    image[:] = colour
    out = []
    for n in range(count):
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
        frame.pts = n
        out += [bytes(p) for p in encoder.encode(frame)]
    out += [bytes(p) for p in encoder.encode(None)]
    return out


def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def _show(stream: LiveStream, frames: list[bytes]) -> None:
    for n, data in enumerate(frames):
        stream.publish_frame(data, n * 3000)
        time.sleep(0.01)


def test_the_feed_decodes_only_for_visitors_and_survives_a_second_show(
    stage: RenderEngine,
) -> None:
    stage.show_on_screen("main", None)  # the shared engine's screen, as a server starts it
    (feed,) = stage_feeds(stage, fps=30)
    assert (feed.screen_id, feed.stream_name, feed.size) == ("main", "show", (640, 360))
    requests: list[float] = []
    stream = LiveStream("show")
    try:
        stream.start("H264", lambda: requests.append(time.monotonic()))
        feed.attach(stream)
        _show(stream, h264_frames(12, GREEN))
        assert feed.decoded == 0  # nobody in the venue: nothing decoded

        source = stage.open_view(W, H, preview=False)
        try:
            _show(stream, h264_frames(12, GREEN)[1:])  # it starts on a P frame: ask for a key
            assert requests
            _show(stream, h264_frames(12, GREEN))
            _wait(lambda: feed.shown > 0)
            _wait(lambda: abs(on_screen(source.frame(FACING), 0.5, 0.5) - GREEN).max() < 40)

            stream.stop("publisher left")
            red = (220, 0, 0)
            stream.start("H264", None)
            feed.attach(stream)  # the next show, at once: the decoder thread goes on with it
            _show(stream, h264_frames(12, red))
            _wait(lambda: abs(on_screen(source.frame(FACING), 0.5, 0.5) - red).max() < 40)

            stream.stop("publisher left")
            _wait(lambda: on_screen(source.frame(FACING), 0.5, 0.5).max() < 30)  # standby
        finally:
            source.close()
    finally:
        stream.stop("end")
        feed.close()


def test_a_feed_ignores_other_streams_and_codecs(stage: RenderEngine) -> None:
    feed = StageFeed(stage, "main", "show", fps=15)
    other = LiveStream("rehearsal")
    other.start("H264", None)
    feed.attach(other)
    assert not other.sinks
    opus_only = LiveStream("show")
    opus_only.start("OPUS", None)
    feed.attach(opus_only)
    assert not opus_only.sinks
    feed.close()
