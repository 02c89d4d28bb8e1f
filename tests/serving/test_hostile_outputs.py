"""Output files a hostile space names, through the MCP server in process (official client)
with a Hub and a space that are real servers on loopback."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp.client.client import Client

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.serving._server import GradioMCP
from tests.fault_server import FaultServer, Reply

pytestmark = pytest.mark.anyio

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SPACE_ID = "hostile/art"
TOOL = "art__make"
INFO = {
    "named_endpoints": {
        "/make": {
            "parameters": [],
            "returns": [{"label": "Picture", "type": {"type": "object"}, "component": "Image"}],
        }
    },
    "unnamed_endpoints": {},
}


def image_output(url: str) -> dict[str, Any]:
    return {
        "path": "out.png",
        "url": url,
        "orig_name": "out.png",
        "mime_type": "image/png",
        "meta": {"_type": "gradio.FileData"},
    }


def space_making(space: FaultServer, url: str) -> None:
    """A Gradio-like space whose one endpoint returns an image at `url` (via /call)."""
    space.answer_json("/gradio_api/info", INFO)
    space.answer_json("/gradio_api/call/make", {"event_id": "e1"})

    async def result(reply: Reply) -> None:
        await reply.head(200, {"Content-Type": "text/event-stream"})
        data = json.dumps([image_output(url)]).encode()
        await reply.send(b"event: complete\ndata: " + data + b"\n\n")

    space.route("/gradio_api/call/make/e1", result)


@pytest.fixture
async def hub() -> AsyncIterator[FaultServer]:
    async with FaultServer() as hub:
        yield hub


async def call_tool(hub: FaultServer, space: FaultServer, **settings: Any) -> Any:
    hub.answer_json(
        f"/api/spaces/{SPACE_ID}",
        {"id": SPACE_ID, "sdk": "gradio", "host": space.url, "runtime": {"stage": "RUNNING"}},
    )
    config = Settings(
        hf_endpoint=hub.url,
        spaces=(SPACE_ID,),
        allowed_networks=("127.0.0.1/32",),  # the space's address, and nothing else
        **settings,
    )
    gradio = GradioMCP(config, discovery=Discovery(config))
    try:
        async with Client(gradio.server, mode="legacy") as client:
            return await client.call_tool(TOOL, {})
    finally:
        await gradio.discovery.aclose()


async def test_an_image_on_an_internal_address_is_neither_fetched_nor_inlined(
    hub: FaultServer,
) -> None:
    async with FaultServer() as space, FaultServer("127.0.0.2") as internal:

        async def png(reply: Reply) -> None:
            await reply.whole(200, PNG, "image/png")

        internal.route("/secret.png", png)
        space_making(space, f"{internal.url}/secret.png")
        result = await call_tool(hub, space)
    assert not result.is_error
    assert [c.type for c in result.content] == ["resource_link"]
    assert str(result.content[0].uri) == f"{internal.url}/secret.png"
    assert internal.connections == 0


async def test_an_image_on_the_spaces_own_origin_is_inlined(hub: FaultServer) -> None:
    async with FaultServer() as space:

        async def png(reply: Reply) -> None:
            await reply.whole(200, PNG, "image/png")

        space.route("/gradio_api/file=out.png", png)
        space_making(space, f"{space.url}/gradio_api/file=out.png")
        result = await call_tool(hub, space)
    assert [c.type for c in result.content] == ["image", "resource_link"]
    assert base64.b64decode(result.content[0].data) == PNG


async def test_a_trickling_output_file_does_not_hold_the_call_past_its_limit(
    hub: FaultServer,
) -> None:
    size = 2000  # at one byte every 50 ms, 100 s to send in full

    async with FaultServer() as space:

        async def trickle(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "image/png", "Content-Length": str(size)})
            await reply.stream((b"\x89" for _ in range(size)), pause=0.05)

        space.route("/gradio_api/file=slow.png", trickle)
        space_making(space, f"{space.url}/gradio_api/file=slow.png")
        result = await call_tool(hub, space, call_max_duration_ms=1500)
        download = await space.finished("/gradio_api/file=slow.png")
    assert not result.is_error
    assert [c.type for c in result.content] == ["resource_link"]
    # The download was abandoned: we hung up long before the file was complete.
    assert download.client_left and not download.finished and download.sent < size
