"""Calls on a hostile space, a real server on loopback: endless lines, nesting too deep, a
space on an address the policy refuses."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.gradio import CallLimits, SpaceApi, call_endpoint
from gradio_mcp.models import Endpoint
from gradio_mcp.net import ReadLimits, new_http_client
from tests.fault_server import FaultServer, Reply, repeated

pytestmark = pytest.mark.anyio

MiB = 1024 * 1024
QUEUED = Endpoint(api_name="make", description="", parameters=(), returns=(), fn_index=0)
ONLY_127_0_0_1 = Settings(allowed_networks=("127.0.0.1/32",))
LIMITS = ReadLimits(hub_bytes=MiB, schema_bytes=MiB, event_bytes=1 * MiB, json_depth=64)


def joins_the_queue(space: FaultServer) -> None:
    space.answer_json("/gradio_api/queue/join", {"event_id": "ev"})
    space.answer_json("/gradio_api/cancel", {"success": True})


async def test_a_100_mb_line_fails_the_call_at_the_cap_without_buffering_it() -> None:
    total = 100 * MiB
    async with FaultServer() as space, new_http_client(ONLY_127_0_0_1) as client:
        joins_the_queue(space)

        async def endless_line(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "text/event-stream"})
            await reply.send(b'data: {"msg": "process_completed", "output": "')
            await reply.stream(repeated(b"z" * 65536, total))

        space.route("/gradio_api/queue/data", endless_line)
        tracemalloc.start()
        try:
            outcome = await call_endpoint(
                client, SpaceApi(space.url), QUEUED, {}, limits=CallLimits(reads=LIMITS)
            )
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        exchange = await space.finished("/gradio_api/queue/data")
        cancelled = space.requests_to("/gradio_api/cancel")
    assert outcome.error is not None and outcome.error.title == "Bad response"
    assert "GRADIO_MCP_MAX_EVENT_BYTES" in outcome.error.message
    assert not exchange.finished and exchange.sent < total
    assert peak < 8 * MiB, f"{peak / MiB:.1f} MiB allocated for a 1 MiB cap"
    assert [json.loads(c.body)["event_id"] for c in cancelled] == ["ev"]  # job stopped


async def test_many_lines_adding_up_past_the_cap_fail_the_call() -> None:
    async with FaultServer() as space, new_http_client(ONLY_127_0_0_1) as client:
        joins_the_queue(space)

        async def many_data_lines(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "text/event-stream"})
            await reply.stream(repeated(b"data: " + b"w" * 1000 + b"\n", 10 * MiB))

        space.route("/gradio_api/queue/data", many_data_lines)
        outcome = await call_endpoint(
            client, SpaceApi(space.url), QUEUED, {}, limits=CallLimits(reads=LIMITS)
        )
    assert outcome.error is not None and "an event from the space is over" in outcome.error.message


async def test_an_event_nested_too_deep_fails_the_call_not_the_server() -> None:
    async with FaultServer() as space, new_http_client(ONLY_127_0_0_1) as client:
        joins_the_queue(space)

        async def deep_event(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "text/event-stream"})
            await reply.send(b"data: " + b"[" * 100_000 + b"]" * 100_000 + b"\n\n")

        space.route("/gradio_api/queue/data", deep_event)
        outcome = await call_endpoint(
            client, SpaceApi(space.url), QUEUED, {}, limits=CallLimits(reads=LIMITS)
        )
    assert outcome.error is not None and outcome.error.title == "Bad response"
    assert "levels deep, over 64" in outcome.error.message


async def test_a_call_to_a_refused_address_is_the_calls_own_error() -> None:
    async with FaultServer("127.0.0.2") as space, new_http_client(ONLY_127_0_0_1) as client:
        joins_the_queue(space)
        outcome = await call_endpoint(client, SpaceApi(space.url), QUEUED, {})
    assert outcome.error is not None and outcome.error.title == "Connection refused"
    assert "127.0.0.2" in outcome.error.message
    assert "GRADIO_MCP_ALLOWED_NETWORKS" in outcome.error.message
    assert space.connections == 0


async def test_only_cr_and_lf_end_an_event_line() -> None:
    """U+2028, form feed and friends end lines for Python's splitlines, not for SSE: a value
    that contains them (JSON encoders need not escape U+2028) must arrive whole."""
    value = "a\u2028b\x0cc\x1ed\u0085e"
    completed = {
        "msg": "process_completed",
        "event_id": "ev",
        "success": True,
        "output": {"data": [value]},
    }
    async with FaultServer() as space, new_http_client(ONLY_127_0_0_1) as client:
        joins_the_queue(space)

        async def stream(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "text/event-stream"})
            line = json.dumps(completed, ensure_ascii=False).encode()
            await reply.send(b"data: " + line + b"\r\n\r\n")

        space.route("/gradio_api/queue/data", stream)
        outcome = await call_endpoint(
            client, SpaceApi(space.url), QUEUED, {}, limits=CallLimits(reads=LIMITS)
        )
    assert outcome.error is None and [o.value for o in outcome.outputs] == [value]
