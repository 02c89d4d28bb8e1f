"""The MCP handlers in process (official client over memory streams, scripted upstream)."""

from __future__ import annotations

import pytest
from mcp import types
from mcp.client.client import Client
from mcp.shared.exceptions import MCPError

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.ops._prometheus import render_prometheus
from gradio_mcp.serving._server import GradioMCP
from tests.mock_http import MockHTTP
from tests.upstream import HUB, install

pytestmark = pytest.mark.anyio


def server(settings: Settings, http_mock: MockHTTP) -> GradioMCP:
    return GradioMCP(settings, discovery=Discovery(settings, client=http_mock.client()))


async def test_failed_calls_count_as_errors_of_their_method_and_bad_arguments_apart(
    http_mock: MockHTTP,
) -> None:
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    gradio = server(Settings.from_env({}, hf_endpoint=HUB, spaces=("alice/blocks",)), http_mock)
    async with Client(gradio.server, mode="legacy") as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert "blocks__letter_counter" in names
        result = await client.call_tool("blocks__letter_counter", {"word": "x"})
        assert result.is_error
        assert "missing required argument 'letter'" in result.content[0].text
        with pytest.raises(MCPError, match="Unknown tool"):
            await client.call_tool("blocks__nope", {})
    by_method = gradio.metrics.snapshot()["requests"]["byMethod"]
    assert by_method["tools/call"] == {**by_method["tools/call"], "count": 2, "errors": 2}
    assert by_method["tools/list"]["errors"] == 0
    # The caller's wrong arguments are theirs: counted apart, not as the space's failures.
    calls = gradio.metrics.snapshot()["toolCalls"]
    space = calls["bySpace"]["alice/blocks"]
    assert (space["calls"], space["failures"], space["rejected"]) == (0, 0, 1)
    assert (calls["failures"], calls["rejected"]) == (0, 1)
    prometheus = render_prometheus(gradio.metrics)[0].decode()
    assert 'gradio_mcp_tool_call_rejected_total{space="alice/blocks"} 1.0' in prometheus
    assert 'gradio_mcp_tool_call_failures_total{space="alice/blocks"} 0.0' in prometheus
    await gradio.discovery.aclose()


async def test_a_call_waits_for_a_space_that_tools_list_left_loading(
    http_mock: MockHTTP,
) -> None:
    upstream = install(http_mock)
    upstream.add("alice/slow", schema_latency=0.4)
    settings = Settings.from_env({}, hf_endpoint=HUB, spaces=("alice/slow",), list_deadline_ms=100)
    gradio = server(settings, http_mock)
    async with Client(gradio.server, mode="legacy") as client:
        assert (await client.list_tools()).tools == []  # not ready within the list deadline
        # The call cannot be answered without the space, so it waits for it (bad arguments
        # here, so that nothing has to run upstream).
        result = await client.call_tool("slow__letter_counter", {"word": "x"})
        assert result.is_error and "letter" in result.content[0].text
    await gradio.discovery.aclose()


def test_one_request_cannot_name_more_spaces_than_the_cap() -> None:
    from starlette.requests import Request

    gradio = GradioMCP(Settings.from_env({}, hf_endpoint=HUB, spaces=("a/one",), max_spaces=3))
    ids = ",".join(f"owner/s{i}" for i in range(10))
    scope = {"type": "http", "query_string": f"gradio={ids}".encode(), "headers": []}
    caller = gradio.caller(Request(scope))
    assert caller.space_ids == ("a/one", "owner/s0", "owner/s1")


