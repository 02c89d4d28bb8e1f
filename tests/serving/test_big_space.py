"""A space with 10,000 endpoints is read without stopping the server: its schema is parsed
(and its tools built) off the event loop, so `/healthz` answers while that runs. Checked by
the order of events, not by timings: the parse waits, in its own thread, for a `/healthz`
answer, which could never come if the parse held the event loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx2
import pytest
from mcp.client.client import Client

from gradio_mcp.config import Settings
from gradio_mcp.discovery import _schema_fetcher
from gradio_mcp.serving._server import GradioMCP
from gradio_mcp.transports._http_app import build_http_app
from tests.fault_server import FaultServer

pytestmark = pytest.mark.anyio

ENDPOINTS = 10_000


def big_info() -> dict[str, Any]:
    parameter = {
        "label": "Text",
        "parameter_name": "text",
        "parameter_has_default": False,
        "type": {"type": "string"},
        "component": "Textbox",
    }
    returns = [{"label": "Result", "type": {"type": "string"}, "component": "Textbox"}]
    named = {
        f"/echo_{i}": {"parameters": [parameter], "returns": returns} for i in range(ENDPOINTS)
    }
    return {"named_endpoints": named, "unnamed_endpoints": {}}


async def test_healthz_answers_while_a_10000_endpoint_space_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []
    parsing = threading.Event()
    healthz_answered = threading.Event()
    parse = _schema_fetcher.parse_space_schema
    loop_thread = threading.current_thread()

    def observed_parse(*args: Any) -> Any:
        events.append(
            "parse started" + (" on the loop" if threading.current_thread() is loop_thread else "")
        )
        parsing.set()
        healthz_answered.wait(timeout=30)  # bounded: a parse on the loop would time out here
        result = parse(*args)
        events.append("parse finished")
        return result

    monkeypatch.setattr(_schema_fetcher, "parse_space_schema", observed_parse)
    async with FaultServer() as hub, FaultServer() as space:
        space.answer_json("/gradio_api/info", big_info())
        hub.answer_json(
            "/api/spaces/big/space",
            {
                "id": "big/space",
                "sdk": "gradio",
                "host": space.url,
                "runtime": {"stage": "RUNNING"},
            },
        )
        settings = Settings.from_env(
            {},
            hf_endpoint=hub.url,
            allowed_networks=("127.0.0.1/32",),
            spaces=("big/space",),
            list_deadline_ms=120_000,
        )
        gradio = GradioMCP(settings)
        http = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(build_http_app(gradio)), base_url="http://127.0.0.1"
        )
        try:
            async with Client(gradio.server, mode="legacy") as client:
                listing = asyncio.create_task(client.list_tools())
                for _ in range(600):  # until the parse starts (bounded: 60 s)
                    if parsing.is_set():
                        break
                    await asyncio.sleep(0.1)
                assert parsing.is_set()
                response = await http.get("/healthz")
                assert response.status_code == 200
                events.append("healthz answered")
                healthz_answered.set()
                tools = (await listing).tools
                events.append("tools listed")
        finally:
            healthz_answered.set()
            await http.aclose()
            await gradio.aclose()
    assert events == ["parse started", "healthz answered", "parse finished", "tools listed"]
    assert len(tools) == settings.page_size and tools[0].name == "space__echo_0"
