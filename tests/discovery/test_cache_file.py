"""The persistent level (`GRADIO_MCP_CACHE_FILE`): a restarted process lists fresh spaces
without asking anyone, and the file never holds anything private."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.discovery._persistent import SqliteStore
from gradio_mcp.net import fingerprint
from tests.fault_server import FaultServer
from tests.mock_http import MockHTTP
from tests.upstream import HUB, Upstream, install

pytestmark = pytest.mark.anyio


def process(path: Path | str, http_mock: MockHTTP, **overrides: Any) -> Discovery:
    """A 'process' (a Discovery of its own) keeping its cache in `path`."""
    settings = Settings.from_env({}, hf_endpoint=HUB, cache_file=str(path), **overrides)
    return Discovery(settings, client=http_mock.client())


def everything(path: Path) -> str:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT ns, key, etag, value FROM entries").fetchall()
    return "\n".join(repr(row) for row in rows)


async def test_a_restarted_process_lists_fresh_spaces_without_a_request(
    tmp_path: Path, upstream: Upstream, http_mock: MockHTTP
) -> None:
    path = tmp_path / "cache.sqlite3"
    ids = ["alice/blocks", "bob/blocks"]
    for space_id in ids:
        upstream.add(space_id)
    async with process(path, http_mock) as first:
        before = await first.get_spaces(ids)
    asked = sum(upstream.requests.values())
    async with process(path, http_mock) as restarted:
        after = await restarted.get_spaces(ids)
    assert sum(upstream.requests.values()) == asked  # not one request
    for old, new in zip(before, after, strict=True):
        assert new.ok and new.metadata == old.metadata and new.schema == old.schema
        assert (new.timings.metadata_cache, new.timings.schema_cache) == ("shared", "shared")


async def test_an_expired_entry_is_revalidated_and_another_hub_sees_nothing(
    tmp_path: Path, upstream: Upstream, http_mock: MockHTTP
) -> None:
    path = tmp_path / "cache.sqlite3"
    upstream.add("alice/blocks")
    async with process(path, http_mock, space_cache_ttl_ms=200) as first:
        await first.get_spaces(["alice/blocks"])
    await asyncio.sleep(0.3)
    upstream.requests.clear()
    async with process(path, http_mock, space_cache_ttl_ms=200) as restarted:
        (space,) = await restarted.get_spaces(["alice/blocks"])
    # The Hub confirmed the stored ETag (a 304): one conditional request, no schema fetch.
    assert space.ok and upstream.hub_requests("alice/blocks") == 1
    hub_headers = [headers for url, headers in upstream.headers if url.startswith(HUB)]
    assert len(hub_headers) == 2 and hub_headers[-1].get("if-none-match")
    assert upstream.schema_requests("alice/blocks") == 0
    # Another Hub is another namespace.
    other = Settings.from_env({}, hf_endpoint="https://hub.example", cache_file=str(path))
    async with Discovery(other, client=http_mock.client()) as elsewhere:
        (space,) = await elsewhere.get_spaces(["alice/blocks"])
    # (it asked that Hub, which knows nothing of the space, instead of reading the file)
    assert not space.ok and str(http_mock.requests[-1].url).startswith("https://hub.example/")


async def test_a_private_space_never_reaches_the_file(
    tmp_path: Path, upstream: Upstream, http_mock: MockHTTP
) -> None:
    path = tmp_path / "cache.sqlite3"
    token = "hf_private_reader_token"
    upstream.add("acme/secret-merger", private=True, token=token)
    upstream.add("alice/blocks")
    for _ in range(2):
        async with process(path, http_mock) as discovery:
            listing = await discovery.get_spaces(["acme/secret-merger", "alice/blocks"], token)
            assert all(space.ok for space in listing)
    stored = everything(path)
    assert "alice/blocks" in stored
    for needle in ("acme", "secret-merger", "secret_merger", token, fingerprint(token)):
        assert needle not in stored, needle
    assert upstream.hub_requests("acme/secret-merger") == 2  # asked again after the restart


async def test_off_writes_nothing_and_garbage_is_not_believed(
    tmp_path: Path, upstream: Upstream, http_mock: MockHTTP
) -> None:
    upstream.add("alice/blocks")
    async with process("off", http_mock) as discovery:
        await discovery.get_spaces(["alice/blocks"])
    assert list(tmp_path.iterdir()) == []
    path = tmp_path / "cache.sqlite3"
    async with process(path, http_mock) as first:
        await first.get_spaces(["alice/blocks"])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE entries SET value = ?", (b'{"id": 1, "private": "no"}',))
    async with process(path, http_mock) as restarted:
        (space,) = await restarted.get_spaces(["alice/blocks"])
    assert space.ok and space.timings.metadata_cache == "miss"


async def test_the_file_stays_within_its_bounds(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "cache.sqlite3")
    for i in range(50):
        store.put("ns", f"key{i:02d}", None, b"x" * 100)
        store.flush()
        await asyncio.sleep(0.002)  # distinct fetch times
    store.prune(max_rows=20, max_bytes=1_000_000)
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
        kept = [key for (key,) in db.execute("SELECT key FROM entries ORDER BY key")]
    assert kept == [f"key{i:02d}" for i in range(30, 50)]  # the newest
    store.prune(max_rows=1000, max_bytes=550)
    assert store.get("ns", "key49") is not None and store.get("ns", "key44") is None
    store.close()


async def test_a_restarted_server_process_asks_the_hub_nothing(tmp_path: Path) -> None:
    """The same through the real HTTP client, two Discovery 'processes' one after another,
    against a real Hub and space on loopback that count what they are asked."""
    async with FaultServer() as hub, FaultServer() as space:
        hub.answer_json(
            "/api/spaces/alice/echo", {"id": "alice/echo", "sdk": "gradio", "host": space.url}
        )
        space.answer_json(
            "/gradio_api/info",
            {"named_endpoints": {"/echo": {"parameters": [], "returns": []}}},
        )
        settings = Settings(
            hf_endpoint=hub.url,
            allowed_networks=("127.0.0.1/32",),
            cache_file=str(tmp_path / "cache.sqlite3"),
        )
        for _restart in range(2):
            async with Discovery(settings) as discovery:
                (result,) = await discovery.get_spaces(["alice/echo"])
            assert result.ok and [e.api_name for e in result.endpoints] == ["echo"]
    assert len(hub.exchanges) == 1
    assert len(space.requests_to("/gradio_api/info")) == 1


def test_a_script_running_two_event_loops_keeps_writing(tmp_path: Path) -> None:
    http_mock = MockHTTP()  # scripted answers need no event loop of their own
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    upstream.add("bob/blocks")
    path = tmp_path / "cache.sqlite3"
    discovery = process(path, http_mock)
    asyncio.run(discovery.get_spaces(["alice/blocks"]))  # its flush is left on this loop

    async def second() -> None:
        discovery.bind_to_running_loop()
        await discovery.get_spaces(["bob/blocks"])
        await asyncio.sleep(0.2)

    asyncio.run(second())
    stored = everything(path)
    assert "bob/blocks" in stored