async def test_the_server_keeps_answering_while_a_big_catalog_is_built() -> None:
    """A space with thousands of endpoints: its tools are built off the event loop, so
    other requests are served meanwhile (here: a task that counts its turns)."""
    import asyncio

    from gradio_mcp.models import Endpoint, GradioSpace, Parameter, SpaceMetadata, SpaceSchema

    text = Parameter("text", {"type": "string"}, True)
    endpoints = tuple(Endpoint(f"echo_{i}", "Echo the text.", (text,), ()) for i in range(2000))
    metadata = SpaceMetadata(
        "alice/big", False, "gradio", "alice-big", "https://alice-big.hf.space"
    )
    space = GradioSpace("alice/big", metadata, SpaceSchema(endpoints))
    gradio = GradioMCP(Settings.from_env({}, hf_endpoint=HUB))
    turns = 0
    building = True

    async def other_requests() -> None:
        nonlocal turns
        while building:
            turns += 1
            await asyncio.sleep(0)

    counter = asyncio.create_task(other_requests())
    await asyncio.sleep(0)
    turns = 0
    _, catalog = await gradio.catalogs.build([space])
    building = False
    await counter
    assert len(catalog.tools) == 2000
    assert turns > 0
    await gradio.discovery.aclose()


def test_tasks_can_be_turned_off() -> None:
    on = GradioMCP(Settings.from_env({}, hf_endpoint=HUB))
    off = GradioMCP(Settings.from_env({"GRADIO_MCP_TASKS": "false"}, hf_endpoint=HUB))
    assert on.server.extensions == {"io.modelcontextprotocol/tasks": {}}
    assert on.server.get_request_handler("tasks/get") is not None
    assert off.server.extensions == {}
    for method in ("tasks/get", "tasks/cancel", "tasks/update"):
        assert off.server.get_request_handler(method) is None  # unknown methods, -32601


async def test_a_host_program_calls_tools_through_the_public_api(http_mock: MockHTTP) -> None:
    """`GradioMCP.call` is tools/call without MCP: the same checks, the same error results."""
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    settings = Settings.from_env({}, hf_endpoint=HUB, spaces=("alice/blocks",))
    async with server(settings, http_mock) as gradio:
        wrong = await gradio.call("blocks__letter_counter", {"word": "x"})
        unknown = await gradio.call("blocks__nope")
    assert wrong.is_error and isinstance(wrong.content[0], types.TextContent)
    assert "missing required argument 'letter'" in wrong.content[0].text
    assert unknown.is_error and isinstance(unknown.content[0], types.TextContent)
    assert "Unknown tool: blocks__nope" in unknown.content[0].text
    # Wrong arguments are the caller's mistake: refused, not a failure of the space.
    by_space = gradio.metrics.snapshot()["toolCalls"]["bySpace"]["alice/blocks"]
    assert (by_space["rejected"], by_space["failures"]) == (1, 0)


def _text(result: types.CallToolResult) -> str:
    return " ".join(b.text for b in result.content if isinstance(b, types.TextContent))


async def test_a_call_names_a_failed_space_only_to_a_caller_who_may_know_of_it(
    http_mock: MockHTTP,
) -> None:
    upstream = install(http_mock)
    upstream.add("alice/blocks", hub_status=503)  # public, the Hub is failing for it
    upstream.add("alice/secret", private=True, token="hf_owner")
    ids = ("alice/blocks", "alice/secret")
    async with server(Settings.from_env({}, hf_endpoint=HUB, spaces=ids), http_mock) as gradio:
        # The owner's call shows the server that alice/secret is private...
        owners = await gradio.call("secret__letter_counter", {"word": "x"}, token="hf_owner")
        assert "missing required argument 'letter'" in _text(owners)
        # ...so when the Hub fails for it too, an anonymous caller is not told it exists.
        upstream.spaces["alice/secret"].hub_status = 503
        public = await gradio.call("blocks__letter_counter", {"word": "x", "letter": "x"})
        secret = await gradio.call("secret__letter_counter", {"word": "x", "letter": "x"})
    assert public.is_error and secret.is_error
    assert "belongs to the space alice/blocks, which cannot be reached now" in _text(public)
    assert "alice/secret" not in _text(secret) and "Unknown tool" in _text(secret)
