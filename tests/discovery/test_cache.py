"""FetchCache behaviour, with a hand-driven clock and counted fetches."""

from __future__ import annotations

import asyncio

import pytest

from gradio_mcp.discovery._cache import HIT, MISS, STALE, Entry, FetchCache, Fetched
from tests.clock import Clock

pytestmark = pytest.mark.anyio


class Upstream:
    """A fetch function that counts calls and can be told to fail, wait or answer 304."""

    def __init__(self) -> None:
        self.calls = 0
        self.seen_etags: list[str | None] = []
        self.fail: Exception | None = None
        self.not_modified = False
        self.private = False
        self.delay = 0.0
        self.value = "v1"

    async def __call__(self, previous: Entry[str] | None) -> Fetched[str]:
        self.calls += 1
        self.seen_etags.append(previous.etag if previous else None)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        if self.not_modified and previous is not None:
            return Fetched(previous.value, not_modified=True)
        return Fetched(self.value, etag=f'"{self.value}"', store=not self.private)


def make(clock: Clock, **kw: object) -> FetchCache[str]:
    options: dict[str, object] = {"ttl": 10.0, "negative_ttl": 5.0, "maxsize": 100}
    options.update(kw)
    return FetchCache("test", clock=clock, **options)  # type: ignore[arg-type]


async def test_fresh_entry_is_served_without_fetching() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock)
    assert await cache.get("k", up) == ("v1", MISS)
    clock.now += 9.9
    assert await cache.get("k", up) == ("v1", HIT)
    assert up.calls == 1
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)


async def test_concurrent_lookups_share_one_fetch() -> None:
    clock, up = Clock(), Upstream()
    up.delay = 0.05
    cache = make(clock)
    results = await asyncio.gather(*(cache.get("k", up) for _ in range(20)))
    assert {value for value, _ in results} == {"v1"}
    assert up.calls == 1
    assert cache.stats.merged_fetches == 19


async def test_different_flight_keys_never_share_a_fetch() -> None:
    clock, up = Clock(), Upstream()
    up.delay, up.private = 0.05, True
    cache = make(clock)
    await asyncio.gather(
        cache.get("k", up, flight_key=("k", "token-a")),
        cache.get("k", up, flight_key=("k", "token-b")),
    )
    assert up.calls == 2


async def test_uncacheable_results_are_never_stored() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock)
    await cache.get("k", up)
    up.private = True
    clock.now += 11
    cache.stale_while_revalidate = False
    await cache.get("k", up)  # turned private: the public entry must go too
    await cache.get("k", up)
    assert up.calls == 3
    assert len(cache) == 0


async def test_expired_entry_is_served_while_one_background_refresh_runs() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock)
    await cache.get("k", up)
    clock.now += 11
    up.value, up.delay = "v2", 0.05
    first = await asyncio.gather(*(cache.get("k", up) for _ in range(5)))
    assert first == [("v1", STALE)] * 5
    await asyncio.sleep(0.1)
    assert up.calls == 2  # one refresh, not five
    assert await cache.get("k", up) == ("v2", HIT)
    assert cache.stats.background_refreshes == 1


async def test_revalidation_sends_the_etag_and_304_renews_the_entry() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock, stale_while_revalidate=False)
    await cache.get("k", up)
    clock.now += 11
    up.not_modified = True
    assert await cache.get("k", up) == ("v1", MISS)
    assert up.seen_etags == [None, '"v1"']
    assert cache.stats.etag_revalidations == 1
    clock.now += 9  # freshness restarts from the 304
    assert await cache.get("k", up) == ("v1", HIT)


async def test_failure_is_remembered_for_the_negative_ttl() -> None:
    clock, up = Clock(), Upstream()
    up.fail = RuntimeError("dead")
    cache = make(clock, stale_while_revalidate=False)
    for _ in range(3):
        with pytest.raises(RuntimeError, match="dead"):
            await cache.get("k", up)
    assert up.calls == 1
    assert cache.stats.negative_hits == 2
    clock.now += 5.1
    with pytest.raises(RuntimeError):
        await cache.get("k", up)
    assert up.calls == 2


async def test_an_old_failure_answers_while_one_background_retry_runs() -> None:
    clock, up = Clock(), Upstream()
    up.fail = RuntimeError("dead")
    cache = make(clock)
    with pytest.raises(RuntimeError):
        await cache.get("k", up)
    clock.now += 5.1
    up.fail = None
    for _ in range(3):
        with pytest.raises(RuntimeError, match="dead"):
            await cache.get("k", up)
    await asyncio.sleep(0.05)
    assert up.calls == 2  # one retry, not three
    assert await cache.get("k", up) == ("v1", HIT)


async def test_stale_entry_survives_a_failing_upstream() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock, stale_while_revalidate=False)
    await cache.get("k", up)
    clock.now += 11
    up.fail = RuntimeError("down")
    assert await cache.get("k", up) == ("v1", STALE)
    assert await cache.get("k", up) == ("v1", STALE)  # no new fetch within the negative TTL
    assert up.calls == 2
    assert cache.stats.stale_if_error == 1


async def test_lru_bound_evicts_the_least_recently_used() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock, maxsize=2)
    await cache.get("a", up)
    await cache.get("b", up)
    await cache.get("a", up)  # a is now the most recent
    await cache.get("c", up)
    assert len(cache) == 2
    assert cache.peek("b") is None and cache.peek("a") is not None
    assert cache.stats.evictions == 1


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch() -> None:
    clock, up = Clock(), Upstream()
    up.delay = 0.1
    cache = make(clock)
    impatient = asyncio.ensure_future(cache.get("k", up))
    patient = asyncio.ensure_future(cache.get("k", up))
    await asyncio.sleep(0.02)
    impatient.cancel()
    assert await patient == ("v1", MISS)
    assert up.calls == 1


async def test_zero_ttl_turns_storage_off() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock, ttl=0.0)
    await cache.get("k", up)
    await cache.get("k", up)
    assert up.calls == 2 and len(cache) == 0


async def test_a_remembered_failure_does_not_grow_its_traceback() -> None:
    clock, up = Clock(), Upstream()
    up.fail = RuntimeError("dead")
    cache = make(clock)
    depth = 0
    for _ in range(50):
        try:
            await cache.get("k", up)
        except RuntimeError as exc:
            tb, depth = exc.__traceback__, 0
            while tb is not None:
                tb, depth = tb.tb_next, depth + 1
    assert depth < 10


async def test_a_definitive_failure_drops_the_stale_entry() -> None:
    clock, up = Clock(), Upstream()
    cache = make(clock, stale_while_revalidate=False, is_definitive=lambda e: "gone" in str(e))
    await cache.get("k", up)
    clock.now += 11
    up.fail = RuntimeError("gone")
    with pytest.raises(RuntimeError, match="gone"):
        await cache.get("k", up)
    assert cache.peek("k") is None
