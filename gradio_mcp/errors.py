"""Every exception gradio_mcp raises, under one base: catch `GradioMCPError` to catch them all.
One class per meaning:

    GradioMCPError
    ├── ConfigError (ValueError)   a setting has a value that cannot be used (names the variable)
    ├── SpaceError                 one space could not be discovered, or cannot run now; its
    │                              `kind` (ErrorKind) says why, its `phase` (ErrorPhase) where.
    │                              Discovery returns it inside the space's result, never raises it
    ├── ToolArgumentError (ValueError)  the arguments of a call do not fit; nothing was sent
    ├── UnknownNameError (LookupError)  no tool or prompt of that name in the current list
    ├── CallError                  a call reached the space and failed there (title, message,
    │                              status); `call_endpoint` puts it in `CallOutcome.error`
    ├── CallInterrupted            the server shut down before the call finished
    ├── TaskInterrupted            the server shut down before a task's call finished: the
    │                              task fails with its message
    ├── ReadLimitError             an upstream answer went past a read cap
    ├── HubError                   a space search or token check got no usable Hub answer (a
    │                              token the Hub rejects is an answer, not this)
    ├── RedisUnavailableError      Redis is down, slow or answering garbage; whoever uses it
    │                              goes on without it, so a caller never sees this one
    ├── TaskLimitError             a caller, or the server, holds as many tasks as allowed
    ├── GarbageError (ValueError)  a value read back from Redis that is not what we wrote
    ├── SealBroken (ValueError)    a sealed task value that does not open (tampered, cut short)
    ├── ListingError (ValueError)  the Hub emulator refuses a listing request (dev tooling)
    ├── AppStartError (RuntimeError)  an app started by the developer tooling did not come up
    └── EgressRefusedError         (in `gradio_mcp.net`: it is also an httpx2 ConnectError, and
                                   this module imports no HTTP client) a connection refused by
                                   the egress policy; likewise WebSocketError (an httpx2
                                   TransportError, and a GradioMCPError like these) and its
                                   WebSocketClosed, a Gradio 3 queue socket that could not
                                   open or broke
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


class ErrorPhase(enum.StrEnum):
    """Where a space's discovery failed. A string enum: `error.phase == "schema"` holds."""

    NONE = ""
    METADATA = "metadata"  # the Hub's answer about the space
    SCHEMA = "schema"  # the space's own schema documents
    TOOLS = "tools"  # turning its endpoints into tools or prompts
    DEADLINE = "deadline"  # still loading when the listing's deadline passed
    WAKE = "wake"  # waking it up


class SpaceError(GradioMCPError):
    """A discovery failure for one space; never raised out of `get_gradio_spaces`."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        phase: ErrorPhase | str = ErrorPhase.NONE,
        stage: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.phase = ErrorPhase(phase)
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


class CallError(GradioMCPError):
    """A call failed on the space (or on the way to it): its title, message and HTTP status.
    Raised inside the Gradio caller; handed out as `CallOutcome.error`. Equal when all three
    are."""

    def __init__(self, title: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.title = title
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return f"{self.title}: {self.message}" if self.title else self.message

    def __repr__(self) -> str:
        return f"CallError({self.title!r}, {self.message!r}, {self.status!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CallError):
            return NotImplemented
        return (self.title, self.message, self.status) == (other.title, other.message, other.status)

    def __hash__(self) -> int:
        return hash((self.title, self.message, self.status))


class CallInterrupted(GradioMCPError):
    """The server shut down before the call finished; its job was cancelled on the space."""


class TaskInterrupted(GradioMCPError):
    """Raised by a task's work when the server's shutdown ended it: the task fails with this
    message (a plain call answers it as an error result instead)."""


class ReadLimitError(GradioMCPError):
    """An upstream answer went past a cap; the message says which, and the setting to raise
    (none for a fixed cap, such as JSON nesting)."""

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message if setting is None else f"{message} (the cap is {setting})")
        self.setting = setting


class HubError(GradioMCPError):
    """A space search or a token check got no usable answer from the Hub: it was down, slow,
    refused the request or answered something unreadable. The message never holds a token."""


class AppStartError(GradioMCPError, RuntimeError):
    """A Gradio app exited or did not become ready in time; the message holds its output."""

    def __init__(self, message: str, *, output: str = "", port_clash: bool = False) -> None:
        super().__init__(message)
        self.output = output
        self.port_clash = port_clash


class GarbageError(GradioMCPError, ValueError):
    """A value read back from a shared store (Redis) that is not what we wrote."""


class SealBroken(GradioMCPError, ValueError):
    """A sealed value that does not open: not ours, tampered with, or cut short."""


class ListingError(GradioMCPError, ValueError):
    """A listing request the Hub would refuse (400); the message says which parameter."""


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
