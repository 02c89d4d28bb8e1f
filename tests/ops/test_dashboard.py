"""The `/metrics` dashboard in a real headless Chromium, served by uvicorn on loopback.

Discovery runs for real against `LocalHub` (metadata with ETags and 304s); the schema cache
is driven through its own lookup API. The test then reads, in the DOM Chromium rendered,
the figures that `/api/metrics` reports.

Needs Chromium: `apt-get install -y chromium` (Debian). Without it these tests fail, on
purpose: a dashboard nobody has rendered is a dashboard nobody has tested.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx2
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.discovery import Discovery
from gradio_mcp.discovery._cache import Entry, Fetched
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import GradioSpace, SpaceMetadata, SpaceSchema
from gradio_mcp.ops._fleet_history import interval_number
from gradio_mcp.ops._metrics import PRIVATE_LABEL, Metrics
from gradio_mcp.ops._routes import metrics_routes
from gradio_mcp.ops._samples import SAMPLE_SECONDS
from tests.redis_server import RedisServer

pytestmark = pytest.mark.slow

SECRET = "acme-secret/internal-model"
NO_VALUE = "\u2013"  # the dash the page shows for a missing value
# Chromium's own background traffic (updates, sync, QUIC probes) stalls for long on a machine
# with no route out; these flags keep a headless run to about a second.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--virtual-time-budget=5000",
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(
        "Chromium is needed to test the dashboard: install it with "
        "`apt-get update && apt-get install -y chromium` (Debian/Ubuntu)"
    )


def dump_dom(url: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Serve `app` with uvicorn on a random loopback port, in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="dashboard", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: list[dict[str, str]]
    text: str = ""
    hidden: bool = False


class Dom(HTMLParser):
    """Every element of a dumped DOM with its attributes, ancestors and text content."""

    VOID = frozenset({"br", "meta", "link", "img", "input", "hr", "source", "wbr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        element = Element(tag, values, [e.attrs for e in self._open], hidden="hidden" in values)
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def find(self, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, **attrs: str) -> Element:
        found = self.find(**attrs)
        assert len(found) == 1, (attrs, [f.attrs for f in found])
        return found[0]

    def metric(self, name: str, **within: str) -> Element:
        """The element showing `name`, optionally inside the row with the given attributes."""
        found = [
            e
            for e in self.find(data_metric=name)
            if all(
                any(a.get(k.replace("_", "-")) == v for a in e.ancestors) for k, v in within.items()
            )
        ]
        assert len(found) == 1, (name, within, [f.attrs for f in found])
        return found[0]


def text(element: Element) -> str:
    return " ".join(element.text.split())


# ---------------------------------------------------------------------- the scenario


async def drive(discovery: Discovery, clock: list[float]) -> list[GradioSpace]:
    """Real lookups: metadata through LocalHub (ETags, 304s), schemas through the cache API."""
    ids = ["alice/letters", "bob/images"]
    for _ in range(3):  # 2 misses, then 4 hits
        spaces = await discovery.get_spaces(ids, skip_schemas=True)
        assert all(s.metadata is not None for s in spaces), [s.error for s in spaces]
    # Past the TTL: both entries are served stale and revalidated behind the caller (304).
    clock[0] += discovery.settings.space_cache_ttl_ms / 1000 + 1
    await discovery.get_spaces(ids, skip_schemas=True)
    for _ in range(200):  # the refreshes run in the background; wait for them, boundedly
        if discovery.metadata_cache.stats.etag_revalidations >= 2:
            break
        await asyncio.sleep(0.01)

    async def schema(_previous: Entry[SpaceSchema] | None) -> Fetched[SpaceSchema]:
        return Fetched(SpaceSchema(endpoints=()))

    async def dead(_previous: Entry[SpaceSchema] | None) -> Fetched[SpaceSchema]:
        raise RuntimeError("space is down")

    for _ in range(4):  # 1 miss, 3 hits
        await discovery.schema_cache.get("letters-schema", schema)
    for _ in range(2):  # a failure, then a remembered failure
        with pytest.raises(RuntimeError):
            await discovery.schema_cache.get("dead-schema", dead)
    return spaces


@pytest.fixture(scope="module")
def dashboard() -> Iterator[tuple[str, Metrics]]:
    with LocalHub() as hub:
        hub.add_space("alice/letters")
        hub.add_space("bob/images")
        clock = [1000.0]
        settings = Settings.from_env({}, hf_endpoint=hub.url, spaces=("carol/gone",))
        discovery = Discovery(settings, clock=lambda: clock[0])

        async def scenario() -> list[GradioSpace]:
            seen = await drive(discovery, clock)
            await discovery.aclose()
            return seen

        seen = asyncio.run(scenario())
        assert hub.not_modified.total() == 2  # the ETag revalidations really happened

    metrics = Metrics(discovery)
    gone = SpaceError(ErrorKind.TIMEOUT, "carol/gone did not answer within 12 s")
    hidden = SpaceError(ErrorKind.TIMEOUT, f"{SECRET} did not answer")
    metrics.spaces.observe(
        [*seen, GradioSpace(id="carol/gone", error=gone), GradioSpace(id=SECRET, error=hidden)]
    )
    for ms in (8.0, 12.0, 30.0):
        metrics.record_request("tools/list", ms)
    metrics.record_request("tools/call", 950.0, error=True)
    metrics.record_call("alice/letters", "alice_letters_count", 120.0, ok=True, private=False)
    metrics.record_call("alice/letters", "alice_letters_count", 340.0, ok=False, private=False)
    metrics.record_call(SECRET, "acme_secret_internal_model_run", 75.0, ok=True, private=True)
    with serve(Starlette(routes=metrics_routes(metrics))) as url:
        yield url, metrics


# ---------------------------------------------------------------------- tests


def test_dashboard_renders_the_hit_rates_the_api_reports(dashboard: tuple[str, Metrics]) -> None:
    url, _metrics = dashboard
    api = httpx2.get(f"{url}/api/metrics", timeout=10).json()
    dom = Dom(dump_dom(f"{url}/metrics"))
    cache = api["gradioCacheMetrics"]

    # The scenario gives each cache a different, non-trivial rate.
    assert cache["spaceMetadata"]["hitRate"] == 75.0  # 6 hits (2 stale) / 8 lookups
    assert cache["schemas"]["hitRate"] == 60.0  # 3 hits / 5 lookups (+1 negative hit)
    assert cache["schemas"]["negativeHits"] == 1
    assert cache["overallHitRate"] == round(100 * 9 / 13, 2)
    for name, rate in (
        ("spaceMetadata.hitRate", cache["spaceMetadata"]["hitRate"]),
        ("schemas.hitRate", cache["schemas"]["hitRate"]),
        ("overallHitRate", cache["overallHitRate"]),
    ):
        shown = dom.metric(name)
        assert float(shown.attrs["data-value"]) == rate
        assert text(shown) == f"{rate:g}%", (name, text(shown))

    for cache_name in ("spaceMetadata", "schemas"):
        figures = cache[cache_name]
        for key in ("hits", "misses", "staleServed", "negativeHits", "mergedFetches", "cacheSize"):
            assert text(dom.metric(f"{cache_name}.{key}")) == str(figures[key]), (cache_name, key)
    assert text(dom.metric("spaceMetadata.etagRevalidations")) == "2"
    assert text(dom.metric("spaceMetadata.staleServed")) == "2"
    assert text(dom.metric("totalHits")) == str(cache["totalHits"])
    assert text(dom.metric("totalMisses")) == str(cache["totalMisses"])

    assert text(dom.metric("discovery.count")) == "4"
    assert text(dom.metric("discovery.p50Ms")).endswith("ms")

    calls = dom.metric("calls", data_space="alice/letters")
    assert text(calls) == "2"
    assert text(dom.metric("failures", data_space="alice/letters")) == "1"
    assert text(dom.metric("p90Ms", data_space="alice/letters")) == "340 ms"
    assert text(dom.metric("calls", data_space=PRIVATE_LABEL)) == "1"
    assert text(dom.metric("count", data_method="tools/list")) == "3"
    assert text(dom.metric("errors", data_method="tools/call")) == "1"
    assert text(dom.metric("p50Ms", data_method="tools/list")) == "12.0 ms"
    assert text(dom.metric("version")) == api["version"]

    # The per-space table: ok, failing with its reason, and private ones folded, unnamed.
    assert text(dom.metric("status", data_space="alice/letters")) == "ok"
    assert text(dom.metric("errorKind", data_space="alice/letters")) == NO_VALUE
    status = dom.metric("status", data_space="carol/gone")
    assert text(status) == "failing" and "fail" in status.attrs.get("class", "")
    assert text(dom.metric("errorKind", data_space="carol/gone")) == "timeout"
    assert "did not answer" in text(dom.metric("errorMessage", data_space="carol/gone"))
    assert text(dom.metric("lastSuccess", data_space="carol/gone")) == "never"
    assert text(dom.metric("lastSuccess", data_space="alice/letters")) != "never"
    assert text(dom.metric("status", data_space=PRIVATE_LABEL)) == "failing"
    assert text(dom.metric("errorMessage", data_space=PRIVATE_LABEL)) == NO_VALUE
    assert text(dom.metric("spacesFailing")) == "2"

    assert text(dom.one(id="status-text")) == "live"
    assert text(dom.one(id="updated")) != "never"
    assert dom.one(id="error").hidden

    # No Redis here: every hit is local, and the shared card says Redis is not in use.
    assert text(dom.metric("sharedCache.localHits")) == str(cache["totalHits"])
    assert text(dom.metric("sharedCache.sharedHits")) == "0"
    assert text(dom.metric("sharedCache.redisState")) == "disabled"
    assert text(dom.metric("pid")) == str(api["pid"])


def test_dashboard_shows_shared_hits_and_redis_errors(redis_server: RedisServer) -> None:
    redis_server.start()
    redis_server.flush()
    with LocalHub() as hub:
        hub.add_space("alice/letters")
        settings = Settings.from_env({}, hf_endpoint=hub.url, redis_url=redis_server.url)
        reader = Discovery(settings)

        async def scenario() -> None:
            async with Discovery(settings) as writer:
                await writer.get_spaces(["alice/letters"], skip_schemas=True)
            await reader.get_spaces(["alice/letters"], skip_schemas=True)  # from Redis
            await reader.get_spaces(["alice/letters"], skip_schemas=True)  # local
            await reader.aclose()

        asyncio.run(scenario())
    assert reader.redis is not None
    # Down for the whole test: no probe (the dashboard reads the fleet's history from
    # Redis, and a probe that succeeds would end the outage).
    reader.redis.outage.retry_interval = 3600
    reader.redis.distrust("a value that was not ours")  # as a garbage answer would
    with serve(Starlette(routes=metrics_routes(Metrics(reader)))) as url:
        dom = Dom(dump_dom(f"{url}/metrics"))
    assert text(dom.metric("sharedCache.localHits")) == "1"
    assert text(dom.metric("sharedCache.sharedHits")) == "1"
    assert text(dom.metric("spaceMetadata.sharedHits")) == "1"
    assert text(dom.metric("sharedCache.redisErrors")) == "1"
    state = dom.metric("sharedCache.redisState")
    assert text(state) == "down" and "warn" in state.attrs.get("class", "")


def test_private_space_is_not_in_the_rendered_page(dashboard: tuple[str, Metrics]) -> None:
    url, _metrics = dashboard
    html = dump_dom(f"{url}/metrics")
    assert "private spaces" in html
    for secret in ("acme-secret", "internal-model", "internal_model"):
        assert secret not in html


def test_dashboard_shows_an_error_when_the_server_stops_answering(
    dashboard: tuple[str, Metrics],
) -> None:
    """The first page arrives; every refresh after it fails: the figures stay, marked stale,
    and the page says why."""
    _url, metrics = dashboard
    (page,) = [r for r in metrics_routes(metrics) if r.path == "/metrics"]
    served = [0]

    async def first_then_broken(request: Request) -> Response:
        served[0] += 1
        if served[0] == 1:
            return await page.endpoint(request)  # type: ignore[no-any-return]
        return JSONResponse({"error": "boom"}, status_code=503)

    app = Starlette(routes=[Route("/metrics", first_then_broken)])
    with serve(app) as url:
        dom = Dom(dump_dom(f"{url}/metrics"))
    error = dom.one(id="error")
    assert not error.hidden
    assert "HTTP 503" in text(error) and "/metrics" in text(error)
    assert text(dom.one(id="status-text")) == "offline"
    assert text(dom.metric("requests.total")) == "4"  # the last figures are still shown


# ---------------------------------------------------------------------- an hour of history

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def shot_path(name: str) -> Path:
    """Where a screenshot goes: docs/images with GRADIO_MCP_WRITE_SCREENSHOTS=1 (to refresh
    the pictures in docs/operations.md), else a scratch folder, so a test run leaves the
    checkout as it was."""
    if os.environ.get("GRADIO_MCP_WRITE_SCREENSHOTS") == "1":
        return DOCS_IMAGES / name
    return Path(tempfile.mkdtemp(prefix="gradio-mcp-shots-")) / name


SPACES = ("demo/text-tools", "demo/image-gen", "demo/streaming")
HOUR = 360  # samples: one every 10 s
HOSTILE = '<img src=x onerror="alert(1)">'


def busy_hour(discovery: Discovery, clock: list[float]) -> Metrics:
    """An hour of a busy server, sampled every 10 s as it goes: cache lookups whose hit rate
    climbs as the caches warm, discoveries, calls on three spaces (one slows down and fails
    for ten minutes), a caller's wrong arguments, Redis going down near the end."""
    metrics = Metrics(discovery, wall_clock=lambda: clock[0])
    metadata, schemas = discovery.metadata_cache.stats, discovery.schema_cache.stats
    for step in range(HOUR):
        minute = step / 6
        warm = min(0.95, 0.3 + minute / 40)
        metadata.hits += round(40 * warm)
        metadata.misses += 40 - round(40 * warm)
        schemas.hits += round(20 * warm * 0.9)
        schemas.misses += 20 - round(20 * warm * 0.9)
        for i in range(3):
            discovery.record_discovery(30 + 400 * (1 - warm) + 7 * i)
        incident = 25 <= minute < 35
        for i, space in enumerate(SPACES):
            for n in range(3 - i):
                slow = incident and space == "demo/image-gen"
                ms = (2400 if slow else 300 + 150 * i) + 40 * n
                failed = slow and n == 0
                metrics.record_call(
                    space, f"{space.split('/')[1]}__run", ms, ok=not failed, private=False
                )
            metrics.record_request("tools/call", 300.0)
        if step % 9 == 0:
            metrics.record_call(
                SPACES[0], "text-tools__run", 1.0, ok=False, private=False, caller_error=True
            )
        metrics.record_request("tools/list", 20.0)
        if step % 6 == 0:  # a listing a minute: the image space times out in the incident
            down = SpaceError(ErrorKind.TIMEOUT, "demo/image-gen did not answer within 12 s")
            metrics.spaces.observe(
                GradioSpace(id=space, error=down if incident and i == 1 else None)
                for i, space in enumerate(SPACES)
            )
        if step == 300 and discovery.redis is not None:
            discovery.redis.outage.retry_interval = 3600  # no probe ends it during the test
            discovery.redis.distrust("a value that was not ours")
        clock[0] += 10
        metrics.history.sample()
    return metrics


