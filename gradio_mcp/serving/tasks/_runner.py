"""Calls that may become tasks: the decision per call, the jobs behind tasks, their leases.

A call of a client that opted in starts as a job in the runner's task group, which belongs
to the server's lifespan rather than to the request. The request waits for the job up to
the threshold: a job done by then is answered as a plain result; otherwise the task is put
in the store and its handle is the answer, while the job runs on, keeping its Gradio stream.

While the runner holds a job it renews the task's lease and writes its latest status message
(both on one heartbeat). A task cancelled anywhere (in Redis, by another server) shows up as
no longer working on the next heartbeat, and the job is stopped, which cancels it on the
space. A server that dies stops renewing; readers then report its tasks failed.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import anyio
from anyio.abc import TaskGroup
from mcp import types

from gradio_mcp._log import get_logger
from gradio_mcp.catalog import error_result
from gradio_mcp.config import Settings
from gradio_mcp.errors import RedisUnavailableError, TaskInterrupted, TaskLimitError
from gradio_mcp.gradio import ProgressSink, ProgressUpdate
from gradio_mcp.ops import Metrics
from gradio_mcp.serving.tasks._records import (
    CANCELLED,
    CANCELLED_MESSAGE,
    COMPLETED,
    FAILED,
    LOST_MESSAGE,
    STOPPED_MESSAGE,
    WORKING,
    TaskOwner,
    TaskRecord,
    new_task_id,
    tool_failure,
)
from gradio_mcp.serving.tasks._result_size import fit_result
from gradio_mcp.serving.tasks._store import TaskStore, now_ms

# After the grace period, how long interrupted tasks may take to cancel their jobs on the
# space and write their end (the task store's own final-write limit).
END_AFTER_GRACE = 12.0


class _Shutdown(Protocol):
    """The server's graceful shutdown, as far as tasks need it."""

    grace: float

    def begin(self) -> None: ...


log = get_logger("gradio_mcp.tasks")

Work = Callable[[ProgressSink | None], Awaitable[types.CallToolResult]]

# The last write of a job (its result, or its failure at shutdown) may take this long,
# retried while Redis is briefly away; after that, its lease tells readers it failed.
FINAL_WRITE_TIMEOUT = 10.0
FINAL_WRITE_RETRY = 0.5
# How often a shutdown looks whether the jobs have all ended.
DRAIN_POLL = 0.05
# Leases are renewed (and cancellations noticed) at least this often.
MAX_HEARTBEAT = 1.0


def status_text(update: ProgressUpdate) -> str:
    """A progress update as a task's status message, e.g. "30% (3 of 10) · counting"."""
    total = update.total
    if total is None or total <= 0:
        return update.message or "Working"
    percent = math.floor(min(update.progress / total, 1.0) * 100)
    figures = f"{percent}%" if total == 1 else f"{percent}% ({update.progress:.0f} of {total:.0f})"
    return f"{figures} · {update.message}" if update.message else figures


def limit_message(error: TaskLimitError, settings: Settings) -> str:
    minutes = round(settings.effective_task_ttl_ms / 60000)
    if error.scope == "caller":
        held = (
            f"you already hold {error.held} tasks, the most one caller may hold"
            " (GRADIO_MCP_TASK_MAX_PER_CALLER)"
        )
    else:
        held = f"the server already holds {error.held} tasks, its limit (GRADIO_MCP_TASK_MAX_TOTAL)"
    return (
        f"Not started: {held}. A task is released when its result expires, {minutes} min"
        " after it started. Try again later."
    )


@dataclass(eq=False)
class _Job:
    """One call running in the background, and what the request and the store know of it."""

    task_id: str
    owner: TaskOwner
    forward: ProgressSink | None  # the waiting request's progress, until it has its answer
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    done: anyio.Event = field(default_factory=anyio.Event)
    decided: anyio.Event = field(default_factory=anyio.Event)  # answered, as task or not
    registered: bool = False  # the store holds a task for it
    result: types.CallToolResult | None = None
    crashed: bool = False
    interrupted: str | None = None  # why the server's shutdown ended it
    message: str | None = None
    message_written: str | None = None
    stop_reason: str | None = None

    async def progress(self, update: ProgressUpdate) -> None:
        self.message = status_text(update)
        forward = self.forward
        if forward is not None:
            # The request may end (answered with a task) while a notification is on its way.
            with contextlib.suppress(Exception):
                await forward(update)

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self.scope.cancel()

    def unwritten_message(self) -> str | None:
        if self.message == self.message_written:
            return None
        self.message_written = self.message
        return self.message


