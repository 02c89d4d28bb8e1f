"""Metrics: the JSON snapshot, Prometheus exposition and routes, against a real Discovery
driven through a scripted Hub (pytest-httpx)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from starlette.applications import Starlette
from starlette.testclient import TestClient

from gradio_mcp import __version__
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.ops._metrics import OTHER_LABEL, PRIVATE_LABEL, Metrics
from gradio_mcp.ops._prometheus import render_prometheus
from gradio_mcp.ops._routes import metrics_routes
from gradio_mcp.ops._samples import percentile
from tests.mock_http import MockHTTP
from tests.upstream import HUB, Upstream

pytestmark = [
    pytest.mark.anyio,
]

SECRET = "acme-secret/internal-model"
SECRET_TOKEN = "hf_secret_token_for_tests"


@pytest.fixture
async def discovery(http_mock: MockHTTP) -> AsyncIterator[Discovery]:
    async with Discovery(Settings.from_env({}, hf_endpoint=HUB), client=http_mock.client()) as d:
        yield d


def families(text: str) -> dict[str, list[Sample]]:
    return {f.name: list(f.samples) for f in text_string_to_metric_families(text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    matches = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(matches) == 1, (name, labels, samples)
    return matches[0]


def prometheus_text(metrics: Metrics) -> str:
    body, content_type = render_prometheus(metrics)
    assert content_type.startswith("text/plain")
    return body.decode()


# ---------------------------------------------------------------------- percentiles


def test_percentile_is_nearest_rank_over_observed_values() -> None:
    samples = [float(n) for n in range(100, 0, -1)]  # 100..1, unsorted on purpose
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 90) == 90.0
    assert percentile(samples, 99) == 99.0
    assert percentile(samples, 100) == 100.0
    assert percentile([7.5], 99) == 7.5
    assert percentile([1.0, 1000.0], 50) == 1.0  # an observed value, never an average
    assert percentile([], 50) is None


# ---------------------------------------------------------------------- snapshot


async def test_snapshot_reports_the_caches_discovery_actually_used(
    upstream: Upstream, discovery: Discovery
) -> None:
    upstream.add("alice/blocks")
    upstream.add("bob/blocks")
    metrics = Metrics(discovery)
    for _ in range(3):
        spaces = await discovery.get_spaces(["alice/blocks", "bob/blocks"])
        assert all(s.ok for s in spaces), [s.error for s in spaces]

    snap = metrics.snapshot()
    json.dumps(snap)  # the route serves it as JSON: it must be plain data
    cache = snap["gradioCacheMetrics"]
    assert cache == discovery.format_cache_metrics()
    # 2 spaces looked up 3 times: 2 misses then 4 hits, in each cache.
    for name in ("spaceMetadata", "schemas"):
        assert (cache[name]["hits"], cache[name]["misses"]) == (4, 2)
        assert cache[name]["hitRate"] == 66.67
        assert cache[name]["cacheSize"] == 2
    assert cache["overallHitRate"] == 66.67

    d = snap["discovery"]
    assert d["count"] == 3
    durations = sorted(discovery.stats.recent_durations_ms)
    assert d["maxMs"] == round(durations[-1], 2)
    assert d["p50Ms"] == round(durations[1], 2)
    assert d["p50Ms"] <= d["p90Ms"] <= d["p99Ms"] <= d["maxMs"]
    assert snap["version"] == __version__
    assert snap["uptimeSeconds"] >= 0


async def test_empty_snapshot_has_every_section_and_no_invented_latency(
    discovery: Discovery,
) -> None:
    snap = Metrics(discovery).snapshot()
    assert snap["discovery"]["count"] == 0
    assert snap["discovery"]["p50Ms"] is None and snap["discovery"]["maxMs"] is None
    assert snap["toolCalls"] == {"total": 0, "failures": 0, "rejected": 0, "bySpace": {}}
    assert snap["requests"] == {"total": 0, "errors": 0, "byMethod": {}}
    assert snap["gradioCacheMetrics"]["overallHitRate"] == 0.0


async def test_requests_and_calls_are_counted_with_their_latencies(discovery: Discovery) -> None:
    metrics = Metrics(discovery)
    for ms in (10.0, 20.0, 30.0, 40.0):
        metrics.record_request("tools/list", ms)
    metrics.record_request("tools/call", 500.0, error=True)
    metrics.record_request("initialize", 1.5)
    for ms, ok in ((100.0, True), (300.0, False), (200.0, True)):
        metrics.record_call("alice/blocks", "alice_blocks_letter_counter", ms, ok=ok, private=False)

    snap = metrics.snapshot()
    requests = snap["requests"]
    assert (requests["total"], requests["errors"]) == (6, 1)
    assert requests["byMethod"]["tools/list"] == {"count": 4, "errors": 0, "p50Ms": 20.0}
    assert requests["byMethod"]["tools/call"] == {"count": 1, "errors": 1, "p50Ms": 500.0}
    assert list(requests["byMethod"]) == sorted(requests["byMethod"])  # stable display order
    calls = snap["toolCalls"]
    assert (calls["total"], calls["failures"]) == (3, 1)
    space = calls["bySpace"]["alice/blocks"]
    assert (space["calls"], space["failures"]) == (3, 1)
    assert (space["p50Ms"], space["p90Ms"]) == (200.0, 300.0)
    assert space["tools"] == {"alice_blocks_letter_counter": 3}


async def test_latency_windows_and_label_sets_stay_bounded(discovery: Discovery) -> None:
    metrics = Metrics(discovery, max_samples=4, max_series=3)
    # Ten slow calls then four fast ones: only the last four are in the window.
    for _ in range(10):
        metrics.record_request("tools/list", 1000.0)
    for _ in range(4):
        metrics.record_request("tools/list", 5.0)
    for i in range(10):
        metrics.record_call(f"owner/space-{i}", "t", 1.0, ok=True, private=False)

    snap = metrics.snapshot()
    assert snap["requests"]["byMethod"]["tools/list"] == {"count": 14, "errors": 0, "p50Ms": 5.0}
    by_space = snap["toolCalls"]["bySpace"]
    assert set(by_space) == {"owner/space-0", "owner/space-1", "owner/space-2", OTHER_LABEL}
    assert by_space[OTHER_LABEL]["calls"] == 7
    assert snap["toolCalls"]["total"] == 10  # nothing is lost, only grouped


# ---------------------------------------------------------------------- privacy


def _walk(obj: Any, seen: set[int] | None = None) -> list[str]:
    """Every string reachable from `obj` (attributes, containers, keys)."""
    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*_walk(k, seen), *_walk(v, seen))]
    if isinstance(obj, list | tuple | set | frozenset) or type(obj).__name__ == "deque":
        return [s for item in obj for s in _walk(item, seen)]
    if hasattr(obj, "__dict__") and type(obj).__module__.startswith("gradio_mcp.ops._metrics"):
        return _walk(vars(obj), seen)
    return []


async def test_private_space_names_appear_nowhere(upstream: Upstream, discovery: Discovery) -> None:
    upstream.add(SECRET, private=True, token=SECRET_TOKEN)
    upstream.add("alice/blocks")
    metrics = Metrics(discovery)
    spaces = await discovery.get_spaces([SECRET, "alice/blocks"], SECRET_TOKEN)
    assert all(s.ok for s in spaces), [s.error for s in spaces]
    metrics.record_call(SECRET, "acme_secret_internal_model_predict", 80.0, ok=True, private=True)
    metrics.record_call(SECRET, "acme_secret_internal_model_predict", 90.0, ok=False, private=True)
    metrics.record_call("other-org/also-private", "other_org_run", 70.0, ok=True, private=True)
    metrics.record_call("alice/blocks", "alice_blocks_letter_counter", 10.0, ok=True, private=False)

    snap = metrics.snapshot()
    private = snap["toolCalls"]["bySpace"][PRIVATE_LABEL]
    assert (private["calls"], private["failures"]) == (3, 1)
    assert private["tools"] == {}  # tool names are derived from the space's name
    assert set(snap["toolCalls"]["bySpace"]) == {PRIVATE_LABEL, "alice/blocks"}

    text = prometheus_text(metrics)
    assert value(families(text)["gradio_mcp_tool_calls"], "gradio_mcp_tool_calls_total",
                 space=PRIVATE_LABEL) == 3  # fmt: skip
    client = TestClient(Starlette(routes=metrics_routes(metrics)), base_url="http://127.0.0.1")
    outputs = {
        "snapshot": json.dumps(snap),
        "prometheus": text,
        "openmetrics": render_prometheus(metrics, "application/openmetrics-text")[0].decode(),
        "api": client.get("/api/metrics").text,
        "page": client.get("/metrics").text,
        "metrics object": "\n".join(_walk(metrics)),
    }
    for where, out in outputs.items():
        for secret in ("acme-secret", "internal-model", "internal_model", "other-org", "other_org"):
            assert secret not in out.lower(), f"{secret!r} leaked into {where}"


# ---------------------------------------------------------------------- Prometheus


async def test_prometheus_exposition_reads_live_figures(
    upstream: Upstream, discovery: Discovery
) -> None:
    upstream.add("alice/blocks")
    metrics = Metrics(discovery)
    await discovery.get_spaces(["alice/blocks"])
    before = families(prometheus_text(metrics))
    assert value(before["gradio_mcp_cache_hits"], "gradio_mcp_cache_hits_total",
                 cache="space_metadata") == 0  # fmt: skip

    await discovery.get_spaces(["alice/blocks"])
    await discovery.get_spaces(["alice/blocks"])
    metrics.record_request("tools/list", 12.0)
    metrics.record_request("tools/call", 250.0, error=True)
    metrics.record_call("alice/blocks", "alice_blocks_letter_counter", 250.0, ok=False,
                        private=False)  # fmt: skip
    text = prometheus_text(metrics)
    fams = families(text)

    expected = {
        "gradio_mcp_cache_hits", "gradio_mcp_cache_misses", "gradio_mcp_cache_etag_revalidations",
        "gradio_mcp_cache_stale_served", "gradio_mcp_cache_negative_hits",
        "gradio_mcp_cache_merged_fetches", "gradio_mcp_cache_entries",
        "gradio_mcp_cache_hit_ratio", "gradio_mcp_cache_overall_hit_ratio",
        "gradio_mcp_discovery_duration_seconds", "gradio_mcp_schema_prefetches",
        "gradio_mcp_tool_calls", "gradio_mcp_tool_call_failures",
        "gradio_mcp_tool_call_duration_seconds", "gradio_mcp_requests",
        "gradio_mcp_request_errors", "gradio_mcp_request_duration_seconds",
        "gradio_mcp_build_info", "gradio_mcp_uptime_seconds",
    }  # fmt: skip
    assert expected <= set(fams), expected - set(fams)
    assert all(name.startswith(("gradio_mcp_", "process_")) for name in fams)
    # The process that answers, as the standard collector reports it.
    assert value(fams["process_resident_memory_bytes"], "process_resident_memory_bytes") > 0
    assert value(fams["process_open_fds"], "process_open_fds") > 0
    assert "process_cpu_seconds" in fams

    for cache in ("space_metadata", "schemas"):
        assert value(fams["gradio_mcp_cache_hits"], "gradio_mcp_cache_hits_total", cache=cache) == 2
        assert value(fams["gradio_mcp_cache_misses"], "gradio_mcp_cache_misses_total",
                     cache=cache) == 1  # fmt: skip
        assert value(fams["gradio_mcp_cache_entries"], "gradio_mcp_cache_entries",
                     cache=cache) == 1  # fmt: skip
        ratio = value(fams["gradio_mcp_cache_hit_ratio"], "gradio_mcp_cache_hit_ratio", cache=cache)
        assert ratio == pytest.approx(2 / 3)
    overall = fams["gradio_mcp_cache_overall_hit_ratio"]
    assert value(overall, "gradio_mcp_cache_overall_hit_ratio") == pytest.approx(4 / 6)

    histogram = fams["gradio_mcp_discovery_duration_seconds"]
    # Buckets add up across replicas, a summary's quantiles do not.
    assert "# TYPE gradio_mcp_discovery_duration_seconds histogram" in text
    assert value(histogram, "gradio_mcp_discovery_duration_seconds_count") == 3
    total_s = sum(discovery.stats.recent_durations_ms) / 1000
    assert value(histogram, "gradio_mcp_discovery_duration_seconds_sum") == pytest.approx(total_s)
    assert value(histogram, "gradio_mcp_discovery_duration_seconds_bucket", le="+Inf") == 3

    space = {"space": "alice/blocks"}
    assert value(fams["gradio_mcp_tool_calls"], "gradio_mcp_tool_calls_total", **space) == 1
    assert value(fams["gradio_mcp_tool_call_failures"], "gradio_mcp_tool_call_failures_total",
                 **space) == 1  # fmt: skip
    requests = fams["gradio_mcp_requests"]
    assert value(requests, "gradio_mcp_requests_total", method="tools/list") == 1
    assert value(fams["gradio_mcp_request_errors"], "gradio_mcp_request_errors_total",
                 method="tools/call") == 1  # fmt: skip
    durations = fams["gradio_mcp_request_duration_seconds"]
    assert value(durations, "gradio_mcp_request_duration_seconds_sum", method="tools/call") == 0.25
    # 250 ms falls in the 0.25 s bucket (le is "less or equal") and every one above it.
    assert "# TYPE gradio_mcp_request_duration_seconds histogram" in text
    bucket = "gradio_mcp_request_duration_seconds_bucket"
    assert value(durations, bucket, method="tools/call", le="0.1") == 0
    assert value(durations, bucket, method="tools/call", le="0.25") == 1
    assert value(durations, bucket, method="tools/call", le="+Inf") == 1
    assert value(fams["gradio_mcp_build_info"], "gradio_mcp_build_info", version=__version__) == 1


async def test_discovery_duration_sum_covers_every_discovery(discovery: Discovery) -> None:
    """The summary's `_sum` must keep growing across scrapes, not just sum the recent window."""
    metrics = Metrics(discovery)

    def discovered(ms: float) -> None:  # what Discovery.get_spaces records per call
        discovery.record_discovery(ms)

    def scrape() -> tuple[float, float]:
        """(count, sum in ms, rounded to the microsecond to compare exactly)."""
        summary = families(prometheus_text(metrics))["gradio_mcp_discovery_duration_seconds"]
        return (
            value(summary, "gradio_mcp_discovery_duration_seconds_count"),
            round(value(summary, "gradio_mcp_discovery_duration_seconds_sum") * 1000, 3),
        )

    discovered(100.0)
    discovered(200.0)
    assert scrape() == (2, 300.0)
    assert scrape() == (2, 300.0)  # scraping twice counts nothing twice
    discovered(300.0)
    metrics.snapshot()  # a JSON poll in between must not swallow the new discovery either
    assert scrape() == (3, 600.0)


