"""The datachannel's token bucket and its flood judgement, on a clock the test moves."""

from __future__ import annotations

from museion.streaming.visit.rate_limit import RateLimit
from tests.conftest import Clock


def test_a_burst_of_one_seconds_worth_passes_and_the_rest_is_dropped() -> None:
    clock = Clock()
    limit = RateLimit(10, clock)
    allowed = [limit.allow() for _ in range(15)]
    assert allowed == [True] * 10 + [False] * 5
    assert limit.dropped == 5


def test_tokens_come_back_with_time_up_to_one_second_of_them() -> None:
    clock = Clock()
    limit = RateLimit(10, clock)
    for _ in range(10):
        limit.allow()
    assert not limit.allow()
    clock.now += 0.35  # three and a half tokens
    assert [limit.allow() for _ in range(4)] == [True, True, True, False]
    clock.now += 60.0
    assert sum(limit.allow() for _ in range(20)) == 10


def test_an_eager_client_is_not_a_flood_but_a_sustained_excess_is() -> None:
    clock = Clock()
    limit = RateLimit(10, clock)
    for _ in range(10 + 10):  # ten over the burst: half the window's allowance
        limit.allow()
    assert limit.dropped == 10
    assert not limit.flooding
    limit.allow()  # the eleventh drop inside the window
    assert limit.flooding


def test_the_flood_window_starts_over_after_two_quiet_seconds() -> None:
    clock = Clock()
    limit = RateLimit(10, clock)
    for _ in range(21):
        limit.allow()
    assert limit.flooding
    clock.now += RateLimit.FLOOD_WINDOW + 0.01
    for _ in range(10 + 1):  # the refilled second's worth and one drop
        limit.allow()
    assert not limit.flooding
