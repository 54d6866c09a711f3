"""A WebSocket client as the tests hold one (a tour's room, the waiting room): everything it
was told, read as it comes, and whether the server closed it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

__all__ = ["Told", "told"]


@dataclass
class Told:
    """An open socket and every JSON message it received."""

    socket: aiohttp.ClientWebSocketResponse
    messages: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False

    async def read(self) -> None:
        async for message in self.socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.messages.append(json.loads(message.data))
        self.closed = True

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The messages of ``type`` ``kind``, oldest first."""
        return [m for m in self.messages if m.get("type") == kind]

    async def say(self, message: dict[str, Any] | str) -> None:
        await self.socket.send_str(message if isinstance(message, str) else json.dumps(message))


T = TypeVar("T", bound=Told)


@contextlib.asynccontextmanager
async def told(
    url: str,
    params: dict[str, str] | None = None,
    listen: bool = True,
    kind: type[T] = Told,  # type: ignore[assignment]
) -> AsyncIterator[T]:
    """A socket to ``url`` for the block, held as a ``kind``; with ``listen`` off it
    neither reads nor answers pings (a frozen or vanished tab)."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url, params=params, autoping=listen) as socket,
    ):
        held = kind(socket)
        reader = asyncio.ensure_future(held.read()) if listen else None
        try:
            yield held
        finally:
            if reader is not None:
                reader.cancel()
