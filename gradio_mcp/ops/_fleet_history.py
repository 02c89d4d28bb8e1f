"""The fleet's last hour, shared through Redis: each process publishes its samples, and any
process's dashboard draws the charts of all of them.

Samples are filed by interval: `{prefix}:history:{n}` (n = the sample's end time divided by
the interval) is a hash of one field per process (`host:pid`), the sample's mergeable
figures as JSON, expiring with the window. Merged, an interval's hit rates come from the
summed hits and misses and its percentiles from the summed histogram buckets (interpolated
as Prometheus does), so they are those of the whole fleet, not an average of averages.

Redis is a help, never a condition: when it is down or answers nonsense, the dashboard
draws this process's own samples and says so. What is read is checked before it is used
(the shape of every value, a size bound on each), as from any other upstream.
"""

from __future__ import annotations

import json
import math
import os
import socket
from collections.abc import Mapping, Sequence
from typing import Any

from gradio_mcp._histogram import LATENCY_BUCKETS
from gradio_mcp.errors import RedisUnavailableError
from gradio_mcp.net import RedisConnection
from gradio_mcp.ops._samples import (
    KEEP_SECONDS,
    SAMPLE_SECONDS,
    Sample,
    bucket_percentile,
    hit_rates,
)

# A published sample is a few hundred bytes; anything far bigger is not one of ours.
MAX_SAMPLE_BYTES = 64 * 1024
BUCKETS = len(LATENCY_BUCKETS) + 1
_REDIS_ORDER = {"down": 3, "up": 2, "unknown": 1, "disabled": 0}


def interval_number(t: float, interval: float) -> int:
    # Halves round up: round() takes them to the even number, which files two samples an
    # interval apart, at 5 and 15 s past the tens, under one number (one lost, one gap).
    return math.floor(t / interval + 0.5)


def shared(sample: Sample) -> dict[str, Any]:
    """What of a sample other processes add up: counts and bucket counts, no percentiles."""
    return {
        "hits": sample.hits,
        "misses": sample.misses,
        "discoveries": sample.discoveries,
        "discoveryBuckets": sample.discovery_buckets,
        "calls": sample.calls,
        "failures": sample.failures,
        "rejected": sample.rejected,
        "callBuckets": sample.call_buckets,
        "bySpace": {label: list(pair) for label, pair in sample.by_space.items()},
        "redis": sample.redis,
        "redisErrors": sample.redis_errors,
        "spacesFailing": sample.spaces_failing,
        "tasksFailed": sample.tasks_failed,
    }


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("not a count")
    return value


def _counts(value: Any, length: int) -> list[int]:
    if not isinstance(value, list) or len(value) != length:
        raise ValueError("not a list of bucket counts")
    return [_count(v) for v in value]