async def test_openmetrics_is_served_to_scrapers_that_ask(discovery: Discovery) -> None:
    metrics = Metrics(discovery)
    metrics.record_request("tools/list", 3.0)
    body, content_type = render_prometheus(metrics, "application/openmetrics-text; version=1.0.0")
    assert content_type.startswith("application/openmetrics-text")
    assert body.rstrip().endswith(b"# EOF")
    assert b'gradio_mcp_requests_total{method="tools/list"} 1.0' in body


# ---------------------------------------------------------------------- routes


async def test_routes_serve_dashboard_json_and_prometheus(
    upstream: Upstream, discovery: Discovery
) -> None:
    upstream.add("alice/blocks")
    metrics = Metrics(discovery)
    await discovery.get_spaces(["alice/blocks"])
    await discovery.get_spaces(["alice/blocks"])
    metrics.record_request("tools/list", 4.0)
    client = TestClient(Starlette(routes=metrics_routes(metrics)), base_url="http://127.0.0.1")

    page = client.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    for metric in ("spaceMetadata.hitRate", "schemas.hitRate", "overallHitRate"):
        assert f'data-metric="{metric}"' in html
    # Self-contained: no external script, stylesheet, font or image.
    assert "<script src" not in html and "<link" not in html
    assert "http://" not in html and "https://" not in html and "@import" not in html
    assert "new URL(document.location.href)" in html  # the page itself: prefix-proof
    # The figures are in the page as served, before any script runs.
    assert 'data-metric="requests.total" data-value="1"' in html
    assert '<figure class="chart" data-chart="hit-rate"' in html

    history = client.get("/api/metrics/history")
    assert history.status_code == 200 and history.json()["intervalSeconds"] == 10

    api = client.get("/api/metrics")
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"
    data = api.json()
    assert data["gradioCacheMetrics"]["spaceMetadata"]["hitRate"] == 50.0
    assert data["requests"]["byMethod"]["tools/list"]["count"] == 1
    # Each poll reads live figures.
    metrics.record_request("tools/list", 4.0)
    assert client.get("/api/metrics").json()["requests"]["byMethod"]["tools/list"]["count"] == 2

    prom = client.get("/metrics/prometheus")
    assert prom.status_code == 200
    assert prom.headers["content-type"].startswith("text/plain; version=0.0.4")
    hits = families(prom.text)["gradio_mcp_cache_hits"]
    assert value(hits, "gradio_mcp_cache_hits_total", cache="schemas") == 1

    assert client.post("/api/metrics").status_code == 405


