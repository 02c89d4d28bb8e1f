"""How far early schema fetches run ahead of their metadata (`PrefetchWindow`): three Hub
windows until both latencies are seen, then as many as a schema takes Hub answers."""

from __future__ import annotations

import asyncio

import pytest

from gradio_mcp.discovery._prefetch import FIRST_WINDOWS, MAX_WINDOWS, MIN_WINDOWS, PrefetchWindow

pytestmark = pytest.mark.anyio


def test_the_window_follows_the_latencies_seen() -> None:
    window = PrefetchWindow(hub_window=10)
    assert window.size == FIRST_WINDOWS * 10
    window.observe(hub=0.3)
    assert window.size == FIRST_WINDOWS * 10  # nothing known of schemas yet
    window.observe(schema=1.0)
    assert window.windows == 4  # a schema takes 3.3 Hub answers
    for _ in range(50):
        window.observe(hub=0.05, schema=0.05)
    assert window.windows == MIN_WINDOWS  # schemas as fast as the Hub: no less than two
    for _ in range(50):
        window.observe(hub=0.01, schema=5.0)
    assert window.windows == MAX_WINDOWS


async def full_window() -> tuple[PrefetchWindow, asyncio.Future[None]]:
    """A window of two slots (Hub window of one, schemas as fast as the Hub), both held, and
    a third fetch waiting for a slot."""
    window = PrefetchWindow(hub_window=1)
    window.observe(hub=0.1, schema=0.1)
    await window.acquire()
    await window.acquire()
    waiting = asyncio.ensure_future(window.acquire())
    await asyncio.sleep(0)
    assert window.size == 2 and not waiting.done()
    return window, waiting


async def test_fetches_past_the_window_wait_for_a_slot() -> None:
    window, third = await full_window()
    window.release()
    await asyncio.wait_for(third, 1)


async def test_slower_schemas_open_the_window_to_waiting_fetches() -> None:
    window, waiting = await full_window()
    for _ in range(50):
        window.observe(schema=0.5)  # five Hub answers a schema: five windows
    await asyncio.wait_for(waiting, 1)
    assert window.size == 5


async def test_a_cancelled_wait_takes_no_slot() -> None:
    window, gone = await full_window()
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    window.release()
    await asyncio.wait_for(window.acquire(), 1)  # the freed slot went to nobody else
    late = asyncio.ensure_future(window.acquire())
    await asyncio.sleep(0)
    assert not late.done()  # two held again: the window is full
    late.cancel()


async def test_a_wait_cancelled_then_passed_over_ends_as_cancelled() -> None:
    """A fetch cancelled while waiting, whose turn comes before it runs again: the turn goes
    to nobody, and the fetch ends cancelled (not with an error of the window's)."""
    window, gone = await full_window()
    gone.cancel()
    window.release()  # a wake-up passes over the cancelled waiter
    with pytest.raises(asyncio.CancelledError):
        await gone
    await asyncio.wait_for(window.acquire(), 1)
