"""One interval of a server's figures (`Sample`), and the arithmetic over them that a
process's history, the fleet's and the dashboard share: hit rates, latency buckets and
their percentiles, the busiest spaces."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gradio_mcp._histogram import LATENCY_BUCKETS
from gradio_mcp.ops._space_status import iso

SAMPLE_SECONDS = 10.0
KEEP_SECONDS = 3600.0
# A chart shows this many spaces by name (the busiest of the window); the rest are summed.
MAX_CHART_SPACES = 6


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


def percentile(samples: Iterable[float], q: float) -> float | None:
    """The nearest-rank `q`-th percentile (0 < q <= 100), or None when there are no samples.

    Nearest rank always returns a value that was actually observed, which is what an operator
    reading "p99 = 812 ms" expects; interpolation would invent latencies nobody saw.
    """
    ordered = sorted(samples)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return round(ordered[rank - 1], 2)


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
            "time": iso(self.t),
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
