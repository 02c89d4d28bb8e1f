"""The task runner in process: which calls become tasks, what their records say, cancelling,
limits, lost servers, shutdown and store outages. The work is a coroutine the test paces
with events, so every assertion is about order, not about time."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import pytest
from mcp import types

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.errors import RedisUnavailableError
from gradio_mcp.gradio import ProgressSink, ProgressUpdate
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.serving._shutdown import CallInterrupted, GracefulShutdown
from gradio_mcp.serving.tasks import (
    MemoryTaskStore,
    TaskInterrupted,
    TaskOwner,
    TaskRecord,
    TaskRunner,
)
from gradio_mcp.serving.tasks._records import CANCELLED, COMPLETED, FAILED, WORKING
from gradio_mcp.serving.tasks._runner import status_text
from gradio_mcp.serving.tasks._store import now_ms

pytestmark = pytest.mark.anyio

ALICE = TaskOwner.of("hf_alice")
BOB = TaskOwner.of("hf_bob")
WAIT = 10.0  # seconds any single step of a test may take before it is a failure


def text_result(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)])


class Gate:
    """Work that reports progress, then waits for the test to let it finish."""

    def __init__(self, text: str = "done") -> None:
        self.text = text
        self.started = anyio.Event()
        self.release = anyio.Event()
        self.cancelled = False

    async def __call__(self, on_progress: ProgressSink) -> types.CallToolResult:
        try:
            await on_progress(ProgressUpdate(1, 4, "drawing"))
            self.started.set()
            await self.release.wait()
            return text_result(self.text)
        except anyio.get_cancelled_exc_class():
            self.cancelled = True
            raise


class RecordingStore(MemoryTaskStore):
    """The memory store, remembering every finish it was asked for (and able to fail)."""

    def __init__(self, clock: Callable[[], int] = now_ms) -> None:
        super().__init__(clock)
        self.finished: list[tuple[str, str]] = []
        self.down = False
        self.failing_finishes = 0

    async def create(
        self, record: TaskRecord, owner: TaskOwner, max_per_owner: int, max_total: int
    ) -> None:
        if self.down:
            raise ConnectionError("store down")
        await super().create(record, owner, max_per_owner, max_total)

    async def finish(self, task_id: str, owner: TaskOwner, status: str, **kw: Any) -> Any:
        self.finished.append((task_id, status))
        if self.failing_finishes:
            self.failing_finishes -= 1
            raise RedisUnavailableError("store down for a moment")
        return await super().finish(task_id, owner, status, **kw)

    async def aclose(self) -> None:
        pass  # keep the records for the test to read


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"task_threshold_ms": 200, "task_lease_ms": 300}
    values.update(overrides)
    return Settings.from_env({}, **values)


@contextlib.asynccontextmanager
async def running(
    store: MemoryTaskStore | None = None, **overrides: Any
) -> AsyncIterator[TaskRunner]:
    config = settings(**overrides)
    async with Discovery(config) as discovery:
        runner = TaskRunner(
            store if store is not None else RecordingStore(), config, Metrics(discovery)
        )
        with anyio.fail_after(WAIT * 3):
            async with runner.running():
                yield runner


async def wait_for_status(runner: TaskRunner, task_id: str, owner: TaskOwner, status: str) -> Any:
    with anyio.fail_after(WAIT):
        while True:
            record = await runner.get(task_id, owner)
            assert record is not None
            if record.status == status:
                return record
            await anyio.sleep(0.02)


async def test_a_call_done_within_the_threshold_is_answered_with_its_result() -> None:
    store = RecordingStore()
    async with running(store) as runner:
        answer = await runner.submit(ALICE, lambda _progress: _done("quick"))
    assert isinstance(answer, types.CallToolResult) and answer.content[0].text == "quick"
    assert len(store) == 0  # no task was ever made
    assert runner.metrics.tasks_created == 0


async def _done(text: str) -> types.CallToolResult:
    return text_result(text)


async def test_a_slow_call_becomes_a_task_that_ends_with_the_same_result() -> None:
    async with running() as runner:
        work = Gate("finished drawing")
        handle = await runner.submit(ALICE, work)
        assert isinstance(handle, dict)
        assert handle["resultType"] == "task" and handle["status"] == WORKING
        assert handle["statusMessage"] == "25% (1 of 4) · drawing"
        assert isinstance(handle["ttlMs"], int) and isinstance(handle["pollIntervalMs"], int)
        assert not work.cancelled  # the job runs on after the request has its answer

        work.release.set()
        record = await wait_for_status(runner, handle["taskId"], ALICE, COMPLETED)
        wire = record.wire()
        assert wire["result"] == text_result("finished drawing").model_dump(
            by_alias=True, mode="json", exclude_none=True
        )
        assert "pollIntervalMs" not in wire
        figures = runner.metrics.snapshot()["tasks"]
        assert figures["created"] == 1 and figures["completed"] == 1


async def test_status_messages_follow_progress_while_the_task_runs() -> None:
    async with running() as runner:
        steps = anyio.Event()
        release = anyio.Event()

        async def work(on_progress: ProgressSink) -> types.CallToolResult:
            await on_progress(ProgressUpdate(0, 3, "step"))
            await steps.wait()
            await on_progress(ProgressUpdate(2, 3, "step"))
            await release.wait()
            return text_result("ok")

        handle = await runner.submit(ALICE, work)
        assert isinstance(handle, dict) and handle["statusMessage"] == "0% (0 of 3) · step"
        steps.set()
        with anyio.fail_after(WAIT):
            while True:  # the server running it answers with its latest progress...
                record = await runner.get(handle["taskId"], ALICE)
                assert record is not None
                if record.status_message == "66% (2 of 3) · step":
                    break
                await anyio.sleep(0.02)
            while True:  # ...and writes it to the store on its next heartbeat
                stored = await runner.store.load(handle["taskId"], ALICE)
                assert stored is not None
                if stored.status_message == "66% (2 of 3) · step":
                    break
                await anyio.sleep(0.02)
        release.set()
        await wait_for_status(runner, handle["taskId"], ALICE, COMPLETED)


async def test_cancel_stops_the_job_and_a_finished_task_stays_finished() -> None:
    store = RecordingStore()
    async with running(store) as runner:
        work = Gate()
        handle = await runner.submit(ALICE, work)
        assert isinstance(handle, dict)
        assert await runner.cancel(handle["taskId"], ALICE)
        record = await runner.get(handle["taskId"], ALICE)
        assert record is not None and record.status == CANCELLED
        with anyio.fail_after(WAIT):
            while not work.cancelled:
                await anyio.sleep(0.01)

        done = Gate()
        finished = await runner.submit(ALICE, done)
        assert isinstance(finished, dict)
        done.release.set()
        await wait_for_status(runner, finished["taskId"], ALICE, COMPLETED)
        assert await runner.cancel(finished["taskId"], ALICE)  # acknowledged...
        record = await runner.get(finished["taskId"], ALICE)
        assert record is not None and record.status == COMPLETED  # ...and nothing changes
    figures = runner.metrics.snapshot()["tasks"]
    assert figures["cancelled"] == 1 and figures["completed"] == 1


async def test_another_owner_can_neither_see_nor_cancel_a_task() -> None:
    async with running() as runner:
        work = Gate()
        handle = await runner.submit(ALICE, work)
        assert isinstance(handle, dict)
        task_id = handle["taskId"]
        anonymous = TaskOwner.of(None)
        for stranger in (BOB, anonymous):
            assert await runner.get(task_id, stranger) is None
            assert not await runner.cancel(task_id, stranger)
        assert await runner.get("no-such-task", ALICE) is None
        record = await runner.get(task_id, ALICE)
        assert record is not None and record.status == WORKING
        assert not work.cancelled
        work.release.set()
        await wait_for_status(runner, task_id, ALICE, COMPLETED)


async def test_a_caller_over_the_limit_gets_a_clear_error_and_the_job_stops() -> None:
    async with running(task_max_per_caller=1) as runner:
        first, second, other = Gate(), Gate(), Gate()
        assert isinstance(await runner.submit(ALICE, first), dict)
        refused = await runner.submit(ALICE, second)
        assert isinstance(refused, types.CallToolResult) and refused.is_error
        assert "GRADIO_MCP_TASK_MAX_PER_CALLER" in refused.content[0].text
        with anyio.fail_after(WAIT):
            while not second.cancelled:
                await anyio.sleep(0.01)
        assert isinstance(await runner.submit(BOB, other), dict)  # a limit per caller
        for work in (first, other):
            work.release.set()


async def test_the_server_wide_limit_counts_every_caller() -> None:
    async with running(task_max_total=1) as runner:
        first, second = Gate(), Gate()
        assert isinstance(await runner.submit(ALICE, first), dict)
        refused = await runner.submit(BOB, second)
        assert isinstance(refused, types.CallToolResult) and refused.is_error
        assert "GRADIO_MCP_TASK_MAX_TOTAL" in refused.content[0].text
        first.release.set()


async def test_a_task_whose_server_stopped_renewing_it_reads_failed() -> None:
    store = RecordingStore()
    async with running(store) as runner:
        now = now_ms()
        orphan = TaskRecord("orphan", ALICE.key, now - 5000, now + 60000, now - 5000, now - 1)
        await store.create(orphan, ALICE, 10, 10)
        record = await runner.get("orphan", ALICE)
        assert record is not None and record.status == FAILED
        wire = record.wire()
        assert wire["error"]["code"] == -32603 and "stopped" in wire["error"]["message"]
        assert runner.metrics.snapshot()["tasks"]["failed"] == 1


async def test_shutdown_leaves_no_task_working() -> None:
    store = RecordingStore()
    async with running(store) as runner:
        work = Gate()
        handle = await runner.submit(ALICE, work)
        assert isinstance(handle, dict)
        with anyio.fail_after(WAIT):
            await work.started.wait()
    record = await store.load(handle["taskId"], ALICE)
    assert record is not None and record.status == FAILED
    assert record.error is not None and "server stopped" in record.error["message"]
    assert work.cancelled


async def test_at_shutdown_tasks_get_the_grace_and_those_cut_short_fail_naming_it() -> None:
    """As the server runs a task's work: guarded by the graceful shutdown, a task ended by
    it raises TaskInterrupted. `drain_at_shutdown` returns once both ends are written to the
    store."""
    store = RecordingStore()
    shutdown = GracefulShutdown(grace=0.5)

    def guarded(gate: Gate) -> Callable[[ProgressSink], Any]:
        async def work(on_progress: ProgressSink) -> types.CallToolResult:
            try:
                return await shutdown.guard(gate(on_progress))
            except CallInterrupted:
                raise TaskInterrupted("gradio-mcp shut down before draw finished") from None

        return work

    async with running(store) as runner:
        short, long = Gate("short done"), Gate()
        handles = [await runner.submit(ALICE, guarded(g)) for g in (short, long)]
        assert all(isinstance(h, dict) for h in handles)
        with anyio.fail_after(WAIT):
            await short.started.wait()
            await long.started.wait()
        shutdown.begin()
        short.release.set()  # within the grace period
        await runner.drain_at_shutdown(shutdown)
        assert runner.jobs_running == 0
        done, failed = [await store.load(h["taskId"], ALICE) for h in handles]  # type: ignore[index]
    assert done is not None and done.status == COMPLETED
    assert failed is not None and failed.status == FAILED
    assert failed.status_message == "gradio-mcp shut down before draw finished"
    assert failed.error == {"code": -32603, "message": failed.status_message}
    assert long.cancelled and not short.cancelled


async def test_without_a_store_a_slow_call_is_answered_as_a_plain_call() -> None:
    store = RecordingStore()
    store.down = True
    async with running(store) as runner:
        work = Gate("late but here")

        async def release_later() -> None:
            await work.started.wait()
            await anyio.sleep(0.3)  # past the threshold, so a task would have been made
            work.release.set()

        async with anyio.create_task_group() as group:
            group.start_soon(release_later)
            answer = await runner.submit(ALICE, work)
    assert isinstance(answer, types.CallToolResult) and answer.content[0].text == "late but here"
    assert len(store) == 0


async def test_a_result_outlives_a_short_store_outage() -> None:
    store = RecordingStore()
    async with running(store) as runner:
        work = Gate("kept")
        handle = await runner.submit(ALICE, work)
        assert isinstance(handle, dict)
        store.failing_finishes = 2
        work.release.set()
        record = await wait_for_status(runner, handle["taskId"], ALICE, COMPLETED)
    assert record.result["content"][0]["text"] == "kept"
    assert [status for _, status in store.finished] == [COMPLETED] * 3


async def test_a_request_that_goes_away_before_its_answer_cancels_its_job() -> None:
    async with running() as runner:
        work = Gate()
        with anyio.move_on_after(0.05):  # the client leaves before the threshold
            await runner.submit(ALICE, work)
        with anyio.fail_after(WAIT):
            while not work.cancelled:
                await anyio.sleep(0.01)


async def test_expired_tasks_are_forgotten_and_counted() -> None:
    clock = [now_ms()]
    store = RecordingStore(lambda: clock[0])
    async with running(store) as runner:
        record = TaskRecord("old", ALICE.key, clock[0], clock[0] + 1000, clock[0], clock[0])
        await store.create(record, ALICE, 10, 10)
        clock[0] += 1001
        assert await runner.get("old", ALICE) is None
        with anyio.fail_after(WAIT):
            while runner.metrics.tasks_expired == 0:
                await anyio.sleep(0.02)
        assert runner.metrics.snapshot()["tasks"]["expired"] == 1
        assert len(store) == 0


def test_status_text_reads_like_progress() -> None:
    assert status_text(ProgressUpdate(3, 10, "counting")) == "30% (3 of 10) · counting"
    assert status_text(ProgressUpdate(0.5, 1.0, None)) == "50%"
    assert status_text(ProgressUpdate(2, None, "In queue: position 2 of 3")) == (
        "In queue: position 2 of 3"
    )
    assert status_text(ProgressUpdate(1, None, None)) == "Working"
