"""One tool call, the same for a configured tool, `call_space`, a task and a host program:
check the arguments → the space's headers → run the endpoint → convert the outcome to MCP
content (checked against the tool's output schema) → record it.

Nothing goes upstream when the arguments are wrong. Every failure, ours included, becomes an
error result (`isError`) naming the tool, never a protocol error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mcp import types

from gradio_mcp._log import get_logger
from gradio_mcp.catalog import ToolRef, conform, error_result, to_call_tool_result, without_images
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.errors import CallInterrupted, TaskInterrupted, ToolArgumentError
from gradio_mcp.gradio import CallLimits, CallOutcome, ProgressSink, SpaceApi, call_endpoint
from gradio_mcp.ops import Metrics
from gradio_mcp.serving._shutdown import GracefulShutdown

log = get_logger("gradio_mcp.server")


@dataclass
class ToolCalls:
    """What every call needs: settings (and the call limits they set), the discovery's
    client, metrics, the shutdown guard."""

    settings: Settings
    discovery: Discovery
    metrics: Metrics
    shutdown: GracefulShutdown
    limits: CallLimits = field(init=False)

    def __post_init__(self) -> None:
        self.limits = CallLimits.from_settings(self.settings)


@dataclass
class ToolCall:
    """One call of one tool: `check()` first (its answer is final when it is not None), then
    `run()` with a progress sink, in this request or as a task. `started`: when the request
    began (default now), for its duration and deadline."""

    calls: ToolCalls
    ref: ToolRef
    arguments: dict[str, Any]
    token: str | None = None
    ip_token: str | None = None
    no_images: bool = False
    started: float = field(default_factory=time.perf_counter)

    @property
    def private(self) -> bool:
        metadata = self.ref.space.metadata
        return bool(metadata and metadata.private)

    @property
    def host(self) -> str:
        metadata = self.ref.space.metadata
        return (metadata.url if metadata else None) or ""

    def check(self) -> types.CallToolResult | None:
        """An error result when the arguments do not fit the tool; None when they do."""
        try:
            self.ref.checker.check(self.arguments, self.ref.name)
        except ToolArgumentError as exc:
            return self.rejected(str(exc), caller_error=True)
        except Exception as exc:  # a schema the space broke (bad $ref, unknown type)
            return self.rejected(
                f"Cannot check arguments for {self.ref.name}: {type(exc).__name__}"
            )
        return None

    def headers(self) -> dict[str, str]:
        """The space's headers: the caller's token only where it may go, and their IP token."""
        discovery = self.calls.discovery
        headers = discovery.space_headers(self.host, self.token)
        if self.ip_token and discovery.may_receive_token(self.host):
            headers["X-IP-Token"] = self.ip_token
        return headers

    async def run(
        self, on_progress: ProgressSink | None = None, *, as_task: bool = False
    ) -> types.CallToolResult:
        """The call itself. As a task's work (`as_task`), a shutdown that ends it raises
        `TaskInterrupted`, so that the task fails rather than completes with an error."""
        name, shutdown = self.ref.name, self.calls.shutdown
        if shutdown.draining:
            return self.rejected(f"gradio-mcp is shutting down: {name} was not run; try again")
        try:
            outcome, result = await shutdown.guard(self._call(on_progress))
        except CallInterrupted:
            message = (
                f"gradio-mcp shut down before {name} finished (grace period"
                f" {shutdown.grace:g} s); the job was cancelled on the space. Try again."
            )
            if as_task:
                raise TaskInterrupted(message) from None
            return self.rejected(message)
        except ToolArgumentError as exc:
            message = str(ToolArgumentError(name, exc.problems))
            return self.rejected(message, caller_error=True)
        except Exception as exc:  # a bug of ours must not surface as a protocol error
            log.exception("tool_call_crashed", tool="<private>" if self.private else name)
            return self.rejected(f"gradio-mcp failed to run {name}: {type(exc).__name__}")
        self._record(outcome)
        return without_images(result) if self.no_images else result

    async def _call(
        self, on_progress: ProgressSink | None
    ) -> tuple[CallOutcome, types.CallToolResult]:
        settings, limits = self.calls.settings, self.calls.limits
        client = self.calls.discovery.client
        headers = self.headers()
        # Listings read /config, so the listed endpoint has its call details (fn_index,
        # State slots); without them it still runs through Gradio's simple call route.
        space = SpaceApi.of(self.host, self.ref.space.schema)
        outcome = await call_endpoint(
            client,
            space,
            self.ref.endpoint,
            self.arguments,
            headers=headers,
            on_progress=on_progress,
            limits=limits,
        )
        # Output downloads get what is left of the call's own limit, at most their own.
        left = limits.max_duration - (time.perf_counter() - self.started)
        converted = await to_call_tool_result(
            outcome,
            client=client,
            headers=headers,
            inline_limit_bytes=settings.inline_max_bytes,
            space_url=self.host,
            download_timeout=max(0.0, min(left, settings.download_timeout_ms / 1000)),
        )
        return outcome, conform(converted, self.ref.output_validator)

    def _record(self, outcome: CallOutcome) -> None:
        elapsed = self._count(ok=outcome.ok)
        log.info(
            "tool_call",
            tool=self.ref.name if not self.private else "<private>",
            ok=outcome.ok,
            duration_ms=round(elapsed, 2),
            progress_events=outcome.progress_events,
        )

    def rejected(self, message: str, *, caller_error: bool = False) -> types.CallToolResult:
        """An error result for this call, counted as a failed call of its tool, or as
        refused (`caller_error`: the caller's arguments were wrong, not the space)."""
        self._count(ok=False, caller_error=caller_error)
        return error_result(message)

    def _count(self, *, ok: bool, caller_error: bool = False) -> float:
        """Count the call in the metrics; its duration so far, in ms."""
        elapsed = (time.perf_counter() - self.started) * 1000
        metrics, ref = self.calls.metrics, self.ref
        metrics.record_call(
            ref.space_id, ref.name, elapsed, ok=ok, private=self.private, caller_error=caller_error
        )
        return elapsed
