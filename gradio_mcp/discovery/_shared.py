"""The shared cache level in Redis: what one process fetched, every process and replica reads.

Layout, under the connection's prefix and a format version (a fleet rolling to a release that
writes another format reads none of the old entries, and the old release none of the new):

    {prefix}:cache:v2:{namespace}:{key}          the value: JSON, with its key, ETag, fetch time
    {prefix}:cache:v2:{namespace}-failed:{key}   a failed fetch, kept for the negative TTL
    {prefix}:cache:v2:{namespace}-lock:{key}     who is fetching it for the fleet right now

Privacy: the cache writes through only what it may store (public spaces), and asks this level
only for keys that do not name a known private space. A metadata lookup must still name an id
whose privacy is not known yet; nothing is ever *written* under such an id. Its fetch lock
(the one write that comes before the answer) is therefore named by an HMAC of the id with
`GRADIO_MCP_REDIS_SECRET`, a secret Redis never sees; without that secret, a space the fleet
has not seen yet is fetched by each process that needs it, and only later fetches are shared.

Every value read is checked (format version, sizes, field types, and that it is stored under
its own key: each document carries the key it was written for, the space id, revision and
host of a schema, and a metadata value must name that space); one that does not fit makes
Redis count as down, so nothing more is trusted from it until a probe succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import math
import secrets
import time
from collections.abc import AsyncIterator, Callable, Hashable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from gradio_mcp._log import get_logger
from gradio_mcp.config import Settings
from gradio_mcp.discovery._cache import SharedEntry
from gradio_mcp.discovery._codec import (
    METADATA,
    SCHEMAS,
    Codec,
    GarbageError,
    decode_failure,
    encode_failure,
)
from gradio_mcp.errors import RedisUnavailableError
from gradio_mcp.models import SpaceMetadata, SpaceSchema
from gradio_mcp.net import RedisConnection, RedisState

if TYPE_CHECKING:
    from redis.asyncio import Redis

V = TypeVar("V")

log = get_logger("gradio_mcp.cache")

# Bump when the stored JSON changes shape; it is part of every key.
CACHE_FORMAT = 2
# Expired entries stay this long past their TTL: still good for an ETag revalidation and for
# stale-while-revalidate after a restart. Redis expires them by itself after that.
STALE_RETENTION = 3600.0
# A value larger than this is neither written nor believed.
MAX_VALUE_BYTES = 4 * 1024 * 1024
# A fetch time further in the future than this is not clock skew but garbage.
MAX_CLOCK_SKEW = 60.0
# Waiting for another process's fetch: first look after FIRST_POLL, then less often.
FIRST_POLL = 0.01
MAX_POLL = 0.1
# Releases a lock only if it is still ours (it may have expired and been taken since).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisLevel(Generic[V]):
    """One cache's shared level (see the module docstring). Implements `SharedLevel`."""

    def __init__(
        self,
        connection: RedisConnection,
        codec: Codec[V],
        *,
        ttl: float,
        negative_ttl: float,
        lock_ttl: float,
        keys_are_public: bool,
        share_failures: bool,
        lock_secret: str = "",
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.connection = connection
        self.codec = codec
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.lock_ttl = lock_ttl
        # Schemas are only ever looked up for public spaces; metadata for any requested id.
        self.keys_are_public = keys_are_public
        self.share_failures = share_failures and negative_ttl > 0
        self._lock_secret = lock_secret.encode()
        self._wall = wall_clock

    # ------------------------------------------------------------------ keys

    def _key(self, kind: str, key: Hashable) -> str:
        return self.connection.key("cache", f"v{CACHE_FORMAT}", kind, self.codec.key_text(key))

    def value_key(self, key: Hashable) -> str:
        return self._key(self.codec.namespace, key)

    def failure_key(self, key: Hashable) -> str:
        return self._key(f"{self.codec.namespace}-failed", key)

    def lock_key(self, key: Hashable, *, known: bool) -> str | None:
        """The fleet lock's name for `key`, or None when no name would be safe to write."""
        kind = f"{self.codec.namespace}-lock"
        if self.keys_are_public:
            return self._key(kind, key)
        if self._lock_secret:
            text = self.codec.key_text(key).encode()
            digest = hmac.new(self._lock_secret, text, hashlib.sha256).hexdigest()[:32]
            return self.connection.key("cache", f"v{CACHE_FORMAT}", kind, f"h.{digest}")
        return self._key(kind, key) if known else None

    # ------------------------------------------------------------------ reading

    async def load(self, key: Hashable) -> SharedEntry[V] | None:
        keys = [self.value_key(key), self.failure_key(key)]
        try:
            value, failure = await self.connection.run(lambda client: client.mget(keys))
        except RedisUnavailableError:
            return None
        return self._decode(key, value, failure)

    async def contains(self, key: Hashable) -> bool:
        """Whether a value is stored for `key` (without reading it)."""
        try:
            found = await self.connection.run(lambda client: client.exists(self.value_key(key)))
        except RedisUnavailableError:
            return False
        return bool(found)

    def _decode(self, key: Hashable, raw_value: Any, raw_failure: Any) -> SharedEntry[V] | None:
        try:
            value = self._read(key, raw_value, "value") if raw_value is not None else None
            failure = self._read(key, raw_failure, "failure") if raw_failure is not None else None
        except (GarbageError, ValueError, TypeError, KeyError, RecursionError) as exc:
            self.connection.distrust(f"unreadable {self.codec.namespace} entry ({exc})"[:160])
            return None
        if value is None and failure is None:
            return None
        entry = SharedEntry[V](
            value=value[0] if value else None,
            age=value[1] if value else 0.0,
            etag=value[2] if value else None,
            failure=failure[0] if failure else None,
            failure_age=failure[1] if failure else 0.0,
        )
        if value and failure and value[1] < failure[1]:
            # Fetched again since the failure: the failure is over.
            return SharedEntry[V](entry.value, entry.age, entry.etag)
        return entry

    def _read(self, key: Hashable, raw: Any, field: str) -> tuple[Any, float, str | None]:
        """(decoded value or failure, age in seconds, etag) of one stored JSON document."""
        if not isinstance(raw, bytes) or len(raw) > MAX_VALUE_BYTES:
            raise GarbageError("not a bounded byte string")
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("v") != CACHE_FORMAT or field not in data:
            raise GarbageError(f"not a v{CACHE_FORMAT} {field} document")
        if data.get("key") != self.codec.key_text(key):
            raise GarbageError(f"a {field} stored under another key")
        fetched_at = data["fetchedAt"]
        now = self._wall()
        if (
            not isinstance(fetched_at, int | float)
            or isinstance(fetched_at, bool)
            or not math.isfinite(fetched_at)
            or fetched_at > now + MAX_CLOCK_SKEW
        ):
            raise GarbageError("fetch time is not a plausible time")
        age = max(0.0, now - fetched_at)
        if field == "failure":
            return decode_failure(data["failure"]), age, None
        etag = data.get("etag")
        if etag is not None and not isinstance(etag, str):
            raise GarbageError("etag is not text")
        value = self.codec.decode(data["value"])
        if not self.codec.belongs(key, value):
            raise GarbageError("a value of another space")
        return value, age, etag

    # ------------------------------------------------------------------ writing

    def _document(
        self, key: Hashable, field: str, payload: Any, etag: str | None = None
    ) -> bytes | None:
        """The stored form, or None when it cannot be shared: too large, or holding what
        strict JSON cannot (a space's schema may carry NaN; it stays in this process)."""
        document: dict[str, Any] = {
            "v": CACHE_FORMAT,
            "key": self.codec.key_text(key),
            "fetchedAt": self._wall(),
            field: payload,
        }
        if field == "value":
            document["etag"] = etag
        try:
            raw = json.dumps(document, separators=(",", ":"), allow_nan=False).encode()
        except (ValueError, TypeError):
            log.debug("not_shared", cache=self.codec.namespace, reason="not strict JSON")
            return None
        return raw if len(raw) <= MAX_VALUE_BYTES else None

    async def _quietly(self, operation: Callable[[Redis], Any]) -> None:
        # Writes are best effort: an outage is already logged by the connection.
        with contextlib.suppress(RedisUnavailableError):
            await self.connection.run(operation)

    async def save(self, key: Hashable, value: V, etag: str | None) -> None:
        raw = self._document(key, "value", self.codec.encode(value), etag)
        if raw is None:
            return
        value_key, failure_key = self.value_key(key), self.failure_key(key)
        keep_ms = int((self.ttl + STALE_RETENTION) * 1000)

        async def write(client: Redis) -> Any:
            async with client.pipeline(transaction=True) as pipe:
                pipe.set(value_key, raw, px=keep_ms)
                pipe.delete(failure_key)
                return await pipe.execute()

        await self._quietly(write)

    async def save_failure(self, key: Hashable, failure: Exception) -> None:
        payload = encode_failure(failure) if self.share_failures else None
        raw = self._document(key, "failure", payload) if payload is not None else None
        if raw is None:
            return
        failure_key = self.failure_key(key)
        keep_ms = max(1, int(self.negative_ttl * 1000))
        await self._quietly(lambda client: client.set(failure_key, raw, px=keep_ms))

    async def forget(self, key: Hashable) -> None:
        keys = [self.value_key(key), self.failure_key(key)]
        await self._quietly(lambda client: client.delete(*keys))

    # ------------------------------------------------------------------ one fetch per fleet

    @contextlib.asynccontextmanager
    async def fetch_turn(
        self, key: Hashable, *, known: bool
    ) -> AsyncIterator[SharedEntry[V] | None]:
        lock = self.lock_key(key, known=known)
        if lock is None:
            yield None
            return
        token = secrets.token_hex(16)
        holding, seen = await self._claim_or_wait(key, lock, token)
        try:
            yield seen
        finally:
            if holding:
                await self._quietly(lambda client: client.eval(_RELEASE, 1, lock, token))

    async def _claim_or_wait(
        self, key: Hashable, lock: str, token: str
    ) -> tuple[bool, SharedEntry[V] | None]:
        """Whether we hold the lock now, and the latest entry seen while waiting for it: a
        fresh one is another process's result; an expired one (it expired again while we
        waited) still carries the newest ETag to revalidate. Past the lock's lifetime, or
        with Redis gone, we fetch without it."""
        lock_ms = max(1, int(self.lock_ttl * 1000))
        give_up = time.monotonic() + self.lock_ttl
        pause = FIRST_POLL
        keys = [self.value_key(key), self.failure_key(key), lock]
        seen: SharedEntry[V] | None = None
        try:
            while True:
                if await self.connection.run(
                    lambda client: client.set(lock, token, nx=True, px=lock_ms)
                ):
                    # Read again now that the turn is ours: the previous holder may have
                    # written a result (or a newer ETag) after we last looked, and fetching
                    # with what we saw before would ask the upstream a second time.
                    value, failure, _holder = await self.connection.run(
                        lambda client: client.mget(keys)
                    )
                    return True, self._decode(key, value, failure) or seen
                while True:
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, MAX_POLL)
                    value, failure, holder = await self.connection.run(
                        lambda client: client.mget(keys)
                    )
                    seen = self._decode(key, value, failure) or seen
                    if seen is not None and self._fresh(seen):
                        return False, seen
                    if self.connection.state is RedisState.DOWN or time.monotonic() >= give_up:
                        return False, seen
                    if holder is None:
                        break  # its holder finished without a result for us: try to take it
        except RedisUnavailableError:
            return False, seen

    def _fresh(self, entry: SharedEntry[V]) -> bool:
        if entry.value is not None and entry.age < self.ttl:
            return True
        return entry.failure is not None and entry.failure_age < self.negative_ttl


def shared_levels(
    connection: RedisConnection, settings: Settings
) -> tuple[RedisLevel[SpaceMetadata], RedisLevel[SpaceSchema]]:
    """The metadata and schema levels over one connection, timed from the settings."""
    negative_ttl = settings.negative_cache_ttl_ms / 1000
    metadata = RedisLevel(
        connection,
        METADATA,
        ttl=settings.space_cache_ttl_ms / 1000,
        negative_ttl=negative_ttl,
        # Held while one Hub request runs (plus a margin for its queueing).
        lock_ttl=settings.space_info_timeout_ms / 1000 + 2.0,
        # Looked up by any requested id: maybe a private one.
        keys_are_public=False,
        # A failure may be the Hub hiding a private space: never shared.
        share_failures=False,
        lock_secret=settings.redis_secret,
    )
    schemas = RedisLevel(
        connection,
        SCHEMAS,
        ttl=settings.schema_cache_ttl_ms / 1000,
        negative_ttl=negative_ttl,
        lock_ttl=settings.schema_timeout_ms / 1000 + 2.0,
        keys_are_public=True,
        share_failures=True,
    )
    return metadata, schemas