class TaskRunner:
    """Runs calls that may become tasks, for one server; `running()` belongs to its lifespan."""

    def __init__(
        self,
        store: TaskStore,
        settings: Settings,
        metrics: Metrics,
        *,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self._clock = clock
        self._jobs: dict[str, _Job] = {}
        self._group: TaskGroup | None = None
        self._heartbeat = min(MAX_HEARTBEAT, settings.task_lease_ms / 3000)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The task group jobs run in, and the heartbeat; leaving it stops every job."""
        try:
            async with anyio.create_task_group() as group:
                self._group = group
                group.start_soon(self._keep_leases)
                try:
                    yield
                finally:
                    self._group = None
                    group.cancel_scope.cancel()
        finally:
            await self.store.aclose()

    # ------------------------------------------------------------------ the call path

    async def submit(
        self, owner: TaskOwner, work: Work, forward: ProgressSink | None = None
    ) -> types.CallToolResult | dict[str, Any]:
        """Run `work`; its result if done within the threshold, else a task handle."""
        group = self._group
        if group is None:
            return await work(forward)
        job = _Job(new_task_id(), owner, forward)
        group.start_soon(self._run, job, work)
        try:
            with anyio.move_on_after(self.settings.task_threshold_ms / 1000):
                await job.done.wait()
            if not job.done.is_set():
                answer = await self._register(job)
                if answer is not None:
                    return answer
                await job.done.wait()  # no task after all: answered like any other call
            if job.result is None:
                return error_result(job.interrupted or "gradio-mcp failed to run this call")
            return job.result
        except BaseException:
            if not job.registered:
                job.stop("request ended")  # as for any call whose client went away
            raise
        finally:
            job.decided.set()

    async def _register(self, job: _Job) -> types.CallToolResult | dict[str, Any] | None:
        """Put the job's task in the store: its handle, a refusal, or None (no store)."""
        now = self._clock()
        record = TaskRecord(
            task_id=job.task_id,
            owner=job.owner.key,
            created_ms=now,
            expires_ms=now + self.settings.effective_task_ttl_ms,
            updated_ms=now,
            lease_ms=now + self.settings.task_lease_ms,
            status_message=job.message,
        )
        try:
            await self.store.create(
                record, job.owner, self.settings.task_max_per_caller, self.settings.task_max_total
            )
        except TaskLimitError as exc:
            job.stop("refused")
            log.warning("task_refused", scope=exc.scope, held=exc.held)
            return error_result(limit_message(exc, self.settings))
        except RedisUnavailableError:  # Redis is down (its connection says so, once)
            return None  # the call goes on as a plain call
        except Exception as exc:
            log.warning("task_store_failed", action="create", error=type(exc).__name__)
            return None
        job.message_written = job.message
        job.registered = True
        job.forward = None
        self.metrics.tasks_created += 1
        return {"resultType": "task", **record.wire()}

    async def _run(self, job: _Job, work: Work) -> None:
        self._jobs[job.task_id] = job
        try:
            with job.scope:
                try:
                    job.result = await work(job.progress)
                except TaskInterrupted as exc:
                    job.interrupted = str(exc)
                except Exception:
                    log.exception("task_crashed")
                    job.crashed = True
        finally:
            job.done.set()
            # Runs also when the server shuts down: a task must not stay "working" then.
            with anyio.CancelScope(shield=True), anyio.move_on_after(FINAL_WRITE_TIMEOUT):
                await job.decided.wait()
                if job.registered:
                    await self._write_end(job)
            self._jobs.pop(job.task_id, None)

    async def _write_end(self, job: _Job) -> None:
        kwargs: dict[str, Any]
        if job.result is not None:
            wire = job.result.model_dump(by_alias=True, mode="json", exclude_none=True)
            status = COMPLETED
            kwargs = {"result": fit_result(wire, self.settings.task_result_max_bytes)}
        elif job.crashed or job.interrupted:
            status, message = FAILED, job.interrupted or "gradio-mcp failed to run this task"
            kwargs = {"message": message, "error": tool_failure(message)}
        elif job.stop_reason == "cancelled":
            status, kwargs = CANCELLED, {"message": CANCELLED_MESSAGE}
        else:
            message = LOST_MESSAGE if job.stop_reason == "lease lost" else STOPPED_MESSAGE
            status, kwargs = FAILED, {"message": message, "error": tool_failure(message)}
        while True:  # bounded by FINAL_WRITE_TIMEOUT, in _run
            try:
                ended = await self.store.finish(job.task_id, job.owner, status, **kwargs)
                break
            except RedisUnavailableError:  # a short outage must not lose a finished result
                await anyio.sleep(FINAL_WRITE_RETRY)
            except Exception as exc:  # readers report it failed once its lease ends
                log.warning("task_store_failed", action="finish", error=type(exc).__name__)
                return
        if ended is not None:
            self._count_end(ended)

    async def drain_at_shutdown(self, shutdown: _Shutdown) -> None:
        """At shutdown: the jobs get the grace period plain calls get; those still running
        then end as failed (their jobs cancelled on the space while the connections are
        still open) and their end is written, within END_AFTER_GRACE: before the connections
        they use (the space's, Redis) are closed."""
        if not self._jobs:
            return
        shutdown.begin()
        with anyio.move_on_after(shutdown.grace + END_AFTER_GRACE):
            while self._jobs:
                await anyio.sleep(DRAIN_POLL)

    @property
    def jobs_running(self) -> int:
        return len(self._jobs)

    # ------------------------------------------------------------------ tasks/get, tasks/cancel

    async def get(self, task_id: str, owner: TaskOwner) -> TaskRecord | None:
        """The task as its owner may see it; one whose server is gone reads as failed."""
        record = await self.store.load(task_id, owner)
        if record is not None and record.lost(self._clock()):
            ended = await self.store.finish(
                task_id, owner, FAILED, message=LOST_MESSAGE, error=tool_failure(LOST_MESSAGE)
            )
            if ended is not None:
                self._count_end(ended)
            record = ended or await self.store.load(task_id, owner)
        job = self._jobs.get(task_id)
        if record is not None and record.status == WORKING and job is not None and job.message:
            # Running here: its latest progress, not the one the last heartbeat wrote.
            record = replace(record, status_message=job.message)
        return record

    async def cancel(self, task_id: str, owner: TaskOwner) -> bool:
        """Cancel a working task (a finished one stays as it is); False if there is none."""
        record = await self.get(task_id, owner)
        if record is None:
            return False
        if record.status == WORKING:
            ended = await self.store.finish(task_id, owner, CANCELLED, message=CANCELLED_MESSAGE)
            if ended is not None:
                self._count_end(ended)
        job = self._jobs.get(task_id)
        if job is not None:
            job.stop("cancelled")  # here at once; another server's job on its next heartbeat
        return True

    def _count_end(self, record: TaskRecord) -> None:
        self.metrics.record_task_end(record.status, record.updated_ms - record.created_ms)

    # ------------------------------------------------------------------ the heartbeat

    async def _keep_leases(self) -> None:
        renewed = self._clock()
        while True:
            await anyio.sleep(self._heartbeat)
            # Jobs stay here until their end is written: a lease must not lapse while a
            # finished result waits for the store.
            jobs = {i: j for i, j in self._jobs.items() if j.registered}
            self.metrics.tasks_running = len(jobs)
            try:
                if jobs:
                    leases = {i: (j.owner, j.unwritten_message()) for i, j in jobs.items()}
                    lease_end = self._clock() + self.settings.task_lease_ms
                    for task_id in await self.store.renew(leases, lease_end):
                        jobs[task_id].stop("cancelled")
                renewed = self._clock()
                expired = await self.store.sweep()
                if expired:
                    self.metrics.tasks_expired += expired
            except Exception as exc:
                # Once per heartbeat while the store is down: Redis's own warning is enough.
                log.debug("task_store_failed", action="renew", error=type(exc).__name__)
                for job in jobs.values():
                    job.message_written = None  # write it again once the store is back
                if self._clock() - renewed > self.settings.task_lease_ms:
                    # Readers already report these tasks failed: stop the work on the space.
                    for job in jobs.values():
                        job.stop("lease lost")
