"""Two component gaps on current Gradio (issue 17, item 6), end to end: a real Gradio app,
`gradio-mcp serve` behind the LocalHub and the official MCP client.

* An input whose default in Gradio is null (a Dropdown or Number that starts empty, or a
  function argument defaulting to None) takes a caller's null, as Gradio does.
* A file inside a value (an ImageSlider's pair) given as a FileData object whose `path` is a
  `data:` URI is uploaded before the call, like a bare `data:` URI, instead of reaching the
  app as a path it cannot open.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import jsonschema
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import REPO, SpaceSpec, Stack, loopback_http_client, running_stack

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

APP = REPO / "tests" / "apps" / "nullable_app.py"
SPEC = SpaceSpec("demo/nullable", "nullable", "Nullable", "∅")
TEST_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with (
        GradioAppProcess.start(APP, name="nullable", ready_timeout=120) as app,
        running_stack({"nullable": app}, [SPEC]) as stack,
    ):
        yield stack


def png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), color).save(buffer, "PNG")
    return buffer.getvalue()


def data_uri(content: bytes, name: str) -> str:
    return f"data:image/png;name={name};base64," + base64.b64encode(content).decode()


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


async def call(stack: Stack, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    with anyio.fail_after(TEST_TIMEOUT):
        async with (
            httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), trust_env=False) as http,
            Client(streamable_http_client(stack.server.mcp_url(), http_client=http)) as client,
        ):
            return await client.call_tool(name, arguments)


async def tools(stack: Stack) -> dict[str, types.Tool]:
    with anyio.fail_after(TEST_TIMEOUT):
        async with (
            httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), trust_env=False) as http,
            Client(streamable_http_client(stack.server.mcp_url(), http_client=http)) as client,
        ):
            return {t.name: t for t in (await client.list_tools()).tools}


async def test_inputs_whose_gradio_default_is_null_take_null(stack: Stack) -> None:
    listed = await tools(stack)
    pick = listed["nullable__pick"].input_schema
    maybe = listed["nullable__maybe"].input_schema
    # The schema a client validates against says null is fine, and still names the choices.
    jsonschema.validate({"animal": None, "count": None}, pick)
    jsonschema.validate({"animal": None}, maybe)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"animal": "cow", "count": None}, pick)
    assert maybe["properties"]["animal"]["default"] is None

    result = await call(stack, "nullable__pick", {"animal": None, "count": None})
    assert not result.is_error, text_of(result)
    assert text_of(result) == "animal=None count=None"
    result = await call(stack, "nullable__pick", {"animal": "dog", "count": 2})
    assert text_of(result) == "animal='dog' count=2"
    result = await call(stack, "nullable__maybe", {"animal": None})
    assert not result.is_error and text_of(result) == "animal=None"
    # A value outside the choices is still refused before anything goes upstream.
    result = await call(stack, "nullable__pick", {"animal": "cow", "count": None})
    assert result.is_error and '"cow" is not one of' in text_of(result)


async def swapped_bytes(stack: Stack, result: types.CallToolResult) -> list[bytes]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    (pair,) = result.structured_content.values()
    assert isinstance(pair, list) and len(pair) == 2
    async with loopback_http_client() as http:
        contents = []
        for item in pair:
            response = await http.get(item["url"])
            assert response.status_code == 200
            contents.append(response.content)
    return contents


async def test_a_nested_file_data_with_a_data_uri_path_is_uploaded(stack: Stack) -> None:
    red, blue = png((200, 0, 0)), png((0, 0, 200))
    # As a page hands over an ImageSlider value: FileData objects with the bytes inline.
    as_file_data = [
        {"path": data_uri(red, "red.png"), "meta": {"_type": "gradio.FileData"}},
        {"path": data_uri(blue, "blue.png"), "meta": {"_type": "gradio.FileData"}},
    ]
    result = await call(stack, "nullable__swap", {"pair": as_file_data})
    assert await swapped_bytes(stack, result) == [blue, red]
    # The URL strings the tool's schema asks for, and a mix of both.
    mixed = [data_uri(red, "red.png"), as_file_data[1]]
    result = await call(stack, "nullable__swap", {"pair": mixed})
    assert await swapped_bytes(stack, result) == [blue, red]
