"""Protected RTP packets to one address in as few system calls as UDP GSO allows.

A run of equal-sized packets (the last may be shorter) goes as one ``sendmsg`` that Linux
segments: a system call for up to 64 packets rather than one each.  A refused send is a
loss, as on the network, never an exception out of the pump that serves every viewer.
"""

from __future__ import annotations

import errno
import logging
import socket
import struct
import sys
from typing import Any

__all__ = ["Batch", "send_datagram"]

logger = logging.getLogger(__name__)

_UDP_SEGMENT = 103  # linux/udp.h: the segment size of a GSO send
_GSO_MAX = 64  # segments the kernel takes in one send
_gso = sys.platform == "linux"  # off for good once the kernel refuses it


class Batch:
    """Protected packets on their way to one address, sent as few system calls as UDP GSO
    allows: a run of equal-sized packets (the last may be shorter) is one ``sendmsg``.

    A full socket buffer, or any other refusal of the send, drops the run, as the network
    would (counted by the caller).
    """

    def __init__(self, sock: Any, address: Any) -> None:
        self.sock = sock
        self.address = address
        self.data = bytearray()
        self.size = 0  # of each packet in the run
        self.count = 0
        self.closed = False  # a shorter packet ended the run
        self.sends = 0

    def add(self, packet: memoryview) -> int:
        """Queue ``packet`` (copied); returns the packets dropped by a send it caused."""
        dropped = 0
        length = len(packet)
        if self.count and (self.closed or length > self.size or self.count == _GSO_MAX or not _gso):
            dropped = self.flush()
        if not self.count:
            self.size = length
        elif length < self.size:
            self.closed = True
        self.data += packet
        self.count += 1
        return dropped

    def flush(self) -> int:
        """Send the run; returns how many of its packets the socket dropped."""
        global _gso
        count, data, size = self.count, self.data, self.size
        if not count:
            return 0
        self.data, self.count, self.closed = bytearray(), 0, False
        if count == 1:
            sent = send_datagram(self.sock, data, self.address)
            self.sends += sent
            return 1 - sent
        try:
            option = [(socket.SOL_UDP, _UDP_SEGMENT, struct.pack("=H", size))]
            self.sock.sendmsg([data], option, 0, self.address)
            self.sends += 1
            return 0
        except (BlockingIOError, InterruptedError):
            return count
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EIO, errno.ENOPROTOOPT):
                logger.debug("a send to %s failed: %s", self.address, exc)
                return count  # lost, as on the network (see _send_datagram)
            _gso = False  # this kernel or device will not segment: one packet a call
            logger.warning("UDP GSO refused (%s); sending a packet per system call", exc)
        sent = sum(
            send_datagram(self.sock, data[start : start + size], self.address)
            for start in range(0, len(data), size)
        )
        self.sends += sent
        return count - sent


def send_datagram(sock: Any, data: bytes | bytearray, address: Any) -> int:
    """1 when ``data`` went, 0 when the socket refused it: a full buffer, no route, no
    memory (ENOBUFS)... is a loss, as on the network (the viewer's NACKs ask again, or ICE
    consent lets it go), never an exception out of the pump that serves every viewer."""
    try:
        sock.sendto(data, address)
    except OSError as exc:
        if not isinstance(exc, BlockingIOError | InterruptedError):
            logger.debug("a send to %s failed: %s", address, exc)
        return 0
    return 1
