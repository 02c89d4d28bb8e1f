"""Both task stores behave alike (in memory, and in a real redis-server): one owner's tasks
are invisible to others, a status changes once, limits hold, leases renew, and expired tasks
are forgotten and counted. Redis holds no task id, token or output in clear."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gradio_mcp.errors import RedisUnavailableError, TaskLimitError
from gradio_mcp.net import RedisConnection
from gradio_mcp.serving.tasks import MemoryTaskStore, TaskOwner, TaskRecord, TaskStore
from gradio_mcp.serving.tasks._records import CANCELLED, COMPLETED, new_task_id
from gradio_mcp.serving.tasks._redis_store import RedisTaskStore
from gradio_mcp.serving.tasks._sealing import task_handle
from gradio_mcp.serving.tasks._store import now_ms
from tests.redis_server import RedisServer

pytestmark = pytest.mark.anyio

ALICE = TaskOwner.of("hf_alice_secret_token")
BOB = TaskOwner.of("hf_bob_secret_token")
SECRET_OUTPUT = "the private space answered: 42 dragons"


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[TaskStore]:
    if request.param == "memory":
        yield MemoryTaskStore()
        return
    url = request.getfixturevalue("redis_url")
    connection = RedisConnection(url, timeout=2.0, prefix="tasks-test")
    yield RedisTaskStore(connection)
    await connection.aclose()


def record(owner: TaskOwner, *, ttl_ms: int = 60_000, message: str | None = None) -> TaskRecord:
    now = now_ms()
    return TaskRecord(
        task_id=new_task_id(),
        owner=owner.key,
        created_ms=now,
        expires_ms=now + ttl_ms,
        updated_ms=now,
        lease_ms=now + 30_000,
        status_message=message,
    )


async def test_an_owner_reads_its_task_and_nobody_else_does(store: TaskStore) -> None:
    task = record(ALICE, message="In queue: position 2 of 3")
    await store.create(task, ALICE, 10, 10)
    assert await store.load(task.task_id, ALICE) == task
    assert await store.load(task.task_id, BOB) is None
    assert await store.load(task.task_id, TaskOwner.of(None)) is None
    assert await store.load(new_task_id(), ALICE) is None


async def test_a_status_changes_once_and_keeps_its_result(store: TaskStore) -> None:
    task = record(ALICE)
    await store.create(task, ALICE, 10, 10)
    result = {"content": [{"type": "text", "text": SECRET_OUTPUT}], "isError": False}
    assert await store.finish(task.task_id, BOB, COMPLETED, result=result) is None
    ended = await store.finish(task.task_id, ALICE, COMPLETED, result=result)
    assert ended is not None and ended.status == COMPLETED and ended.result == result
    assert await store.finish(task.task_id, ALICE, CANCELLED, message="late") is None
    assert await store.load(task.task_id, ALICE) == ended


async def test_limits_per_owner_and_in_all(store: TaskStore) -> None:
    await store.create(record(ALICE), ALICE, 2, 3)
    await store.create(record(ALICE), ALICE, 2, 3)
    with pytest.raises(TaskLimitError) as caller:
        await store.create(record(ALICE), ALICE, 2, 3)
    assert (caller.value.scope, caller.value.held) == ("caller", 2)
    await store.create(record(BOB), BOB, 2, 3)
    with pytest.raises(TaskLimitError) as server:
        await store.create(record(BOB), BOB, 2, 3)
    assert (server.value.scope, server.value.held) == ("server", 3)


async def test_renewing_writes_messages_and_names_tasks_that_stopped(store: TaskStore) -> None:
    running, cancelled = record(ALICE), record(ALICE)
    for task in (running, cancelled):
        await store.create(task, ALICE, 10, 10)
    await store.finish(cancelled.task_id, ALICE, CANCELLED, message="Cancelled by the client")
    lease = now_ms() + 99_000
    leases = {
        running.task_id: (ALICE, "50% (1 of 2) · step"),
        cancelled.task_id: (ALICE, None),
        new_task_id(): (ALICE, None),
    }
    stopped = await store.renew(leases, lease)
    assert stopped == set(leases) - {running.task_id}
    renewed = await store.load(running.task_id, ALICE)
    assert renewed is not None and renewed.lease_ms == lease
    assert renewed.status_message == "50% (1 of 2) · step"


async def test_expired_tasks_are_gone_and_counted_once(store: TaskStore) -> None:
    short = record(ALICE, ttl_ms=-1)  # expired as soon as made
    kept = record(ALICE)
    await store.create(short, ALICE, 10, 10)
    await store.create(kept, ALICE, 10, 10)
    assert await store.load(short.task_id, ALICE) is None
    assert await store.sweep() == 1
    assert await store.sweep() == 0
    assert await store.load(kept.task_id, ALICE) is not None
    # An expired task no longer counts against its owner's limit.
    await store.create(record(ALICE), ALICE, 2, 10)


async def test_redis_holds_no_task_id_token_or_output_in_clear(
    redis_url: str, redis_server: RedisServer
) -> None:
    connection = RedisConnection(redis_url, timeout=2.0, prefix="tasks-test")
    store = RedisTaskStore(connection)
    task = record(ALICE, message="Generating: 42 drag")
    await store.create(task, ALICE, 10, 10)
    result = {"content": [{"type": "text", "text": SECRET_OUTPUT}], "isError": False}
    await store.finish(task.task_id, ALICE, COMPLETED, result=result)
    dumped = repr(redis_server.dump()).encode()
    for secret in (task.task_id, ALICE.secret, SECRET_OUTPUT, "42 drag"):
        assert secret.encode() not in dumped
    assert task_handle(task.task_id).encode() in dumped  # kept under a hash of its id
    loaded = await store.load(task.task_id, ALICE)
    assert loaded is not None and loaded.result == result

    # A record that does not open (tampered with) is refused, not served.
    key = connection.key("task", "v1", task_handle(task.task_id))
    with redis_server.client() as client:
        sealed = client.hget(key, "outcome")
        assert sealed is not None
        client.hset(key, "outcome", sealed[:-1] + bytes([sealed[-1] ^ 1]))
    with pytest.raises(RedisUnavailableError):
        await store.load(task.task_id, ALICE)
    await connection.aclose()


def test_sealed_values_differ_each_time_for_the_same_content() -> None:
    from gradio_mcp.serving.tasks._sealing import Sealer

    sealer = Sealer("task-id", "token")
    first, second = sealer.seal("message", b"same"), sealer.seal("message", b"same")
    assert first != second and sealer.open("message", first) == b"same"
    other = Sealer("task-id", "another token")
    with pytest.raises(ValueError):
        other.open("message", first)