def _table(value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or len(value) > 8:
        raise ValueError("not a table of counts")
    return {str(k): _count(v) for k, v in value.items()}


def parse(raw: bytes) -> dict[str, Any]:
    """One published sample, checked; ValueError when it is not one."""
    if len(raw) > MAX_SAMPLE_BYTES:
        raise ValueError("too large")
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    by_space = data.get("bySpace")
    if not isinstance(by_space, dict) or len(by_space) > 1024:
        raise ValueError("bySpace is not a table")
    redis = data.get("redis")
    return {
        "hits": _table(data.get("hits")),
        "misses": _table(data.get("misses")),
        "discoveries": _count(data.get("discoveries")),
        "discoveryBuckets": _counts(data.get("discoveryBuckets"), BUCKETS),
        "calls": _count(data.get("calls")),
        "failures": _count(data.get("failures")),
        "rejected": _count(data.get("rejected")),
        "callBuckets": _counts(data.get("callBuckets"), BUCKETS),
        "bySpace": {str(k): tuple(_counts(v, 2)) for k, v in by_space.items()},
        "redis": redis if redis in _REDIS_ORDER else "unknown",
        "redisErrors": _count(data.get("redisErrors")),
        "spacesFailing": _count(data.get("spacesFailing")),
        "tasksFailed": _count(data.get("tasksFailed")),
    }


def merge(t: float, seconds: float, parts: Sequence[Mapping[str, Any]]) -> Sample:
    """One interval of the fleet from its processes' samples."""
    hits: dict[str, int] = {}
    misses: dict[str, int] = {}
    by_space: dict[str, tuple[int, int]] = {}
    discovery = [0] * BUCKETS
    calls = [0] * BUCKETS
    for part in parts:
        for key, n in part["hits"].items():
            hits[key] = hits.get(key, 0) + n
        for key, n in part["misses"].items():
            misses[key] = misses.get(key, 0) + n
        for label, (c, f) in part["bySpace"].items():
            before = by_space.get(label, (0, 0))
            by_space[label] = (before[0] + c, before[1] + f)
        discovery = [a + b for a, b in zip(discovery, part["discoveryBuckets"], strict=True)]
        calls = [a + b for a, b in zip(calls, part["callBuckets"], strict=True)]
    for key in misses:
        hits.setdefault(key, 0)
    return Sample(
        t=t,
        seconds=seconds,
        hit_rate=hit_rates(hits, misses),
        lookups=sum(hits.values()) + sum(misses.values()),
        discoveries=sum(p["discoveries"] for p in parts),
        discovery_ms={f"p{q}": bucket_percentile(discovery, q) for q in (50, 90, 99)},
        calls=sum(p["calls"] for p in parts),
        failures=sum(p["failures"] for p in parts),
        rejected=sum(p["rejected"] for p in parts),
        call_ms={f"p{q}": bucket_percentile(calls, q) for q in (50, 90)},
        by_space=by_space,
        redis=max((p["redis"] for p in parts), key=_REDIS_ORDER.__getitem__, default="unknown"),
        redis_errors=sum(p["redisErrors"] for p in parts),
        # A space failing on several processes is one space: the most any of them saw.
        spaces_failing=max((p["spacesFailing"] for p in parts), default=0),
        tasks_failed=sum(p["tasksFailed"] for p in parts),
        hits=hits,
        misses=misses,
        discovery_buckets=discovery,
        call_buckets=calls,
    )


class FleetHistory:
    """Publishes this process's samples to Redis and reads back the fleet's."""

    def __init__(self, redis: RedisConnection) -> None:
        self.redis = redis
        self.interval, self.keep = SAMPLE_SECONDS, KEEP_SECONDS
        self.instance = f"{socket.gethostname()}:{os.getpid()}"  # this process in the fleet

    def _key(self, number: int) -> str:
        return self.redis.key("history", str(number))

    async def publish(self, sample: Sample) -> None:
        """File one sample under its interval; RedisUnavailableError when Redis is down."""
        key = self._key(interval_number(sample.t, self.interval))
        value = json.dumps(shared(sample), separators=(",", ":"))
        ttl = math.ceil(self.keep + 2 * self.interval)

        async def write(client: Any) -> None:
            pipe = client.pipeline(transaction=False)
            pipe.hset(key, self.instance, value)
            pipe.expire(key, ttl)
            await pipe.execute()

        await self.redis.run(write)

    async def read(self, end: float) -> tuple[list[Sample], int]:
        """The fleet's samples of the window ending at `end`, and how many processes
        published in it. RedisUnavailableError when Redis is down or answers nonsense."""
        last = interval_number(end, self.interval)
        numbers = list(range(last - round(self.keep / self.interval) + 1, last + 1))

        async def fetch(client: Any) -> list[Any]:
            pipe = client.pipeline(transaction=False)
            for number in numbers:
                pipe.hgetall(self._key(number))
            return list(await pipe.execute())

        answers = await self.redis.run(fetch)
        samples: list[Sample] = []
        instances: set[Any] = set()
        try:
            for number, answer in zip(numbers, answers, strict=True):
                if not isinstance(answer, dict) or not answer:
                    continue
                if len(answer) > 4096:
                    raise ValueError("too many processes")
                parts = [parse(raw) for raw in answer.values()]
                instances.update(answer)
                t = number * self.interval
                samples.append(merge(t, self.interval, parts))
        except (ValueError, TypeError, RecursionError) as exc:
            self.redis.distrust(f"a history sample: {exc}")
            raise RedisUnavailableError("Redis answered a history sample that is not one") from None
        return samples, len(instances)
