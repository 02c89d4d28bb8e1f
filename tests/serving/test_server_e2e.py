"""End to end: `gradio-mcp serve` as a real process, real Gradio apps behind a LocalHub, and
the official MCP Python client in both protocol eras (2026-07-28 stateless, and the
2025-11-25 handshake every other client still uses).

What a user of an MCP host would notice is asserted: the tools and prompts they see, what a
call returns, how failures read, that progress arrives, that a private space stays private,
and that the HTTP endpoint rejects what it must.
"""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from PIL import Image

from gradio_mcp.dev.launcher import GradioAppProcess
from tests.raw_mcp import INITIALIZE, MCP_HEADERS
from tests.stack import ServerProcess, SpaceSpec, Stack, running_server, running_stack

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PRIVATE_TOKEN = "hf_e2e_private_token"
SPECS = (
    SpaceSpec("demo/text-tools", "text_tools", "Text tools", "🔤"),
    SpaceSpec("demo/image-gen", "image_gen", "Image generator", "🎨"),
    SpaceSpec("demo/file-tools", "file_tools", "File tools", "📁"),
    SpaceSpec("demo/streaming", "streaming", "Streaming", "⏱️"),
    SpaceSpec(
        "acme/secret-tools",
        "text_tools",
        "Secret tools",
        "🔒",
        private=True,
        tokens=(PRIVATE_TOKEN,),
    ),
)
PUBLIC = tuple(s for s in SPECS if not s.private)
PRIVATE = next(s for s in SPECS if s.private)
# Endpoints of the bundled apps (examples/gradio_apps), by app.
ENDPOINTS = {
    "text_tools": ("letter_counter", "transform_text", "always_fails", "remember"),
    "image_gen": ("make_image", "make_tone"),
    "file_tools": ("file_info", "write_file"),
    "streaming": ("count_up", "echo"),
}
# Requests of discovery; anything else a space receives is a call.
DISCOVERY_PATHS = {"/config", "/gradio_api/info", "/gradio_api/mcp/schema"}
TEST_TIMEOUT = 90.0  # seconds, for everything one test does over MCP

# Both protocol eras. The SDK's `auto` mode probes `server/discover` and lands on 2026-07-28;
# `legacy` performs the 2025-11-25 initialize handshake.
ERAS = {"2026-07-28": "auto", "2025-11-25": "legacy"}


def tool_names(spec: SpaceSpec) -> set[str]:
    return {f"{spec.name}__{api}" for api in ENDPOINTS[spec.app]}


