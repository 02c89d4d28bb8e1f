"""A fleet sharing one Redis: real `gradio-mcp serve` processes (and workers), real Gradio apps
behind a LocalHub that counts every request, a real redis-server, and the official MCP client.

What an operator would notice: a new replica starts warm, a cold fleet asks the Hub once per
space, Redis going away fails no request, a private space leaves no trace in Redis, and the
workers of one server share what any of them refreshed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx2
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess
from tests.redis_server import RedisServer
from tests.stack import ServerProcess, SpaceSpec, register_spaces

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PRIVATE_TOKEN = "hf_fleet_private_token"
SPECS = (
    SpaceSpec("demo/text-tools", "text_tools", "Text tools", "🔤"),
    SpaceSpec("demo/image-gen", "image_gen", "Image generator", "🎨"),
    SpaceSpec("demo/streaming", "streaming", "Streaming", "⏱️"),
    SpaceSpec(
        "acme/hidden-tools",
        "text_tools",
        "Hidden tools",
        "🔒",
        private=True,
        tokens=(PRIVATE_TOKEN,),
    ),
)
PUBLIC = [s for s in SPECS if not s.private]
PRIVATE = next(s for s in SPECS if s.private)
# A public space no server is configured with: asked for with ?gradio= only.
EXTRA = SpaceSpec("demo/extra-tools", "text_tools", "Extra tools", "🧰")
# The documents one schema fetch asks a space for (the MCP schema only from an app whose
# /config says it serves MCP).
SCHEMA_PATHS = {"/gradio_api/info", "/config", "/gradio_api/mcp/schema"}
FLEET_SECRET = "fleet-secret-of-the-tests"
READY_TIMEOUT = 120.0  # ten interpreters importing at once on two cores take a while
TEST_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def hub(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        register_spaces(hub, gradio_apps, [*SPECS, EXTRA])
        yield hub


@pytest.fixture
def fresh_hub(hub: LocalHub, redis_url: str) -> LocalHub:
    """The module's hub with its counters at zero, and Redis empty (the `redis_url` fixture)."""
    hub.reset_counters()
    return hub


def fleet_env(redis_url: str, **extra: str) -> dict[str, str]:
    return {
        "GRADIO_MCP_REDIS_URL": redis_url,
        "GRADIO_MCP_REDIS_SECRET": FLEET_SECRET,
        # A cold process on a busy machine must not leave a space out of its first answer,
        # nor take a slow Redis answer for an outage (that behaviour has tests of its own).
        "GRADIO_MCP_LIST_DEADLINE": "60000",
        "GRADIO_MCP_REDIS_TIMEOUT": "30000",
        # A fetch's fleet lock lives as long as the fetch may take: a holder slowed down by
        # a busy machine must not lose it to a second fetcher.
        "GRADIO_SPACE_INFO_TIMEOUT": "30000",
        "GRADIO_SCHEMA_TIMEOUT": "30000",
        **extra,
    }


@contextlib.contextmanager
def servers(
    hub: LocalHub, count: int, env: Mapping[str, str], args: Sequence[str] = ()
) -> Iterator[list[ServerProcess]]:
    """`count` servers (`gradio-mcp serve ARGS`) of the public spaces, started at once."""
    spaces = [s.id for s in PUBLIC]
    started: list[ServerProcess] = []
    try:
        with ThreadPoolExecutor(max_workers=count) as pool:
            futures = [
                pool.submit(
                    ServerProcess.start, hub, spaces, env, ready_timeout=READY_TIMEOUT, args=args
                )
                for _ in range(count)
            ]
            for future in futures:
                started.append(future.result())
        yield started
    finally:
        for server in started:
            server.stop()


@contextlib.asynccontextmanager
async def mcp_client(url: str, token: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = httpx2.Timeout(30.0, read=90.0)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout, trust_env=False) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


async def list_tools(url: str, token: str | None = None) -> dict[str, types.Tool]:
    """One tools/list on a new connection (so that workers take turns), every page."""
    async with mcp_client(url, token) as client:
        tools: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(20):
            page = await client.list_tools(cursor=cursor, cache_mode="refresh")
            tools += page.tools
            cursor = page.next_cursor
            if cursor is None:
                return {tool.name: tool for tool in tools}
    raise AssertionError("tools/list never ended")


def tool_names(specs: Sequence[SpaceSpec]) -> set[str]:
    apps = {
        "text_tools": ("letter_counter", "transform_text", "always_fails", "remember"),
        "image_gen": ("make_image", "make_tone"),
        "streaming": ("count_up", "echo"),
    }
    return {f"{spec.name}__{api}" for spec in specs for api in apps[spec.app]}


