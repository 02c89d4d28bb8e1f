"""The MCP server: tools/list, prompts/list|get and tools/call, wired to their services.

Every request works out which spaces it wants and whose token it carries (`_caller`), and
finds the tool catalog of those spaces (`Catalogs`: kept while everything it was built from
is fresh, else built from the cached discovery's answer), so a listing costs its page. A
call resolves its name through that same catalog (`Resolver`, waking a sleeping space) and
runs through the `ToolCall` pipeline, as a task for clients that opt in.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from mcp import types
from mcp.server import Server, ServerRequestContext

from gradio_mcp._version import __version__
from gradio_mcp.catalog import ToolHints
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery, SpaceSearch
from gradio_mcp.gradio import ProgressSink, protocol_problem
from gradio_mcp.models import GradioSpace
from gradio_mcp.net import RedisConnection
from gradio_mcp.ops import Metrics
from gradio_mcp.serving._cache_hints import discover_cache_hint
from gradio_mcp.serving._call_handler import CallHandler, measure
from gradio_mcp.serving._caller import Caller, HttpRequest, read_caller
from gradio_mcp.serving._catalogs import Catalogs
from gradio_mcp.serving._dynamic import DynamicSpaces
from gradio_mcp.serving._list_handlers import ListHandlers
from gradio_mcp.serving._options import read_options
from gradio_mcp.serving._resolver import Resolver
from gradio_mcp.serving._shutdown import GracefulShutdown
from gradio_mcp.serving._tool_call import ToolCalls
from gradio_mcp.serving.tasks import TaskOwner, TaskRunner, TasksProtocol, build_task_store

INSTRUCTIONS = (
    "Tools here run endpoints of Hugging Face Gradio Spaces. File inputs take an http(s) URL"
    " or a data: URI. Long-running tools report progress when asked for it."
)

Context = ServerRequestContext[Any, Any]
Params = types.PaginatedRequestParams | None


class GradioMCP:
    """The server's state: settings, one Discovery, metrics, its services, the MCP `Server`.

    A host program can call a tool without serving MCP: `await server.call(name, args)`."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        discovery: Discovery | None = None,
        server_token: str | None = None,
    ) -> None:
        self.settings = settings = settings or Settings.from_env()
        # One Redis connection for the process, shared by everything that keeps state there.
        self.redis = (
            RedisConnection.from_settings(settings) if discovery is None else discovery.redis
        )
        self.discovery = discovery or Discovery(settings, redis=self.redis)
        self._owns_discovery = discovery is None
        # A space on a Gradio that cannot be called lists no tools: its error says why.
        if self.discovery.protocol_check is None:
            self.discovery.protocol_check = protocol_problem
        self.metrics = Metrics(self.discovery)
        self._sampler: asyncio.Task[None] | None = None
        self.server_token = server_token
        self.shutdown = GracefulShutdown(settings.shutdown_grace_ms / 1000)
        hints = ToolHints(settings.tool_hints)
        self.catalogs = Catalogs(settings, self.discovery, hints, on_discovered=self._observe)
        self.metrics.sources["catalogs"] = self.catalogs.stats.to_dict
        resolver = Resolver(settings, self.discovery, self.catalogs)
        self.dynamic = DynamicSpaces(settings, SpaceSearch(self.discovery), self.catalogs)
        pipeline = ToolCalls(settings, self.discovery, self.metrics, self.shutdown)
        self.calls = CallHandler(resolver, pipeline, self.dynamic)
        self.lists = ListHandlers(settings, self.catalogs, self.dynamic)
        self.server: Server[Any] = Server(
            "gradio-mcp",
            version=__version__,
            title="Gradio Spaces",
            instructions=INSTRUCTIONS,
            lifespan=self._lifespan,
            on_list_tools=self.list_tools,
            on_list_prompts=self.list_prompts,
            on_get_prompt=self.get_prompt,
            get_tool_input_schema=self._input_schema,
            cache_hints={"server/discover": discover_cache_hint(settings)},
        )
        # Registered by hand: a call may be answered with a task handle, not only a result.
        self.server.add_request_handler("tools/call", types.CallToolRequestParams, self.call_tool)
        self.server.middleware += [measure(self.metrics), self.lists.wire.middleware()]
        self.tasks: TasksProtocol | None = None
        if settings.tasks:
            runner = TaskRunner(build_task_store(self.redis), settings, self.metrics)
            self.tasks = TasksProtocol(runner, self._task_owner)
            self.tasks.install(self.server)
            self.calls.runner = runner

    @contextlib.asynccontextmanager
    async def _lifespan(self, _server: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        """Once per server (HTTP app, stdio, in-process client): task jobs live here."""
        if self.tasks is None:
            yield {}
        else:
            async with self.tasks.runner.running():
                yield {}

    async def start(self) -> None:
        """Open ahead of the first request what would otherwise slow it down: Redis's first
        connection (and its client library). A Redis that is down now is only noted."""
        if self.redis is not None:
            await self.redis.ping()
        # The dashboard's history samples on time even while nobody asks for anything.
        if self._sampler is None:
            self._sampler = asyncio.create_task(self.metrics.history.run())

    async def drain(self) -> None:
        """At shutdown, before `aclose`: tasks get the grace period calls get (the HTTP server
        does not wait for them); those still running then end as failed, their jobs cancelled
        on the space while the connections are open, and their end written to the task store."""
        if self.tasks is not None:
            await self.tasks.runner.drain_at_shutdown(self.shutdown)

    async def aclose(self) -> None:
        """Close what this server opened: its discovery's connections and Redis's pool."""
        if self._sampler is not None:
            self._sampler.cancel()
            self._sampler = None
        await self.discovery.aclose()
        if self._owns_discovery and self.redis is not None:
            await self.redis.aclose()

    async def __aenter__(self) -> GradioMCP:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
        on_progress: ProgressSink | None = None,
    ) -> types.CallToolResult:
        """Run one tool of the configured spaces as tools/call would (resolved, woken, checked
        before anything is sent, converted, recorded); failures come back as `is_error`
        results. `token`: the caller's Hub token (default: the server's)."""
        caller = Caller(token=token or self.server_token, space_ids=tuple(self.settings.spaces))
        return await self.calls.call(caller, name, dict(arguments or {}), on_progress)

    def caller(self, request: HttpRequest | None) -> Caller:
        """Token and space ids for one request (configured spaces plus `?gradio=`)."""
        return read_caller(request, self.settings, self.server_token)

    def _observe(self, spaces: Sequence[GradioSpace], token: str | None) -> None:
        # What a caller's token could not see says nothing of the space's health.
        self.metrics.spaces.observe(spaces, as_server=token == self.server_token)

    def _input_schema(self, name: str) -> Mapping[str, Any] | None:
        return self.dynamic.schemas.get(name) or self.catalogs.listed_schema(name)

    @staticmethod
    def _request(ctx: Context) -> HttpRequest | None:
        request = ctx.request
        # An HTTP request (stdio has none); checked by shape: a Protocol isinstance is slow.
        return request if hasattr(request, "query_params") else None

    def _task_owner(self, ctx: Context) -> TaskOwner:
        return TaskOwner.of(self.caller(self._request(ctx)).own_token)

    async def list_tools(self, ctx: Context, params: Params) -> types.ListToolsResult:
        request = self._request(ctx)
        options, caller = read_options(request, self.settings), self.caller(request)
        return await self.lists.list_tools(caller, options, params, ctx.protocol_version)

    async def list_prompts(self, ctx: Context, params: Params) -> types.ListPromptsResult:
        caller = self.caller(self._request(ctx))
        return await self.lists.list_prompts(caller, params, ctx.protocol_version)

    async def get_prompt(
        self, ctx: Context, params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        return await self.lists.get_prompt(self.caller(self._request(ctx)), params)

    async def call_tool(
        self, ctx: Context, params: types.CallToolRequestParams
    ) -> types.CallToolResult | dict[str, Any]:
        request = self._request(ctx)
        options = read_options(request, self.settings)
        return await self.calls.tools_call(ctx, params, self.caller(request), options)
