"""A listing's tools and prompts go out in the wire form the SDK makes (`WireForms`: made once
per tool and revision by the SDK's own serializer, then kept): what a client receives is the
same as when the SDK shapes every page itself, in both protocol eras, and a second listing
makes no form again."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from mcp.client.client import Client
from mcp.types import ListToolsResult

from gradio_mcp.serving import GradioMCP, _wire_forms
from gradio_mcp.transports import build_http_app
from tests.raw_mcp import INITIALIZE, MCP_HEADERS, META, MODERN, URL, serving
from tests.upstream import Upstream

pytestmark = pytest.mark.anyio

SPACES = ("alice/blocks", "bob/echo")


def sse_json(text: str) -> Any:
    """The JSON-RPC message of an answer, sent as JSON or as one SSE event."""
    if text.lstrip().startswith("{"):
        return json.loads(text)
    data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
    return json.loads(next(d for d in data if d))


def without_kept_forms(gradio: GradioMCP) -> GradioMCP:
    """`gradio` with the SDK shaping every page itself, as if `WireForms` were not there."""
    gradio.server.middleware = [m for m in gradio.server.middleware if "WireForms" not in repr(m)]
    return gradio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_listings_are_what_the_sdk_itself_sends(
    upstream: Upstream, make: Any, mode: str
) -> None:
    for space in SPACES:
        upstream.add(space)
    listed: list[Any] = []
    for gradio in (
        make(spaces=SPACES, page_size=3),
        without_kept_forms(make(spaces=SPACES, page_size=3)),
    ):
        async with Client(gradio.server, mode=mode, cache=None) as client:
            pages, cursor = [], None
            while True:
                page = await client.list_tools(cursor=cursor)
                pages.append(page.model_dump(mode="json", exclude={"ttl_ms"}))
                if not (cursor := page.next_cursor):
                    break
            prompts = await client.list_prompts()
            listed.append((pages, prompts.model_dump(mode="json", exclude={"ttl_ms"})))
    kept, shaped = listed
    assert len(kept[0]) > 1 and kept[0][0]["tools"]  # several pages, each with tools
    assert kept == shaped


async def test_the_wire_holds_the_same_json(upstream: Upstream, make: Any) -> None:
    for space in SPACES:
        upstream.add(space)
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": META}}
    answers = []
    for gradio in (make(spaces=SPACES), without_kept_forms(make(spaces=SPACES))):
        app = build_http_app(gradio)
        async with (
            serving(app),
            httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)) as http,
        ):
            answer = await http.post(
                URL, headers={**MODERN, "Mcp-Method": "tools/list"}, json=request
            )
        assert answer.status_code == 200, answer.text
        result = answer.json()["result"]
        result.pop("ttlMs")
        answers.append(result)
    assert answers[0]["tools"] and answers[0] == answers[1]


async def test_a_tools_form_is_made_once(
    upstream: Upstream, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream.add("alice/blocks")
    made: list[int] = []
    real = _wire_forms.serialize_server_result

    def counting(method: str, version: str, data: Any) -> dict[str, Any]:
        made.append(len(data["tools"] if "tools" in data else data["prompts"]))
        return real(method, version, data)

    monkeypatch.setattr(_wire_forms, "serialize_server_result", counting)
    gradio = make(spaces=("alice/blocks",))
    async with Client(gradio.server, mode="auto", cache=None) as client:
        first = await client.list_tools()
        made_first = sum(made)
        second = await client.list_tools()
    assert made_first == len(first.tools) > 0
    assert sum(made) == made_first  # the second listing reused every form
    assert second.tools == first.tools


@pytest.mark.parametrize(
    ("version", "title_in_annotations"), [("2025-03-26", True), ("2025-11-25", False)]
)
async def test_a_client_without_tool_titles_reads_them_in_the_annotations(
    upstream: Upstream, make: Any, version: str, title_in_annotations: bool
) -> None:
    """Tools share one annotations object; a 2025-03-26 client, whose tools have no title
    field, still gets each tool's title where it looks: in the annotations."""
    for space in SPACES:
        upstream.add(space)
    app = build_http_app(make(spaces=SPACES))
    headers = {**MCP_HEADERS, "MCP-Protocol-Version": version}
    initialize = {**INITIALIZE, "params": {**INITIALIZE["params"], "protocolVersion": version}}
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    async with serving(app), httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)) as http:
        started = await http.post(URL, headers=MCP_HEADERS, json=initialize)
        assert started.status_code == 200, started.text
        answer = await http.post(URL, headers=headers, json=listing)
    assert answer.status_code == 200, answer.text
    tools = sse_json(answer.text)["result"]["tools"]
    assert len(tools) > 1
    for tool in tools:
        assert tool["annotations"]["openWorldHint"] is True
        assert tool["annotations"].get("title") == (tool["title"] if title_in_annotations else None)


def test_a_page_handed_over_outside_a_request_holds_its_items_as_models() -> None:
    """Without the middleware (a handler called directly), the page carries its tools."""
    form = {"name": "one__echo", "title": "alice/one: echo", "inputSchema": {"type": "object"}}
    page = _wire_forms.WireForms().deliver("tools/list", ListToolsResult(tools=[]), [form])
    assert [tool.model_dump(by_alias=True, exclude_none=True) for tool in page.tools] == [form]
