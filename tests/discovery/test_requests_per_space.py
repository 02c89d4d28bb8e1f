"""How many requests a cold space costs: the MCP schema is asked for only when `/config`
says the app serves MCP (real Hub and space servers on loopback, Discovery's own client)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from tests.fault_server import FaultServer

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gradio-6.31"
MCP_SCHEMA = "/gradio_api/mcp/schema"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


async def discover(config: dict[str, Any] | None) -> tuple[Any, FaultServer]:
    async with FaultServer() as hub, FaultServer() as space:
        hub.answer_json(
            "/api/spaces/alice/blocks",
            {"id": "alice/blocks", "sdk": "gradio", "host": space.url},
        )
        space.answer_json("/gradio_api/info", load("blocks_gradio_api_info.json"))
        if config is not None:
            space.answer_json("/config", config)
        space.answer_json(MCP_SCHEMA, load("blocks_gradio_api_mcp_schema.json"))
        settings = Settings(hf_endpoint=hub.url, allowed_networks=("127.0.0.1/32",))
        async with Discovery(settings) as discovery:
            (result,) = await discovery.get_spaces(["alice/blocks"])
    assert result.ok, result.error
    return result, space


def described(result: Any) -> bool:
    """Whether the first parameter has the description the MCP schema alone gives it."""
    return result.endpoints[0].parameters[0].description == "The input text to search in."


async def test_an_app_that_does_not_serve_mcp_is_not_asked_for_its_mcp_schema() -> None:
    config = {**load("blocks_config.json"), "mcp_server": False}
    result, space = await discover(config)
    assert space.requests_to(MCP_SCHEMA) == []
    assert [e.path for e in space.exchanges] == ["/gradio_api/info", "/config"]
    assert result.endpoints[0].fn_index == 0  # /config was read all the same
    assert not described(result)


async def test_an_app_that_serves_mcp_gives_its_descriptions() -> None:
    result, space = await discover(load("blocks_config.json"))  # "mcp_server": true
    assert len(space.requests_to(MCP_SCHEMA)) == 1
    assert described(result)


async def test_without_a_config_the_mcp_schema_is_still_asked_for() -> None:
    result, space = await discover(None)
    assert len(space.requests_to(MCP_SCHEMA)) == 1
    assert described(result)
