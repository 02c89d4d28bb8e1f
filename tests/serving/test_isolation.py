"""One space's broken documents stay that space's problem: tools/list, prompts/list and
tools/call for the other spaces go on, for every caller, also when the broken space is
configured for everyone. Real Hub and space hosts on loopback (`FaultServer`), the official
MCP client, the server's handlers in process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp.client.client import Client

from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.errors import ErrorKind
from gradio_mcp.models import Endpoint, GradioSpace, Parameter, SpaceMetadata, SpaceSchema
from gradio_mcp.serving._server import GradioMCP
from tests.fault_server import FaultServer

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gradio-6.31"
BLOCKS_INFO = json.loads((FIXTURES / "blocks_gradio_api_info.json").read_text())
BLOCKS_CONFIG = json.loads((FIXTURES / "blocks_config.json").read_text())


def hostile_info() -> dict[str, Any]:
    """Gradio-shaped, with what broke everyone's listing before: a label that is an object
    (a translation object, as a ChatInterface with flagging sends), lists where objects go,
    a schema JSON Schema refuses, a `$ref` to another host, a title made of objects."""
    parameter = {
        "label": {"key": "chatbot.flag", "i18n": True},
        "parameter_has_default": True,
        "parameter_default": {"nested": [1, 2, {"x": None}]},
        "type": {"type": 5, "minimum": True, "$ref": "http://169.254.169.254/x", "enum": "ab"},
        "component": ["Textbox"],
    }
    return {
        "named_endpoints": {
            "/flag": {"parameters": [parameter, 7, None], "returns": {"not": "a list"}},
            "/chat": {
                "parameters": [{"label": "Message", "parameter_name": ["m"], "type": []}],
                "returns": [{"label": {"key": {"deeper": 1}}, "type": {"properties": [1]}}],
                "description": {"text": "an object"},
            },
        }
    }


def hostile_config() -> dict[str, Any]:
    return {
        "dependencies": [
            {"api_name": "flag", "inputs": 5, "outputs": [[1], {"a": 1}], "types": []},
            {"api_name": "chat", "id": True, "inputs": [{"id": 1}], "outputs": None},
        ],
        "components": [{"id": [1], "type": "slider"}, {"id": 1, "props": ["x"]}],
        "api_prefix": {"path": "/x"},
        "max_file_size": True,
    }


@asynccontextmanager
async def world() -> AsyncIterator[tuple[FaultServer, dict[str, FaultServer]]]:
    """A Hub and three spaces, each on its own loopback port: a good one (a real Gradio
    app's captured documents), a hostile one, and one whose Hub entry is odd."""
    async with AsyncExitStack() as stack:
        hub = await stack.enter_async_context(FaultServer())
        spaces = {
            name: await stack.enter_async_context(FaultServer())
            for name in ("good/blocks", "bad/hostile", "odd/stage")
        }
        spaces["good/blocks"].answer_json("/gradio_api/info", BLOCKS_INFO)
        spaces["good/blocks"].answer_json("/config", BLOCKS_CONFIG)
        spaces["bad/hostile"].answer_json("/gradio_api/info", hostile_info())
        spaces["bad/hostile"].answer_json("/config", hostile_config())
        spaces["odd/stage"].answer_json("/gradio_api/info", BLOCKS_INFO)
        for space_id, space in spaces.items():
            entry: dict[str, Any] = {
                "id": space_id,
                "sdk": "gradio",
                "host": space.url,
                "runtime": {"stage": "RUNNING"},
                "cardData": {"title": {"not": "text"}},
            }
            if space_id == "odd/stage":
                entry["runtime"] = {"stage": ["RUNNING"]}  # a list: unhashable
                entry["sha"] = {"sha": 1}
            hub.answer_json(f"/api/spaces/{space_id}", entry)
        yield hub, spaces


def settings_for(hub: FaultServer, **fields: Any) -> Settings:
    return Settings.from_env({}, hf_endpoint=hub.url, allowed_networks=("127.0.0.1/32",), **fields)


async def test_a_hostile_space_never_fails_the_listing_of_the_others() -> None:
    async with world() as (hub, _spaces):
        configured = ("bad/hostile", "good/blocks", "odd/stage")
        gradio = GradioMCP(settings_for(hub, spaces=configured))
        try:
            async with Client(gradio.server, mode="legacy") as client:
                for _ in range(2):  # again: nothing cached re-raises for the next request
                    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
                    assert "blocks__letter_counter" in tools
                    assert "stage__letter_counter" in tools
                    prompts = {p.name for p in (await client.list_prompts()).prompts}
                    assert "blocks__letter_counter" in prompts
                    result = await client.call_tool("blocks__letter_counter", {"word": "x"})
                    assert result.is_error
                    assert "missing required argument 'letter'" in result.content[0].text
                # The hostile space's endpoints are tools too, with schemas a client can use.
                flag = tools["hostile__flag"]
                assert flag.input_schema["type"] == "object"
                schema = json.dumps(flag.input_schema)
                assert "169.254.169.254" not in schema and '"type": 5' not in schema
        finally:
            await gradio.aclose()


async def test_the_library_returns_each_space_its_own_result() -> None:
    ids: list[Any] = ["good/blocks", "bad/hostile", "odd/stage", 42, "good/blocks\n"]
    async with world() as (hub, _spaces), Discovery(settings_for(hub)) as discovery:
        results = await discovery.get_spaces(ids)
    by_id = {result.id: result for result in results}
    assert by_id["good/blocks"].ok and by_id["good/blocks"].endpoints
    assert by_id["bad/hostile"].ok
    assert {e.api_name for e in by_id["bad/hostile"].endpoints} == {"flag", "chat"}
    assert by_id["odd/stage"].ok and by_id["odd/stage"].metadata is not None
    assert by_id["odd/stage"].metadata.runtime_stage is None
    assert by_id["odd/stage"].metadata.title is None
    assert by_id["42"].error is not None and by_id["42"].error.kind == ErrorKind.INVALID_ID
    assert results[4].error is not None and results[4].error.kind == ErrorKind.INVALID_ID


def test_a_space_whose_tools_cannot_be_built_fails_alone() -> None:
    """The boundary in serving: whatever breaks while one space's endpoints become tools
    (here a parameter schema that is not a schema at all) is that space's error."""
    good = GradioSpace(
        "alice/good",
        SpaceMetadata("alice/good", False, "gradio", "alice-good", "https://alice-good.hf.space"),
        SpaceSchema(
            (Endpoint("echo", "Echo.", (Parameter("text", {"type": "string"}, True),), ()),)
        ),
    )
    broken_parameter = Parameter("text", None, True)  # type: ignore[arg-type]
    broken = GradioSpace(
        "bob/broken",
        SpaceMetadata("bob/broken", False, "gradio", "bob-broken", "https://bob-broken.hf.space"),
        SpaceSchema((Endpoint("echo", "Echo.", (broken_parameter,), ()),)),
    )
    catalog = build_catalog([broken, good])
    assert [tool.name for tool in catalog.tools] == ["good__echo"]
    assert [prompt.name for prompt in catalog.prompts] == ["good__echo"]
    error = catalog.failures["bob/broken"]
    assert error.kind == ErrorKind.BAD_PAYLOAD and error.phase == "tools"
    assert "bob/broken" in error.message
    marked = catalog.mark_failures([broken, good])
    assert marked[0].error is error and marked[1].ok
