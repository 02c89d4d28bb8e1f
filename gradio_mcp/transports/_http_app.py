"""The HTTP application: `/mcp` (stateless streamable HTTP), the metrics routes, `/healthz` and
`/readyz`, with the Host/Origin checks that keep a browser page from driving a local server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import huggingface_hub
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gradio_mcp._version import __version__
from gradio_mcp.config import Settings
from gradio_mcp.ops import ReadinessCheck, metrics_routes, readiness_route, redis_check
from gradio_mcp.serving import GradioMCP
from gradio_mcp.transports._jsonrpc_guard import JsonRpcGuard
from gradio_mcp.transports._process import settle_process
from gradio_mcp.transports._server_card import server_card_routes
from gradio_mcp.transports._sign_in import protected_resource_routes, with_sign_in

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Host and Origin names accepted on `/mcp`: loopback always, plus the configured ones."""
    if "*" in settings.allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts: list[str] = []
    for name in (*LOOPBACK_HOSTS, *settings.allowed_hosts):
        hosts += [name] if _has_port(name) else [name, f"{name}:*"]
    origins = [f"{scheme}://{h}:*" for h in LOOPBACK_HOSTS for scheme in ("http", "https")]
    origins += [f"{scheme}://{h}" for h in LOOPBACK_HOSTS for scheme in ("http", "https")]
    origins += list(settings.allowed_origins)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


def _has_port(name: str) -> bool:
    """Whether a Host pattern names its port: `host:8000`, `host:*`, `[::1]:*` (an IPv6
    address is bracketed, so its own colons say nothing)."""
    if name.startswith("["):
        return "]:" in name
    return ":" in name


# How long a readiness probe waits for configured spaces it has not seen yet.
READINESS_DISCOVERY_SECONDS = 1.5


def readiness_checks(gradio: GradioMCP) -> list[ReadinessCheck]:
    """What `/readyz` reports on: not shutting down, and every configured space discovered
    once (both required); Redis, reported but never required."""

    async def accepting() -> dict[str, Any]:
        return {"ok": not gradio.shutdown.draining, "draining": gradio.shutdown.draining}

    async def spaces() -> dict[str, Any]:
        # Ready once each configured space has been discovered once. Spaces not there yet
        # are asked for again, briefly: a slow one keeps loading for the next probe.
        board = gradio.metrics.spaces
        if not board.configured_readiness()["ok"]:
            found = await gradio.discovery.get_spaces(
                gradio.settings.spaces, gradio.server_token, deadline=READINESS_DISCOVERY_SECONDS
            )
            board.observe(found)
        return board.configured_readiness()

    checks = [ReadinessCheck("accepting", accepting)]
    if gradio.settings.spaces:
        checks.append(ReadinessCheck("spaces", spaces))
    if gradio.redis is not None:
        checks.append(redis_check(gradio.redis))
    return checks


def build_http_app(gradio: GradioMCP) -> ASGIApp:
    """The ASGI application of one server: `/mcp`, the metrics routes, `/healthz` (the
    process is alive) and `/readyz` (it may take traffic, and how Redis is doing)."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    mcp_app = gradio.server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=False,  # SSE responses, so progress notifications can flow
        transport_security=transport_security(gradio.settings),
        custom_starlette_routes=[
            *metrics_routes(gradio.metrics),
            Route("/healthz", healthz),
            readiness_route(readiness_checks(gradio)),
            *protected_resource_routes(gradio.settings),
            *server_card_routes(gradio.server, gradio.settings),
        ],
    )
    inner_lifespan = mcp_app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with inner_lifespan(app):
            await gradio.start()
            gradio.shutdown.install()
            settle_process()
            try:
                yield
            finally:
                await gradio.drain()
                gradio.shutdown.uninstall()
                await gradio.aclose()

    mcp_app.router.lifespan_context = lifespan
    guarded = JsonRpcGuard(mcp_app)  # one JSON-RPC message of bounded size, or its error
    return RejectGetOnMcp(with_sign_in(guarded, gradio.settings, gradio.discovery))


class RejectGetOnMcp:
    """Answer `GET /mcp` with 405: a stateless server has no stream to offer, and an idle
    one would hold a server task per client for nothing (both protocol eras allow this)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/mcp":
            response = JSONResponse(
                {"error": "GET is not supported: POST JSON-RPC messages to /mcp"},
                status_code=405,
                headers={"Allow": "POST"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> ASGIApp:
    """The server as an ASGI app, configured from the environment (for `uvicorn --factory`)."""
    settings = settings or Settings.from_env()
    return build_http_app(GradioMCP(settings, server_token=huggingface_hub.get_token()))