PUBLIC_TOOLS = set().union(*(tool_names(s) for s in PUBLIC))
PRIVATE_TOOLS = tool_names(PRIVATE)


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="session")
def e2e_stack(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[Stack]:
    """Every bundled app as a space (plus a private one), served by a real `gradio-mcp serve`."""
    with running_stack(gradio_apps, SPECS) as stack:
        yield stack


@pytest.fixture(scope="session")
def bare_server(e2e_stack: Stack) -> Iterator[ServerProcess]:
    """A second server on the same hub with no configured spaces and pages of 3."""
    with running_server(e2e_stack.hub, [], {"GRADIO_MCP_PAGE_SIZE": "3"}) as server:
        yield server


@pytest.fixture(params=list(ERAS), ids=list(ERAS))
def era(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.asynccontextmanager
async def mcp_client(
    url: str, era: str, *, token: str | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[Client]:
    """The official client over streamable HTTP, in the given era, checked to be in it."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    timeout = httpx2.Timeout(30.0, read=60.0)
    with anyio.fail_after(TEST_TIMEOUT):
        async with (
            httpx2.AsyncClient(headers=sent, timeout=timeout, trust_env=False) as http,
            Client(streamable_http_client(url, http_client=http), mode=ERAS[era]) as client,
        ):
            assert client.protocol_version == era
            yield client


async def all_tools(client: Client, max_pages: int = 50) -> list[types.Tool]:
    tools: list[types.Tool] = []
    cursor: str | None = None
    for _ in range(max_pages):
        page = await client.list_tools(cursor=cursor, cache_mode="refresh")
        tools += page.tools
        cursor = page.next_cursor
        if cursor is None:
            return tools
    raise AssertionError(f"tools/list still had a next page after {max_pages} pages")


async def all_prompts(client: Client, max_pages: int = 50) -> list[types.Prompt]:
    prompts: list[types.Prompt] = []
    cursor: str | None = None
    for _ in range(max_pages):
        page = await client.list_prompts(cursor=cursor, cache_mode="refresh")
        prompts += page.prompts
        cursor = page.next_cursor
        if cursor is None:
            return prompts
    raise AssertionError(f"prompts/list still had a next page after {max_pages} pages")


def call_count(stack: Stack, space_id: str) -> int:
    """How many non-discovery requests (queue joins, uploads, ...) the space received."""
    return sum(
        n
        for (sid, path), n in stack.hub.space_requests.items()
        if sid == space_id and path not in DISCOVERY_PATHS
    )


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


def by_name(tools: list[types.Tool]) -> dict[str, types.Tool]:
    return {t.name: t for t in tools}


# ---------------------------------------------------------------------------------------------
# Listing


async def test_tools_list_names_titles_and_schemas(e2e_stack: Stack, era: str) -> None:
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        tools = by_name(await all_tools(client))

    # Without a token the private space is not there; every public endpoint is, once.
    assert set(tools) == PUBLIC_TOOLS
    for spec in PUBLIC:
        for api in ENDPOINTS[spec.app]:
            tool = tools[f"{spec.name}__{api}"]
            assert tool.title == f"{spec.emoji} {spec.title}: {api}"
            assert tool.description and spec.id in tool.description
            assert tool.input_schema["type"] == "object"

    transform = tools["text-tools__transform_text"].input_schema["properties"]
    assert transform["mode"]["enum"] == ["upper", "lower", "title"]
    assert transform["mode"]["default"] == "upper"
    assert (transform["repeat"]["minimum"], transform["repeat"]["maximum"]) == (1, 5)
    assert transform["extras"]["type"] == "array"
    assert transform["extras"]["items"]["enum"] == ["reverse", "strip", "exclaim"]

    letter = tools["text-tools__letter_counter"].input_schema["properties"]
    assert letter["case_sensitive"] == {**letter["case_sensitive"], "type": "boolean"}
    assert letter["case_sensitive"]["default"] is False

    image = tools["image-gen__make_image"].input_schema["properties"]
    assert image["colour"]["enum"] == ["red", "green", "blue", "black"]
    assert (image["size"]["minimum"], image["size"]["maximum"], image["size"]["default"]) == (
        8,
        256,
        64,
    )

    # gr.State is the space's business: it is not an argument of the tool.
    remember = tools["text-tools__remember"].input_schema
    assert set(remember["properties"]) == {"item"}
    assert remember["required"] == ["item"]

    # A file input asks for something a client can send.
    file_schema = tools["file-tools__file_info"].input_schema
    assert file_schema["required"] == ["file"]
    assert "data: URI" in file_schema["properties"]["file"]["description"]


async def test_prompts_list_and_get(e2e_stack: Stack, era: str) -> None:
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        prompts = {p.name: p for p in await all_prompts(client)}
        rendered = await client.get_prompt(
            "text-tools__letter_counter", {"word": "kiwi", "letter": "i"}
        )
        with pytest.raises(MCPError) as unknown:
            await client.get_prompt("no-such-space__nothing", {})

    assert set(prompts) == PUBLIC_TOOLS
    counter = prompts["text-tools__letter_counter"]
    assert counter.title == "🔤 Text tools: letter_counter"
    assert counter.description
    arguments = {a.name: a for a in counter.arguments or []}
    assert set(arguments) == {"word", "letter", "case_sensitive"}
    assert not any(a.required for a in arguments.values())  # they all have defaults
    assert [a.name for a in prompts["text-tools__remember"].arguments or []] == ["item"]
    assert prompts["text-tools__remember"].arguments[0].required is True  # type: ignore[index]

    assert len(rendered.messages) == 1
    message = rendered.messages[0]
    assert message.role == "user"
    assert isinstance(message.content, types.TextContent)
    assert "text-tools__letter_counter" in message.content.text
    assert '"word": "kiwi"' in message.content.text
    assert '"letter": "i"' in message.content.text
    assert unknown.value.code == types.INVALID_PARAMS


async def test_pagination_with_a_small_page_size(
    e2e_stack: Stack, bare_server: ServerProcess, era: str
) -> None:
    query = "gradio=" + ",".join(s.id for s in PUBLIC)
    async with mcp_client(bare_server.mcp_url(query), era) as client:
        first = await client.list_tools(cache_mode="refresh")
        tools = await all_tools(client)
        prompts = await all_prompts(client)
        with pytest.raises(MCPError) as bad_cursor:
            await client.list_tools(cursor="not-a-cursor", cache_mode="refresh")

    assert len(first.tools) == 3 and first.next_cursor is not None
    names = [t.name for t in tools]
    assert len(names) == len(set(names)), "a tool was listed on two pages"
    assert set(names) == PUBLIC_TOOLS
    assert {p.name for p in prompts} == PUBLIC_TOOLS
    assert bad_cursor.value.code == types.INVALID_PARAMS


# ---------------------------------------------------------------------------------------------
# Calls


async def test_call_text_tool(e2e_stack: Stack, era: str) -> None:
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        counted = await client.call_tool(
            "text-tools__letter_counter", {"word": "Strawberry", "letter": "R"}
        )
        transformed = await client.call_tool(
            "text-tools__transform_text",
            {"text": "abc", "mode": "upper", "repeat": 2, "extras": ["exclaim"]},
        )

    assert counted.is_error is False
    assert text_of(counted) == "3"
    assert counted.structured_content == {"result": 3}
    assert transformed.is_error is False
    assert text_of(transformed) == "ABC! ABC!"
    assert transformed.structured_content == {"result": "ABC! ABC!"}


async def test_call_image_tool_returns_real_image(e2e_stack: Stack, era: str) -> None:
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        result = await client.call_tool("image-gen__make_image", {"colour": "red", "size": 16})

    assert result.is_error is False
    images = [b for b in result.content if isinstance(b, types.ImageContent)]
    assert len(images) == 1
    block = images[0]
    assert block.mime_type in ("image/png", "image/webp")
    raw = base64.b64decode(block.data)
    if block.mime_type == "image/png":
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        assert raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"
    picture = Image.open(io.BytesIO(raw)).convert("RGB")
    assert picture.size == (16, 16)
    # A gradient from white (left) to the app's red (220, 40, 40) on the right; WebP is lossy.
    left, right = picture.getpixel((0, 8)), picture.getpixel((15, 8))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert all(channel > 200 for channel in left), left
    assert abs(right[0] - 220) < 40 and right[1] < 90 and right[2] < 90, right
    # The file is also linked, so another tool can take it as an input.
    assert any(isinstance(b, types.ResourceLink) for b in result.content)


async def test_call_with_a_data_uri_file_input(e2e_stack: Stack, era: str) -> None:
    payload = b"first line\nsecond line\nthird"
    uri = "data:text/plain;base64," + base64.b64encode(payload).decode()
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        result = await client.call_tool("file-tools__file_info", {"file": uri, "head_bytes": 5})

    assert result.is_error is False, text_of(result)
    assert result.structured_content is not None
    info = result.structured_content["result"]
    assert info["size"] == len(payload)
    assert info["lines"] == 3
    assert info["head"] == "first"
    assert json.loads(text_of(result)) == info


async def test_streaming_tool_reports_progress(e2e_stack: Stack, era: str) -> None:
    events: list[tuple[float, float | None, str | None]] = []
    at_result: list[int] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        events.append((progress, total, message))

    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        result = await client.call_tool(
            "streaming__count_up", {"n": 5, "delay": 0.1}, progress_callback=on_progress
        )
        at_result.append(len(events))
        # Any late notification would be dropped by now, but make one more round trip so a
        # straggler on the same connection would have had its chance to be counted.
        await client.list_tools(cache_mode="refresh")

    assert result.is_error is False
    assert text_of(result) == "1 2 3 4 5 "
    assert result.structured_content == {"result": "1 2 3 4 5 "}
    values = [p for p, _, _ in events]
    # Steps are 0.1 s apart and the server sends at most 20 updates a second: one per step
    # at least, however updates within a step get merged.
    assert len(values) >= 5, events
    assert all(a < b for a, b in itertools.pairwise(values)), events
    totals = {t for _, t, _ in events if t is not None}
    assert totals == {5}, events
    assert events[-1][:2] == (5, 5), events  # the bar ends full
    assert at_result == [len(events)]  # everything arrived before the result


@pytest.mark.parametrize("protocol", ["2025-11-25", "2026-07-28"])
def test_last_progress_precedes_the_result_on_the_wire(e2e_stack: Stack, protocol: str) -> None:
    """Read the SSE response itself: every progress notification comes before the result."""
    token = f"progress-{protocol}"
    meta: dict[str, Any] = {"progressToken": token}
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": protocol,
    }
    if protocol == "2026-07-28":
        meta["io.modelcontextprotocol/protocolVersion"] = protocol
        meta["io.modelcontextprotocol/clientCapabilities"] = {}
        headers.update({"Mcp-Method": "tools/call", "Mcp-Name": "streaming__count_up"})
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {
            "name": "streaming__count_up",
            "arguments": {"n": 3, "delay": 0.1},
            "_meta": meta,
        },
    }
    messages: list[dict[str, Any]] = []
    with (
        httpx2.Client(trust_env=False, timeout=httpx2.Timeout(10.0, read=60.0)) as http,
        http.stream("POST", e2e_stack.server.mcp_url(), json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data:") and line[5:].strip():
                messages.append(json.loads(line[5:]))
            if len(messages) > 200:
                raise AssertionError("far more SSE messages than a 3-step count needs")

    assert messages, "no SSE message at all"
    *notes, last = messages
    assert last.get("id") == 7 and "result" in last, last
    assert last["result"]["content"][0]["text"] == "1 2 3 "
    assert len(notes) >= 3
    for note in notes:
        assert note["method"] == "notifications/progress", note
        assert note["params"]["progressToken"] == token
    assert notes[-1]["params"]["progress"] == notes[-1]["params"]["total"] == 3


async def test_failing_tool_is_an_error_result(e2e_stack: Stack, era: str) -> None:
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        result = await client.call_tool("text-tools__always_fails", {"reason": "out of tea"})

    assert result.is_error is True
    text = text_of(result)
    assert "Custom failure" in text  # the title the space gave its gr.Error
    assert "Refused: out of tea" in text  # and its message


@pytest.mark.parametrize(
    ("tool", "arguments", "named"),
    [
        (
            "text-tools__transform_text",
            {"text": "x", "mode": "sideways", "repeat": 1, "extras": []},
            "mode",
        ),
        ("text-tools__transform_text", {"text": "x", "repeat": 9, "extras": []}, "repeat"),
        ("text-tools__letter_counter", {"word": "x", "colour": "red"}, "colour"),
        ("file-tools__file_info", {"head_bytes": 4}, "file"),
        ("file-tools__file_info", {"file": "/etc/passwd"}, "file"),
    ],
    ids=["enum", "maximum", "unknown-argument", "missing-required", "local-path"],
)
async def test_bad_arguments_never_reach_the_space(
    e2e_stack: Stack, era: str, tool: str, arguments: dict[str, Any], named: str
) -> None:
    space_id = f"demo/{tool.split('__')[0]}"
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        before = call_count(e2e_stack, space_id)
        result = await client.call_tool(tool, arguments)
        after = call_count(e2e_stack, space_id)
        # The same connection still works after the refusal.
        ok = await client.call_tool("streaming__echo", {"message": "still here"})

    assert result.is_error is True
    assert f"'{named}'" in text_of(result), text_of(result)
    assert tool in text_of(result)
    assert after == before, "the space received a call for invalid arguments"
    assert text_of(ok) == "still here"


async def test_unknown_tool_is_a_protocol_error(e2e_stack: Stack, era: str) -> None:
    async with mcp_client(e2e_stack.server.mcp_url(), era) as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool("no-such-space__nothing", {})
    assert raised.value.code == types.INVALID_PARAMS  # -32602
    assert "no-such-space__nothing" in str(raised.value)


# ---------------------------------------------------------------------------------------------
# Private spaces


async def test_private_space_needs_its_token(e2e_stack: Stack, era: str) -> None:
    url = e2e_stack.server.mcp_url()
    async with mcp_client(url, era, token=PRIVATE_TOKEN) as client:
        with_token = {t.name for t in await all_tools(client)}
        counted = await client.call_tool(
            "secret-tools__letter_counter", {"word": "banana", "letter": "a"}
        )
    async with mcp_client(url, era) as client:
        without = {t.name for t in await all_tools(client)}
        with pytest.raises(MCPError) as refused:
            await client.call_tool("secret-tools__letter_counter", {"word": "a", "letter": "a"})
    async with mcp_client(url, era, token="hf_someone_else") as client:
        wrong = {t.name for t in await all_tools(client)}

    assert with_token == PUBLIC_TOOLS | PRIVATE_TOOLS
    assert text_of(counted) == "3"
    assert without == PUBLIC_TOOLS
    assert wrong == PUBLIC_TOOLS
    assert refused.value.code == types.INVALID_PARAMS


async def test_private_space_never_appears_in_metrics(e2e_stack: Stack) -> None:
    async with mcp_client(e2e_stack.server.mcp_url(), "2025-11-25", token=PRIVATE_TOKEN) as c:
        await c.call_tool("secret-tools__letter_counter", {"word": "abc", "letter": "c"})
        await c.call_tool("secret-tools__always_fails", {"reason": "x"})
        await c.get_prompt("secret-tools__remember", {"item": "y"})
    async with mcp_client(e2e_stack.server.mcp_url(), "2026-07-28", token=PRIVATE_TOKEN) as c:
        await c.call_tool("secret-tools__letter_counter", {"word": "abc", "letter": "c"})
        await c.call_tool("text-tools__letter_counter", {"word": "abc", "letter": "c"})

    with httpx2.Client(base_url=e2e_stack.server.url, trust_env=False, timeout=10.0) as http:
        pages = {path: http.get(path) for path in ("/api/metrics", "/metrics/prometheus")}
    for path, response in pages.items():
        assert response.status_code == 200, path
        body = response.text
        assert "text-tools" in body or "text_tools" in body, f"{path} shows no tool calls at all"
        for secret in (PRIVATE.id, PRIVATE.name, "secret-tools", "secret_tools", "acme"):
            assert secret not in body, f"{path} shows the private space ({secret!r})"
        assert PRIVATE_TOKEN not in body


# ---------------------------------------------------------------------------------------------
# Per-request space selection


async def test_gradio_query_selects_spaces(
    e2e_stack: Stack, bare_server: ServerProcess, era: str
) -> None:
    async with mcp_client(bare_server.mcp_url(), era) as client:
        nothing = await all_tools(client)
    async with mcp_client(bare_server.mcp_url("gradio=demo/streaming"), era) as client:
        streaming = {t.name for t in await all_tools(client)}
        echoed = await client.call_tool("streaming__echo", {"message": "hi"})
    query = "spaces=demo/file-tools,demo/image-gen"
    async with mcp_client(bare_server.mcp_url(query), era) as client:
        two = {t.name for t in await all_tools(client)}
    private = f"gradio={PRIVATE.id},demo/streaming"
    async with mcp_client(bare_server.mcp_url(private), era, token=PRIVATE_TOKEN) as client:
        with_private = {t.name for t in await all_tools(client)}

    assert nothing == []
    assert streaming == tool_names(SPECS[3])
    assert text_of(echoed) == "hi"
    assert two == tool_names(SPECS[1]) | tool_names(SPECS[2])
    assert with_private == PRIVATE_TOOLS | tool_names(SPECS[3])


async def test_gradio_none_turns_configured_spaces_off(e2e_stack: Stack, era: str) -> None:
    async with mcp_client(e2e_stack.server.mcp_url("gradio=none"), era) as client:
        tools = await all_tools(client)
        prompts = await all_prompts(client)
        with pytest.raises(MCPError):
            await client.call_tool("streaming__echo", {"message": "hi"})
    assert tools == []
    assert prompts == []


# ---------------------------------------------------------------------------------------------
# HTTP edges


def post_initialize(server: ServerProcess, **headers: str) -> httpx2.Response:
    with httpx2.Client(trust_env=False, timeout=10.0) as http:
        return http.post(server.mcp_url(), json=INITIALIZE, headers={**MCP_HEADERS, **headers})


def test_get_on_mcp_is_405(e2e_stack: Stack) -> None:
    with httpx2.Client(trust_env=False, timeout=10.0) as http:
        response = http.get(e2e_stack.server.mcp_url(), headers={"Accept": "text/event-stream"})
    assert response.status_code == 405
    assert "POST" in response.headers.get("allow", "")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_host_and_origin_are_accepted(e2e_stack: Stack, host: str) -> None:
    port = e2e_stack.server.port
    response = post_initialize(
        e2e_stack.server, Host=f"{host}:{port}", Origin=f"http://{host}:{port}"
    )
    assert response.status_code == 200
    assert '"protocolVersion"' in response.text


def test_made_up_methods_share_one_metrics_row(e2e_stack: Stack) -> None:
    with httpx2.Client(trust_env=False, timeout=10.0) as http:
        for i in range(5):
            request = {"jsonrpc": "2.0", "id": i, "method": f"made/up/{i}", "params": {}}
            http.post(e2e_stack.server.mcp_url(), json=request, headers=MCP_HEADERS)
        by_method = http.get(f"{e2e_stack.server.url}/api/metrics").json()["requests"]["byMethod"]
    assert not any(method.startswith("made/") for method in by_method), by_method
    assert by_method["other"]["count"] >= 5


def test_foreign_host_is_421(e2e_stack: Stack) -> None:
    response = post_initialize(e2e_stack.server, Host="evil.example.com")
    assert response.status_code == 421
    assert "result" not in response.text


def test_foreign_origin_is_403(e2e_stack: Stack) -> None:
    response = post_initialize(e2e_stack.server, Origin="https://evil.example.com")
    assert response.status_code == 403
    assert "result" not in response.text


def test_healthz(e2e_stack: Stack) -> None:
    with httpx2.Client(trust_env=False, timeout=10.0) as http:
        response = http.get(f"{e2e_stack.server.url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
