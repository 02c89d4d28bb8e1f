"""The MCP server: tools/list, prompts/list|get and tools/call over stateless streamable HTTP.

Every request works out which spaces it wants and whose token it carries, and finds the tool
catalog of those spaces: kept from an earlier request while everything it was built from is
fresh, or built from the cached discovery's answer. A listing then costs its page, whatever
the number of spaces. Tool calls resolve their name through that same catalog and then go
straight to the space.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import cachetools
from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from starlette.requests import Request

from gradio_mcp._log import get_logger
from gradio_mcp._version import __version__
from gradio_mcp.catalog import (
    ToolCatalog,
    ToolHints,
    ToolRef,
    build_catalog,
    conform,
    may_belong_to,
    render_prompt,
    to_call_tool_result,
    without_images,
)
from gradio_mcp.config import Settings
from gradio_mcp.discovery import ASLEEP_STAGES, Discovery, SpaceSearch, can_wake, cannot_wake
from gradio_mcp.errors import ErrorKind, SpaceError, ToolArgumentError, UnknownNameError
from gradio_mcp.gradio import CallOutcome, ProgressSink, ProgressUpdate, call_endpoint
from gradio_mcp.models import GradioSpace
from gradio_mcp.net import RedisConnection
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.serving._caller import Caller, read_caller
from gradio_mcp.serving._dynamic import NAMES as DYNAMIC_TOOLS
from gradio_mcp.serving._dynamic import DynamicSpaces
from gradio_mcp.serving._listings import ListingCache
from gradio_mcp.serving._options import read_options
from gradio_mcp.serving._pagination import paginate
from gradio_mcp.serving._shutdown import CallInterrupted, GracefulShutdown
from gradio_mcp.serving._throttle import ProgressThrottle
from gradio_mcp.serving.tasks import (
    TaskOwner,
    TaskRunner,
    TasksProtocol,
    build_task_store,
    opted_in,
)

log = get_logger("gradio_mcp.server")

INSTRUCTIONS = (
    "Tools here run endpoints of Hugging Face Gradio Spaces. File inputs take an http(s) URL"
    " or a data: URI. Long-running tools report progress when asked for it."
)
# Catalogs of more tools than this are built off the event loop.
OFF_LOOP_TOOLS = 500
# How long a readiness probe waits for configured spaces it has not seen yet.
READINESS_DISCOVERY_SECONDS = 1.5
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
        # One Redis connection for the process, shared by everything that keeps state there.
        self.redis = (
            RedisConnection.from_settings(self.settings) if discovery is None else discovery.redis
        )
        self.discovery = discovery or Discovery(self.settings, redis=self.redis)
        self._owns_discovery = discovery is None
        self.metrics = Metrics(self.discovery)
        self.server_token = server_token
        self.shutdown = GracefulShutdown(self.settings.shutdown_grace_ms / 1000)
        self._schemas: dict[str, Mapping[str, Any]] = {}
        self._catalogs: cachetools.LRUCache[Any, tuple[list[GradioSpace], ToolCatalog]] = (
            cachetools.LRUCache(maxsize=64)
        )
        self.listings = ListingCache(self.discovery)
        self.hints = ToolHints(self.settings.tool_hints)
        self.dynamic = DynamicSpaces(
            self.settings, self.discovery, SpaceSearch(self.discovery), self.hints
        )
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
        )
        # Registered by hand: a call may be answered with a task handle, not only a result.
        self.server.add_request_handler("tools/call", types.CallToolRequestParams, self.call_tool)
        self.server.middleware.append(self._measure)
        self.tasks: TasksProtocol | None = None
        if self.settings.tasks:
            store = build_task_store(self.redis)
            runner = TaskRunner(store, self.settings, self.metrics)
            self.tasks = TasksProtocol(
                runner, self._task_owner, self.settings.task_poll_interval_ms
            )
            self.tasks.install(self.server)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _server: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        """Runs once per server (HTTP app, stdio, in-process client): the task runner's
        jobs live here, not in the request that started them. (Redis closes with
        `aclose`, with the discovery that shares it.)"""
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

    async def aclose(self) -> None:
        """Close what this server opened: its discovery's connections and Redis's pool."""
        await self.discovery.aclose()
        if self._owns_discovery and self.redis is not None:
            await self.redis.aclose()

    # ------------------------------------------------------------------ request context

    def caller(self, request: Request | None) -> Caller:
        """Token and space ids for one request (configured spaces plus `?gradio=`)."""
        return read_caller(request, self.settings, self.server_token)

    async def catalog(
        self, caller: Caller, *, deadline: float | None = None, rewait: bool = False
    ) -> ToolCatalog:
        return (await self._discover(caller, deadline=deadline, rewait=rewait))[1]

    async def _discover(
        self, caller: Caller, *, deadline: float | None = None, rewait: bool = False
    ) -> tuple[Sequence[GradioSpace], ToolCatalog]:
        if not rewait:
            kept = self.listings.get(caller.space_ids, caller.token)
            if kept is not None:
                return kept
        deadline = self.settings.list_deadline_ms / 1000 if deadline is None else deadline
        spaces = await self.discovery.get_spaces_within(
            caller.space_ids, caller.token, deadline, rewait=rewait
        )
        catalog = await self._build(spaces)
        # A space whose endpoints could not be made into tools is a failed space like any.
        spaces = catalog.mark_failures(spaces)
        self.metrics.spaces.observe(spaces)
        self.listings.put(caller.space_ids, caller.token, spaces, catalog)
        return spaces, catalog

    async def spaces_readiness(self) -> dict[str, Any]:
        """`/readyz`'s view of the configured spaces: ready once each has been discovered
        once. Spaces not there yet are asked for again (briefly: a slow one keeps loading
        in the background for the next probe)."""
        board = self.metrics.spaces
        if not board.configured_readiness()["ok"]:
            spaces = await self.discovery.get_spaces_within(
                self.settings.spaces, self.server_token, READINESS_DISCOVERY_SECONDS
            )
            board.observe(spaces)
        return board.configured_readiness()

    async def _build(self, spaces: list[GradioSpace]) -> ToolCatalog:
        # Building a catalog costs about 1 ms per 4 tools; a stale listing finds the very
        # same cached schema objects, so the catalog built from them can be reused as it is.
        key = tuple(
            (s.id, s.metadata, id(s.schema), s.error.kind if s.error else None) for s in spaces
        )
        remembered = self._catalogs.get(key)
        if remembered is not None:
            catalog = remembered[1]
        else:
            build = functools.partial(
                build_catalog,
                spaces,
                max_name_length=self.settings.max_name_length,
                name_style=self.settings.tool_names,
                max_description_chars=self.settings.max_description_chars,
                hints=self.hints,
            )
            # About 0.1 ms per tool: a big catalog is built in a worker thread, so the event
            # loop keeps answering (the GIL changes hands every few ms) instead of stalling.
            large = sum(len(space.endpoints) for space in spaces) > OFF_LOOP_TOOLS
            catalog = await asyncio.to_thread(build) if large else build()
            # The spaces are kept with the catalog so the schema ids in the key stay theirs.
            self._catalogs[key] = (spaces, catalog)
        return catalog

    def _remember_schemas(self, tools: list[types.Tool]) -> None:
        # The latest listing of a name is what the SDK checks a call's headers against.
        for tool in tools:
            self._schemas.pop(tool.name, None)
            if len(self._schemas) >= _SCHEMA_MEMORY:
                self._schemas.pop(next(iter(self._schemas)))
            self._schemas[tool.name] = tool.input_schema

    def _input_schema(self, name: str) -> Mapping[str, Any] | None:
        return self.dynamic.schemas.get(name) or self._schemas.get(name)

    @staticmethod
    def _request(ctx: ServerRequestContext[Any, Any]) -> Request | None:
        request = ctx.request
        return request if isinstance(request, Request) else None

    def _task_owner(self, ctx: ServerRequestContext[Any, Any]) -> TaskOwner:
        return TaskOwner.of(self.caller(self._request(ctx)).own_token)

    # ------------------------------------------------------------------ handlers

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        request = self._request(ctx)
        caller = self.caller(request)
        spaces, catalog = await self._discover(caller)
        if self.settings.wake_on_list:
            for space in _not_running(spaces):
                if space.error is not None and space.error.stage in ASLEEP_STAGES:
                    self.discovery.wake_in_background(space.id, caller.token)
        tools: Sequence[types.Tool] = catalog.tools
        if read_options(request, self.settings).dynamic:
            # The three on-demand tools come first; a space's endpoint of the same name stays
            # reachable through call_space.
            tools = [*self.dynamic.tools, *(t for t in tools if t.name not in DYNAMIC_TOOLS)]
        page, next_cursor = self._page(tools, params)
        self._remember_schemas(page)
        return types.ListToolsResult(tools=page, next_cursor=next_cursor, cache_scope="private")

    async def list_prompts(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        catalog = await self.catalog(self.caller(self._request(ctx)))
        page, next_cursor = self._page(catalog.prompts, params)
        return types.ListPromptsResult(prompts=page, next_cursor=next_cursor, cache_scope="private")

    def _page(self, items: Sequence[Any], params: types.PaginatedRequestParams | None) -> Any:
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

    async def _resolve(
        self, caller: Caller, name: str, waking: _WakeProgress | None = None
    ) -> ToolRef:
        """The endpoint behind a tool name; waits longer than tools/list for a slow space,
        since a call to it cannot be answered without it, and wakes a sleeping one (with
        `wake_on_call`). Raises `SpaceNotRunningError` when the tool's space cannot run."""
        catalog = await self.catalog(caller)
        try:
            return catalog.resolve(name)
        except UnknownNameError:
            pass
        patience = self.settings.schema_timeout_ms / 1000 + 1
        spaces, patient = await self._discover(caller, deadline=patience, rewait=True)
        try:
            return patient.resolve(name)
        except UnknownNameError as exc:
            unknown = exc
        stopped = [
            space
            for space in _not_running(spaces)
            if may_belong_to(name, space.id, self.settings.tool_names)
        ]
        if not stopped:
            # Only spaces this caller may know of are named: a configured private space
            # must not be revealed to a caller whose token cannot see it.
            failed = [s for s in spaces if s.error is not None and self._may_name(s, caller)]
            owners = [s for s in failed if may_belong_to(name, s.id, self.settings.tool_names)]
            if len(owners) == 1 and owners[0].error is not None:
                owner, error = owners[0], owners[0].error
                raise SpaceNotRunningError(
                    f"{name} belongs to the space {owner.id}, which cannot be reached now"
                    f" ({error.kind.value}: {error.message})"
                ) from None
            message = str(unknown)
            if failed:
                message += ". Spaces that failed to load: " + "; ".join(
                    f"{s.id} ({s.error.kind.value})" for s in failed if s.error is not None
                )
            raise MCPError(types.INVALID_PARAMS, message) from None
        stages = {s.id: s.error.stage if s.error is not None else None for s in stopped}
        broken = [
            cannot_wake(i, stage).message for i, stage in stages.items() if not can_wake(stage)
        ]
        if broken:
            raise SpaceNotRunningError(f"Cannot run {name}: " + "; ".join(broken))
        if not self.settings.wake_on_call:
            reasons = "; ".join(s.error.message for s in stopped if s.error is not None)
            raise SpaceNotRunningError(
                f"Cannot run {name}: {reasons} (waking on call is off: GRADIO_MCP_WAKE_ON_CALL)"
            )
        for space in stopped:
            await self._wake(space.id, caller, waking)
        _, woken = await self._discover(caller, deadline=patience, rewait=True)
        try:
            return woken.resolve(name)
        except UnknownNameError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None

    def _may_name(self, space: GradioSpace, caller: Caller) -> bool:
        """Whether a failed space may be named to this caller: the Hub showed it to their
        token, or they asked for it themselves (not only through the configured list)."""
        if space.metadata is not None:
            return True
        configured = {i.strip().lower() for i in self.settings.spaces}
        if space.id.lower() not in configured:
            return space.id in caller.space_ids
        # A configured space the Hub did not describe: "not found" or "unauthorized" may
        # mean private to somebody else; an outage says nothing of that, unless this
        # server has seen the space private before.
        hidden = (ErrorKind.NOT_FOUND, ErrorKind.UNAUTHORIZED)
        error = space.error
        return (
            error is not None
            and error.kind not in hidden
            and not self.metrics.spaces.seen_private(space.id)
        )

    async def _wake(self, space_id: str, caller: Caller, waking: _WakeProgress | None) -> None:
        """Wake one space for a call, reporting its stage as progress while it starts."""

        async def report(stage: str, elapsed: float) -> None:
            if waking is not None:
                message = f"{space_id} is {stage.lower()}: waiting for it to run ({elapsed:.0f} s)"
                await waking.report(elapsed, message)

        log.info("space_waking", space=space_id)
        try:
            await self.discovery.wake(space_id, caller.token, on_stage=report)
        except SpaceError as exc:
            raise SpaceNotRunningError(exc.message) from None

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | dict[str, Any]:
        started = time.perf_counter()
        request = self._request(ctx)
        caller = self.caller(request)
        options = read_options(request, self.settings)
        arguments = dict(params.arguments or {})
        waking = _WakeProgress(ctx)
        if options.dynamic and params.name in DYNAMIC_TOOLS:
            found = await self.dynamic.run(params.name, arguments, caller.token)
            if isinstance(found, types.CallToolResult):
                return found
            ref, arguments = found  # call_space: the endpoint runs as its own tool would
        else:
            try:
                ref = await self._resolve(caller, params.name, waking)
            except SpaceNotRunningError as exc:
                return _error_result(str(exc))
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
        # Listings read /config, so the listed endpoint has its call details (fn_index,
        # State slots); without them it still runs through Gradio's simple call route.
        endpoint, schema = ref.endpoint, ref.space.schema
        headers = self.discovery.space_headers(host, caller.token)
        if caller.ip_token and self.discovery.may_receive_token(host):
            headers["X-IP-Token"] = caller.ip_token

        # Progress already reported while the space woke up: the call's own counts on top.
        offset = waking.waited
        max_duration = self.settings.call_max_duration_ms / 1000

        async def run(on_progress: ProgressSink) -> tuple[CallOutcome, types.CallToolResult]:
            outcome = await call_endpoint(
                self.discovery.client,
                host,
                endpoint,
                arguments,
                headers=headers,
                on_progress=on_progress,
                read_timeout=self.settings.call_read_timeout_ms / 1000,
                max_duration=max_duration,
                max_upload_bytes=schema.max_file_size if schema else None,
                api_prefix=schema.api_prefix if schema else "/gradio_api",
                limits=self.discovery.limits,
            )
            # Output downloads get what is left of the call's own limit, at most their own.
            left = max_duration - (time.perf_counter() - started)
            result = conform(
                await to_call_tool_result(
                    outcome,
                    client=self.discovery.client,
                    headers=headers,
                    inline_limit_bytes=self.settings.inline_max_bytes,
                    space_url=host,
                    download_timeout=max(0.0, min(left, self.settings.download_timeout_ms / 1000)),
                ),
                ref.output_validator,
            )
            return outcome, result

        async def work(on_progress: ProgressSink) -> types.CallToolResult:
            """The call itself, the same whether it answers this request or runs as a task."""
            if self.shutdown.draining:
                return rejected(f"gradio-mcp is shutting down: {ref.name} was not run; try again")
            try:
                outcome, result = await self.shutdown.guard(run(on_progress))
            except CallInterrupted:
                return rejected(
                    f"gradio-mcp shut down before {ref.name} finished (grace period"
                    f" {self.shutdown.grace:g} s); the job was cancelled on the space. Try again."
                )
            except ToolArgumentError as exc:
                return rejected(str(ToolArgumentError(ref.name, exc.problems)))
            except Exception as exc:  # a bug of ours must not surface as a protocol error
                log.exception("tool_call_crashed", tool="<private>" if private else ref.name)
                return rejected(f"gradio-mcp failed to run {ref.name}: {type(exc).__name__}")
            elapsed = (time.perf_counter() - started) * 1000
            self.metrics.record_call(
                ref.space_id, ref.name, elapsed, ok=outcome.ok, private=private
            )
            log.info(
                "tool_call",
                tool=ref.name if not private else "<private>",
                ok=outcome.ok,
                duration_ms=round(elapsed, 2),
                progress_events=outcome.progress_events,
            )
            return without_images(result) if options.no_image_content else result

        async def send(update: ProgressUpdate) -> None:
            total = None if update.total is None else update.total + offset
            await ctx.session.report_progress(update.progress + offset, total, update.message)

        throttle = ProgressThrottle(send, self.settings.progress_rate)
        try:
            answer: types.CallToolResult | dict[str, Any]
            if self.tasks is not None and opted_in(ctx):
                # A slow call becomes a task that outlives this request.
                owner = TaskOwner.of(caller.own_token)
                answer = await self.tasks.runner.submit(owner, work, throttle)
            else:
                answer = await work(throttle)
            if isinstance(answer, types.CallToolResult):
                await throttle.flush()  # the last progress update goes out before the result
            return answer
        finally:
            await throttle.aclose()

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


class _WakeProgress:
    """Progress of one call while its space wakes up: seconds waited, strictly increasing,
    so that the call's own progress can go on above them."""

    def __init__(self, ctx: ServerRequestContext[Any, Any]) -> None:
        self.ctx = ctx
        self.waited = 0.0

    async def report(self, elapsed: float, message: str) -> None:
        self.waited = max(elapsed, self.waited + 0.001)
        await self.ctx.session.report_progress(self.waited, None, message)


class SpaceNotRunningError(Exception):
    """The space a called tool belongs to is not running and cannot be woken (in time), or
    failed to load: the call gets an error result saying which space and why."""


def _not_running(spaces: Sequence[GradioSpace]) -> list[GradioSpace]:
    return [s for s in spaces if s.error is not None and s.error.kind == ErrorKind.NOT_RUNNING]


def _error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)
