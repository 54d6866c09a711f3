"""HTTP/1.1 by hand, for what aiohttp's client will not send: a body cut into TCP segments
with pauses between them (as a real network delivers a 5 KB offer), a chunked body,
header bytes that are not UTF-8, a request that never finishes its headers."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def send(
    base: str,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    cuts: tuple[int, ...] = (),
    pause: float = 0.0,
    chunked: bool = False,
    raw_headers: bytes = b"",
) -> Reply:
    """One request on a fresh connection: the body is written in pieces split at ``cuts``
    (byte offsets), each piece its own segment (``TCP_NODELAY``), ``pause`` s apart."""
    url = urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}")
        writer.write("\r\n".join(lines).encode() + b"\r\n" + raw_headers + b"\r\n")
        await writer.drain()
        bounds = [0, *sorted(c for c in cuts if 0 < c < len(body)), len(body)]
        for start, end in itertools.pairwise(bounds):
            piece = body[start:end]
            if chunked:
                piece = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
            if pause and start:
                await asyncio.sleep(pause)  # the network's gap between two segments
            writer.write(piece)
            await writer.drain()
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        return await read_reply(reader)
    finally:
        writer.close()


async def read_reply(reader: asyncio.StreamReader) -> Reply:
    """Status, headers (lower-case names) and the body of one response."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Reply(int(status_line.split()[1]), headers, body)
