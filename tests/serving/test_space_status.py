"""Failing spaces are visible: per-space status in the metrics (JSON and Prometheus), one info
line per change, `/readyz` until every configured space was discovered once, and a call to a
tool of a failing space that says which space failed and why.

In process: the official client over memory streams, a scripted Hub and spaces.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from mcp import types
from mcp.client.client import Client

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.ops import readiness
from gradio_mcp.ops._logs import configure_logging
from gradio_mcp.ops._metrics import PRIVATE_LABEL
from gradio_mcp.ops._prometheus import render_prometheus
from gradio_mcp.serving._caller import Caller
from gradio_mcp.serving._server import GradioMCP
from gradio_mcp.transports._http_app import readiness_checks
from tests.mock_http import MockHTTP
from tests.upstream import HUB, install

pytestmark = pytest.mark.anyio

SECRET_SPACE = "acme/secret-model"
SECRET_TOKEN = "hf_secret_token_of_a_caller"


def settings(**overrides: Any) -> Settings:
    overrides.setdefault("spaces", ("alice/blocks", "bob/broken"))
    return Settings.from_env(
        {},
        hf_endpoint=HUB,
        # A remembered failure is retried in the foreground as soon as it expires.
        negative_cache_ttl_ms=1,
        stale_while_revalidate=False,
        **overrides,
    )


def events(err: str, name: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == name]


def text_of(result: types.CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def test_a_failing_space_is_shown_logged_once_and_named_in_calls(
    http_mock: MockHTTP, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("info", "json")
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    broken = upstream.add("bob/broken", hub_status=503)
    gradio = GradioMCP(settings(), discovery=Discovery(settings(), client=http_mock.client()))
    async with Client(gradio.server, mode="legacy") as client:
        for _ in range(3):
            names = {tool.name for tool in (await client.list_tools()).tools}
            await asyncio.sleep(0.01)  # past the remembered failure: asked again each time
        assert "blocks__letter_counter" in names and not any(n.startswith("broken") for n in names)

        status = gradio.metrics.snapshot()["spaces"]
        assert status["alice/blocks"]["status"] == "ok"
        assert status["alice/blocks"]["lastSuccess"] is not None
        failing = status["bob/broken"]
        assert failing["status"] == "failing"
        assert failing["errorKind"] == "upstream_status" and "503" in failing["errorMessage"]
        assert failing["since"] is not None and failing["lastSuccess"] is None
        assert gradio.metrics.snapshot()["spacesFailing"] == 1
        prometheus = render_prometheus(gradio.metrics)[0].decode()
        assert 'gradio_mcp_space_up{space="bob/broken"} 0.0' in prometheus
        assert 'gradio_mcp_space_up{space="alice/blocks"} 1.0' in prometheus

        # A call to one of its tools says which space failed and why, not "Unknown tool".
        result = await client.call_tool("broken__letter_counter", {"word": "x", "letter": "x"})
        assert result.is_error
        assert "bob/broken" in text_of(result) and "upstream_status" in text_of(result)

        broken.hub_status = 200
        await asyncio.sleep(0.01)
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert "broken__letter_counter" in names
        await client.list_tools()

    status = gradio.metrics.snapshot()["spaces"]["bob/broken"]
    assert status["status"] == "ok" and status["errorKind"] is None
    assert status["lastSuccess"] is not None
    err = capsys.readouterr().err
    # One line per change of state, not one per request.
    failing_lines = events(err, "space_failing")
    assert [line["space"] for line in failing_lines] == ["bob/broken"]
    assert failing_lines[0]["level"] == "info" and failing_lines[0]["error"] == "upstream_status"
    assert [line["space"] for line in events(err, "space_recovered")] == ["bob/broken"]
    await gradio.discovery.aclose()


async def test_private_spaces_are_never_named_in_the_status(http_mock: MockHTTP) -> None:
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    upstream.add(SECRET_SPACE, private=True, token=SECRET_TOKEN, app="missing")
    gradio = GradioMCP(settings(), discovery=Discovery(settings(), client=http_mock.client()))
    gradio.metrics.spaces.observe(
        await gradio.discovery.get_spaces([SECRET_SPACE, "carol/typo"], SECRET_TOKEN)
    )
    snapshot = gradio.metrics.snapshot()
    rendered = json.dumps(snapshot) + render_prometheus(gradio.metrics)[0].decode()
    assert "secret" not in rendered and "carol" not in rendered and "typo" not in rendered
    private = snapshot["spaces"][PRIVATE_LABEL]
    assert private["status"] == "failing" and private["failingSpaces"] == 2
    assert private["errorMessage"] is None
    await gradio.discovery.aclose()


async def test_readyz_waits_for_configured_spaces_and_names_them(http_mock: MockHTTP) -> None:
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    broken = upstream.add("bob/broken", hub_status=503)
    gradio = GradioMCP(settings(), discovery=Discovery(settings(), client=http_mock.client()))
    checks = readiness_checks(gradio)  # what GET /readyz runs (503 unless "ready")

    waiting = await readiness(checks)
    assert waiting["ready"] is False
    assert waiting["checks"]["spaces"]["neverDiscovered"] == {"bob/broken": "upstream_status"}
    assert waiting["checks"]["accepting"]["ok"] is True

    broken.hub_status = 200
    await asyncio.sleep(0.01)
    ready = await readiness(checks)
    assert ready["ready"] is True, ready
    assert ready["checks"]["spaces"]["neverDiscovered"] == {}

    broken.hub_status = 503  # failing again later: visible, but the process stays ready
    await asyncio.sleep(0.01)
    assert (await readiness(checks))["ready"] is True

    gradio.shutdown.draining = True  # as after SIGTERM: out of rotation
    draining = await readiness(checks)
    assert draining["ready"] is False
    assert draining["checks"]["accepting"] == {"ok": False, "draining": True, "required": True}
    await gradio.discovery.aclose()


async def test_a_private_space_stays_ok_whoever_asks_without_its_token(
    http_mock: MockHTTP, capsys: pytest.CaptureFixture[str]
) -> None:
    """Health comes from what the space did: a stranger's "not found" is about the stranger."""
    configure_logging("info", "json")
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    upstream.add(SECRET_SPACE, private=True, token=SECRET_TOKEN)
    configured = settings(spaces=("alice/blocks", SECRET_SPACE))
    gradio = GradioMCP(configured, discovery=Discovery(configured, client=http_mock.client()))
    ids = ("alice/blocks", SECRET_SPACE)
    owner, stranger = Caller(SECRET_TOKEN, ids), Caller(None, ids)
    for caller in (owner, stranger, owner, stranger, Caller("hf_someone_else", ids)):
        await gradio.catalogs.listing(caller.space_ids, caller.token, rewait=True)
        await asyncio.sleep(0.01)
        private = gradio.metrics.snapshot()["spaces"][PRIVATE_LABEL]
        assert private["status"] == "ok" and private["failingSpaces"] == 0
    prometheus = render_prometheus(gradio.metrics)[0].decode()
    assert f'gradio_mcp_space_up{{space="{PRIVATE_LABEL}"}} 1.0' in prometheus
    err = capsys.readouterr().err
    assert events(err, "space_failing") == [] and events(err, "space_recovered") == []
    assert gradio.metrics.snapshot()["spacesFailing"] == 0
    await gradio.discovery.aclose()


