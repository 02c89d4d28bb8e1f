"""Cache hints (SEP-2549): every tools/list and prompts/list page and server/discover says how
long it stays good (`ttlMs`: until the earliest discovery cache entry behind it expires; 0
with a private or failing space in it) and who may share it (`cacheScope`: public only when
an anonymous caller would get the same). The official client's response cache (mcp 2.3,
`client/caching.py`) is what honours them here."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import pytest
from mcp.client.caching import CacheConfig, InMemoryResponseCacheStore
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp

from gradio_mcp.serving._server import GradioMCP
from gradio_mcp.transports import build_http_app
from tests.clock import Clock
from tests.raw_mcp import META, MODERN, URL, serving
from tests.upstream import Upstream

pytestmark = pytest.mark.anyio

TTL_S = 300  # the default metadata and schema cache TTL


def count_requests(gradio: GradioMCP, method: str) -> list[int]:
    """A one-element counter of `method` requests that reach the server."""
    seen = [0]

    async def counting(ctx: Any, call_next: Any) -> Any:
        if ctx.method == method:
            seen[0] += 1
        return await call_next(ctx)

    gradio.server.middleware.insert(0, counting)
    return seen


async def settle(condition: Callable[[], bool]) -> None:
    """Let background refreshes run until `condition` holds (bounded)."""
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the background refresh never finished")


@contextlib.asynccontextmanager
async def http_client(
    app: ASGIApp,
    token: str | None,
    store: InMemoryResponseCacheStore,
    partition: str,
    clock: Clock,
    url: str = URL,
) -> AsyncIterator[Client]:
    """The official client over HTTP (in process), sharing `store` with other callers: it
    may serve them what the server scoped public, never what it scoped private."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    cache = CacheConfig(
        store=store, partition=partition, target_id=url, share_public=True, clock=clock
    )
    async with (
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), headers=headers) as http,
        Client(streamable_http_client(url, http_client=http), mode="auto", cache=cache) as client,
    ):
        yield client


# ---------------------------------------------------------------------------------------------
# What the hints say


