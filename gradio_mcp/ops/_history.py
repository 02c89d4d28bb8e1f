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
import bisect
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gradio_mcp._histogram import LATENCY_BUCKETS
from gradio_mcp.errors import RedisUnavailableError

if TYPE_CHECKING:
    from gradio_mcp.ops._fleet_history import FleetHistory
    from gradio_mcp.ops._metrics import Metrics

SAMPLE_SECONDS = 10.0
KEEP_SECONDS = 3600.0
# A chart shows this many spaces by name (the busiest of the window); the rest are summed.
MAX_CHART_SPACES = 6


def _percentile(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * q // 100))
    return round(ordered[int(rank) - 1], 2)


def hit_rates(hits: dict[str, int], misses: dict[str, int]) -> dict[str, float | None]:
    """Percent of lookups answered from each cache ("metadata", "schemas") and from both
    ("overall"); None for no lookups."""
    rates: dict[str, float | None] = {}
    for key in hits:
        lookups = hits[key] + misses.get(key, 0)
        rates[key] = round(100 * hits[key] / lookups, 2) if lookups else None
    total = sum(hits.values()) + sum(misses.values())
    rates["overall"] = round(100 * sum(hits.values()) / total, 2) if total else None
    return rates


def bucket_counts(durations_ms: Iterable[float]) -> list[int]:
    """How many durations fall in each latency bucket (the last is +Inf)."""
    counts = [0] * (len(LATENCY_BUCKETS) + 1)
    for ms in durations_ms:
        counts[bisect.bisect_left(LATENCY_BUCKETS, ms / 1000)] += 1
    return counts


def bucket_percentile(counts: Sequence[int], q: float) -> float | None:
    """The `q`-th percentile (ms) of bucketed durations, interpolated within its bucket as
    Prometheus's histogram_quantile does; None without durations."""
    total = sum(counts)
    if not total:
        return None
    rank, seen = q / 100 * total, 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            if index == len(LATENCY_BUCKETS):
                return LATENCY_BUCKETS[-1] * 1000  # beyond the last bound: that bound
            lower = LATENCY_BUCKETS[index - 1] if index else 0.0
            upper = LATENCY_BUCKETS[index]
            return round((lower + (upper - lower) * (rank - seen) / count) * 1000, 2)
        seen += count
    return None


def busiest_spaces(samples: Iterable[Sample], limit: int = MAX_CHART_SPACES) -> list[str]:
    """The spaces with the most calls over `samples`, busiest first."""
    totals: dict[str, int] = {}
    for label, (calls, failures) in itertools.chain.from_iterable(
        s.by_space.items() for s in samples
    ):
        totals[label] = totals.get(label, 0) + calls + failures
    return sorted(totals, key=lambda k: (-totals[k], k))[:limit]


def _newest(window: Iterable[float], how_many: int) -> list[float]:
    """The `how_many` newest durations of a bounded window (all of it if it holds fewer)."""
    items = list(window)
    return sorted(items[max(0, len(items) - how_many) :]) if how_many > 0 else []


@dataclass
class _Reading:
    """The live counters at one moment (cumulative)."""

    hits: dict[str, int]
    misses: dict[str, int]
    discoveries: int
    calls: dict[str, tuple[int, int, int]]  # label: (calls, failures, rejected)
    redis_errors: int
    tasks_failed: int


@dataclass
class Sample:
    """One interval's figures; `t` is its end (epoch seconds), `seconds` its length."""

    t: float
    seconds: float
    hit_rate: dict[str, float | None]  # "metadata", "schemas", "overall": percent or None
    lookups: int
    discoveries: int
    discovery_ms: dict[str, float | None]  # p50, p90, p99
    calls: int
    failures: int
    rejected: int
    call_ms: dict[str, float | None]  # p50, p90
    by_space: dict[str, tuple[int, int]] = field(default_factory=dict)  # (calls, failures)
    redis: str = "disabled"
    redis_errors: int = 0
    spaces_failing: int = 0
    tasks_failed: int = 0
    # What several processes' samples add up from (see _fleet_history): the counts behind
    # the hit rates, and the durations as histogram bucket counts (LATENCY_BUCKETS, +Inf).
    hits: dict[str, int] = field(default_factory=dict)
    misses: dict[str, int] = field(default_factory=dict)
    discovery_buckets: list[int] = field(default_factory=list)
    call_buckets: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.t)),
            "seconds": round(self.seconds, 3),
            "hitRate": self.hit_rate,
            "lookups": self.lookups,
            "discoveries": self.discoveries,
            "discoveryMs": self.discovery_ms,
            "calls": self.calls,
            "failures": self.failures,
            "rejected": self.rejected,
            "callMs": self.call_ms,
            "bySpace": {k: {"calls": c, "failures": f} for k, (c, f) in self.by_space.items()},
            "redis": self.redis,
            "redisErrors": self.redis_errors,
            "spacesFailing": self.spaces_failing,
            "tasksFailed": self.tasks_failed,
        }


