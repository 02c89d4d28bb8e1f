"""Every exception gradio_mcp raises, under one base: catch `GradioMCPError` to catch them all.

One class per meaning:

* `ConfigError` — a setting has a value that cannot be used (the message names the variable).
* `SpaceError` — one space could not be discovered; its `kind` says why. Discovery returns it
  inside the space's result rather than raising it.
* `ToolArgumentError` — the arguments of a call do not fit the endpoint; nothing was sent.
* `UnknownNameError` — no tool or prompt of that name in the current list.
* `UpstreamCallError` — a call reached the space and failed there; `call_endpoint` turns it
  into `CallOutcome.error`, so a caller sees it only through that.
* `HubError` — a space search or a token check got no usable answer from the Hub (down,
  slow, refused, unreadable); a token the Hub rejects is an answer, not this.
* `AppStartError` — a Gradio app started by the developer tooling did not come up.
* `RedisUnavailableError` — Redis is down, slow or answering garbage; whoever uses it goes on
  without it (the shared cache level, the task store), so a caller never sees this one.
* `TaskLimitError` — a caller, or the server, already holds as many tasks as allowed.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator, Sequence
from typing import Any


class GradioMCPError(Exception):
    """Base class of every exception raised by gradio_mcp."""


class ConfigError(GradioMCPError, ValueError):
    """A setting has a value we cannot use; the message names the variable."""


class ErrorKind(enum.StrEnum):
    """Why a space could not be discovered. Values are stable strings for logs and JSON."""

    INVALID_ID = "invalid_id"
    NOT_FOUND = "not_found"
    UNAUTHORIZED = "unauthorized"
    NOT_GRADIO = "not_gradio"
    NOT_RUNNING = "not_running"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    UPSTREAM_STATUS = "upstream_status"
    BAD_PAYLOAD = "bad_payload"
    UNSUPPORTED = "unsupported"  # a Gradio version or queue protocol gradio_mcp cannot call
    # The egress policy (GRADIO_MCP_ALLOWED_NETWORKS) forbids the address the space is at.
    EGRESS_REFUSED = "egress_refused"


class SpaceError(GradioMCPError):
    """A discovery failure for one space; never raised out of `get_gradio_spaces`."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        phase: str = "",
        stage: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.phase = phase
        self.stage = stage  # the runtime stage, for `not_running` (SLEEPING, PAUSED...)
        # Seconds the upstream asked us to wait before asking again (its Retry-After).
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "message": self.message,
            "status": self.status,
            "phase": self.phase,
            "stage": self.stage,
        }

    def __repr__(self) -> str:
        return f"SpaceError({self.kind.value!r}, {self.message!r}, status={self.status})"

    @classmethod
    def from_exception(cls, exc: Exception, context: str, *, phase: str) -> SpaceError:
        """`exc` as one space's error: itself when it is a SpaceError; otherwise a
        `bad_payload` naming what failed and how (whatever its type: a space's data can
        break any conversion, and that must stay the space's problem)."""
        if isinstance(exc, SpaceError):
            return exc
        try:
            detail = " ".join(str(exc).split())[:_DETAIL_CHARS]
        except Exception:
            detail = ""
        reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        return cls(ErrorKind.BAD_PAYLOAD, f"{context} ({reason})", phase=phase)


# How much of an unexpected exception's text a SpaceError carries.
_DETAIL_CHARS = 200


@contextlib.contextmanager
def space_boundary(context: str, *, phase: str) -> Iterator[None]:
    """Where one space's data crosses into code that can raise: any exception inside
    leaves as that space's `SpaceError` (see `SpaceError.from_exception`)."""
    try:
        yield
    except SpaceError:
        raise
    except Exception as exc:
        raise SpaceError.from_exception(exc, context, phase=phase) from None


class ToolArgumentError(GradioMCPError, ValueError):
    """The arguments of a call do not fit its endpoint; nothing was sent upstream."""

    def __init__(self, tool: str, problems: Sequence[str]) -> None:
        self.tool = tool
        self.problems = list(problems)
        super().__init__(f"Invalid arguments for tool '{tool}': " + "; ".join(self.problems))


class UnknownNameError(GradioMCPError, LookupError):
    """No tool or prompt of that name in the current list."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(f"Unknown {kind}: {name}")

    def __str__(self) -> str:  # LookupError would otherwise quote the whole message
        return str(self.args[0])


class UpstreamCallError(GradioMCPError):
    """A call failed on the space (or on the way to it): its title and message."""

    def __init__(self, title: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.status = status


class HubError(GradioMCPError):
    """A space search or a token check got no usable answer from the Hub: it was down, slow,
    refused the request or answered something unreadable. The message never holds a token."""


class AppStartError(GradioMCPError, RuntimeError):
    """A Gradio app exited or did not become ready in time; the message holds its output."""

    def __init__(self, message: str, *, output: str = "", port_clash: bool = False) -> None:
        super().__init__(message)
        self.output = output
        self.port_clash = port_clash


class RedisUnavailableError(GradioMCPError):
    """Redis failed, timed out, or answered something that cannot be trusted; or it did so
    moments ago and is not being asked again yet. The message never holds the Redis URL."""


class TaskLimitError(GradioMCPError):
    """No new task: its caller (`scope` "caller") or the server ("server") holds `held` tasks,
    which is the limit."""

    def __init__(self, scope: str, held: int) -> None:
        super().__init__(f"{scope} holds {held} tasks, the limit")
        self.scope = scope
        self.held = held
