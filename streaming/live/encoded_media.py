"""aiortc without its codecs: encoded frames out of a receiver.

aiortc decodes every received frame on a thread and encodes every sent one; a relay wants
neither.  Contained adaptations, all on objects we create:

- :func:`tap_receiver` gives a receiver a larger jitter buffer (aiortc's 512 packets
  cannot hold a 4K keyframe at 35 Mbps: about 850 packets) and replaces the queue its
  decoder thread reads with one that hands each reassembled frame to us on the event loop;
  the decoder thread then only waits for the end.  It must run before the receiver starts
  (after ``setRemoteDescription``, before the connection is up).
- Sending is :mod:`rtp_out`'s: frames are packetized once and written to each viewer.

They reach into aiortc's name-mangled attributes; ``tests/streaming/test_rtp_out.py``
fails loudly if an aiortc upgrade moves them.
"""

from __future__ import annotations

import fractions
import logging
import queue
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.jitterbuffer import JitterBuffer

__all__ = [
    "JITTER_CAPACITY",
    "OnFrame",
    "raise_socket_buffers",
    "request_keyframe",
    "tap_receiver",
]

logger = logging.getLogger(__name__)

JITTER_CAPACITY = 4096  # packets: an 8K keyframe at 1200-byte packets fits
_TIME_BASE = fractions.Fraction(1, 90_000)

OnFrame = Callable[[str, bytes, int], None]


class _FrameTap(queue.Queue[Any]):
    """Stands where the receiver's decoder queue was: frames go to ``on_frame``; only the
    end marker (``None``) reaches the idle decoder thread."""

    def __init__(self, on_frame: OnFrame) -> None:
        super().__init__()
        self._on_frame = on_frame

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if item is None:
            super().put(None, block, timeout)
            return
        codec, frame = item
        try:
            self._on_frame(codec.name, bytes(frame.data), int(frame.timestamp))
        except Exception:  # a relay bug must not stop the receiver's packet handling
            logger.exception("relay failed to take a frame")


def tap_receiver(receiver: RTCRtpReceiver, on_frame: OnFrame) -> None:
    """Hand ``receiver``'s reassembled frames to ``on_frame(codec, data, timestamp)``."""
    if getattr(receiver, "_RTCRtpReceiver__started", True):
        raise RuntimeError("tap_receiver must run before the receiver starts")
    if getattr(receiver, "_RTCRtpReceiver__kind", None) == "video":
        receiver._RTCRtpReceiver__jitter_buffer = JitterBuffer(  # type: ignore[attr-defined]
            capacity=JITTER_CAPACITY, is_video=True
        )
    receiver._RTCRtpReceiver__decoder_queue = _FrameTap(on_frame)  # type: ignore[attr-defined]


def raise_socket_buffers(pc: RTCPeerConnection, size: int = 4 * 1024 * 1024) -> int:
    """Give ``pc``'s UDP sockets ``size``-byte kernel buffers (the kernel caps them at
    ``net.core.rmem_max``/``wmem_max``); returns how many sockets were changed.

    A 4K keyframe arrives as a burst of about 250 packets (300 KB at 12 Mbps), past the
    default 208 KiB receive buffer: without this the kernel drops the tail of every
    keyframe.  Call it after ``setLocalDescription`` (the sockets exist once gathered).
    """
    changed = 0
    for transceiver in pc.getTransceivers():
        ice = transceiver.receiver.transport.transport
        connection = getattr(ice, "_connection", None)
        for protocol in getattr(connection, "_protocols", []):
            transport = getattr(protocol, "transport", None)
            sock = transport.get_extra_info("socket") if transport is not None else None
            if sock is None:
                continue
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
            changed += 1
    return changed


def request_keyframe(receiver: RTCRtpReceiver) -> Awaitable[None] | None:
    """Send a PLI for the stream ``receiver`` is receiving (None before any packet came)."""
    streams = getattr(receiver, "_RTCRtpReceiver__active_ssrc", {})
    if not streams:
        return None
    ssrc = next(iter(streams))
    result: Awaitable[None] = receiver._send_rtcp_pli(ssrc)
    return result