async def test_a_listing_lasts_until_its_earliest_entry_expires(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",))
    async with Client(gradio.server, mode="auto", cache=None) as client:
        first = await client.list_tools()
        assert first.tools and first.cache_scope == "public"
        assert first.ttl_ms == TTL_S * 1000
        clock.now += 100
        later = await client.list_tools()
        assert later.ttl_ms == (TTL_S - 100) * 1000 and later.cache_scope == "public"
        prompts = await client.list_prompts()
        assert prompts.prompts and prompts.ttl_ms == (TTL_S - 100) * 1000
        assert prompts.cache_scope == "public"


async def test_every_page_carries_the_hint(upstream: Upstream, make: Any, clock: Clock) -> None:
    for space_id in ("owner/a", "owner/b"):
        upstream.add(space_id)
    gradio = make(spaces=("owner/a", "owner/b"), page_size=3)
    async with Client(gradio.server, mode="auto", cache=None) as client:
        for lister, items in ((client.list_tools, "tools"), (client.list_prompts, "prompts")):
            cursor, pages = None, 0
            for _ in range(50):
                page = await lister(cursor=cursor)
                pages += 1
                assert getattr(page, items)
                assert (page.ttl_ms, page.cache_scope) == (TTL_S * 1000, "public")
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert pages > 2


async def test_a_failing_space_makes_the_listing_private_and_immediately_stale(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("alice/blocks")
    upstream.add("owner/flaky", hub_status=503)
    gradio = make(spaces=("alice/blocks", "owner/flaky"))
    async with Client(gradio.server, mode="auto", cache=None) as client:
        result = await client.list_tools()
        assert result.tools  # alice/blocks' tools are there
        assert (result.ttl_ms, result.cache_scope) == (0, "private")


async def test_a_malformed_id_bounds_nothing(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks", "not a space id"))
    async with Client(gradio.server, mode="auto", cache=None) as client:
        result = await client.list_tools()
        assert (result.ttl_ms, result.cache_scope) == (TTL_S * 1000, "public")


async def test_the_shortest_cache_bounds_the_listing(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",), schema_cache_ttl_ms=45_000)
    async with Client(gradio.server, mode="auto", cache=None) as client:
        assert (await client.list_tools()).ttl_ms == 45_000


async def test_no_spaces_at_all_is_bounded_by_the_metadata_ttl(make: Any) -> None:
    gradio = make(dynamic=True, space_cache_ttl_ms=60_000)
    async with Client(gradio.server, mode="auto", cache=None) as client:
        result = await client.list_tools()
        assert {t.name for t in result.tools} >= {"search_spaces", "call_space"}
        assert (result.ttl_ms, result.cache_scope) == (60_000, "public")


async def test_sign_in_makes_every_answer_private(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",), require_auth=True)
    async with Client(gradio.server, mode="auto", cache=None) as client:
        result = await client.list_tools()
        assert (result.ttl_ms, result.cache_scope) == (TTL_S * 1000, "private")


# ---------------------------------------------------------------------------------------------
# The official client's cache, honouring them


async def test_the_client_relists_no_sooner_than_the_ttl_says(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",))
    listed = count_requests(gradio, "tools/list")
    async with Client(gradio.server, mode="auto", cache=CacheConfig(clock=clock)) as client:
        first = await client.list_tools()
        clock.now += TTL_S - 1
        assert (await client.list_tools()).tools == first.tools
        assert listed[0] == 1  # served by the client's cache
        clock.now += 2  # past the TTL: the client asks again
        again = await client.list_tools()
        assert listed[0] == 2
        # Served from the expired entries while they refresh: good for nothing longer.
        assert again.ttl_ms == 0
        await settle(lambda: gradio.discovery.metadata_cache.stats.etag_revalidations == 1)
        refreshed = await client.list_tools()
        assert listed[0] == 3 and refreshed.ttl_ms == TTL_S * 1000


@pytest.mark.parametrize("stale_while_revalidate", [False, True])
async def test_a_new_revision_shows_within_one_ttl(
    upstream: Upstream, make: Any, clock: Clock, stale_while_revalidate: bool
) -> None:
    space = upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",), stale_while_revalidate=stale_while_revalidate)
    async with Client(gradio.server, mode="auto", cache=CacheConfig(clock=clock)) as client:
        before = {t.name for t in (await client.list_tools()).tools}
        # Redeployed with other endpoints: a new revision.
        space.sha, space.app = "b" * 40, "interface"
        clock.now += TTL_S / 2
        assert {t.name for t in (await client.list_tools()).tools} == before  # still fresh
        clock.now += TTL_S / 2 + 1
        result = await client.list_tools()
        if stale_while_revalidate:
            # The expired entries answer at once, marked stale; the refresh runs behind.
            assert {t.name for t in result.tools} == before and result.ttl_ms == 0
            for _ in range(100):  # the new revision's schema, fetched behind the answer
                result = await client.list_tools()
                if {t.name for t in result.tools} != before:
                    break
                await asyncio.sleep(0.01)
        after = {t.name for t in result.tools}
        assert after and after != before
        assert result.ttl_ms == TTL_S * 1000


# ---------------------------------------------------------------------------------------------
# Over HTTP: tokens, ?dynamic, ?no_image_content, server/discover


async def test_a_private_space_never_rides_in_a_public_answer(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    upstream.add("alice/secret", private=True, token="hf_alice")
    gradio = make(spaces=("alice/blocks",))
    listed = count_requests(gradio, "tools/list")
    app = build_http_app(gradio)
    store = InMemoryResponseCacheStore()  # one store for every caller, public entries shared
    both = URL + "?gradio=alice/secret"
    async with serving(app):
        async with http_client(app, "hf_alice", store, "alice", clock, both) as alice:
            mine = await alice.list_tools()
            assert any(t.name.startswith("secret__") for t in mine.tools)
            assert (mine.ttl_ms, mine.cache_scope) == (0, "private")
        async with http_client(app, "hf_bob", store, "bob", clock, both) as bob:
            theirs = await bob.list_tools()
            assert listed[0] == 2  # nothing of alice's answer was there to share
            assert theirs.tools and not any(t.name.startswith("secret__") for t in theirs.tools)
            assert (theirs.ttl_ms, theirs.cache_scope) == (0, "private")  # it failed for bob
        # Public spaces only: the same for everybody, and shared through the store.
        async with http_client(app, None, store, "anonymous", clock) as anonymous:
            public = await anonymous.list_tools()
            assert (public.ttl_ms, public.cache_scope) == (TTL_S * 1000, "public")
        async with http_client(app, "hf_alice", store, "alice", clock) as alice:
            assert (await alice.list_tools()).tools == public.tools
            assert listed[0] == 3  # served from the shared public entry


async def test_dynamic_and_no_image_listings_carry_the_same_hints(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",))
    app = build_http_app(gradio)
    store = InMemoryResponseCacheStore()
    async with serving(app):
        for query in ("?dynamic=true", "?no_image_content=true", "?dynamic&no_image_content"):
            async with http_client(app, "hf_bob", store, "bob", clock, URL + query) as client:
                result = await client.list_tools()
                assert result.tools
                assert (result.ttl_ms, result.cache_scope) == (TTL_S * 1000, "public"), query
                if "dynamic" in query:
                    assert result.tools[0].name == "search_spaces"


@pytest.mark.parametrize(("require_auth", "scope"), [(False, "public"), (True, "private")])
async def test_server_discover_carries_a_hint(make: Any, require_auth: bool, scope: str) -> None:
    gradio = make(space_cache_ttl_ms=120_000, require_auth=require_auth)
    async with Client(gradio.server, mode="auto", cache=None) as client:
        discovered = client.session.discover_result
        assert discovered is not None
        assert (discovered.ttl_ms, discovered.cache_scope) == (120_000, scope)


async def test_server_discover_hint_on_the_wire(make: Any) -> None:
    app = build_http_app(make(space_cache_ttl_ms=120_000))
    request = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": META}}
    async with serving(app), httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)) as http:
        answer = await http.post(
            URL, headers={**MODERN, "Mcp-Method": "server/discover"}, json=request
        )
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    assert (result["ttlMs"], result["cacheScope"]) == (120_000, "public")


async def test_handshake_era_clients_get_no_hints(upstream: Upstream, make: Any) -> None:
    """The 2025-11-25 protocol has no cache hints: none go on its wire."""
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",))
    async with Client(gradio.server, mode="legacy", cache=None) as client:
        result = await client.list_tools()
        assert result.tools
        assert not {"ttl_ms", "cache_scope"} & result.model_fields_set
