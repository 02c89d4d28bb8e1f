"""Counters for whoever watches the server, and their JSON, HTML and Prometheus renderings.

One `Metrics` object belongs to one server. The server reports each MCP request and each
tool call to it; cache and discovery figures are read live from the `Discovery` whenever a
page, a JSON poll or a Prometheus scrape asks, so nothing is ever copied out of date.

Private spaces: a tool call on a private space is counted under `PRIVATE_LABEL` and its real
name is dropped at once, so no rendering (and no attribute of this object) can leak it.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gradio_mcp._histogram import Histogram
from gradio_mcp._version import __version__
from gradio_mcp.discovery import Discovery
from gradio_mcp.ops._fleet_history import FleetHistory
from gradio_mcp.ops._history import History, Reading
from gradio_mcp.ops._samples import percentile
from gradio_mcp.ops._space_status import PRIVATE_LABEL, SpaceStatusBoard

# Space ids arrive per request (`?gradio=`) and method names come from clients, so either
# could grow without end; past this many distinct keys, new ones share `OTHER_LABEL` to keep
# memory and Prometheus label cardinality bounded.
OTHER_LABEL = "<other>"
DEFAULT_MAX_SERIES = 256
# Requests a client may send a server, in either protocol era: any other method name (a
# client's typo, or a probe making names up) is counted under OTHER_METHOD, so that the
# table and Prometheus's label values stay this short whatever clients send.
MCP_METHODS = frozenset(
    {
        "initialize",
        "ping",
        "server/discover",
        "tools/list",
        "tools/call",
        "prompts/list",
        "prompts/get",
        "resources/list",
        "resources/read",
        "resources/templates/list",
        "resources/subscribe",
        "resources/unsubscribe",
        "subscriptions/listen",
        "completion/complete",
        "logging/setLevel",
        "tasks/get",
        "tasks/result",
        "tasks/list",
        "tasks/cancel",
    }
)
OTHER_METHOD = "other"
DEFAULT_MAX_SAMPLES = 1024
TASK_OUTCOMES = ("completed", "failed", "cancelled")


@dataclass
class Series:
    """Count, failures and a bounded window of recent durations for one label.
    `rejected`: refused before they ran, by the caller's mistake (not in `count`)."""

    max_samples: int
    count: int = 0
    failures: int = 0
    rejected: int = 0
    recent_ms: deque[float] = field(init=False)
    tools: dict[str, int] = field(default_factory=dict)
    histogram: Histogram = field(default_factory=Histogram)

    def __post_init__(self) -> None:
        self.recent_ms = deque(maxlen=self.max_samples)

    def observe(self, duration_ms: float, *, failed: bool) -> None:
        self.count += 1
        self.failures += int(failed)
        self.recent_ms.append(duration_ms)
        self.histogram.observe(duration_ms / 1000)


