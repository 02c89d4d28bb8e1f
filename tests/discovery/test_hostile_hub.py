"""Discovery against a hostile Hub and hostile spaces, all real servers on loopback: answers
that point inside the network, answers too big to read, documents nested too deep."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.errors import ErrorKind
from tests.fault_server import FaultServer, Reply, repeated

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gradio-6.31"
MiB = 1024 * 1024
HUGE = 50 * MiB
T = TypeVar("T")


def hub_entry(space_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": space_id, "sdk": "gradio", "runtime": {"stage": "RUNNING"}, **fields}


def serve_blocks_app(space: FaultServer) -> None:
    """The captured documents of a real Gradio app, so that discovery can succeed."""
    space.answer_json(
        "/gradio_api/info", json.loads((FIXTURES / "blocks_gradio_api_info.json").read_text())
    )
    space.answer_json("/config", json.loads((FIXTURES / "blocks_config.json").read_text()))


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


async def peak_memory(work: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """What `work` returns, and the peak of memory allocated while it ran (bytes)."""
    tracemalloc.start()
    try:
        result = await work()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


class Resolving:
    def __init__(self, table: dict[str, Sequence[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        return self.table[host]


async def test_a_hub_answer_pointing_inside_is_refused_and_nothing_is_contacted() -> None:
    async with FaultServer() as hub, FaultServer("127.0.0.2") as internal:
        hosts = {
            "evil/metadata": {"host": "http://169.254.169.254"},
            "evil/fragment": {"host": "evil.example/x#"},
            "evil/userinfo": {"host": "https://user:pw@evil-x.hf.space"},
            "evil/path": {"host": "https://evil-x.hf.space/elsewhere"},
            "evil/query": {"host": "https://evil-x.hf.space?u=http://10.0.0.1"},
            "evil/loopback": {"host": f"http://127.0.0.2:{internal.port}"},
            "evil/mapped": {"host": f"http://[::ffff:127.0.0.2]:{internal.port}"},
            "evil/subdomain": {"subdomain": "x.evil.example/"},
        }
        for space_id, fields in hosts.items():
            hub.answer_json(f"/api/spaces/{space_id}", hub_entry(space_id, **fields))
        resolver = Resolving({})
        settings = Settings(hf_endpoint=hub.url, allowed_networks=("127.0.0.1/32",))
        async with Discovery(settings, resolver=resolver) as discovery:
            results = await discovery.get_spaces(list(hosts))
    refused = {"evil/metadata", "evil/loopback", "evil/mapped"}
    for result in results:
        assert result.error is not None, result.id
        # What the policy forbids says so; what is malformed is a bad payload.
        kind = ErrorKind.EGRESS_REFUSED if result.id in refused else ErrorKind.BAD_PAYLOAD
        assert (result.error.kind, result.error.phase) == (kind, "metadata"), result.id
    by_id = {r.id: r.error for r in results}
    assert "link-local" in str(by_id["evil/metadata"])
    assert "GRADIO_MCP_ALLOWED_NETWORKS" in str(by_id["evil/loopback"])
    assert internal.connections == 0
    assert resolver.asked == []  # no host name was even looked up
    assert {e.path for e in hub.exchanges} == {f"/api/spaces/{i}" for i in hosts}


async def test_a_space_host_that_resolves_inside_is_refused_on_its_address() -> None:
    async with FaultServer() as hub, FaultServer("127.0.0.2") as internal:
        serve_blocks_app(internal)
        hub.answer_json(
            "/api/spaces/evil/rebound",
            hub_entry("evil/rebound", host=f"http://internal.test:{internal.port}"),
        )
        hub.answer_json(
            "/api/spaces/evil/metadata", hub_entry("evil/metadata", host="http://metadata.test")
        )
        resolver = Resolving({"internal.test": ["127.0.0.2"], "metadata.test": ["169.254.169.254"]})
        settings = Settings(hf_endpoint=hub.url, allowed_networks=("127.0.0.1/32",))
        async with Discovery(settings, resolver=resolver) as discovery:
            rebound, metadata = await discovery.get_spaces(["evil/rebound", "evil/metadata"])
    assert rebound.error is not None and rebound.error.kind == ErrorKind.EGRESS_REFUSED
    assert "127.0.0.2 (loopback)" in rebound.error.message
    assert "GRADIO_MCP_ALLOWED_NETWORKS" in rebound.error.message
    assert metadata.error is not None and metadata.error.kind == ErrorKind.EGRESS_REFUSED
    assert "169.254.169.254 (link-local)" in metadata.error.message
    assert internal.connections == 0


async def test_a_space_on_localhost_is_refused_unless_loopback_is_allowed() -> None:
    async with FaultServer() as hub, FaultServer() as space:
        serve_blocks_app(space)
        hub.answer_json(
            "/api/spaces/me/local", hub_entry("me/local", host=f"http://localhost:{space.port}")
        )
        # The Hub itself is on loopback too, and always reachable: it is HF_ENDPOINT.
        async with Discovery(Settings(hf_endpoint=hub.url)) as discovery:
            (refused,) = await discovery.get_spaces(["me/local"])
        assert refused.error is not None and refused.error.kind == ErrorKind.EGRESS_REFUSED
        assert "localhost" in refused.error.message and "loopback" in refused.error.message
        assert space.connections == 0

        allowed = Settings(hf_endpoint=hub.url, allowed_networks=("127.0.0.1/32",))
        async with Discovery(allowed) as discovery:
            (reached,) = await discovery.get_spaces(["me/local"])
        assert reached.ok, reached.error
        assert space.connections > 0


async def test_a_huge_hub_answer_is_abandoned_at_the_cap() -> None:
    async with FaultServer() as hub:

        async def endless_json(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "application/json"})  # no length: until close
            await reply.send(b'{"id": "big/answer", "sdk": "gradio", "padding": "')
            await reply.stream(repeated(b"x" * 65536, HUGE))
            await reply.send(b'"}')

        hub.route("/api/spaces/big/answer", endless_json)
        settings = Settings(hf_endpoint=hub.url, max_hub_bytes=1 * MiB)
        async with Discovery(settings) as discovery:
            (space,), peak = await peak_memory(lambda: discovery.get_spaces(["big/answer"]))
        exchange = await hub.finished("/api/spaces/big/answer")
    assert space.error is not None and space.error.kind == ErrorKind.BAD_PAYLOAD
    assert "GRADIO_MCP_MAX_HUB_BYTES" in space.error.message
    assert not exchange.finished and exchange.sent < HUGE  # we hung up long before the end
    assert peak < 8 * MiB, f"{peak / MiB:.1f} MiB allocated for a 1 MiB cap"


async def test_a_hub_answer_declaring_a_huge_length_is_refused_before_its_body() -> None:
    async with FaultServer() as hub:

        async def declared(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "application/json", "Content-Length": str(HUGE)})
            await reply.stream(repeated(b" " * 65536, HUGE))

        hub.route("/api/spaces/big/declared", declared)
        settings = Settings(hf_endpoint=hub.url, max_hub_bytes=1 * MiB)
        async with Discovery(settings) as discovery:
            (space,) = await discovery.get_spaces(["big/declared"])
        await hub.finished("/api/spaces/big/declared")
    assert space.error is not None and space.error.kind == ErrorKind.BAD_PAYLOAD
    assert f"declares {HUGE} bytes" in space.error.message


async def test_a_huge_schema_document_is_abandoned_at_the_cap() -> None:
    async with FaultServer() as hub, FaultServer() as space:

        async def endless_info(reply: Reply) -> None:
            await reply.head(200, {"Content-Type": "application/json"})
            await reply.send(b'{"named_endpoints": {}, "padding": "')
            await reply.stream(repeated(b"y" * 65536, HUGE))

        space.route("/gradio_api/info", endless_info)
        hub.answer_json("/api/spaces/big/schema", hub_entry("big/schema", host=space.url))
        settings = Settings(
            hf_endpoint=hub.url, allowed_networks=("127.0.0.1/32",), max_schema_bytes=1 * MiB
        )
        async with Discovery(settings) as discovery:
            (result,), peak = await peak_memory(lambda: discovery.get_spaces(["big/schema"]))
        exchange = await space.finished("/gradio_api/info")
    assert result.error is not None and result.error.kind == ErrorKind.BAD_PAYLOAD
    assert "GRADIO_MCP_MAX_SCHEMA_BYTES" in result.error.message
    assert not exchange.finished and exchange.sent < HUGE
    assert peak < 8 * MiB, f"{peak / MiB:.1f} MiB allocated for a 1 MiB cap"


async def test_a_deeply_nested_document_fails_only_its_own_space() -> None:
    async with FaultServer() as hub, FaultServer() as deep_space, FaultServer() as good_space:
        serve_blocks_app(good_space)

        async def deep_info(reply: Reply) -> None:
            await reply.whole(200, nested(100_000), "application/json")

        deep_space.route("/gradio_api/info", deep_info)

        async def deep_hub_answer(reply: Reply) -> None:
            body = b'{"id": "deep/hub", "sdk": "gradio", "cardData": ' + nested(100_000) + b"}"
            await reply.whole(200, body, "application/json")

        hub.route("/api/spaces/deep/hub", deep_hub_answer)
        hub.answer_json("/api/spaces/deep/info", hub_entry("deep/info", host=deep_space.url))
        hub.answer_json("/api/spaces/good/app", hub_entry("good/app", host=good_space.url))
        settings = Settings(hf_endpoint=hub.url, allowed_networks=("127.0.0.1/32",))
        async with Discovery(settings) as discovery:
            deep_hub, deep_info_space, good = await discovery.get_spaces(
                ["deep/hub", "deep/info", "good/app"]
            )
    for failed in (deep_hub, deep_info_space):
        assert failed.error is not None and failed.error.kind == ErrorKind.BAD_PAYLOAD
        assert "levels deep, over 64" in failed.error.message
    assert good.ok and [e.api_name for e in good.endpoints][:1] == ["letter_counter"]
