"""streaming/live/pool.py: the pool's own life (start, a start that fails, close) without
a publisher; relaying through it is tests/streaming/live/test_live.py."""

from __future__ import annotations

import pytest

from museion.streaming.live.pool import RelayPool, WorkerLink
from museion.streaming.settings import StreamSettings

SETTINGS = StreamSettings(ice_addresses=("127.0.0.1",))


async def test_a_pool_starts_its_workers_and_close_ends_them() -> None:
    events: list[dict[str, object]] = []
    pool = RelayPool(SETTINGS, 2, lambda link, message: events.append(message))
    await pool.start()
    assert len(pool.workers) == 2 and all(link.ready.is_set() for link in pool.workers)
    await pool.close()
    # Reaped: a return code is known only once the process has ended.
    assert all(link.process.returncode is not None for link in pool.workers)
    assert events == []


async def test_a_pool_whose_start_failed_still_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    """start() tells its caller why; close() afterwards ends what did start, quietly."""
    pool = RelayPool(SETTINGS, 2, lambda link, message: None)
    spawn = pool._spawn

    async def second_fails(index: int) -> WorkerLink:
        if index == 1:
            raise OSError(24, "Too many open files")
        return await spawn(index)

    monkeypatch.setattr(pool, "_spawn", second_fails)
    with pytest.raises(OSError, match="Too many open files"):
        await pool.start()
    await pool.close()  # no error: the failure was start()'s to report
    assert [link.index for link in pool.workers] == [0]
    assert pool.workers[0].process.returncode is not None
