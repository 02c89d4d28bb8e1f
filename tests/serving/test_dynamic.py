"""The on-demand tools in process (official client over memory streams): what is listed and
when, describe_space against captured Gradio schemas, every refusal call_space makes before
anything reaches a space, and search_spaces through the tool against LocalHub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.shared.exceptions import MCPError

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.discovery import Discovery
from gradio_mcp.serving._dynamic import read_search_cursor, search_cursor
from gradio_mcp.serving._server import GradioMCP
from tests.mock_http import MockHTTP
from tests.upstream import HUB, Upstream, install

pytestmark = pytest.mark.anyio

DYNAMIC = ["search_spaces", "describe_space", "call_space"]


@pytest.fixture
def upstream(http_mock: MockHTTP) -> Upstream:
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    upstream.add("carol/site", sdk="docker")
    return upstream


@pytest.fixture
async def scripted(http_mock: MockHTTP, upstream: Upstream) -> AsyncIterator[GradioMCP]:
    """A dynamic server over the scripted Hub, configured with one space."""
    settings = Settings.from_env({}, hf_endpoint=HUB, spaces=("alice/blocks",), dynamic=True)
    gradio = GradioMCP(settings, discovery=Discovery(settings, client=http_mock.client()))
    yield gradio
    await gradio.discovery.aclose()


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


async def test_the_three_tools_come_first_with_their_schemas(scripted: GradioMCP) -> None:
    async with Client(scripted.server, mode="legacy") as client:
        tools = (await client.list_tools()).tools
    names = [t.name for t in tools]
    assert names[:3] == DYNAMIC
    assert "blocks__letter_counter" in names  # configured spaces stay listed
    search, describe, call = tools[:3]
    assert search.output_schema is not None and describe.output_schema is not None
    assert call.output_schema is None  # a space's result has no fixed shape
    assert search.input_schema["required"] == ["query"]
    assert call.input_schema["required"] == ["space_id", "endpoint"]
    for tool in (search, describe):
        assert tool.annotations is not None
        assert (tool.annotations.read_only_hint, tool.annotations.open_world_hint) == (True, True)
    assert call.annotations is not None and call.annotations.read_only_hint is None


async def test_not_offered_unless_enabled(http_mock: MockHTTP, upstream: Upstream) -> None:
    settings = Settings.from_env({}, hf_endpoint=HUB, spaces=("alice/blocks",))
    gradio = GradioMCP(settings, discovery=Discovery(settings, client=http_mock.client()))
    async with Client(gradio.server, mode="legacy") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        with pytest.raises(MCPError, match="Unknown tool: search_spaces"):
            await client.call_tool("search_spaces", {"query": "x"})
    assert not names & set(DYNAMIC)
    await gradio.discovery.aclose()


async def test_describe_shows_the_endpoints_as_tools_list_would(scripted: GradioMCP) -> None:
    async with Client(scripted.server, mode="legacy") as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        result = await client.call_tool("describe_space", {"space_id": "alice/blocks"})
    assert result.is_error is False, text_of(result)
    described = result.structured_content
    assert described is not None
    assert described["space"] == {
        "id": "alice/blocks",
        "private": False,
        "title": "Blocks",
        "emoji": "🧪",
        "mcp_server": True,
    }
    endpoints = {e["endpoint"]: e for e in described["endpoints"]}
    assert "/letter_counter" in endpoints and "/slow_count" in endpoints
    counter = endpoints["/letter_counter"]
    tool = listed["blocks__letter_counter"]
    assert counter["name"] == tool.name
    assert counter["description"] == tool.description
    assert counter["inputSchema"] == tool.input_schema
    assert counter["annotations"]["openWorldHint"] is True
    text = text_of(result)
    assert "/letter_counter" in text and '"letter"' in text
    assert 'call_space(space_id="alice/blocks"' in text


@pytest.mark.parametrize(
    ("space_id", "reason"),
    [
        ("nobody/nothing", "not found on the Hub"),
        ("carol/site", "docker space, not a Gradio one"),
        ("not an id", "is not a space id"),
    ],
)
async def test_a_space_that_cannot_serve_says_why(
    scripted: GradioMCP, space_id: str, reason: str
) -> None:
    async with Client(scripted.server, mode="legacy") as client:
        described = await client.call_tool("describe_space", {"space_id": space_id})
        called = await client.call_tool("call_space", {"space_id": space_id, "endpoint": "/x"})
    assert described.is_error and called.is_error
    assert reason in text_of(described) and reason in text_of(called)


async def test_call_space_refuses_before_anything_reaches_the_space(
    scripted: GradioMCP, upstream: Upstream
) -> None:
    async with Client(scripted.server, mode="legacy") as client:
        bad_arguments = await client.call_tool(
            "call_space",
            {"space_id": "alice/blocks", "endpoint": "/letter_counter", "arguments": {"x": 1}},
        )
        unknown = await client.call_tool(
            "call_space", {"space_id": "alice/blocks", "endpoint": "/nope"}
        )
        no_endpoint = await client.call_tool("call_space", {"space_id": "alice/blocks"})
        not_an_object = await client.call_tool(
            "call_space", {"space_id": "alice/blocks", "endpoint": "/fail", "arguments": [1]}
        )
    assert bad_arguments.is_error
    assert "unknown argument 'x'" in text_of(bad_arguments)
    assert "blocks__letter_counter" in text_of(bad_arguments)  # named as its own tool
    assert unknown.is_error and "/letter_counter" in text_of(unknown)
    assert "has no endpoint '/nope'" in text_of(unknown)
    assert no_endpoint.is_error and "missing required argument 'endpoint'" in text_of(no_endpoint)
    assert not_an_object.is_error and "'arguments'" in text_of(not_an_object)
    calls = [url for url in upstream.requests if "/queue/" in url or "/call/" in url]
    assert calls == []


# ------------------------------------------------------------------------------ search


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub() as hub:
        for i in range(5):
            hub.add_space(f"owner/tool-{i}", title=f"Tool number {i}", likes=10 * i)
        hub.add_space("owner/other", title="Something else", likes=1000)
        yield hub


@pytest.fixture(scope="module")
async def searching(hub: LocalHub) -> AsyncIterator[GradioMCP]:
    settings = Settings(hf_endpoint=hub.url, dynamic=True, search_max_results=2)
    gradio = GradioMCP(settings)
    yield gradio
    await gradio.discovery.aclose()


async def test_search_pages_through_results_with_the_cursor(searching: GradioMCP) -> None:
    async with Client(searching.server, mode="auto") as client:
        first = await client.call_tool("search_spaces", {"query": "tool"})
        assert first.structured_content is not None
        cursor = first.structured_content["next_cursor"]
        second = await client.call_tool("search_spaces", {"query": "tool", "cursor": cursor})
        assert second.structured_content is not None
        third = await client.call_tool(
            "search_spaces",
            {"query": "tool", "cursor": second.structured_content["next_cursor"]},
        )
    pages = [first, second, third]
    found = [[s["id"] for s in p.structured_content["spaces"]] for p in pages]  # type: ignore[index]
    # At most GRADIO_MCP_SEARCH_MAX_RESULTS per page, most liked first, no space twice.
    assert found == [
        ["owner/tool-4", "owner/tool-3"],
        ["owner/tool-2", "owner/tool-1"],
        ["owner/tool-0"],
    ]
    assert "next_cursor" not in third.structured_content  # type: ignore[operator]
    assert "owner/tool-4 (Tool number 4): 40 likes, RUNNING" in text_of(first)
    assert f'cursor="{cursor}"' in text_of(first)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"query": "tool", "limit": 0}, "'limit'"),
        ({"query": "tool", "limit": 3}, "'limit'"),
        ({"query": ""}, "'query'"),
        ({"query": "tool", "sort": "random"}, "'sort'"),
        ({"query": "tool", "cursor": "bm90IG91cnM="}, "not a cursor"),
        ({"limit": 3}, "missing required argument 'query'"),
    ],
)
async def test_bad_search_arguments_are_tool_errors(
    searching: GradioMCP, hub: LocalHub, arguments: dict[str, Any], named: str
) -> None:
    hub.reset_counters()
    async with Client(searching.server, mode="legacy") as client:
        result = await client.call_tool("search_spaces", arguments)
    assert result.is_error and named in text_of(result)
    assert hub.listing_requests == 0


async def test_a_failing_hub_makes_the_search_a_tool_error(http_mock: MockHTTP) -> None:
    http_mock.add_callback(lambda _r: httpx2.Response(500, text="down"))
    settings = Settings.from_env({}, hf_endpoint=HUB, dynamic=True)
    gradio = GradioMCP(settings, discovery=Discovery(settings, client=http_mock.client()))
    async with Client(gradio.server, mode="legacy") as client:
        result = await client.call_tool("search_spaces", {"query": "x"})
        again = await client.call_tool("search_spaces", {"query": "y"})
    assert result.is_error and "The space search failed" in text_of(result)
    assert again.is_error  # and the server goes on answering
    await gradio.discovery.aclose()


def test_cursors_carry_the_search_they_continue() -> None:
    from gradio_mcp.discovery import SpaceQuery

    query = SpaceQuery("image", 5, "trending", True)
    decoded = read_search_cursor(search_cursor(query, "hubCursor123"), max_results=3)
    assert (decoded.text, decoded.limit, decoded.sort, decoded.mcp_only, decoded.cursor) == (
        "image",
        3,  # never above the server's own limit
        "trending",
        True,
        "hubCursor123",
    )
    import base64

    deep = base64.urlsafe_b64encode(b"[" * 900 + b"]" * 900).decode()
    for bad in ("!!", "e30=", "w6k=", deep, search_cursor(query, "has space")):
        with pytest.raises(ValueError):
            read_search_cursor(bad, 3)
