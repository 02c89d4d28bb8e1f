"""Counters for whoever watches the server, and their JSON, HTML and Prometheus renderings.

One `Metrics` object belongs to one server. The server reports each MCP request and each
tool call to it; cache and discovery figures are read live from the `Discovery` whenever a
page, a JSON poll or a Prometheus scrape asks, so nothing is ever copied out of date.

Private spaces: a tool call on a private space is counted under `PRIVATE_LABEL` and its real
name is dropped at once, so no rendering (and no attribute of this object) can leak it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gradio_mcp.discovery import Discovery

PRIVATE_LABEL = "<private>"
# Space ids arrive per request (`?gradio=`) and method names come from clients, so either
# could grow without end; past this many distinct keys, new ones share `OTHER_LABEL` to keep
# memory and Prometheus label cardinality bounded.
OTHER_LABEL = "<other>"
DEFAULT_MAX_SERIES = 256
DEFAULT_MAX_SAMPLES = 1024

# Prometheus convention: quantiles of a summary are labelled by their fraction.
_QUANTILES = ((0.5, "0.5"), (0.9, "0.9"), (0.99, "0.99"))
_NO_STORE = {"Cache-Control": "no-store"}
# The dashboard is self-contained: it may talk only to its own origin, and loads nothing else.
_DASHBOARD_HEADERS = {
    **_NO_STORE,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


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


@dataclass
class _Series:
    """Count, failures, total and a bounded window of recent durations for one label."""

    max_samples: int
    count: int = 0
    failures: int = 0
    total_ms: float = 0.0
    recent_ms: deque[float] = field(init=False)
    tools: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.recent_ms = deque(maxlen=self.max_samples)

    def observe(self, duration_ms: float, *, failed: bool) -> None:
        self.count += 1
        self.failures += int(failed)
        self.total_ms += duration_ms
        self.recent_ms.append(duration_ms)


class Metrics:
    """Request, tool-call and discovery figures for one server. Not thread-safe: call it from
    the server's event loop only (the routes below are async for exactly that reason)."""

    def __init__(
        self,
        discovery: Discovery,
        *,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        max_series: int = DEFAULT_MAX_SERIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.discovery = discovery
        self.max_samples = max_samples
        self.max_series = max_series
        self._clock = clock
        self._started = clock()
        self._started_wall = time.time()
        self._requests: dict[str, _Series] = {}
        self._calls: dict[str, _Series] = {}
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(_Collector(self))
        self._dashboard: str | None = None

    # ------------------------------------------------------------------ recording

    def record_request(self, method: str, duration_ms: float, *, error: bool = False) -> None:
        """One MCP request (tools/list, tools/call, initialize, ...), however it ended."""
        self._series(self._requests, method).observe(duration_ms, failed=error)

    def record_call(
        self, space_id: str, tool: str, duration_ms: float, *, ok: bool, private: bool
    ) -> None:
        """One tools/call executed on a space. A private space's name is never kept: neither
        the id nor the tool name (tool names are derived from the space's name)."""
        label = PRIVATE_LABEL if private else space_id
        series = self._series(self._calls, label)
        series.observe(duration_ms, failed=not ok)
        if not private and (tool in series.tools or len(series.tools) < self.max_series):
            series.tools[tool] = series.tools.get(tool, 0) + 1

    def _series(self, table: dict[str, _Series], label: str) -> _Series:
        series = table.get(label)
        if series is None:
            if len(table) >= self.max_series:
                label = OTHER_LABEL
                series = table.get(label)
            if series is None:
                series = table[label] = _Series(self.max_samples)
        return series

    # ------------------------------------------------------------------ reading

    @property
    def uptime_seconds(self) -> float:
        return round(self._clock() - self._started, 3)

    def snapshot(self) -> dict[str, Any]:
        """Everything, as the `/api/metrics` JSON. Latencies in ms; null when no samples."""
        from gradio_mcp import __version__  # late: the package imports its modules first

        d = self.discovery
        durations = list(d.recent_durations_ms)
        return {
            "gradioCacheMetrics": d.format_cache_metrics(),
            "discovery": {
                "count": d.discoveries,
                "p50Ms": percentile(durations, 50),
                "p90Ms": percentile(durations, 90),
                "p99Ms": percentile(durations, 99),
                "maxMs": round(max(durations), 2) if durations else None,
                "prefetchesUsed": d.prefetches_used,
                "prefetchesDiscarded": d.prefetches_discarded,
            },
            "toolCalls": {
                "total": sum(s.count for s in self._calls.values()),
                "failures": sum(s.failures for s in self._calls.values()),
                "bySpace": {
                    space: {
                        "calls": s.count,
                        "failures": s.failures,
                        "p50Ms": percentile(s.recent_ms, 50),
                        "p90Ms": percentile(s.recent_ms, 90),
                        "tools": dict(s.tools),
                    }
                    for space, s in sorted(self._calls.items())
                },
            },
            "requests": {
                "total": sum(s.count for s in self._requests.values()),
                "errors": sum(s.failures for s in self._requests.values()),
                "byMethod": {
                    method: {
                        "count": s.count,
                        "errors": s.failures,
                        "p50Ms": percentile(s.recent_ms, 50),
                    }
                    for method, s in sorted(self._requests.items())
                },
            },
            "uptimeSeconds": self.uptime_seconds,
            "version": __version__,
        }

    def render_prometheus(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition (body, content type), read live at call time.

        Plain text format 0.0.4 unless `accept` (the scraper's Accept header) asks for
        OpenMetrics: 0.0.4 is what every Prometheus version and most other scrapers parse.
        """
        encode, content_type = choose_encoder(accept or "")
        return encode(self._registry), content_type

    def dashboard_html(self) -> str:
        if self._dashboard is None:
            self._dashboard = (
                resources.files("gradio_mcp").joinpath("dashboard.html").read_text("utf-8")
            )
        return self._dashboard

    # ------------------------------------------------------------------ HTTP

    def routes(self) -> list[Route]:
        """`GET /metrics` (dashboard), `/api/metrics` (JSON), `/metrics/prometheus` (text)."""

        # Async handlers on purpose: Starlette runs sync ones in a thread pool, and this
        # object is only safe on the event loop that records into it.
        async def dashboard(_request: Request) -> Response:
            return HTMLResponse(self.dashboard_html(), headers=_DASHBOARD_HEADERS)

        async def api(_request: Request) -> Response:
            return JSONResponse(self.snapshot(), headers=_NO_STORE)

        async def prometheus(request: Request) -> Response:
            body, content_type = self.render_prometheus(request.headers.get("accept"))
            return Response(body, headers={**_NO_STORE, "Content-Type": content_type})

        return [
            Route("/metrics", dashboard, methods=["GET"], name="metrics_dashboard"),
            Route("/api/metrics", api, methods=["GET"], name="metrics_json"),
            Route("/metrics/prometheus", prometheus, methods=["GET"], name="metrics_prometheus"),
        ]


class _Collector(Collector):
    """Reads the live figures at scrape time (no second set of counters to keep in step)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from self._cache_families()
        yield from self._discovery_families()
        yield from self._series_families(
            "tool_call",
            "space",
            self.metrics._calls,
            "Tool calls executed on a space (private spaces share one label)",
            "failures",
        )
        yield from self._series_families(
            "request", "method", self.metrics._requests, "MCP requests by method", "errors"
        )
        from gradio_mcp import __version__

        info = GaugeMetricFamily(
            "gradio_mcp_build_info", "Always 1; the version is a label", labels=["version"]
        )
        info.add_metric([__version__], 1)
        yield info
        yield GaugeMetricFamily(
            "gradio_mcp_uptime_seconds",
            "Seconds since the metrics were created",
            value=self.metrics.uptime_seconds,
        )

    def _cache_families(self) -> Iterator[Metric]:
        d = self.metrics.discovery
        caches = (("space_metadata", d.metadata_cache), ("schemas", d.schema_cache))
        counters = (
            ("hits", "Lookups answered from the cache (stale entries included)"),
            ("misses", "Lookups that had to wait for an upstream fetch"),
            ("etag_revalidations", "Entries renewed by an HTTP 304"),
            ("stale_served", "Expired entries served while refreshing"),
            ("negative_hits", "Lookups answered by a remembered failure"),
            ("merged_fetches", "Lookups that joined an in-flight fetch"),
            ("fetches", "Upstream fetches started"),
            ("fetch_failures", "Upstream fetches that failed"),
            ("background_refreshes", "Refreshes run behind a caller"),
            ("stale_if_error", "Stale entries kept because upstream failed"),
            ("evictions", "Entries dropped by the LRU bound"),
        )
        for name, doc in counters:
            family = CounterMetricFamily(f"gradio_mcp_cache_{name}", doc, labels=["cache"])
            for label, cache in caches:
                family.add_metric([label], getattr(cache.stats, name))
            yield family
        entries = GaugeMetricFamily(
            "gradio_mcp_cache_entries", "Entries held in the cache", labels=["cache"]
        )
        # A ratio in [0, 1], as Prometheus conventions ask; the JSON keeps the percent.
        ratio = GaugeMetricFamily(
            "gradio_mcp_cache_hit_ratio",
            "hits / (hits + misses), 0 before any lookup",
            labels=["cache"],
        )
        for label, cache in caches:
            entries.add_metric([label], len(cache))
            ratio.add_metric([label], cache.stats.hit_rate / 100.0)
        yield entries
        yield ratio
        hits = sum(cache.stats.hits for _, cache in caches)
        lookups = hits + sum(cache.stats.misses for _, cache in caches)
        yield GaugeMetricFamily(
            "gradio_mcp_cache_overall_hit_ratio",
            "hits / lookups over both caches, 0 before any lookup",
            value=hits / lookups if lookups else 0.0,
        )

    def _discovery_families(self) -> Iterator[Metric]:
        d = self.metrics.discovery
        yield _summary(
            "gradio_mcp_discovery_duration_seconds",
            "Duration of get_spaces calls; quantiles over the recent window",
            [((), d.discoveries, d.discovery_ms_total, list(d.recent_durations_ms))],
            (),
        )
        prefetches = CounterMetricFamily(
            "gradio_mcp_schema_prefetches",
            "Schema fetches started at a predicted host, by what became of them",
            labels=["outcome"],
        )
        prefetches.add_metric(["used"], d.prefetches_used)
        prefetches.add_metric(["discarded"], d.prefetches_discarded)
        yield prefetches

    @staticmethod
    def _series_families(
        stem: str, label: str, table: dict[str, _Series], doc: str, failure_word: str
    ) -> Iterator[Metric]:
        total = CounterMetricFamily(f"gradio_mcp_{stem}s", doc, labels=[label])
        failed = CounterMetricFamily(
            f"gradio_mcp_{stem}_{failure_word}", f"{doc}: those that failed", labels=[label]
        )
        for key, series in sorted(table.items()):
            total.add_metric([key], series.count)
            failed.add_metric([key], series.failures)
        yield total
        yield failed
        yield _summary(
            f"gradio_mcp_{stem}_duration_seconds",
            f"{doc}: duration; quantiles over the recent window",
            [((key,), s.count, s.total_ms, list(s.recent_ms)) for key, s in sorted(table.items())],
            (label,),
        )


def _summary(
    name: str,
    doc: str,
    rows: Sequence[tuple[tuple[str, ...], int, float, list[float]]],
    label_names: tuple[str, ...],
) -> Metric:
    """A summary family with `_count`, `_sum` and windowed quantiles, in seconds.

    `SummaryMetricFamily` cannot carry quantiles, so the samples are added by hand.
    """
    family = Metric(name, doc, "summary")
    for values, count, sum_ms, recent in rows:
        labels = dict(zip(label_names, values, strict=True))
        for q, text in _QUANTILES:
            value = percentile(recent, q * 100)
            family.add_sample(
                name,
                {**labels, "quantile": text},
                math.nan if value is None else value / 1000.0,
            )
        family.add_sample(name + "_count", labels, count)
        family.add_sample(name + "_sum", labels, sum_ms / 1000.0)
    return family