def schema_fetches(hub: LocalHub, space_id: str) -> int:
    """Schema fetches a space received (each asks for the same documents once)."""
    asked = {
        path: n
        for (sid, path), n in hub.space_requests.items()
        if sid == space_id and path in SCHEMA_PATHS
    }
    info = hub.space_requests[(space_id, "/gradio_api/info")]
    assert set(asked.values()) <= {info} and "/config" in asked, hub.space_requests
    return info


def metrics_of(server: ServerProcess) -> dict[str, Any]:
    response = httpx2.get(f"{server.url}/api/metrics", timeout=10, trust_env=False)
    response.raise_for_status()
    return dict(response.json())


# ---------------------------------------------------------------------------------------------


async def test_a_second_process_starts_warm(fresh_hub: LocalHub, redis_url: str) -> None:
    env = fleet_env(redis_url)
    with servers(fresh_hub, 1, env) as (first,), anyio.fail_after(TEST_TIMEOUT):
        assert set(await list_tools(first.mcp_url())) == tool_names(PUBLIC)
        fresh_hub.reset_counters()
        with servers(fresh_hub, 1, env) as (second,):
            tools = await list_tools(second.mcp_url())
            assert set(tools) == tool_names(PUBLIC)
            assert tools["text-tools__letter_counter"].title == "🔤 Text tools: letter_counter"
            # Its first tools/list asked neither the Hub nor any space.
            assert fresh_hub.metadata_requests.total() == 0, second.output()[-3000:]
            assert fresh_hub.space_requests.total() == 0
            shared = metrics_of(second)["sharedCache"]
            assert shared["sharedHits"] == 2 * len(PUBLIC) and shared["redisState"] == "up"


async def test_ten_cold_processes_ask_the_hub_once_per_space(
    fresh_hub: LocalHub, redis_url: str
) -> None:
    with servers(fresh_hub, 10, fleet_env(redis_url)) as fleet, anyio.fail_after(TEST_TIMEOUT):
        listings = await asyncio.gather(*(list_tools(s.mcp_url()) for s in fleet))
        logs = "\n".join(s.output()[-1000:] for s in fleet)
    assert all(set(tools) == tool_names(PUBLIC) for tools in listings)
    for spec in PUBLIC:
        assert fresh_hub.metadata_requests[spec.id] == 1, (fresh_hub.metadata_requests, logs)
        assert schema_fetches(fresh_hub, spec.id) == 1


async def test_redis_going_away_fails_no_request(
    fresh_hub: LocalHub, redis_server: RedisServer, redis_url: str
) -> None:
    extra = {"GRADIO_MCP_LOG_LEVEL": "warning"}
    with servers(fresh_hub, 2, fleet_env(redis_url, **extra)) as (a, b):
        with anyio.fail_after(TEST_TIMEOUT):
            await list_tools(a.mcp_url())
            redis_server.stop()
            try:
                for _ in range(3):
                    for server in (a, b):
                        tools = await list_tools(server.mcp_url())
                        assert set(tools) == tool_names(PUBLIC)
                        async with mcp_client(server.mcp_url()) as client:
                            result = await client.call_tool(
                                "text-tools__letter_counter", {"word": "banana", "letter": "a"}
                            )
                        assert not result.is_error and "3" in str(result.structured_content)
                # Redis is reported down, and each process stays ready all the same. (Asked of
                # both: one whose answers all came from its own memory may not have noticed.)
                for server in (a, b):
                    ready = httpx2.get(f"{server.url}/readyz", timeout=10, trust_env=False)
                    assert ready.status_code == 200
                    assert ready.json()["checks"]["redis"]["state"] == "down"
            finally:
                redis_server.start()
            # Back (and empty): a probe notices it by itself within its retry interval.
            deadline = time.monotonic() + 30
            while True:
                for server in (a, b):
                    httpx2.get(f"{server.url}/readyz", timeout=10, trust_env=False)
                states = [metrics_of(s)["sharedCache"]["redisState"] for s in (a, b)]
                if states == ["up", "up"] or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            assert states == ["up", "up"]
            # Shared hits again: what one process fetches, the other takes from Redis.
            query = f"gradio={EXTRA.id}"
            assert tool_names([EXTRA]) <= set(await list_tools(a.mcp_url(query)))
            before = metrics_of(b)["sharedCache"]["sharedHits"]
            assert tool_names([EXTRA]) <= set(await list_tools(b.mcp_url(query)))
            assert fresh_hub.metadata_requests[EXTRA.id] == 1
            assert metrics_of(b)["sharedCache"]["sharedHits"] == before + 2
        for server in (a, b):
            assert server.output().count("redis_down") == 1, server.output()[-3000:]
            assert server.output().count("redis_recovered") == 1


