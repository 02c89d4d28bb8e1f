"""Tasks in Redis, shared by every server that uses the same `GRADIO_MCP_REDIS_URL`.

Any server answers `tasks/get` and `tasks/cancel` for a task another one runs: a cancel
moves the task to `cancelled` here, and the running server sees that on its next heartbeat
and stops the job on the space. Each change of status is one Lua script, so it happens once
whichever server tries first.

Keys (under the configured prefix):

* `task:v1:{handle}` — a hash per task, `handle` a SHA-256 of its id: owner (a one-way name),
  status, times in ms (created, expires, updated, lease), and the sealed status message and
  outcome (see `_sealing`). It expires with the task.
* `tasks:v1:held` — every task held, scored by its expiry: the server-wide limit, and the
  count of expired tasks (whoever trims one counts it, once for the fleet).
* `tasks:v1:held:{owner}` — the same for one owner: the limit per caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gradio_mcp.errors import RedisUnavailableError, TaskLimitError
from gradio_mcp.net import RedisConnection
from gradio_mcp.serving.tasks._records import TaskOwner, TaskRecord
from gradio_mcp.serving.tasks._sealing import SealBroken, Sealer, task_handle
from gradio_mcp.serving.tasks._store import now_ms

# KEYS: task, held, held by owner. ARGV: now, max per owner, max in all, handle, expires,
# then the task's fields as name/value pairs.
_CREATE = """
local now = tonumber(ARGV[1])
local total = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
if total >= tonumber(ARGV[3]) then return {'server', total} end
local mine = redis.call('ZCOUNT', KEYS[3], '(' .. now, '+inf')
if mine >= tonumber(ARGV[2]) then return {'caller', mine} end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('PEXPIREAT', KEYS[3], ARGV[5])
return {'ok', 0}
"""

# KEYS: task. ARGV: owner, now, status, sealed message, sealed outcome.
_FINISH = """
local f = redis.call('HMGET', KEYS[1], 'owner', 'status', 'expires')
if f[1] ~= ARGV[1] or f[2] ~= 'working' or tonumber(f[3]) <= tonumber(ARGV[2]) then
  return {}
end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated', ARGV[2], 'message', ARGV[4],
  'outcome', ARGV[5])
return redis.call('HGETALL', KEYS[1])
"""

# KEYS: task. ARGV: owner, lease end, now, "1" if a message follows, the sealed message.
_RENEW = """
local f = redis.call('HMGET', KEYS[1], 'owner', 'status')
if f[1] ~= ARGV[1] or f[2] ~= 'working' then return 0 end
redis.call('HSET', KEYS[1], 'lease', ARGV[2])
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'message', ARGV[5], 'updated', ARGV[3]) end
return 1
"""

_TIMES = ("created", "expires", "updated", "lease")


class RedisTaskStore:
    """The task store in Redis; see the module docstring."""

    def __init__(self, connection: RedisConnection) -> None:
        self.connection = connection
        self._held = connection.key("tasks", "v1", "held")

    def _task_key(self, handle: str) -> str:
        return self.connection.key("task", "v1", handle)

    async def create(
        self, record: TaskRecord, owner: TaskOwner, max_per_owner: int, max_total: int
    ) -> None:
        handle = task_handle(record.task_id)
        fields: dict[str, str | bytes] = {
            "owner": record.owner,
            "status": record.status,
            "created": str(record.created_ms),
            "expires": str(record.expires_ms),
            "updated": str(record.updated_ms),
            "lease": str(record.lease_ms),
            "message": b"",
            "outcome": b"",
        }
        if record.status_message:
            sealer = Sealer(record.task_id, owner.secret)
            fields["message"] = _seal_message(sealer, record.status_message)
        keys = [self._task_key(handle), self._held, f"{self._held}:{record.owner}"]
        args: list[Any] = [now_ms(), max_per_owner, max_total, handle, record.expires_ms]
        for name, value in fields.items():
            args += [name, value]
        answer = await self.connection.run(lambda c: c.eval(_CREATE, len(keys), *keys, *args))
        verdict, held = _text(answer[0]), int(answer[1])
        if verdict != "ok":
            raise TaskLimitError(verdict, held)

    async def load(self, task_id: str, owner: TaskOwner) -> TaskRecord | None:
        key = self._task_key(task_handle(task_id))
        fields = await self.connection.run(lambda c: c.hgetall(key))
        return self._record(task_id, owner, fields)

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
        sealer = Sealer(task_id, owner.secret)
        outcome = json.dumps({"result": result, "error": error}, separators=(",", ":"))
        key = self._task_key(task_handle(task_id))
        args: list[str | int | bytes] = [
            owner.key,
            now_ms(),
            status,
            _seal_message(sealer, message) if message else b"",
            sealer.seal("outcome", outcome.encode()),
        ]
        fields = await self.connection.run(lambda c: c.eval(_FINISH, 1, key, *args))
        if not fields:
            return None
        pairs = iter(fields)
        return self._record(task_id, owner, dict(zip(pairs, pairs, strict=True)))

    async def renew(
        self, leases: Mapping[str, tuple[TaskOwner, str | None]], lease_ms: int
    ) -> set[str]:
        now = now_ms()
        order = list(leases)

        async def renew_all(client: Any) -> list[Any]:
            async with client.pipeline(transaction=False) as pipe:
                for task_id in order:
                    owner, message = leases[task_id]
                    sealed = (
                        _seal_message(Sealer(task_id, owner.secret), message) if message else b""
                    )
                    key = self._task_key(task_handle(task_id))
                    flag = "1" if message else "0"
                    pipe.eval(_RENEW, 1, key, owner.key, lease_ms, now, flag, sealed)
                return list(await pipe.execute())

        answers = await self.connection.run(renew_all)
        return {task_id for task_id, kept in zip(order, answers, strict=True) if not kept}

    async def sweep(self) -> int:
        now = now_ms()
        return int(await self.connection.run(lambda c: c.zremrangebyscore(self._held, "-inf", now)))

    async def aclose(self) -> None:
        """Nothing to close: the connection belongs to the server."""

    def _record(self, task_id: str, owner: TaskOwner, raw: Mapping[Any, Any]) -> TaskRecord | None:
        fields = {_text(k): v for k, v in raw.items()}
        if not fields or _text(fields.get("owner", b"")) != owner.key:
            return None
        try:
            times = {name: int(fields[name]) for name in _TIMES}
            status = _text(fields["status"])
            sealer = Sealer(task_id, owner.secret)
            message = fields.get("message") or b""
            outcome_sealed = fields.get("outcome") or b""
            outcome = json.loads(sealer.open("outcome", outcome_sealed)) if outcome_sealed else {}
            record = TaskRecord(
                task_id=task_id,
                owner=owner.key,
                created_ms=times["created"],
                expires_ms=times["expires"],
                updated_ms=times["updated"],
                lease_ms=times["lease"],
                status=status,
                status_message=sealer.open("message", bytes(message)).decode() if message else None,
                result=outcome.get("result"),
                error=outcome.get("error"),
            )
        except (KeyError, ValueError, TypeError, AttributeError, SealBroken) as exc:
            self.connection.distrust(f"task record: {type(exc).__name__}")
            raise RedisUnavailableError("a task record in Redis cannot be read") from None
        return None if record.expires_ms <= now_ms() else record


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _seal_message(sealer: Sealer, message: str) -> bytes:
    return sealer.seal("message", message.encode())
