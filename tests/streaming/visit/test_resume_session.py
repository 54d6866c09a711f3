"""A page's failover, over real aiortc peers: the server keeps telling the page where its
visitor is (``where``), and a session on another server given that back (``resume``)
carries on from the same place."""

from __future__ import annotations

from typing import Any

import pytest

from museion.runtime.engine import RenderEngine
from museion.streaming.server import SESSIONS_KEY
from tests.conftest import serve, until, viewer

pytestmark = pytest.mark.render


def _where(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    told = [m for m in messages if m.get("type") == "where"]
    return told[-1] if told else None


async def test_where_a_visitor_is_carries_over_to_another_server(
    exhibition: RenderEngine,
) -> None:
    async with serve(exhibition) as first, viewer(first.url) as page:
        (session,) = first.app[SESSIONS_KEY].sessions.values()
        for seq in range(6):
            page.send({"type": "walk", "forward": 0.3, "turn": 6, "seq": seq})
        await until(lambda: session.commands_applied >= 6)
        stood = session.nav.walker
        assert stood is not None

        def told_here() -> bool:
            where = _where(page.messages)
            return where is not None and where["at"] == pytest.approx(
                list(stood.position), abs=1e-3
            )

        await until(told_here, what=lambda: _where(page.messages))
        where = _where(page.messages)
        assert where is not None and where["mode"] == "walk"
        async with serve(exhibition) as second, viewer(second.url) as moved:
            (other,) = second.app[SESSIONS_KEY].sessions.values()
            moved.send({**where, "type": "resume", "seq": 99})
            await until(lambda: other.nav.walker is not None and other.commands_applied >= 1)
            walker = other.nav.walker
            assert walker is not None
            assert walker.position == pytest.approx(stood.position, abs=1e-3)
            assert (walker.heading, walker.look) == pytest.approx((stood.heading, stood.look))
            # A resume from a hostile page is a refusal like any bad command.
            moved.send({"type": "resume", "mode": "orbit", "view": [0, 0, 0, 0, 0, -1], "seq": 7})
            await until(lambda: any(m.get("seq") == 7 for m in moved.messages))
            assert other.end_reason is None