async def test_local_hits_shared_hits_and_redis_errors_are_told_apart(
    upstream: Upstream, http_mock: MockHTTP, redis_server: Any, redis_url: str
) -> None:
    from gradio_mcp.net import RedisConnection

    upstream.add("alice/blocks")
    settings = Settings.from_env({}, hf_endpoint=HUB, redis_url=redis_url)
    async with Discovery(settings, client=http_mock.client()) as writer:
        await writer.get_spaces(["alice/blocks"])
    connection = RedisConnection(redis_url, timeout=2.0, retry_interval=60.0)
    async with Discovery(settings, client=http_mock.client(), redis=connection) as reader:
        metrics = Metrics(reader)
        assert metrics.snapshot()["sharedCache"]["redisState"] == "unknown"
        await reader.get_spaces(["alice/blocks"])  # both documents from Redis
        await reader.get_spaces(["alice/blocks"])  # both from this process's cache
        redis_server.stop()
        upstream.add("alice/other")
        await reader.get_spaces(["alice/other"])  # Redis is gone: one error, then none asked
        shared = metrics.snapshot()["sharedCache"]
        assert shared == {
            "enabled": True,
            "localHits": 2,
            "sharedHits": 2,
            "sharedMisses": 2,  # alice/other: Redis could not answer, upstream did
            "redisState": "down",
            "redisErrors": 1,
            "redisOutages": 1,
            "redisLastError": "ConnectionError",
        }
        fams = families(prometheus_text(metrics))
        assert value(fams["gradio_mcp_cache_shared_hits"], "gradio_mcp_cache_shared_hits_total",
                     cache="schemas") == 1  # fmt: skip
        assert value(fams["gradio_mcp_redis_up"], "gradio_mcp_redis_up") == 0
        assert value(fams["gradio_mcp_redis_errors"], "gradio_mcp_redis_errors_total") == 1
        assert value(fams["gradio_mcp_redis_outages"], "gradio_mcp_redis_outages_total") == 1
    await connection.aclose()


async def test_without_redis_the_shared_figures_say_so(discovery: Discovery) -> None:
    metrics = Metrics(discovery)
    shared = metrics.snapshot()["sharedCache"]
    assert shared["enabled"] is False and shared["redisState"] == "disabled"
    assert "gradio_mcp_redis_up" not in families(prometheus_text(metrics))
