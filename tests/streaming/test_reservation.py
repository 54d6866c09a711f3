"""The one mechanism that gives back what a request took (issue 13: a raising close left a
render view taken for ever)."""

from __future__ import annotations

import asyncio

import pytest

from museion.streaming.errors import CapacityReached
from museion.streaming.reservation import Places, Reservation


async def test_a_failed_request_gives_everything_back_newest_first_even_past_errors() -> None:
    order: list[str] = []

    async def close_view() -> None:
        order.append("view")

    def broken_close() -> None:
        order.append("pc")
        raise RuntimeError("aiortc's close raised")

    with pytest.raises(ValueError):
        async with Reservation("test") as held:
            held.add(lambda: order.append("place"))
            held.add(close_view)
            held.add(broken_close)
            raise ValueError("the offer could not be answered")
    assert order == ["pc", "view", "place"]


async def test_a_kept_reservation_is_released_once_by_its_owner() -> None:
    released: list[int] = []
    async with Reservation("session") as held:
        held.add(lambda: released.append(1))
    assert released == []  # success: the owner keeps it
    await held.release()
    await held.release()
    assert released == [1]
    with pytest.raises(RuntimeError):
        held.add(lambda: None)


async def test_a_cancelled_request_gives_back_too() -> None:
    places = Places(1, "places", retry_after=3)
    started = asyncio.Event()

    async def request() -> None:
        async with Reservation("request") as held:
            places.take(held)
            started.set()
            await asyncio.Event().wait()  # the client goes away here

    task = asyncio.ensure_future(request())
    await started.wait()
    assert places.in_use == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert places.in_use == 0


async def test_places_refuse_past_capacity_with_retry_after() -> None:
    places = Places(2, "viewing places", retry_after=7)
    first, second, third = Reservation("a"), Reservation("b"), Reservation("c")
    places.take(first)
    places.take(second)
    with pytest.raises(CapacityReached) as refused:
        places.take(third)
    assert refused.value.retry_after == 7 and "2 viewing places" in refused.value.message
    await first.release()
    places.take(third)
    assert places.in_use == 2
