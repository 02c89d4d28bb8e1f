"""Discovery's statistics: passes and their durations, prefetches, and both caches' figures
as raw counters and in the reference server's `gradioCacheMetrics` shape."""

from __future__ import annotations

from collections import deque
from typing import Any

from gradio_mcp._histogram import Histogram
from gradio_mcp.discovery._cache import FetchCache


class DiscoveryStats:
    """Counts of discovery passes (all-time count and sum, a window for percentiles, a
    histogram) and of prefetches used and thrown away."""

    def __init__(self) -> None:
        self.recent_durations_ms: deque[float] = deque(maxlen=1024)
        self.duration_histogram = Histogram()
        self.discoveries = 0
        self.discovery_ms_total = 0.0
        self.prefetches_used = 0
        self.prefetches_discarded = 0

    def record_discovery(self, duration_ms: float) -> None:
        """Count one discovery: all-time count and sum, and a window for percentiles."""
        self.discoveries += 1
        self.discovery_ms_total += duration_ms
        self.recent_durations_ms.append(duration_ms)
        self.duration_histogram.observe(duration_ms / 1000)


def cache_stats(
    stats: DiscoveryStats, metadata: FetchCache[Any], schemas: FetchCache[Any]
) -> dict[str, Any]:
    """Raw counters of both caches (see `format_cache_metrics` for the reference shape)."""
    out: dict[str, Any] = {}
    for name, cache in (("metadata", metadata), ("schemas", schemas)):
        figures = cache.stats
        out[name] = {**figures.__dict__, "size": len(cache), "hit_rate": figures.hit_rate}
    out["prefetches_used"] = stats.prefetches_used
    out["prefetches_discarded"] = stats.prefetches_discarded
    out["discoveries"] = stats.discoveries
    return out


def _figures(cache: FetchCache[Any]) -> dict[str, Any]:
    stats = cache.stats
    return {
        "hits": stats.hits,
        "misses": stats.misses,
        "sharedHits": stats.shared_hits,
        "sharedMisses": stats.shared_misses,
        "hitRate": round(stats.hit_rate, 2),
        "cacheSize": len(cache),
        "staleServed": stats.stale_served,
        "negativeHits": stats.negative_hits,
        "mergedFetches": stats.merged_fetches,
        "fetches": stats.fetches,
        "fetchFailures": stats.fetch_failures,
        "backgroundRefreshes": stats.background_refreshes,
        "staleIfError": stats.stale_if_error,
        "evictions": stats.evictions,
    }


def format_cache_metrics(metadata: FetchCache[Any], schemas: FetchCache[Any]) -> dict[str, Any]:
    """Cache figures in the reference server's `gradioCacheMetrics` shape, plus extras."""
    meta, schema = metadata.stats, schemas.stats
    total_hits = meta.hits + schema.hits
    total_misses = meta.misses + schema.misses
    lookups = total_hits + total_misses
    return {
        # Only metadata carries ETags, so only it reports revalidations (reference shape).
        "spaceMetadata": {**_figures(metadata), "etagRevalidations": meta.etag_revalidations},
        "schemas": _figures(schemas),
        "totalHits": total_hits,
        "totalMisses": total_misses,
        "overallHitRate": round(100.0 * total_hits / lookups, 2) if lookups else 0.0,
    }
