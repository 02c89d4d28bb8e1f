"""The MCP tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) on the wire.

It exists only on the 2026-07-28 protocol, and only for requests that carry it in their
per-request client capabilities: a task handle never answers any other request, and
`tasks/*` on the 2025-11-25 wire are unknown methods. Three methods: `tasks/get`,
`tasks/update` (acknowledged; these tasks never ask for input) and `tasks/cancel`; the
removed `tasks/result` and `tasks/list` stay unknown methods. A task id that is unknown,
expired or another caller's gets one and the same error, so ids cannot be probed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.shared.inbound import MCP_NAME_HEADER, decode_header_value
from mcp.types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ConfigDict, Field

from gradio_mcp.errors import RedisUnavailableError
from gradio_mcp.serving.tasks._records import TaskOwner
from gradio_mcp.serving.tasks._runner import TaskRunner

EXTENSION = "io.modelcontextprotocol/tasks"
NOT_FOUND = "Failed to retrieve task: Task not found"
REQUIRED: dict[str, Any] = {"requiredCapabilities": {"extensions": {EXTENSION: {}}}}

Context = ServerRequestContext[Any, Any]


def opted_in(ctx: Context) -> bool:
    """Whether this request may be answered with a task: the 2026-07-28 protocol, and the
    extension in the request's own client capabilities."""
    if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
        return False  # a 2025-11-25 session may have named it at initialize: it means nothing
    capabilities = ctx.session.client_capabilities
    extensions = capabilities.extensions if capabilities is not None else None
    return extensions is not None and EXTENSION in extensions


class TaskIdParams(types.RequestParams):
    model_config = ConfigDict(populate_by_name=True)
    task_id: str = Field(alias="taskId", max_length=256)


class UpdateTaskParams(TaskIdParams):
    input_responses: dict[str, Any] = Field(default_factory=dict, alias="inputResponses")


class TasksProtocol:
    """The `tasks/*` handlers of one server, over its runner."""

    def __init__(self, runner: TaskRunner, owner_of: Callable[[Context], TaskOwner]) -> None:
        self.runner = runner
        self.owner_of = owner_of

    def install(self, server: Server[Any]) -> None:
        server.extensions[EXTENSION] = {}
        server.add_request_handler("tasks/get", TaskIdParams, self.get)
        server.add_request_handler("tasks/update", UpdateTaskParams, self.update)
        server.add_request_handler("tasks/cancel", TaskIdParams, self.cancel)

    async def get(self, ctx: Context, params: TaskIdParams) -> dict[str, Any]:
        owner = self._check(ctx, params)
        with _store_errors():
            record = await self.runner.get(params.task_id, owner)
        if record is None:
            raise MCPError(types.INVALID_PARAMS, NOT_FOUND)
        return {"resultType": "complete", **record.wire()}

    async def update(self, ctx: Context, params: UpdateTaskParams) -> dict[str, Any]:
        # These tasks never ask for input, so there is nothing to deliver; the task must
        # still be the caller's.
        await self.get(ctx, params)
        return {"resultType": "complete"}

    async def cancel(self, ctx: Context, params: TaskIdParams) -> dict[str, Any]:
        owner = self._check(ctx, params)
        with _store_errors():
            found = await self.runner.cancel(params.task_id, owner)
        if not found:
            raise MCPError(types.INVALID_PARAMS, NOT_FOUND)
        return {"resultType": "complete"}

    def _check(self, ctx: Context, params: TaskIdParams) -> TaskOwner:
        """The checks every `tasks/*` request passes, in the extension's order."""
        if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            raise MCPError(types.METHOD_NOT_FOUND, "Method not found", data=ctx.method)
        if not opted_in(ctx):
            raise MCPError(
                types.MISSING_REQUIRED_CLIENT_CAPABILITY,
                "Missing required client capability",
                data=REQUIRED,
            )
        headers = getattr(ctx.request, "headers", None)
        named = headers.get(MCP_NAME_HEADER) if headers is not None else None
        # Clients should send Mcp-Name with the task id; a different one is refused.
        if named is not None and decode_header_value(named) != params.task_id:
            raise MCPError(types.HEADER_MISMATCH, "Mcp-Name header does not match params.taskId")
        return self.owner_of(ctx)


@contextlib.contextmanager
def _store_errors() -> Iterator[None]:
    """A store that does not answer is a passing server error: the client polls again."""
    try:
        yield
    except RedisUnavailableError:
        raise MCPError(
            types.INTERNAL_ERROR, "The task store is not answering right now; try again"
        ) from None