async def test_a_callers_typo_fails_no_space(http_mock: MockHTTP) -> None:
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    gradio = GradioMCP(settings(), discovery=Discovery(settings(), client=http_mock.client()))
    typo = Caller("hf_a_caller", ("alice/blocks", "carol/typo"))
    await gradio.catalogs.listing(typo.space_ids, typo.token)
    snapshot = gradio.metrics.snapshot()
    assert snapshot["spacesFailing"] == 0 and PRIVATE_LABEL not in snapshot["spaces"]
    await gradio.discovery.aclose()


async def test_a_configured_space_not_found_is_named_to_the_operator(
    http_mock: MockHTTP, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--spaces demo/text-tools,demo/nope`: the typo is named in the logs, /readyz, the
    metrics and Prometheus, never folded into "private spaces"."""
    configure_logging("info", "json")
    upstream = install(http_mock)
    upstream.add("alice/blocks")
    configured = settings(spaces=("alice/blocks", "demo/nope"))
    gradio = GradioMCP(configured, discovery=Discovery(configured, client=http_mock.client()))
    operator = gradio.caller(None)
    await gradio.catalogs.listing(operator.space_ids, operator.token)
    report = await readiness(readiness_checks(gradio))
    assert report["ready"] is False
    assert report["checks"]["spaces"]["neverDiscovered"] == {"demo/nope": "not_found"}
    snapshot = gradio.metrics.snapshot()
    assert PRIVATE_LABEL not in snapshot["spaces"]
    assert snapshot["spaces"]["demo/nope"]["status"] == "failing"
    assert snapshot["spaces"]["demo/nope"]["errorKind"] == "not_found"
    prometheus = render_prometheus(gradio.metrics)[0].decode()
    assert 'gradio_mcp_space_up{space="demo/nope"} 0.0' in prometheus
    failing = events(capsys.readouterr().err, "space_failing")
    assert [(line["space"], line["error"]) for line in failing] == [("demo/nope", "not_found")]
    await gradio.discovery.aclose()
