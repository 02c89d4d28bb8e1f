"""The last hour of a server's figures, for the dashboard's charts: one sample every
`interval` seconds in a bounded ring, kept in memory.

Each sample describes its own interval, from the difference between two readings of the
live counters: the hit rates of the lookups made in it, the discoveries and tool calls that
ended in it (their count and latency percentiles, exact, from the durations recorded in the
interval), failures and refused calls per space, Redis's state and errors, the spaces failing
at its end. Nothing is recorded twice: the counters stay where they are (`Metrics`,
`Discovery`), and a sample costs a few dictionary reads.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gradio_mcp.errors import RedisUnavailableError
from gradio_mcp.ops._fleet_history import FleetHistory
from gradio_mcp.ops._samples import (
    KEEP_SECONDS,
    SAMPLE_SECONDS,
    Sample,
    bucket_counts,
    hit_rates,
    percentile,
)


def _newest(window: Iterable[float], how_many: int) -> list[float]:
    """The `how_many` newest durations of a bounded window (all of it if it holds fewer)."""
    items = list(window)
    return sorted(items[max(0, len(items) - how_many) :]) if how_many > 0 else []


@dataclass
class Reading:
    """The live counters at one moment (cumulative), and the windows of recent durations
    that an interval's newest ones are taken from (live windows: read them at once)."""

    hits: dict[str, int]
    misses: dict[str, int]
    discoveries: int
    calls: dict[str, tuple[int, int, int]]  # label: (calls, failures, rejected)
    redis: str  # its state, "disabled" without Redis
    redis_errors: int
    tasks_failed: int
    spaces_failing: int
    discovery_window: Iterable[float]
    call_windows: dict[str, Iterable[float]]


class History:
    """Samples of one server's counters (`read`: `Metrics.reading`), SAMPLE_SECONDS apart,
    the last KEEP_SECONDS of them. Not thread-safe: use it from the server's event loop."""

    def __init__(
        self,
        read: Callable[[], Reading],
        *,
        clock: Callable[[], float] = time.time,
        fleet: FleetHistory | None = None,
    ) -> None:
        self._read = read
        self.interval = SAMPLE_SECONDS
        self.samples: deque[Sample] = deque(maxlen=round(KEEP_SECONDS / SAMPLE_SECONDS))
        self.fleet = fleet
        self._published = 0.0
        self._fleet_view: tuple[tuple[int, float], tuple[list[Sample], str]] | None = None
        self._clock = clock
        self._last_t = clock()
        self._last = self._read()

    def now(self) -> float:
        return self._clock()

    def sample_if_due(self) -> None:
        """Take a sample when an interval has passed (cheap to call often)."""
        if self._clock() - self._last_t >= self.interval:
            self.sample()

    def sample(self) -> Sample:
        """Close the current interval: its figures become a sample."""
        now, reading, last = self._clock(), self._read(), self._last

        hits = {key: reading.hits[key] - last.hits[key] for key in reading.hits}
        misses = {key: reading.misses[key] - last.misses[key] for key in reading.misses}
        rates = hit_rates(hits, misses)
        lookups = sum(hits.values()) + sum(misses.values())

        new_discoveries = reading.discoveries - last.discoveries
        found = _newest(reading.discovery_window, new_discoveries)
        durations: list[float] = []
        by_space: dict[str, tuple[int, int]] = {}
        totals = [0, 0, 0]
        for label, (calls, failures, rejected) in reading.calls.items():
            before = last.calls.get(label, (0, 0, 0))
            delta = (calls - before[0], failures - before[1], rejected - before[2])
            if any(delta):
                by_space[label] = (delta[0], delta[1])
            totals = [a + b for a, b in zip(totals, delta, strict=True)]
            durations.extend(_newest(reading.call_windows[label], delta[0]))
        durations.sort()
        sample = Sample(
            t=now,
            seconds=now - self._last_t,
            hit_rate=rates,
            lookups=lookups,
            discoveries=new_discoveries,
            discovery_ms={f"p{q}": percentile(found, q) for q in (50, 90, 99)},
            calls=totals[0],
            failures=totals[1],
            rejected=totals[2],
            call_ms={f"p{q}": percentile(durations, q) for q in (50, 90)},
            by_space=by_space,
            redis=reading.redis,
            redis_errors=reading.redis_errors - last.redis_errors,
            spaces_failing=reading.spaces_failing,
            tasks_failed=reading.tasks_failed - last.tasks_failed,
            hits=hits,
            misses=misses,
            discovery_buckets=bucket_counts(found),
            call_buckets=bucket_counts(durations),
        )
        self.samples.append(sample)
        self._last, self._last_t = reading, now
        return sample

    async def publish(self) -> None:
        """Send the samples not yet shared to the fleet's history (with Redis): those of
        the window; a Redis that is down only delays them."""
        if self.fleet is None:
            return
        start = self._clock() - self.interval * (self.samples.maxlen or 1)
        for sample in [s for s in self.samples if s.t > max(self._published, start)]:
            try:
                await self.fleet.publish(sample)
            except RedisUnavailableError:
                return
            self._published = sample.t

    async def chart_samples(self) -> tuple[list[Sample], str]:
        """The samples to chart and whose they are: the fleet's (read from Redis once per
        local sample) or, without Redis or while it is down, this process's own."""
        own = list(self.samples)
        if self.fleet is None:
            return own, "this process"
        key = (len(own), own[-1].t if own else 0.0)
        if self._fleet_view is not None and self._fleet_view[0] == key:
            return self._fleet_view[1]
        try:
            await self.publish()
            fleet, processes = await self.fleet.read(self._clock())
        except RedisUnavailableError:
            return own, "this process only: Redis is unavailable"
        plural = "process" if processes == 1 else "processes"
        view = (fleet, f"the fleet: {processes} {plural} sharing Redis")
        self._fleet_view = (key, view)
        return view

    async def run(self) -> None:
        """Sample every `interval` seconds until cancelled (the server's lifespan), and
        share the samples with the fleet."""
        while True:
            await asyncio.sleep(max(0.05, self.interval - (self._clock() - self._last_t)))
            self.sample_if_due()
            await self.publish()