class Metrics:
    """Request, tool-call and discovery figures for one server. Not thread-safe: call it from
    the server's event loop only (the routes below are async for exactly that reason)."""

    def __init__(
        self,
        discovery: Discovery,
        *,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        max_series: int = DEFAULT_MAX_SERIES,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.discovery = discovery
        self.max_samples = max_samples
        self.max_series = max_series
        self._started = time.monotonic()
        self.requests_by_method: dict[str, Series] = {}
        self.calls_by_space: dict[str, Series] = {}
        self.spaces = SpaceStatusBoard(discovery.settings.spaces, max_spaces=max_series)
        # Figures other parts keep themselves (the server's catalogs), read at each snapshot.
        self.sources: dict[str, Callable[[], dict[str, Any]]] = {}
        # Tasks (MCP tasks extension): created here, ended here (by outcome), forgotten.
        self.tasks_created = 0  # calls answered with a task handle
        self.tasks_expired = 0  # forgotten, with their results, at the end of their TTL
        self.tasks_running = 0  # held by this server's runner, as of its last heartbeat
        self.tasks_by_outcome: dict[str, Series] = {
            outcome: Series(max_samples) for outcome in TASK_OUTCOMES
        }
        # Last: it reads the counters above. The dashboard's charts are drawn from it.
        fleet = None
        if discovery.redis is not None:  # a fleet shares its history through Redis
            fleet = FleetHistory(discovery.redis)
        self.history = History(self.reading, clock=wall_clock, fleet=fleet)

    # ------------------------------------------------------------------ recording

    def record_request(self, method: str, duration_ms: float, *, error: bool = False) -> None:
        """One MCP request (tools/list, tools/call, initialize, ...), however it ended."""
        method = method if method in MCP_METHODS else OTHER_METHOD
        self._series(self.requests_by_method, method).observe(duration_ms, failed=error)
        self.history.sample_if_due()

    def record_call(
        self,
        space_id: str,
        tool: str,
        duration_ms: float,
        *,
        ok: bool,
        private: bool,
        caller_error: bool = False,
    ) -> None:
        """One tools/call on a space. A private space's name is never kept: neither the id
        nor the tool name (tool names are derived from the space's name). `caller_error`:
        refused before it ran because the caller's arguments were wrong; counted apart, as
        it says nothing about the space (nor is its near-zero time a latency)."""
        label = PRIVATE_LABEL if private else space_id
        series = self._series(self.calls_by_space, label)
        if caller_error:
            series.rejected += 1
            return
        series.observe(duration_ms, failed=not ok)
        if not private and (tool in series.tools or len(series.tools) < self.max_series):
            series.tools[tool] = series.tools.get(tool, 0) + 1

    def record_task_end(self, outcome: str, duration_ms: float) -> None:
        """A task ended (completed, failed or cancelled), `duration_ms` after its creation.
        With a shared store, the server that moved it to its end counts it."""
        series = self.tasks_by_outcome.get(outcome)
        if series is not None:
            series.observe(duration_ms, failed=outcome != "completed")

    def _series(self, table: dict[str, Series], label: str) -> Series:
        series = table.get(label)
        if series is None:
            if len(table) >= self.max_series:
                label = OTHER_LABEL
                series = table.get(label)
            if series is None:
                series = table[label] = Series(self.max_samples)
        return series

    # ------------------------------------------------------------------ reading

    @property
    def uptime_seconds(self) -> float:
        return round(time.monotonic() - self._started, 3)

    def snapshot(self) -> dict[str, Any]:
        """Everything, as the `/api/metrics` JSON. Latencies in ms; null when no samples."""
        self.history.sample_if_due()
        d = self.discovery
        durations = list(d.stats.recent_durations_ms)
        return {
            "gradioCacheMetrics": d.format_cache_metrics(),
            "discovery": {
                "count": d.stats.discoveries,
                "p50Ms": percentile(durations, 50),
                "p90Ms": percentile(durations, 90),
                "p99Ms": percentile(durations, 99),
                "maxMs": round(max(durations), 2) if durations else None,
                "prefetchesUsed": d.stats.prefetches_used,
                "prefetchesDiscarded": d.stats.prefetches_discarded,
            },
            "toolCalls": {
                "total": sum(s.count for s in self.calls_by_space.values()),
                "failures": sum(s.failures for s in self.calls_by_space.values()),
                "rejected": sum(s.rejected for s in self.calls_by_space.values()),
                "bySpace": {
                    space: {
                        "calls": s.count,
                        "failures": s.failures,
                        "rejected": s.rejected,
                        "p50Ms": percentile(s.recent_ms, 50),
                        "p90Ms": percentile(s.recent_ms, 90),
                        "tools": dict(s.tools),
                    }
                    for space, s in sorted(self.calls_by_space.items())
                },
            },
            "requests": {
                "total": sum(s.count for s in self.requests_by_method.values()),
                "errors": sum(s.failures for s in self.requests_by_method.values()),
                "byMethod": {
                    method: {
                        "count": s.count,
                        "errors": s.failures,
                        "p50Ms": percentile(s.recent_ms, 50),
                    }
                    for method, s in sorted(self.requests_by_method.items())
                },
            },
            "spaces": self.spaces.snapshot(),
            "spacesFailing": self.spaces.failing(),
            "sharedCache": self.shared_cache(),
            "tasks": {
                "created": self.tasks_created,
                "running": self.tasks_running,
                **{outcome: s.count for outcome, s in self.tasks_by_outcome.items()},
                "expired": self.tasks_expired,
                "durations": {
                    outcome: {
                        "p50Ms": percentile(s.recent_ms, 50),
                        "p90Ms": percentile(s.recent_ms, 90),
                        "maxMs": round(max(s.recent_ms), 2) if s.recent_ms else None,
                    }
                    for outcome, s in self.tasks_by_outcome.items()
                },
            },
            **{name: read() for name, read in self.sources.items()},
            "uptimeSeconds": self.uptime_seconds,
            "version": __version__,
            # Several worker processes answer on one port, each with its own figures.
            "pid": os.getpid(),
        }

    def reading(self) -> Reading:
        """The counters now, for the history's next sample."""
        d = self.discovery
        caches = {"metadata": d.metadata_cache.stats, "schemas": d.schema_cache.stats}
        redis = self.shared_cache()
        return Reading(
            hits={k: s.hits for k, s in caches.items()},
            misses={k: s.misses for k, s in caches.items()},
            discoveries=d.stats.discoveries,
            calls={k: (s.count, s.failures, s.rejected) for k, s in self.calls_by_space.items()},
            redis=redis["redisState"],
            redis_errors=redis["redisErrors"],
            tasks_failed=self.tasks_by_outcome["failed"].count,
            spaces_failing=self.spaces.failing(),
            discovery_window=d.stats.recent_durations_ms,
            call_windows={k: s.recent_ms for k, s in self.calls_by_space.items()},
        )

    def shared_cache(self) -> dict[str, Any]:
        """Hits in this process, hits from the shared level, and Redis's state and errors."""
        d = self.discovery
        caches = (d.metadata_cache.stats, d.schema_cache.stats)
        redis = d.redis.status() if d.redis is not None else None
        return {
            "enabled": redis is not None,
            "localHits": sum(stats.hits for stats in caches),
            "sharedHits": sum(stats.shared_hits for stats in caches),
            "sharedMisses": sum(stats.shared_misses for stats in caches),
            "redisState": redis["state"] if redis else "disabled",
            "redisErrors": redis["errors"] if redis else 0,
            "redisOutages": redis["outages"] if redis else 0,
            "redisLastError": redis["lastError"] if redis else None,
        }
