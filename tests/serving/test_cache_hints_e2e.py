"""Cache hints end to end: a real `gradio-mcp serve` in front of a real Gradio app on a LocalHub,
and the official client's response cache shared by several callers (two tokens and none), as a
shared client-side cache would be. A private space never rides in a public answer."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx2
import pytest
from mcp.client.caching import CacheConfig, InMemoryResponseCacheStore
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess, bundled_apps
from tests.stack import ServerProcess, SpaceSpec, register_spaces, running_server

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

OWNER_TOKEN = "hf_cache_hints_owner"
PUBLIC = SpaceSpec("demo/text-tools", "text_tools", "Text tools", "🔤")
SECRET = SpaceSpec(
    "demo/secret-text", "text_tools", "Secret", "🔒", private=True, tokens=(OWNER_TOKEN,)
)
TTL_MS = 300_000  # the default cache TTLs


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    app = GradioAppProcess.start(bundled_apps()["text_tools"], name="text_tools", ready_timeout=120)
    try:
        with LocalHub() as hub:
            register_spaces(hub, {"text_tools": app}, [PUBLIC, SECRET])
            # No configured spaces: each caller names them with ?gradio=.
            with running_server(hub, []) as server:
                yield server
    finally:
        app.stop()


@contextlib.asynccontextmanager
async def client(
    url: str, store: InMemoryResponseCacheStore, partition: str, token: str | None = None
) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    cache = CacheConfig(store=store, partition=partition, target_id=url, share_public=True)
    with anyio.fail_after(120):
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60.0, trust_env=False) as http,
            Client(streamable_http_client(url, http_client=http), cache=cache) as mcp,
        ):
            assert mcp.protocol_version == "2026-07-28"
            yield mcp


def names(result: object) -> set[str]:
    return {tool.name for tool in getattr(result, "tools", [])}


async def test_public_answers_are_shared_and_private_ones_never(server: ServerProcess) -> None:
    store = InMemoryResponseCacheStore()  # one cache for every caller
    public_url = server.mcp_url(f"gradio={PUBLIC.id}")
    both_url = server.mcp_url(f"gradio={PUBLIC.id},{SECRET.id}")

    async with client(both_url, store, "owner", OWNER_TOKEN) as owner:
        mine = await owner.list_tools()
    assert any(name.startswith("secret-text__") for name in names(mine))
    assert (mine.ttl_ms, mine.cache_scope) == (0, "private")

    for partition, token in (("anonymous", None), ("someone", "hf_someone_else")):
        async with client(both_url, store, partition, token) as other:
            theirs = await other.list_tools()
        assert names(theirs) and not any(n.startswith("secret-text__") for n in names(theirs))
        # The private space failed for them (hidden): nothing to keep, nothing to share.
        assert (theirs.ttl_ms, theirs.cache_scope) == (0, "private")

    async with client(public_url, store, "anonymous") as anonymous:
        public = await anonymous.list_tools()
    assert 0 < public.ttl_ms <= TTL_MS and public.cache_scope == "public"
    # The owner, asking the same URL, is answered from the shared public entry: the same
    # tools, and the same (cached) hints.
    async with client(public_url, store, "owner", OWNER_TOKEN) as owner:
        shared = await owner.list_tools()
    assert shared == public
