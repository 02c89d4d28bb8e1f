"""The MCP server: tools/list, prompts/list|get and tools/call over stateless streamable HTTP.

Every request works out which spaces it wants and whose token it carries, asks the cached
discovery for them, and builds the tool catalog from the answer (a pure, cheap step). Tool
calls resolve their name through that same cached catalog and then go straight to the space.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import cachetools
from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from starlette.requests import Request

from gradio_mcp._log import get_logger
from gradio_mcp._version import __version__
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery, SpaceSearch
from gradio_mcp.errors import ToolArgumentError, UnknownNameError
from gradio_mcp.gradio import ProgressUpdate, call_endpoint
from gradio_mcp.models import GradioSpace
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.serving._caller import Caller, read_caller
from gradio_mcp.serving._catalog import ToolCatalog, build_catalog
from gradio_mcp.serving._dynamic import NAMES as DYNAMIC_TOOLS
from gradio_mcp.serving._dynamic import DynamicSpaces
from gradio_mcp.serving._hints import ToolHints
from gradio_mcp.serving._no_images import without_images
from gradio_mcp.serving._options import read_options
from gradio_mcp.serving._pagination import paginate
from gradio_mcp.serving._prompts import render_prompt
from gradio_mcp.serving._results import to_call_tool_result
from gradio_mcp.serving._throttle import ProgressThrottle
from gradio_mcp.serving._tool_ref import ToolRef

log = get_logger("gradio_mcp.server")

INSTRUCTIONS = (
    "Tools here run endpoints of Hugging Face Gradio Spaces. File inputs take an http(s) URL"
    " or a data: URI. Long-running tools report progress when asked for it."
)
# Schemas of recently listed tools, for the SDK's pre-call header validation (2026 wire).
_SCHEMA_MEMORY = 4096


class GradioMCP:
    """The server's state: settings, one Discovery, metrics, and the MCP `Server`."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        discovery: Discovery | None = None,
        server_token: str | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.discovery = discovery or Discovery(self.settings)
        self.metrics = Metrics(self.discovery)
        self.server_token = server_token
        self._schemas: dict[str, Mapping[str, Any]] = {}
        self._catalogs: cachetools.LRUCache[Any, tuple[list[GradioSpace], ToolCatalog]] = (
            cachetools.LRUCache(maxsize=64)
        )
        self.hints = ToolHints(self.settings.tool_hints)
        self.dynamic = DynamicSpaces(
            self.settings, self.discovery, SpaceSearch(self.discovery), self.hints
        )
        self.server: Server[Any] = Server(
            "gradio-mcp",
            version=__version__,
            title="Gradio Spaces",
            instructions=INSTRUCTIONS,
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_prompts=self.list_prompts,
            on_get_prompt=self.get_prompt,
            get_tool_input_schema=self._input_schema,
        )
        self.server.middleware.append(self._measure)

    # ------------------------------------------------------------------ request context

    def caller(self, request: Request | None) -> Caller:
        """Token and space ids for one request (configured spaces plus `?gradio=`)."""
        return read_caller(request, self.settings, self.server_token)

    async def catalog(
        self, caller: Caller, *, deadline: float | None = None, rewait: bool = False
    ) -> ToolCatalog:
        deadline = self.settings.list_deadline_ms / 1000 if deadline is None else deadline
        spaces = await self.discovery.get_spaces_within(
            caller.space_ids, caller.token, deadline, rewait=rewait
        )
        return self._build(spaces)

    def _build(self, spaces: list[GradioSpace]) -> ToolCatalog:
        # Building a catalog costs about 1 ms per 4 tools; warm requests find the very same
        # cached schema objects, so the catalog built from them can be reused as it is.
        key = tuple(
            (s.id, s.metadata, id(s.schema), s.error.kind if s.error else None) for s in spaces
        )
        remembered = self._catalogs.get(key)
        if remembered is not None:
            catalog = remembered[1]
        else:
            catalog = build_catalog(
                spaces,
                max_name_length=self.settings.max_name_length,
                name_style=self.settings.tool_names,
                hints=self.hints,
            )
            # The spaces are kept with the catalog so the schema ids in the key stay theirs.
            self._catalogs[key] = (spaces, catalog)
        # The latest listing of a name is what the SDK checks a call's headers against.
        for tool in catalog.tools:
            self._schemas.pop(tool.name, None)
            if len(self._schemas) >= _SCHEMA_MEMORY:
                self._schemas.pop(next(iter(self._schemas)))
            self._schemas[tool.name] = tool.input_schema
        return catalog

    def _input_schema(self, name: str) -> Mapping[str, Any] | None:
        return self.dynamic.schemas.get(name) or self._schemas.get(name)

    @staticmethod
    def _request(ctx: ServerRequestContext[Any, Any]) -> Request | None:
        request = ctx.request
        return request if isinstance(request, Request) else None

    # ------------------------------------------------------------------ handlers

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        request = self._request(ctx)
        catalog = await self.catalog(self.caller(request))
        tools = list(catalog.tools)
        if read_options(request, self.settings).dynamic:
            # The three on-demand tools come first; a space's endpoint of the same name stays
            # reachable through call_space.
            tools = [*self.dynamic.tools, *(t for t in tools if t.name not in DYNAMIC_TOOLS)]
        page, next_cursor = self._page(tools, params)
        return types.ListToolsResult(tools=page, next_cursor=next_cursor, cache_scope="private")

    async def list_prompts(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        catalog = await self.catalog(self.caller(self._request(ctx)))
        page, next_cursor = self._page(list(catalog.prompts), params)
        return types.ListPromptsResult(prompts=page, next_cursor=next_cursor, cache_scope="private")

    def _page(self, items: list[Any], params: types.PaginatedRequestParams | None) -> Any:
        try:
            return paginate(items, params.cursor if params else None, self.settings.page_size)
        except ValueError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None

    async def get_prompt(
        self, ctx: ServerRequestContext[Any, Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        catalog = await self.catalog(self.caller(self._request(ctx)))
        try:
            return render_prompt(catalog.resolve_prompt(params.name), params.arguments)
        except UnknownNameError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None

    async def _resolve(self, caller: Caller, name: str) -> ToolRef:
        """The endpoint behind a tool name; waits longer than tools/list for a slow space,
        since a call to it cannot be answered without it."""
        catalog = await self.catalog(caller)
        try:
            return catalog.resolve(name)
        except UnknownNameError:
            pass
        patient = await self.catalog(
            caller, deadline=self.settings.schema_timeout_ms / 1000 + 1, rewait=True
        )
        try:
            return patient.resolve(name)
        except UnknownNameError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        started = time.perf_counter()
        request = self._request(ctx)
        caller = self.caller(request)
        options = read_options(request, self.settings)
        arguments = dict(params.arguments or {})
        if options.dynamic and params.name in DYNAMIC_TOOLS:
            found = await self.dynamic.run(params.name, arguments, caller.token)
            if isinstance(found, types.CallToolResult):
                return found
            ref, arguments = found  # call_space: the endpoint runs as its own tool would
        else:
            ref = await self._resolve(caller, params.name)
        metadata = ref.space.metadata
        private = bool(metadata and metadata.private)

        def rejected(message: str) -> types.CallToolResult:
            elapsed = (time.perf_counter() - started) * 1000
            self.metrics.record_call(ref.space_id, ref.name, elapsed, ok=False, private=private)
            return _error_result(message)

        try:
            ref.checker.check(arguments, ref.name)
        except ToolArgumentError as exc:
            return rejected(str(exc))
        except Exception as exc:  # a schema the space broke (bad $ref, unknown type)
            return rejected(f"Cannot check arguments for {ref.name}: {type(exc).__name__}")
        host = (metadata.url if metadata else None) or ""
        headers = self.discovery.space_headers(host, caller.token)
        if caller.ip_token and self.discovery.may_receive_token(host):
            headers["X-IP-Token"] = caller.ip_token

        async def send(update: ProgressUpdate) -> None:
            await ctx.session.report_progress(update.progress, update.total, update.message)

        throttle = ProgressThrottle(send, self.settings.progress_rate)
        schema = ref.space.schema
        max_duration = self.settings.call_max_duration_ms / 1000
        try:
            outcome = await call_endpoint(
                self.discovery.client,
                host,
                ref.endpoint,
                arguments,
                headers=headers,
                on_progress=throttle,
                read_timeout=self.settings.call_read_timeout_ms / 1000,
                max_duration=max_duration,
                max_upload_bytes=schema.max_file_size if schema else None,
                api_prefix=schema.api_prefix if schema else "/gradio_api",
                limits=self.discovery.limits,
            )
            await throttle.flush()  # the last progress update goes out before the result
            # Output downloads get what is left of the call's own limit, at most their own.
            left = max_duration - (time.perf_counter() - started)
            result = await to_call_tool_result(
                outcome,
                client=self.discovery.client,
                headers=headers,
                inline_limit_bytes=self.settings.inline_max_bytes,
                space_url=host,
                download_timeout=max(0.0, min(left, self.settings.download_timeout_ms / 1000)),
            )
        except ToolArgumentError as exc:
            return rejected(str(ToolArgumentError(ref.name, exc.problems)))
        except Exception as exc:  # a bug of ours must not surface as a protocol error
            log.exception("tool_call_crashed", tool="<private>" if private else ref.name)
            return rejected(f"gradio-mcp failed to run {ref.name}: {type(exc).__name__}")
        finally:
            await throttle.aclose()
        elapsed = (time.perf_counter() - started) * 1000
        self.metrics.record_call(ref.space_id, ref.name, elapsed, ok=outcome.ok, private=private)
        log.info(
            "tool_call",
            tool=ref.name if not private else "<private>",
            ok=outcome.ok,
            duration_ms=round(elapsed, 2),
            progress_events=outcome.progress_events,
        )
        return without_images(result) if options.no_image_content else result

    async def _measure(
        self, ctx: ServerRequestContext[Any, Any], call_next: Callable[[Any], Awaitable[Any]]
    ) -> Any:
        started = time.perf_counter()
        failed = True
        try:
            result = await call_next(ctx)
            # Handlers' results reach middleware already serialised (a dict) or as models.
            if isinstance(result, dict):
                failed = bool(result.get("isError"))
            else:
                failed = bool(getattr(result, "is_error", False))
            return result
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.metrics.record_request(ctx.method, elapsed, error=failed)


def _error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)
