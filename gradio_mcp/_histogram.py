"""Latency histograms with fixed buckets, as Prometheus wants them: every observation is
counted in its bucket for good, so many replicas' histograms add up (windowed quantiles of a
summary cannot be aggregated)."""

from __future__ import annotations

import bisect

# Upper bounds in seconds, from a fast cached answer to a call near its 15-minute limit.
LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    900.0,
)


class Histogram:
    """Counts per bucket (the last is +Inf), the count and the sum, in seconds."""

    def __init__(self, bounds: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.count = 0
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        # A value equal to a bound belongs to that bound's bucket (le = less or equal).
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.count += 1
        self.sum += seconds

    def cumulative(self) -> list[tuple[str, int]]:
        """`(le, observations <= le)` for every bound and "+Inf", as Prometheus exposes them."""
        out: list[tuple[str, int]] = []
        running = 0
        for bound, n in zip((*map(repr, self.bounds), "+Inf"), self.counts, strict=True):
            running += n
            out.append((bound, running))
        return out
