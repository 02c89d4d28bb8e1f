"""ProgressThrottle: a rate bound on progress notifications that never drops the last one."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from gradio_mcp.gradio._progress import ProgressUpdate
from gradio_mcp.serving._throttle import ProgressThrottle

pytestmark = pytest.mark.anyio


def update(i: int) -> ProgressUpdate:
    return ProgressUpdate(progress=float(i), total=1000.0, message=f"step {i}")


async def test_throttle_bounds_the_rate_and_keeps_order() -> None:
    sent: list[tuple[float, ProgressUpdate]] = []

    async def sink(u: ProgressUpdate) -> None:
        sent.append((time.monotonic(), u))

    throttle = ProgressThrottle(sink, max_per_second=20)
    started = time.monotonic()
    for i in range(300):  # ~300 updates over ~0.6 s
        await throttle(update(i))
        await asyncio.sleep(0.002)
    await throttle.flush()
    elapsed = time.monotonic() - started

    assert len(sent) <= elapsed * 20 + 2
    assert len(sent) >= 5  # it forwards, not just drops
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(sent)]
    assert min(gaps[:-1]) >= 0.045  # 50 ms apart, give or take timer jitter (flush may be sooner)
    values = [u.progress for _, u in sent]
    assert values == sorted(values)
    assert throttle.delivered == len(sent) and throttle.dropped == 300 - len(sent)


async def test_throttle_always_delivers_the_last_update_by_timer() -> None:
    sent: list[ProgressUpdate] = []

    async def sink(u: ProgressUpdate) -> None:
        sent.append(u)

    throttle = ProgressThrottle(sink, max_per_second=10)
    for i in range(5):
        await throttle(update(i))
    assert [u.progress for u in sent] == [0]  # the first goes at once, the rest wait
    await asyncio.sleep(0.25)  # no flush: the timer delivers the newest
    assert [u.progress for u in sent] == [0, 4]


async def test_flush_delivers_pending_at_once() -> None:
    sent: list[ProgressUpdate] = []

    async def sink(u: ProgressUpdate) -> None:
        sent.append(u)

    throttle = ProgressThrottle(sink, max_per_second=0.5)  # one per 2 s
    await throttle(update(1))
    await throttle(update(2))
    started = time.monotonic()
    await throttle.flush()
    assert time.monotonic() - started < 0.5
    assert [u.progress for u in sent] == [1, 2]
    await throttle.flush()  # nothing pending: nothing sent twice
    assert len(sent) == 2


async def test_aclose_drops_pending_updates() -> None:
    sent: list[ProgressUpdate] = []

    async def sink(u: ProgressUpdate) -> None:
        sent.append(u)

    throttle = ProgressThrottle(sink, max_per_second=1)
    await throttle(update(1))
    await throttle(update(2))
    await throttle.aclose()
    await throttle(update(3))
    await asyncio.sleep(0.05)
    assert [u.progress for u in sent] == [1]
