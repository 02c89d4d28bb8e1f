"""The process's connection to Redis: one pool, a timeout on every command, and an outage
tracker that everything keeping state in Redis (the shared cache level, the task store) uses.

Redis is a help, never a condition of an answer. Whoever asks it goes on without it when
`run` raises `RedisUnavailableError`: a command that fails, times out, or whose answer cannot
be read counts as Redis being down. One warning is logged per outage, not per request; while
down, commands are refused at once (no request pays a timeout) except one probe every
`RETRY_INTERVAL` seconds, and the first success ends the outage by itself.

The `redis` package is imported only when a command runs, so a server without Redis never
loads it. The URL may hold a password: only `address` (no credentials) is ever shown.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from gradio_mcp._log import get_logger
from gradio_mcp.config import Settings
from gradio_mcp.errors import RedisUnavailableError

if TYPE_CHECKING:
    from redis.asyncio import Redis

T = TypeVar("T")

log = get_logger("gradio_mcp.redis")

# While Redis is down, one command is let through this often to find out whether it is back.
RETRY_INTERVAL = 2.0
# Connections per process; a command waits (within its timeout) when all are busy.
MAX_CONNECTIONS = 32


class RedisState(enum.StrEnum):
    """What the process knows of Redis. Values are stable strings for JSON and metrics."""

    UNKNOWN = "unknown"  # not asked yet
    UP = "up"
    DOWN = "down"


def redacted_address(url: str) -> str:
    """`scheme://host:port/db` of a Redis URL, without user name or password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port or 6379
    except ValueError:
        port = 6379
    return f"{parts.scheme}://{host}:{port}{parts.path or '/0'}"


class OutageTracker:
    """Up or down, since when, and how often; logs one warning per outage.

    While down, `may_try` says no except to one probe every `retry_interval` seconds, so a
    dead or hanging Redis costs requests nothing, and a recovered one is noticed by itself.
    """

    def __init__(
        self,
        address: str,
        *,
        retry_interval: float = RETRY_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.address = address
        self.retry_interval = retry_interval
        self.state = RedisState.UNKNOWN
        self.errors = 0
        self.outages = 0
        self.last_error: str | None = None
        self.down_since: float | None = None  # wall-clock time, for people
        self._clock = clock
        self._retry_at = 0.0
        self._probing = False

    def may_try(self) -> bool:
        """Whether a command may go to Redis now (always, unless Redis is down)."""
        if self.state is not RedisState.DOWN:
            return True
        if self._probing or self._clock() < self._retry_at:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._probing = False
        if self.state is RedisState.DOWN:
            log.warning("redis_recovered", redis=self.address, errors=self.errors)
            self.down_since = None
        self.state = RedisState.UP

    def failed(self, reason: str) -> None:
        self.errors += 1
        self.last_error = reason
        self._probing = False
        self._retry_at = self._clock() + self.retry_interval
        if self.state is not RedisState.DOWN:
            self.outages += 1
            self.down_since = time.time()
            self.state = RedisState.DOWN
            log.warning(
                "redis_down",
                redis=self.address,
                reason=reason,
                retry_seconds=self.retry_interval,
                detail="serving from the local cache and the upstream until it is back",
            )

    def abandoned(self) -> None:
        """A command given up by its caller (cancelled): it proved nothing either way."""
        self._probing = False

    def snapshot(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "address": self.address,
            "errors": self.errors,
            "outages": self.outages,
            "lastError": self.last_error,
            "downSince": self.down_since,
        }


class RedisConnection:
    """A pool of connections to one Redis, for one process. See the module docstring.

    `run(operation)` hands `operation` the client and returns its result; anything going
    wrong on the way becomes `RedisUnavailableError`. `key(...)` builds a key under the
    configured prefix, so several deployments can share one Redis.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        prefix: str = "gradio-mcp",
        max_connections: int = MAX_CONNECTIONS,
        retry_interval: float = RETRY_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url:
            raise ValueError("a Redis URL is needed")
        self._url = url
        self.address = redacted_address(url)
        self.timeout = timeout
        self.prefix = prefix
        self.max_connections = max_connections
        self.outage = OutageTracker(self.address, retry_interval=retry_interval, clock=clock)
        self._client: Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisConnection | None:
        """The connection `GRADIO_MCP_REDIS_URL` asks for, or None when it is empty."""
        if not settings.redis_url:
            return None
        return cls(
            settings.redis_url,
            timeout=settings.redis_timeout_ms / 1000,
            prefix=settings.redis_prefix,
        )

    def __repr__(self) -> str:
        return f"RedisConnection({self.address!r}, state={self.outage.state.value!r})"

    @property
    def state(self) -> RedisState:
        return self.outage.state

    def key(self, *parts: str) -> str:
        """`prefix:part:part...`, the only way keys should be built."""
        return ":".join((self.prefix, *parts))

    def _client_for_running_loop(self) -> Redis:
        # A pool belongs to the event loop that opened its connections; a library user who
        # calls asyncio.run twice gets a fresh one (the old loop's connections are gone).
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            from redis.asyncio import BlockingConnectionPool, Redis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            pool = BlockingConnectionPool.from_url(
                self._url,
                max_connections=self.max_connections,
                timeout=self.timeout,  # waiting for a free connection
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                # No retries inside the client: a failure is reported at once, and the
                # outage tracker decides when to try again.
                retry=Retry(NoBackoff(), 0),
                client_name="gradio-mcp",
            )
            self._client = Redis(connection_pool=pool)
            self._loop = loop
        return self._client

    async def run(self, operation: Callable[[Redis], Awaitable[T]]) -> T:
        """`operation(client)` within the command timeout, or `RedisUnavailableError`."""
        if not self.outage.may_try():
            raise RedisUnavailableError(f"Redis at {self.address} is down; not asking it now")
        try:
            async with asyncio.timeout(self.timeout):
                result = await operation(self._client_for_running_loop())
        except asyncio.CancelledError:
            self.outage.abandoned()
            raise
        except TimeoutError:
            self.outage.failed("timeout")
            raise RedisUnavailableError(
                f"Redis at {self.address} did not answer within {self.timeout:g} s"
            ) from None
        except Exception as exc:
            # Connection refused or reset, a protocol error, an error reply (a key of the
            # wrong type is as untrustworthy as garbage): all of them mean "do without it".
            self.outage.failed(type(exc).__name__)
            raise RedisUnavailableError(
                f"Redis at {self.address} failed: {type(exc).__name__}"
            ) from None
        self.outage.succeeded()
        return result

    def distrust(self, reason: str) -> None:
        """An answer could not be read or made no sense: Redis counts as down, so nothing
        more is read from it until a probe succeeds."""
        self.outage.failed(f"garbage: {reason}")

    async def ping(self) -> bool:
        """Whether Redis answers now (a probe, when it was down and a retry is due)."""
        try:
            return bool(await self.run(lambda client: client.ping()))
        except RedisUnavailableError:
            return False

    def status(self) -> dict[str, Any]:
        """State, address and error counts, for readiness and metrics."""
        return self.outage.snapshot()

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            try:
                await client.aclose()
                await client.connection_pool.disconnect()
            except Exception:  # closing a broken connection may fail; nothing is lost
                log.debug("redis_close_failed")