class History:
    """Samples of one server's `Metrics`, `interval` seconds apart, the last `keep` seconds
    of them. Not thread-safe: use it from the server's event loop."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        interval: float = SAMPLE_SECONDS,
        keep: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.time,
        fleet: FleetHistory | None = None,
    ) -> None:
        self.metrics = metrics
        self.interval = interval
        self.samples: deque[Sample] = deque(maxlen=max(1, round(keep / interval)))
        self.fleet = fleet
        self._published = 0.0
        self._fleet_view: tuple[tuple[int, float], tuple[list[Sample], str]] | None = None
        self._clock = clock
        self._last_t = clock()
        self._last = self._read()

    def _read(self) -> _Reading:
        m = self.metrics
        d = m.discovery
        caches = {"metadata": d.metadata_cache.stats, "schemas": d.schema_cache.stats}
        redis = d.redis.status() if d.redis is not None else None
        return _Reading(
            hits={k: s.hits for k, s in caches.items()},
            misses={k: s.misses for k, s in caches.items()},
            discoveries=d.stats.discoveries,
            calls={k: (s.count, s.failures, s.rejected) for k, s in m.calls_by_space.items()},
            redis_errors=redis["errors"] if redis else 0,
            tasks_failed=m.tasks_by_outcome["failed"].count,
        )

    def now(self) -> float:
        return self._clock()

    def due(self) -> bool:
        return self._clock() - self._last_t >= self.interval

    def sample_if_due(self) -> None:
        """Take a sample when an interval has passed (cheap to call often)."""
        if self.due():
            self.sample()

    def sample(self) -> Sample:
        """Close the current interval: its figures become a sample."""
        now, reading, last = self._clock(), self._read(), self._last
        m, d = self.metrics, self.metrics.discovery

        hits = {key: reading.hits[key] - last.hits[key] for key in reading.hits}
        misses = {key: reading.misses[key] - last.misses[key] for key in reading.misses}
        rates = hit_rates(hits, misses)
        lookups = sum(hits.values()) + sum(misses.values())

        new_discoveries = reading.discoveries - last.discoveries
        found = _newest(d.stats.recent_durations_ms, new_discoveries)
        durations: list[float] = []
        by_space: dict[str, tuple[int, int]] = {}
        totals = [0, 0, 0]
        for label, (calls, failures, rejected) in reading.calls.items():
            before = last.calls.get(label, (0, 0, 0))
            delta = (calls - before[0], failures - before[1], rejected - before[2])
            if any(delta):
                by_space[label] = (delta[0], delta[1])
            totals = [a + b for a, b in zip(totals, delta, strict=True)]
            durations.extend(_newest(m.calls_by_space[label].recent_ms, delta[0]))
        durations.sort()
        redis = d.redis.status()["state"] if d.redis is not None else "disabled"
        sample = Sample(
            t=now,
            seconds=now - self._last_t,
            hit_rate=rates,
            lookups=lookups,
            discoveries=new_discoveries,
            discovery_ms={f"p{q}": _percentile(found, q) for q in (50, 90, 99)},
            calls=totals[0],
            failures=totals[1],
            rejected=totals[2],
            call_ms={f"p{q}": _percentile(durations, q) for q in (50, 90)},
            by_space=by_space,
            redis=redis,
            redis_errors=reading.redis_errors - last.redis_errors,
            spaces_failing=m.spaces.failing(),
            tasks_failed=reading.tasks_failed - last.tasks_failed,
            hits=hits,
            misses=misses,
            discovery_buckets=bucket_counts(found),
            call_buckets=bucket_counts(durations),
        )
        self.samples.append(sample)
        self._last, self._last_t = reading, now
        return sample

    def to_list(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.samples]

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
