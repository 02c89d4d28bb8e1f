"""How a tool call is answered: over MCP (tools/call: the name resolved or, for `call_space`,
handed back by the dynamic tools; the call's progress as rate-limited
`notifications/progress` above what waking its space already reported; the call itself in
this request or as a task for a client that opted in), or to a host program
(`GradioMCP.call`). Every MCP request is measured on the way."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from mcp import types
from mcp.server import ServerRequestContext
from mcp.server.context import ServerMiddleware
from mcp.shared.exceptions import MCPError

from gradio_mcp.catalog import error_result
from gradio_mcp.errors import SpaceError
from gradio_mcp.gradio import ProgressSink, ProgressUpdate
from gradio_mcp.ops import Metrics
from gradio_mcp.serving._caller import Caller
from gradio_mcp.serving._dynamic import NAMES as DYNAMIC_TOOLS
from gradio_mcp.serving._dynamic import DynamicSpaces
from gradio_mcp.serving._options import RequestOptions
from gradio_mcp.serving._resolver import Resolver
from gradio_mcp.serving._throttle import ProgressThrottle
from gradio_mcp.serving._tool_call import ToolCall, ToolCalls
from gradio_mcp.serving.tasks import TaskOwner, TaskRunner, opted_in

Context = ServerRequestContext[Any, Any]


class WakeProgress:
    """Progress of one call while its space wakes up: seconds waited, strictly increasing,
    so that the call's own progress can go on above them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.waited = 0.0

    async def report(self, elapsed: float, message: str) -> None:
        self.waited = max(elapsed, self.waited + 0.001)
        await self.ctx.session.report_progress(self.waited, None, message)


class CallHandler:
    """tools/call, and the same call for a host program: resolve, check, run, answer."""

    def __init__(self, resolver: Resolver, calls: ToolCalls, dynamic: DynamicSpaces) -> None:
        self.resolver = resolver
        self.calls = calls
        self.dynamic = dynamic
        self.runner: TaskRunner | None = None  # set when the tasks extension is on

    async def tools_call(
        self,
        ctx: Context,
        params: types.CallToolRequestParams,
        caller: Caller,
        options: RequestOptions,
    ) -> types.CallToolResult | dict[str, Any]:
        started = time.perf_counter()
        arguments = dict(params.arguments or {})
        waking = WakeProgress(ctx)
        if options.dynamic and params.name in DYNAMIC_TOOLS:
            # call_space hands back the endpoint, run as its own tool would be.
            found = await self.dynamic.run(params.name, arguments, caller.token)
            if isinstance(found, types.CallToolResult):
                return found
            ref, arguments = found
        else:
            try:
                ref = await self.resolver.resolve(caller, params.name, waking.report)
            except SpaceError as exc:
                return error_result(str(exc))
        call = ToolCall(
            self.calls,
            ref,
            arguments,
            token=caller.token,
            ip_token=caller.ip_token,
            no_images=options.no_image_content,
            started=started,
        )
        return call.check() or await self._answer(ctx, call, caller, waking)

    async def call(
        self,
        caller: Caller,
        name: str,
        arguments: dict[str, Any],
        on_progress: ProgressSink | None = None,
    ) -> types.CallToolResult:
        try:
            ref = await self.resolver.resolve(caller, name)
        except (SpaceError, MCPError) as exc:
            return error_result(str(exc))
        call = ToolCall(self.calls, ref, arguments, token=caller.token)
        return call.check() or await call.run(on_progress)

    async def _answer(
        self, ctx: Context, call: ToolCall, caller: Caller, waking: WakeProgress
    ) -> types.CallToolResult | dict[str, Any]:
        """The call's result, or a task handle when the client opted in to tasks and the call
        outlives the threshold; its progress goes out as notifications on the way."""
        offset = waking.waited  # progress already reported while the space woke up

        async def send(update: ProgressUpdate) -> None:
            total = None if update.total is None else update.total + offset
            await ctx.session.report_progress(update.progress + offset, total, update.message)

        throttle = ProgressThrottle(send)
        try:
            answer: types.CallToolResult | dict[str, Any]
            if self.runner is not None and opted_in(ctx):
                # A slow call becomes a task that outlives this request.
                answer = await self.runner.submit(
                    TaskOwner.of(caller.own_token), partial(call.run, as_task=True), throttle
                )
            else:
                answer = await call.run(throttle)
            if isinstance(answer, types.CallToolResult):
                await throttle.flush()  # the last progress update goes out before the result
            return answer
        finally:
            await throttle.aclose()


def measure(metrics: Metrics) -> ServerMiddleware[Any]:
    """Middleware counting every request by method, with its duration and whether it failed."""

    async def middleware(ctx: Context, call_next: Callable[[Context], Awaitable[Any]]) -> Any:
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
            metrics.record_request(ctx.method, elapsed, error=failed)

    return middleware
