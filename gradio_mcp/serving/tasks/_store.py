"""Where tasks are kept: the store interface, and the in-memory store of a single server.

Every status change goes through `finish`, which moves a task out of `working` only once:
whoever wins (the runner with its result, `tasks/cancel`, a reader that finds the runner
gone) decides the outcome, and the losers learn that they lost. Owners are compared on
every read, and an id of another owner reads exactly as an unknown one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from gradio_mcp.errors import TaskLimitError
from gradio_mcp.serving.tasks._records import WORKING, TaskOwner, TaskRecord


def now_ms() -> int:
    return int(time.time() * 1000)


class TaskStore(Protocol):
    """The operations the task machinery needs from a store."""

    async def create(
        self, record: TaskRecord, owner: TaskOwner, max_per_owner: int, max_total: int
    ) -> None:
        """Keep a new task of `owner`; raises `TaskLimitError` if the owner or the store
        holds as many as allowed."""

    async def load(self, task_id: str, owner: TaskOwner) -> TaskRecord | None:
        """The task, or None when unknown, expired or another owner's."""

    async def finish(
        self,
        task_id: str,
        owner: TaskOwner,
        status: str,
        *,
        message: str | None = None,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> TaskRecord | None:
        """Move a working task to `status`; the new record, or None if it was not working."""

    async def renew(
        self, leases: Mapping[str, tuple[TaskOwner, str | None]], lease_ms: int
    ) -> set[str]:
        """Renew the leases of running tasks (and store their latest status message, when
        given); returns the ids that are no longer working (cancelled, or gone)."""

    async def sweep(self) -> int:
        """Forget expired tasks; returns how many."""

    async def aclose(self) -> None: ...


class MemoryTaskStore:
    """Tasks in this process's memory: for one server (tasks die with it)."""

    def __init__(self, clock: Callable[[], int] = now_ms) -> None:
        self._clock = clock
        self._tasks: dict[str, TaskRecord] = {}

    def __len__(self) -> int:
        return len(self._tasks)

    async def create(
        self, record: TaskRecord, owner: TaskOwner, max_per_owner: int, max_total: int
    ) -> None:
        now = self._clock()
        live = [r for r in self._tasks.values() if r.expires_ms > now]
        if len(live) >= max_total:
            raise TaskLimitError("server", len(live))
        mine = sum(1 for r in live if r.owner == record.owner)
        if mine >= max_per_owner:
            raise TaskLimitError("caller", mine)
        self._tasks[record.task_id] = record

    async def load(self, task_id: str, owner: TaskOwner) -> TaskRecord | None:
        record = self._tasks.get(task_id)
        if record is None or record.owner != owner.key or record.expires_ms <= self._clock():
            return None
        return record

    async def finish(
        self,
        task_id: str,
        owner: TaskOwner,
        status: str,
        *,
        message: str | None = None,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> TaskRecord | None:
        record = await self.load(task_id, owner)
        if record is None or record.status != WORKING:
            return None
        ended = replace(
            record,
            status=status,
            updated_ms=self._clock(),
            status_message=message,
            result=result,
            error=error,
        )
        self._tasks[task_id] = ended
        return ended

    async def renew(
        self, leases: Mapping[str, tuple[TaskOwner, str | None]], lease_ms: int
    ) -> set[str]:
        stopped: set[str] = set()
        now = self._clock()
        for task_id, (owner, message) in leases.items():
            record = await self.load(task_id, owner)
            if record is None or record.status != WORKING:
                stopped.add(task_id)
                continue
            changes: dict[str, Any] = {"lease_ms": lease_ms}
            if message is not None and message != record.status_message:
                changes.update(status_message=message, updated_ms=now)
            self._tasks[task_id] = replace(record, **changes)
        return stopped

    async def sweep(self) -> int:
        now = self._clock()
        expired = [i for i, r in self._tasks.items() if r.expires_ms <= now]
        for task_id in expired:
            del self._tasks[task_id]
        return len(expired)

    async def aclose(self) -> None:
        self._tasks.clear()
