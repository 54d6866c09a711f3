"""What a screen recording does to a stream, in memory: scale, encode at a low bitrate
with a real encoder (libx264 or libvpx through PyAV), decode."""

from __future__ import annotations

import io
from collections.abc import Iterable

import av
import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]


def reencode(
    frames: Iterable[Frame], size: tuple[int, int], bitrate: int, codec: str = "libx264"
) -> list[Frame]:
    """``frames`` scaled to ``size`` (width, height), encoded at ``bitrate`` bit/s at 30
    frames a second, and decoded again as RGB."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4" if codec == "libx264" else "webm") as out:
        stream = out.add_stream(codec, rate=30)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bitrate
        if codec == "libvpx":  # as WebRTC encodes VP8: in real time
            stream.options = {"deadline": "realtime", "cpu-used": "8"}
        for frame in frames:
            picture = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in stream.encode(picture.reformat(width=size[0], height=size[1])):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    buffer.seek(0)
    with av.open(buffer) as recording:
        return [f.to_ndarray(format="rgb24") for f in recording.decode(video=0)]