def screenshot(url: str, path: Path, height: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--hide-scrollbars",
                "--force-prefers-reduced-motion",
                f"--window-size=1280,{height}",
                f"--screenshot={path}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def without_script(metrics: Metrics) -> Starlette:
    """The metrics routes, with the page forbidden to run any script (its CSP says
    `script-src 'none'`), as a browser with script off shows it. (Headless Chromium's
    --dump-dom and --screenshot need script themselves, so it cannot simply be turned off.)"""
    routes = metrics_routes(metrics)
    (page,) = [r for r in routes if r.path == "/metrics"]

    async def scriptless(request: Request) -> Response:
        response: Response = await page.endpoint(request)
        response.headers["Content-Security-Policy"] = "script-src 'none'"
        return response

    return Starlette(routes=[Route("/metrics", scriptless), *routes[1:]])


def test_a_busy_hour_is_charted_and_readable_without_script(redis_server: RedisServer) -> None:
    redis_server.start()
    redis_server.flush()
    clock = [float(int(time.time()) - 3600)]  # the hour that just ended
    with LocalHub() as hub:
        hub.add_space("demo/text-tools")
        settings = Settings.from_env(
            {}, hf_endpoint=hub.url, redis_url=redis_server.url, spaces=SPACES
        )
        discovery = Discovery(settings)

        async def warm_up() -> None:  # Redis answers once: "up"
            await discovery.get_spaces(["demo/text-tools"], skip_schemas=True)
            await discovery.aclose()

        asyncio.run(warm_up())
    metrics = busy_hour(discovery, clock)
    with serve(without_script(metrics)) as url:
        dom = Dom(dump_dom(f"{url}/metrics"))
        # The screenshot for docs/operations.md, without script too: what is served is it.
        screenshot(f"{url}/metrics", shot_path("dashboard-busy.png"), 2300)

    # Without script: the figures and the charts are there as served.
    assert text(dom.one(id="status-text")) == "snapshot"
    assert text(dom.one(id="updated")) == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock[0]))
    assert text(dom.metric("status", data_space="demo/image-gen")) == "ok"  # recovered
    assert dom.metric("lastSuccess", data_space="demo/image-gen").attrs["data-value"]
    assert text(dom.metric("toolCalls.total")) == f"{HOUR * 6:,}"
    assert text(dom.metric("rejected", data_space="demo/text-tools")) == str(HOUR // 9)
    for chart in ("hit-rate", "discovery-latency", "call-latency", "calls", "failures", "health"):
        figure = dom.one(data_chart=chart)
        assert figure.attrs["data-samples"] == str(HOUR), chart
    (redis,) = dom.find(data_chart="redis-state")
    assert redis.attrs["data-samples"] == str(HOUR) and "60 of 360 samples down" in text(redis)
    lines = {e.attrs["data-series"] for e in dom.find() if e.tag == "polyline"}
    assert {"both caches", "p50", "p90", "p99", *SPACES} <= lines
    assert "refused: caller's arguments" in lines
    # The hit rate climbs as the caches warm: its line ends higher than it starts.
    (overall,) = [e for e in dom.find(data_series="both caches") if e.tag == "polyline"]
    ys = [float(point.split(",")[1]) for point in overall.attrs["points"].split()]
    assert len(ys) == HOUR and ys[-1] < ys[0]  # SVG y grows downwards
    legend = text(dom.one(data_chart="hit-rate"))
    assert "both caches 91.67%" in legend  # the latest interval (38+17 hits of 60)


def test_an_idle_server_says_so_and_escapes_what_spaces_send() -> None:
    with LocalHub() as hub:
        settings = Settings.from_env({}, hf_endpoint=hub.url, spaces=("carol/gone",))
        discovery = Discovery(settings)
    clock = [1_780_000_000.0]
    metrics = Metrics(discovery, wall_clock=lambda: clock[0])
    hostile = SpaceError(ErrorKind.TIMEOUT, f"carol/gone said {HOSTILE}<script>alert(2)</script>")
    metrics.spaces.observe([GradioSpace(id="carol/gone", error=hostile)])
    metrics.record_call(f"{HOSTILE}/x", HOSTILE, 5.0, ok=False, private=False)
    clock[0] += 10
    metrics.history.sample()
    with serve(Starlette(routes=metrics_routes(metrics))) as url:
        html = dump_dom(f"{url}/metrics")
        dom = Dom(html)
        idle = Metrics(discovery, wall_clock=lambda: clock[0])
        with serve(without_script(idle)) as idle_url:
            screenshot(f"{idle_url}/metrics", shot_path("dashboard-idle.png"), 1500)
            idle_dom = Dom(dump_dom(f"{idle_url}/metrics"))
    assert not [e for e in dom.elements if e.tag == "img"]
    assert len([e for e in dom.elements if e.tag == "script"]) == 1  # the page's own
    assert HOSTILE in text(dom.metric("errorMessage", data_space="carol/gone"))
    assert HOSTILE in text(dom.one(data_chart="failures"))  # a legend label, as text
    assert text(dom.one(id="status-text")) == "live"
    assert "no data in this hour yet" in text(idle_dom.one(data_chart="hit-rate"))
    assert text(idle_dom.metric("toolCalls.total")) == "0"


def test_the_status_board_tells_what_the_spaces_did() -> None:
    """In Chromium: a configured space that is not found is named, failing; a private space
    that strangers are told does not exist stays ok; bad arguments are not failures."""
    settings = Settings.from_env({}, spaces=("demo/text-tools", "demo/nope", SECRET))
    metrics = Metrics(Discovery(settings))

    def listed(space_id: str, *, private: bool = False) -> GradioSpace:
        meta = SpaceMetadata(space_id, private, "gradio", None, "https://x.hf.space")
        return GradioSpace(id=space_id, metadata=meta)

    def not_found(space_id: str) -> GradioSpace:
        return GradioSpace(id=space_id, error=SpaceError(ErrorKind.NOT_FOUND, "not found"))

    board = metrics.spaces
    board.observe([listed("demo/text-tools"), listed(SECRET, private=True)], as_server=False)
    board.observe([listed("demo/text-tools"), not_found("demo/nope"), not_found(SECRET)])
    board.observe([not_found(SECRET)], as_server=False)
    metrics.record_call(
        "demo/text-tools", "text-tools__count", 1.0, ok=False, private=False, caller_error=True
    )
    with serve(Starlette(routes=metrics_routes(metrics))) as url:
        html = dump_dom(f"{url}/metrics")
    dom = Dom(html)
    assert text(dom.metric("status", data_space="demo/nope")) == "failing"
    assert text(dom.metric("errorKind", data_space="demo/nope")) == "not_found"
    assert text(dom.metric("status", data_space=PRIVATE_LABEL)) == "ok"
    assert text(dom.metric("status", data_space="demo/text-tools")) == "ok"
    assert text(dom.metric("spacesFailing")) == "1"
    assert text(dom.metric("failures", data_space="demo/text-tools")) == "0"
    assert text(dom.metric("rejected", data_space="demo/text-tools")) == "1"
    assert "acme-secret" not in html


@pytest.mark.parametrize("start", [1_765_100_005.0, 1_765_100_000.0, 1_765_100_003.7])
def test_samples_an_interval_apart_are_filed_an_interval_apart(start: float) -> None:
    """Each sample of the fleet's history has its own interval, even when the first falls on
    a half (at 5 s past the tens, halves rounded to even filed two samples under one)."""
    numbers = [interval_number(start + k * SAMPLE_SECONDS, SAMPLE_SECONDS) for k in range(30)]
    assert numbers == list(range(numbers[0], numbers[0] + 30))


def test_a_fleet_sharing_redis_charts_every_process(redis_server: RedisServer) -> None:
    """Two processes' samples, shared through a real Redis: either dashboard charts both
    (hit rates from the summed counts); without Redis, or with garbage in it, a dashboard
    charts its own and says so."""
    redis_server.start()
    redis_server.flush()
    clock = [float(int(time.time()) - 300)]
    settings = Settings.from_env({}, redis_url=redis_server.url)
    one = Metrics(Discovery(settings), wall_clock=lambda: clock[0])
    two = Metrics(Discovery(settings), wall_clock=lambda: clock[0])
    assert one.history.fleet is not None and two.history.fleet is not None
    one.history.fleet.instance, two.history.fleet.instance = "replica-1:1", "replica-2:1"
    for _ in range(30):
        one.discovery.metadata_cache.stats.hits += 9
        one.discovery.metadata_cache.stats.misses += 1
        two.discovery.metadata_cache.stats.hits += 1
        two.discovery.metadata_cache.stats.misses += 9
        one.record_call("demo/a", "a__run", 100.0, ok=True, private=False)
        two.record_call("demo/b", "b__run", 2000.0, ok=False, private=False)
        clock[0] += 10
        one.history.sample()
        two.history.sample()

    async def publish_two() -> None:
        await two.history.publish()
        await two.discovery.aclose()

    asyncio.run(publish_two())

    with serve(without_script(one)) as url:
        fleet = Dom(dump_dom(f"{url}/metrics"))
    assert "the fleet: 2 processes sharing Redis" in text(fleet.one(id="charts-of"))
    assert fleet.one(data_chart="calls").attrs["data-samples"] == "30"
    calls = {e.attrs["data-series"] for e in fleet.find() if e.tag == "polyline"}
    assert {"demo/a", "demo/b"} <= calls
    assert "both caches 50%" in text(fleet.one(data_chart="hit-rate"))  # 10 of 20 lookups
    # From the summed buckets, interpolated as histogram_quantile: one call of 100 ms and
    # one of 2 s an interval make p50 100 ms and p90 2.2 s (0.8 into the 1-2.5 s bucket).
    latency = text(fleet.one(data_chart="call-latency"))
    assert "p50 100 ms" in latency and "p90 2.20 s" in latency

    assert one.history.fleet is not None
    number = round(clock[0] / 10)
    redis_server.client().hset(f"gradio-mcp:history:{number}", "evil:1", b'{"hits": [1]}')
    one.history.fleet.redis.outage.retry_interval = 3600  # garbage: down for the test
    clock[0] += 10
    one.history.sample()
    with serve(without_script(one)) as url:
        alone = Dom(dump_dom(f"{url}/metrics"))
    assert "this process only: Redis is unavailable" in text(alone.one(id="charts-of"))
    calls = {e.attrs["data-series"] for e in alone.find() if e.tag == "polyline"}
    assert "demo/a" in calls and "demo/b" not in calls