async def test_a_private_space_never_reaches_redis(
    fresh_hub: LocalHub, redis_server: RedisServer, redis_url: str
) -> None:
    with servers(fresh_hub, 2, fleet_env(redis_url)) as (a, b), anyio.fail_after(TEST_TIMEOUT):
        query = f"gradio={PRIVATE.id}"
        for server in (a, b, a):
            tools = await list_tools(server.mcp_url(query), PRIVATE_TOKEN)
            assert tool_names([PRIVATE]) <= set(tools)
        async with mcp_client(b.mcp_url(query), PRIVATE_TOKEN) as client:
            result = await client.call_tool(
                "hidden-tools__letter_counter", {"word": "secret", "letter": "e"}
            )
        assert not result.is_error
    stored = "\n".join(f"{k} = {v!r}" for k, v in redis_server.dump().items())
    assert "text-tools" in stored  # the public spaces are shared
    for needle in ("acme", "hidden-tools", "hidden_tools", "Hidden tools", PRIVATE_TOKEN):
        assert needle not in stored, needle


async def test_four_workers_serve_the_demo_and_share_a_refresh(
    fresh_hub: LocalHub, redis_url: str
) -> None:
    ttl = "2000"  # metadata only: a redeploy's new revision needs a new schema anyway
    env = fleet_env(redis_url, GRADIO_SPACE_CACHE_TTL=ttl)
    with (
        servers(fresh_hub, 1, env, ["--workers", "4"]) as (server,),
        anyio.fail_after(TEST_TIMEOUT),
    ):
        url = server.mcp_url()
        # /healthz answered as soon as one worker listened: wait for all four.
        assert len(await workers_seen(server)) == 4
        # Enough requests at once that every worker answers some, all of them cold.
        warm = await asyncio.gather(*(list_tools(url) for _ in range(12)))
        assert all(set(tools) == tool_names(PUBLIC) for tools in warm)
        assert all(fresh_hub.metadata_requests[s.id] == 1 for s in PUBLIC)
        pids = await workers_seen(server)
        async with mcp_client(url) as client:
            result = await client.call_tool(
                "text-tools__letter_counter", {"word": "strawberry", "letter": "r"}
            )
        assert not result.is_error and "3" in str(result.structured_content)

        # The space is redeployed with a new title; once the entries expire, the first
        # worker asked refreshes it for all.
        fresh_hub.update_space("demo/text-tools", title="Text tools v2")
        fresh_hub.reset_counters()
        await asyncio.sleep(int(ttl) / 1000 + 0.5)
        new_title = "🔤 Text tools v2: letter_counter"
        # A worker serves its stale entry while its own refresh runs (stale-while-revalidate),
        # so it answers the old title until a request has reached it since the expiry: poll
        # until three rounds in a row find every answer new.
        deadline = time.monotonic() + 60
        streak = 0
        while streak < 3 and time.monotonic() < deadline:
            rounds = await asyncio.gather(*(list_tools(url) for _ in range(12)))
            titles = {tools["text-tools__letter_counter"].title for tools in rounds}
            streak = streak + 1 if titles == {new_title} else 0
            await asyncio.sleep(0.2)
        assert streak == 3, (titles, server.output()[-3000:])
        # One worker fetched the change (the Hub's only full answer since); the others
        # took it from Redis, or revalidated its ETag there (a 304) when it expired again.
        space = "demo/text-tools"
        assert fresh_hub.metadata_requests[space] - fresh_hub.not_modified[space] == 1
        assert schema_fetches(fresh_hub, space) == 1
        after = await workers_seen(server)
        assert len(after) == 4
        # At least one worker took the refreshed entries from Redis instead of the Hub.
        took_it_from_redis = [pid for pid, hits in after.items() if hits > pids.get(pid, 0)]
        assert len(took_it_from_redis) >= 1, after


async def workers_seen(server: ServerProcess, seconds: float = 60.0) -> dict[int, int]:
    """Shared hits of each worker, by process id, from `/api/metrics` asked on new
    connections until all four have answered (or `seconds` have passed)."""
    seen: dict[int, int] = {}

    async def ask(http: httpx2.AsyncClient) -> None:
        response = await http.get(f"{server.url}/api/metrics", headers={"Connection": "close"})
        snapshot = response.json()
        seen[snapshot["pid"]] = snapshot["sharedCache"]["sharedHits"]

    deadline = time.monotonic() + seconds
    async with httpx2.AsyncClient(trust_env=False, timeout=10) as http:
        while len(seen) < 4 and time.monotonic() < deadline:
            await asyncio.gather(*(ask(http) for _ in range(8)))
            await asyncio.sleep(0.05)
    return seen
