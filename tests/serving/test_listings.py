"""Catalogs kept between requests: a listing costs its page, and every cache rule still holds
(freshness from fetch time, stale-while-revalidate, remembered failures, private spaces)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mcp.client.client import Client

from gradio_mcp.serving._server import GradioMCP
from tests.clock import Clock
from tests.upstream import Upstream

pytestmark = pytest.mark.anyio


async def list_all(gradio: GradioMCP, headers: dict[str, str] | None = None) -> list[str]:
    """Every tool name, page by page, as a client would (in process, so `headers` are the
    caller's identity only through `Authorization`)."""
    names: list[str] = []
    async with Client(gradio.server, mode="legacy") as client:
        cursor = None
        for _ in range(100):  # bounded: a listing has far fewer pages
            result = await client.list_tools(cursor=cursor)
            names += [tool.name for tool in result.tools]
            cursor = result.next_cursor
            if cursor is None:
                return names
    raise AssertionError("the listing never ended")


async def catalog_for(gradio: GradioMCP, ids: tuple[str, ...], token: str | None) -> list[str]:

    _, catalog = await gradio.catalogs.listing(ids, token)
    return [tool.name for tool in catalog.tools]


async def test_pages_after_the_first_are_sliced_from_the_kept_catalog(
    upstream: Upstream, make: Any
) -> None:
    ids = tuple(f"owner/s{i}" for i in range(4))
    for space_id in ids:
        upstream.add(space_id)  # ten tools each
    gradio = make(spaces=ids, page_size=7)
    names = await list_all(gradio)
    assert len(names) == len(set(names)) == 40
    assert all(upstream.hub_requests(space_id) == 1 for space_id in ids)
    # Six pages; the five after the first came from the kept catalog, and the dashboard
    # says so under the catalogs' own figures; the discovery caches count only the lookups
    # actually made (one discovery: four misses each, no hits).
    assert gradio.catalogs.stats.listing_hits == 5
    assert gradio.metrics.snapshot()["catalogs"]["listingHits"] == 5
    metrics = gradio.discovery.format_cache_metrics()
    assert metrics["spaceMetadata"]["hits"] == 0 and metrics["schemas"]["hits"] == 0


async def test_a_kept_catalog_lasts_only_as_long_as_its_entries(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    gradio = make()
    ids = ("alice/blocks",)
    first = await catalog_for(gradio, ids, None)
    clock.now += 299
    assert await catalog_for(gradio, ids, None) == first
    assert gradio.catalogs.stats.listing_hits == 1
    clock.now += 2  # 301 s after the fetch: expired
    # Served stale at once, and revalidated behind the caller (ETag) as without the catalog.
    assert await catalog_for(gradio, ids, None) == first
    assert gradio.catalogs.stats.listing_hits == 1
    # The stale answer holds the very same cached schema: its catalog is reused, not rebuilt.
    assert (gradio.catalogs.stats.built, gradio.catalogs.stats.reused) == (1, 1)
    for _ in range(100):
        if gradio.discovery.metadata_cache.stats.etag_revalidations:
            break
        await asyncio.sleep(0.01)
    assert gradio.discovery.metadata_cache.stats.etag_revalidations == 1
    assert upstream.hub_requests("alice/blocks") == 2


async def test_a_catalog_with_a_private_space_is_never_kept(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/secret", private=True, token="hf_alice")
    gradio = make()
    for _ in range(3):
        assert await catalog_for(gradio, ("alice/secret",), "hf_alice")
    assert gradio.catalogs.stats.listing_hits == 0
    assert upstream.hub_requests("alice/secret") == 3


async def test_what_failed_for_one_caller_is_not_served_to_another(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("alice/blocks")
    upstream.add("alice/secret", private=True, token="hf_alice")
    gradio = make()
    ids = ("alice/blocks", "alice/secret")
    anonymous = await catalog_for(gradio, ids, None)
    assert anonymous and not any(name.startswith("secret__") for name in anonymous)
    assert await catalog_for(gradio, ids, None) == anonymous  # kept, for anonymous callers
    assert gradio.catalogs.stats.listing_hits == 1
    owner = await catalog_for(gradio, ids, "hf_alice")
    assert any(name.startswith("secret__") for name in owner)
    assert await catalog_for(gradio, ids, "hf_mallory") == anonymous
    assert upstream.hub_requests("alice/secret") == 3  # anonymous once, then each token


async def test_a_catalog_of_public_spaces_is_shared_by_every_caller(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("alice/blocks")
    gradio = make()
    anonymous = await catalog_for(gradio, ("alice/blocks",), None)
    before = sum(upstream.requests.values())
    assert await catalog_for(gradio, ("alice/blocks",), "hf_bob") == anonymous
    assert gradio.catalogs.stats.listing_hits == 1 and sum(upstream.requests.values()) == before


async def test_a_remembered_failure_is_retried_once_it_expires(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    upstream.add("owner/flaky", hub_status=503)
    gradio = make()
    ids = ("alice/blocks", "owner/flaky")
    assert not any(n.startswith("flaky__") for n in await catalog_for(gradio, ids, None))
    upstream.spaces["owner/flaky"].hub_status = 200
    clock.now += 10  # within the negative TTL (30 s): the kept catalog answers
    assert not any(n.startswith("flaky__") for n in await catalog_for(gradio, ids, None))
    assert upstream.hub_requests("owner/flaky") == 1
    clock.now += 21  # the failure has expired: the old answer once more, and a retry behind it
    await catalog_for(gradio, ids, None)
    for _ in range(100):
        if (
            upstream.hub_requests("owner/flaky") == 2
            and not gradio.discovery.metadata_cache.refreshing
        ):
            break
        await asyncio.sleep(0.01)
    assert any(n.startswith("flaky__") for n in await catalog_for(gradio, ids, None))


async def test_calls_use_the_listed_schema_without_fetching_it_again(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("alice/blocks")
    gradio = make(spaces=("alice/blocks",))
    config = "https://alice-blocks.hf.space/config"
    await list_all(gradio)
    await list_all(gradio)
    # /config says where outputs sit and which choices are open: listings read it, once.
    assert upstream.requests[config] == 1
    async with Client(gradio.server, mode="legacy") as client:
        for _ in range(2):
            # The scripted space has no queue, so the call fails upstream; it got as far as
            # needing the endpoint's call details.
            result = await client.call_tool("blocks__letter_counter", {"letter": "r"})
            assert result.is_error
    assert upstream.requests[config] == 1
    assert upstream.requests["https://alice-blocks.hf.space/gradio_api/queue/join"] == 2
