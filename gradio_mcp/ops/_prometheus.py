"""The Prometheus text exposition of a server's `Metrics`, read live at scrape time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from gradio_mcp._histogram import Histogram
from gradio_mcp._version import __version__
from gradio_mcp.ops._metrics import Metrics, Series


def render_prometheus(metrics: Metrics, accept: str | None = None) -> tuple[bytes, str]:
    """The exposition (body, content type), read live at call time.

    Plain text format 0.0.4 unless `accept` (the scraper's Accept header) asks for
    OpenMetrics: 0.0.4 is what every Prometheus version and most other scrapers parse.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(metrics))
    # The standard process_* figures (memory, CPU, open file descriptors, start time) of the
    # process that answers, on this private registry (nothing global is touched).
    ProcessCollector(registry=registry)
    encode, content_type = choose_encoder(accept or "")
    return encode(registry), content_type


class _Collector(Collector):
    """Reads the live figures at scrape time (no second set of counters to keep in step)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from self._cache_families()
        yield from self._discovery_families()
        yield from self._space_families()
        yield from self._series_families(
            "tool_call",
            "space",
            self.metrics.calls_by_space,
            "Tool calls executed on a space (private spaces share one label)",
            "failures",
        )
        rejected = CounterMetricFamily(
            "gradio_mcp_tool_call_rejected",
            "Tool calls refused before they ran because the caller's arguments were wrong"
            " (not in gradio_mcp_tool_calls_total: they say nothing about the space)",
            labels=["space"],
        )
        for key, series in sorted(self.metrics.calls_by_space.items()):
            rejected.add_metric([key], series.rejected)
        yield rejected
        yield from self._series_families(
            "request", "method", self.metrics.requests_by_method, "MCP requests by method", "errors"
        )
        yield from self._task_families()
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
            ("hits", "Lookups answered from this process's cache (stale entries included)"),
            ("misses", "Lookups this process's cache could not answer"),
            ("shared_hits", "Local misses answered by the shared level (Redis)"),
            ("shared_misses", "Local misses the shared level could not answer (went upstream)"),
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
        yield from self._redis_families()

    def _redis_families(self) -> Iterator[Metric]:
        redis = self.metrics.discovery.redis
        if redis is None:
            return  # no shared level: nothing to report, rather than a misleading 0
        status = redis.status()
        yield GaugeMetricFamily(
            "gradio_mcp_redis_up",
            "1 while Redis answers, 0 while it counts as down (or was never asked)",
            value=1 if status["state"] == "up" else 0,
        )
        yield CounterMetricFamily(
            "gradio_mcp_redis_errors",
            "Redis commands that failed, timed out or answered garbage",
            value=status["errors"],
        )
        yield CounterMetricFamily(
            "gradio_mcp_redis_outages", "Times Redis went from up to down", value=status["outages"]
        )

    def _space_families(self) -> Iterator[Metric]:
        rows = self.metrics.spaces.rows()
        up = GaugeMetricFamily(
            "gradio_mcp_space_up",
            "1 while the space's last discovery worked, 0 while it fails (private spaces share"
            " one label, 0 when any of them fails)",
            labels=["space"],
        )
        since = GaugeMetricFamily(
            "gradio_mcp_space_status_since_timestamp_seconds",
            "When the space's current status (ok or failing) began, Unix time",
            labels=["space"],
        )
        success = GaugeMetricFamily(
            "gradio_mcp_space_last_success_timestamp_seconds",
            "When the space was last discovered successfully, Unix time",
            labels=["space"],
        )
        for label, state in rows:
            up.add_metric([label], 1 if state.ok else 0)
            since.add_metric([label], state.since)
            if state.last_success is not None:
                success.add_metric([label], state.last_success)
        yield up
        yield since
        yield success
        yield GaugeMetricFamily(
            "gradio_mcp_spaces_failing",
            "Spaces whose last discovery failed",
            value=self.metrics.spaces.failing(),
        )

    def _task_families(self) -> Iterator[Metric]:
        m = self.metrics
        yield CounterMetricFamily(
            "gradio_mcp_tasks_created", "Calls answered with a task handle", value=m.tasks_created
        )
        ended = CounterMetricFamily(
            "gradio_mcp_tasks_ended",
            "Tasks that ended, by outcome (counted by the server that ended them)",
            labels=["outcome"],
        )
        for outcome, series in m.tasks_by_outcome.items():
            ended.add_metric([outcome], series.count)
        yield ended
        yield CounterMetricFamily(
            "gradio_mcp_tasks_expired",
            "Tasks forgotten, with their results, at the end of their TTL",
            value=m.tasks_expired,
        )
        yield GaugeMetricFamily(
            "gradio_mcp_tasks_running", "Tasks this server is running", value=m.tasks_running
        )
        yield _histogram(
            "gradio_mcp_task_duration_seconds",
            "From a task's creation to its end, by outcome",
            [((outcome,), s.histogram) for outcome, s in m.tasks_by_outcome.items()],
            ("outcome",),
        )

    def _discovery_families(self) -> Iterator[Metric]:
        d = self.metrics.discovery
        yield _histogram(
            "gradio_mcp_discovery_duration_seconds",
            "Duration of discoveries (one per tools/list, prompts/list or call lookup)",
            [((), d.stats.duration_histogram)],
            (),
        )
        prefetches = CounterMetricFamily(
            "gradio_mcp_schema_prefetches",
            "Schema fetches started at a predicted host, by what became of them",
            labels=["outcome"],
        )
        prefetches.add_metric(["used"], d.stats.prefetches_used)
        prefetches.add_metric(["discarded"], d.stats.prefetches_discarded)
        yield prefetches

    @staticmethod
    def _series_families(
        stem: str, label: str, table: dict[str, Series], doc: str, failure_word: str
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
        yield _histogram(
            f"gradio_mcp_{stem}_duration_seconds",
            f"{doc}: duration",
            [((key,), s.histogram) for key, s in sorted(table.items())],
            (label,),
        )


def _histogram(
    name: str,
    doc: str,
    rows: Sequence[tuple[tuple[str, ...], Histogram]],
    label_names: tuple[str, ...],
) -> Metric:
    """A histogram family (cumulative buckets, `_count`, `_sum`), in seconds: unlike a
    summary's quantiles, the buckets of many replicas add up."""
    family = HistogramMetricFamily(name, doc, labels=list(label_names))
    for values, histogram in rows:
        family.add_metric(
            list(values),
            buckets=[(le, float(n)) for le, n in histogram.cumulative()],
            sum_value=histogram.sum,
        )
    return family
