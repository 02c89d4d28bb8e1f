"""What a task is: its record, its owner, its statuses and its wire form (SEP-2663).

A record is what every store keeps and every server reads, whichever server runs the task:
plain data, with times in wall-clock milliseconds so that replicas agree on them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gradio_mcp.config import TASK_POLL_INTERVAL_MS

WORKING = "working"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED})

# JSON-RPC's internal error: a task fails only when the server, not the tool, went wrong.
INTERNAL_ERROR = -32603
LOST_MESSAGE = "The server running this task stopped before it finished"
STOPPED_MESSAGE = "The server stopped before this task finished"
CANCELLED_MESSAGE = "Cancelled by the client"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class TaskOwner:
    """Who a task belongs to: a one-way name of the caller's token (or anonymous).

    `secret` is the token itself, never stored: a store that holds task contents outside
    this process may use it, with the task id, to seal them.
    """

    key: str
    secret: str = ""

    @classmethod
    def of(cls, token: str | None) -> TaskOwner:
        if not token:
            return cls(ANONYMOUS)
        digest = hashlib.sha256(b"gradio-mcp task owner\0" + token.encode()).hexdigest()
        return cls(f"token:{digest[:32]}", token)


def new_task_id() -> str:
    """An unguessable id (256 random bits): whoever holds it may poll the task, so it acts
    as a bearer secret within its owner's tasks. URL- and header-safe."""
    return secrets.token_urlsafe(32)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def tool_failure(message: str, code: int = INTERNAL_ERROR) -> dict[str, Any]:
    """The JSON-RPC error object of a failed task."""
    return {"code": code, "message": message}


@dataclass(frozen=True)
class TaskRecord:
    """One task as a store keeps it."""

    task_id: str
    owner: str
    created_ms: int
    expires_ms: int
    updated_ms: int
    lease_ms: int  # the running server renews this; a working task past it has lost its runner
    status: str = WORKING
    status_message: str | None = None
    result: dict[str, Any] | None = None  # the CallToolResult, as sent on the wire
    error: dict[str, Any] | None = None  # the JSON-RPC error of a failed task

    def lost(self, now_ms: int) -> bool:
        """Still working, but its server stopped renewing it: it will never finish."""
        return self.status == WORKING and self.lease_ms < now_ms

    def wire(self) -> dict[str, Any]:
        """The task as `tasks/get` and a task-answered `tools/call` show it."""
        task: dict[str, Any] = {
            "taskId": self.task_id,
            "status": self.status,
            "createdAt": iso(self.created_ms),
            "lastUpdatedAt": iso(self.updated_ms),
            "ttlMs": self.expires_ms - self.created_ms,
        }
        if self.status not in TERMINAL:
            task["pollIntervalMs"] = TASK_POLL_INTERVAL_MS
        if self.status_message:
            task["statusMessage"] = self.status_message
        if self.status == COMPLETED and self.result is not None:
            task["result"] = self.result
        if self.status == FAILED:
            task["error"] = self.error or tool_failure("The task failed")
        return task
