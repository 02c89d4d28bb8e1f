"""An async cache for upstream documents: TTL from fetch time, ETag revalidation,
single-flight, negative caching, stale-while-revalidate, stale-if-error, LRU bound.

One `FetchCache` holds one kind of document (space metadata, or endpoint schemas). The
fetch function is supplied per lookup, so the cache knows nothing about HTTP; it is told
whether a result may be stored (private spaces may not) and whether the upstream said
"not modified" (a 304, which renews the stored entry).

An optional `SharedLevel` sits behind the in-process entries: a second level other processes
read and write too (Redis, in `_shared.py`; the cache knows nothing of it but this protocol).
A local hit never reaches it. A local miss asks it before the upstream, and takes its turn
there so that one process in the fleet fetches while the others wait for that result;
whatever is fetched and may be stored is written through.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import cachetools

from gradio_mcp._log import get_logger

V = TypeVar("V")

log = get_logger("gradio_mcp.cache")


@dataclass(slots=True)  # one per cached space and document: no per-instance dict
class Entry(Generic[V]):
    """A stored value and what is needed to revalidate it."""

    value: V
    fetched_at: float
    etag: str | None = None


@dataclass(frozen=True)
class Fetched(Generic[V]):
    """What a fetch function returns.

    `not_modified`: the upstream confirmed the previous entry (HTTP 304); `value` is ignored.
    `store`: False for anything that must never be cached (private spaces).
    """

    value: V
    etag: str | None = None
    store: bool = True
    not_modified: bool = False


@dataclass(frozen=True)
class SharedEntry(Generic[V]):
    """What a shared level holds for a key: a value (with its ETag, fetched `age` seconds
    ago), a failure remembered since `failure_age` seconds, or both (the failure is newer)."""

    value: V | None
    age: float
    etag: str | None = None
    failure: Exception | None = None
    failure_age: float = 0.0


class SharedLevel(Protocol[V]):
    """A cache level shared with other processes. It never raises: a level that cannot be
    reached behaves as an empty one whose turns are always granted."""

    async def load(self, key: Hashable) -> SharedEntry[V] | None:
        """The entry under `key`, fresh or not, or None."""
        ...

    async def save(self, key: Hashable, value: V, etag: str | None) -> None:
        """Store a value fetched just now."""
        ...

    async def save_failure(self, key: Hashable, failure: Exception) -> None:
        """Remember a failed fetch (a level may decline to share failures)."""
        ...

    async def forget(self, key: Hashable) -> None:
        """Drop the entry: the upstream said it is gone, or no longer public."""
        ...

    def fetch_turn(
        self, key: Hashable, *, known: bool
    ) -> AbstractAsyncContextManager[SharedEntry[V] | None]:
        """Wait for this process's turn to fetch `key` for the fleet. Gives the latest entry
        seen while waiting, or None: a fresh entry is another process's result; otherwise
        this process fetches (revalidating what it was given, if anything) and writes the
        result through before leaving. `known`: the level had an entry for the key (so the
        key is one it may name)."""
        ...


@dataclass
class CacheStats:
    """Counters for one cache. `hits` are local (stale entries served without waiting
    included); `shared_hits` are local misses answered by the shared level, `shared_misses`
    those it could not answer (they went upstream)."""

    hits: int = 0
    misses: int = 0
    shared_hits: int = 0
    shared_misses: int = 0
    stale_served: int = 0
    etag_revalidations: int = 0
    negative_hits: int = 0
    merged_fetches: int = 0
    fetches: int = 0
    fetch_failures: int = 0
    background_refreshes: int = 0
    stale_if_error: int = 0
    evictions: int = 0
    uncacheable: int = 0

    @property
    def hit_rate(self) -> float:
        lookups = self.hits + self.misses
        return 100.0 * self.hits / lookups if lookups else 0.0


# Background refreshes start this much later, so the caller who found the stale entry gets
# its answer before the refresh requests take the event loop (measured: 24 spaces' refreshes
# otherwise delay a stale answer by about 250 ms of request setup).
REFRESH_DELAY = 0.005

# A lookup's outcome, for per-space timing logs.
HIT, STALE, MISS, SHARED = "hit", "stale", "miss", "shared"
# Outcomes that hand back the very object kept before (not one fetched or decoded anew).
KEPT_OUTCOMES = frozenset({HIT, STALE})


class _LRU(cachetools.LRUCache[Hashable, Entry[V]]):
    """An LRU that counts evictions (cachetools calls popitem only to evict)."""

    def __init__(self, maxsize: int, on_evict: Callable[[], None]) -> None:
        super().__init__(maxsize=maxsize)
        self._on_evict = on_evict

    def popitem(self) -> tuple[Hashable, Entry[V]]:
        self._on_evict()
        return super().popitem()


class FetchCache(Generic[V]):
    """See the module docstring. All times are seconds on `clock` (monotonic by default)."""

    def __init__(
        self,
        name: str,
        *,
        ttl: float,
        negative_ttl: float,
        maxsize: int,
        stale_while_revalidate: bool = True,
        clock: Callable[[], float] = time.monotonic,
        is_definitive: Callable[[Exception], bool] = lambda _exc: False,
        shared: SharedLevel[V] | None = None,
        failure_ttl: Callable[[Exception], float | None] = lambda _exc: None,
    ) -> None:
        """`failure_ttl`: how long the upstream asked to be left alone after this failure
        (its `Retry-After`), if it said; a failure is then remembered that long, and never
        shorter than `negative_ttl`."""
        self.name = name
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.stale_while_revalidate = stale_while_revalidate
        # A definitive failure (the thing is gone, or no longer ours to see) also drops the
        # stored entry: stale-if-error is for outages, not for answers.
        self.is_definitive = is_definitive
        self.failure_ttl = failure_ttl
        # No point sharing what is never kept.
        self.shared = shared if ttl > 0 else None
        self.stats = CacheStats()
        self._clock = clock
        self._entries: _LRU[V] = _LRU(maxsize, self._count_eviction)
        # flight -> (when it failed, the failure, how long it is remembered)
        self._failures: cachetools.LRUCache[Hashable, tuple[float, BaseException, float]] = (
            cachetools.LRUCache(maxsize=maxsize)
        )
        self._inflight: dict[Hashable, asyncio.Task[tuple[V, str]]] = {}
        self._background: set[asyncio.Task[tuple[V, str]]] = set()

    def _count_eviction(self) -> None:
        self.stats.evictions += 1

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: Hashable) -> Entry[V] | None:
        """The stored entry, whatever its age, without touching statistics."""
        return self._entries.get(key)

    async def forget(self, key: Hashable) -> None:
        """Drop the entry for `key` and its remembered failures (whoever's token they were
        fetched with), here and in the shared level: the next lookup fetches afresh."""
        self._entries.pop(key, None)
        for flight in list(self._failures):
            if flight == key or (isinstance(flight, tuple) and flight and flight[0] == key):
                self._failures.pop(flight, None)
        if self.shared is not None:
            await self.shared.forget(key)

    def expires_at(self, key: Hashable) -> float | None:
        """When the stored entry for `key` stops being fresh (None when there is none)."""
        entry = self._entries.get(key)
        return None if entry is None else entry.fetched_at + self.ttl

    def failure_expires_at(self, flight: Hashable) -> float | None:
        """When the failure remembered for `flight` stops answering (None when there is none)."""
        failure = self._failures.get(flight)
        return None if failure is None else failure[0] + failure[2]

    @property
    def refreshing(self) -> int:
        """Background refreshes still running."""
        return len(self._background)

    async def get(
        self,
        key: Hashable,
        fetch: Callable[[Entry[V] | None], Awaitable[Fetched[V]]],
        *,
        flight_key: Hashable | None = None,
        share: bool = True,
    ) -> tuple[V, str]:
        """The value for `key` and how it was obtained (hit, stale, shared or miss).

        `flight_key` identifies who may share an in-flight fetch and a remembered failure:
        callers with different tokens pass different flight keys, so they never share one.
        `share=False` keeps this lookup away from the shared level altogether (a key that
        names something private must not even be asked for there).
        Raises whatever `fetch` raised (possibly remembered from a recent failure).
        """
        flight = key if flight_key is None else flight_key
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry.fetched_at < self.ttl:
            self.stats.hits += 1
            return entry.value, HIT
        failure = self._failures.get(flight)
        failed_recently = failure is not None and now - failure[0] < failure[2]
        if entry is not None and (self.stale_while_revalidate or failed_recently):
            # Serve the expired entry now; refresh it behind the caller's back, unless the
            # upstream failed moments ago (then the entry is kept: stale-if-error).
            self.stats.hits += 1
            self.stats.stale_served += 1
            if not failed_recently:
                self._refresh_in_background(key, flight, fetch, entry, share)
            return entry.value, STALE
        if failure is not None and (failed_recently or self.stale_while_revalidate):
            # A remembered failure answers at once. Once it is older than the negative TTL it
            # still does, while one background retry finds out whether the upstream is back:
            # a dead upstream then never makes a caller wait for its timeout again.
            self.stats.negative_hits += 1
            if not failed_recently:
                self._refresh_in_background(key, flight, fetch, entry, share)
            # Without its old traceback, which would grow with every re-raise.
            raise failure[1].with_traceback(None)
        if flight in self._inflight:
            self.stats.merged_fetches += 1
            self.stats.misses += 1
            return await asyncio.shield(self._inflight[flight])
        self.stats.misses += 1
        task = self._start_fetch(key, flight, fetch, entry, share)
        try:
            return await asyncio.shield(task)
        except Exception as exc:
            if entry is not None and not self.is_definitive(exc):
                self.stats.stale_if_error += 1
                return entry.value, STALE
            raise

    def _refresh_in_background(
        self,
        key: Hashable,
        flight: Hashable,
        fetch: Callable[[Entry[V] | None], Awaitable[Fetched[V]]],
        entry: Entry[V] | None,
        share: bool,
    ) -> None:
        if flight in self._inflight:
            return
        self.stats.background_refreshes += 1
        task = self._start_fetch(key, flight, fetch, entry, share, delay=REFRESH_DELAY)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _start_fetch(
        self,
        key: Hashable,
        flight: Hashable,
        fetch: Callable[[Entry[V] | None], Awaitable[Fetched[V]]],
        previous: Entry[V] | None,
        share: bool,
        delay: float = 0.0,
    ) -> asyncio.Task[tuple[V, str]]:
        task = asyncio.get_running_loop().create_task(
            self._run_fetch(key, flight, fetch, previous, share, delay)
        )
        self._inflight[flight] = task
        task.add_done_callback(lambda _t: self._inflight.pop(flight, None))
        # Its waiters may all have gone; the failure is already counted and remembered.
        task.add_done_callback(lambda t: None if t.cancelled() else t.exception())
        return task

    async def _run_fetch(
        self,
        key: Hashable,
        flight: Hashable,
        fetch: Callable[[Entry[V] | None], Awaitable[Fetched[V]]],
        previous: Entry[V] | None,
        share: bool,
        delay: float = 0.0,
    ) -> tuple[V, str]:
        if delay:
            await asyncio.sleep(delay)
        shared = self.shared if share else None
        if shared is None:
            return await self._fetch_upstream(key, flight, fetch, previous, None), MISS
        remote = await shared.load(key)
        if remote is not None:
            found = self._adopt(key, flight, remote)
            if found is not None:
                return found, SHARED
            previous = self._newer(previous, remote)
        async with shared.fetch_turn(key, known=remote is not None) as fetched_elsewhere:
            if fetched_elsewhere is not None:
                found = self._adopt(key, flight, fetched_elsewhere)
                if found is not None:
                    return found, SHARED
                previous = self._newer(previous, fetched_elsewhere)
            self.stats.shared_misses += 1
            return await self._fetch_upstream(key, flight, fetch, previous, shared), MISS

    def _newer(self, previous: Entry[V] | None, remote: SharedEntry[V]) -> Entry[V] | None:
        """The entry to revalidate: an expired shared one when it is newer than ours (its
        ETag is the latest any process saw)."""
        if remote.value is None:
            return previous
        if previous is not None and self._clock() - previous.fetched_at <= remote.age:
            return previous
        return Entry(remote.value, self._clock() - remote.age, remote.etag)

    def _adopt(self, key: Hashable, flight: Hashable, remote: SharedEntry[V]) -> V | None:
        """Take a shared entry as our own when it is fresh: its value; or, when another
        process's fetch failed moments ago, its older value (stale-if-error) or else the
        failure, raised. None when there is nothing fresh (the caller then fetches)."""
        now = self._clock()
        if remote.value is not None and remote.age < self.ttl:
            self.stats.shared_hits += 1
            self._entries[key] = Entry(remote.value, now - remote.age, remote.etag)
            return remote.value
        if remote.failure is None or remote.failure_age >= self.negative_ttl:
            return None
        self.stats.shared_hits += 1
        self._failures[flight] = (now - remote.failure_age, remote.failure, self.negative_ttl)
        if remote.value is not None:
            self.stats.stale_if_error += 1
            self._entries[key] = Entry(remote.value, now - remote.age, remote.etag)
            return remote.value
        raise remote.failure

    async def _fetch_upstream(
        self,
        key: Hashable,
        flight: Hashable,
        fetch: Callable[[Entry[V] | None], Awaitable[Fetched[V]]],
        previous: Entry[V] | None,
        shared: SharedLevel[V] | None,
    ) -> V:
        self.stats.fetches += 1
        try:
            result = await fetch(previous)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.stats.fetch_failures += 1
            remembered = max(self.negative_ttl, self.failure_ttl(exc) or 0.0)
            if remembered > 0:
                self._failures[flight] = (self._clock(), exc, remembered)
            definitive = self.is_definitive(exc)
            if definitive:
                self._entries.pop(key, None)
            log.debug("fetch_failed", cache=self.name, error=type(exc).__name__)
            if shared is not None:
                if definitive:
                    await shared.forget(key)
                if self.negative_ttl > 0:
                    await shared.save_failure(key, exc)
            raise
        self._failures.pop(flight, None)
        now = self._clock()
        if result.not_modified and previous is not None:
            self.stats.etag_revalidations += 1
            previous.fetched_at = now
            if key not in self._entries:
                self._entries[key] = previous
            if shared is not None:
                await shared.save(key, previous.value, previous.etag)
            return previous.value
        if not result.store or self.ttl <= 0:
            # Never keep it, and drop what an earlier (public) fetch stored under this key.
            self.stats.uncacheable += 1
            self._entries.pop(key, None)
            if shared is not None:
                await shared.forget(key)
            return result.value
        self._entries[key] = Entry(result.value, now, result.etag)
        if shared is not None:
            await shared.save(key, result.value, result.etag)
        return result.value

    async def aclose(self) -> None:
        """Cancel background refreshes (the owner is shutting down)."""
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
