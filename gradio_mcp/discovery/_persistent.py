"""The persistent cache level: a SQLite file on this machine, so that a restarted server lists
the spaces it fetched a moment ago without asking the Hub (`GRADIO_MCP_CACHE_FILE`).

It stands where Redis would (the `SharedLevel` protocol of `_cache.py`) when no Redis is
configured; Redis stays the fleet's level. The same privacy rules hold, because the cache
decides what reaches a level: only what may be stored (public spaces) is written through,
lookups by an id whose privacy is unknown only read, and failures are never written.

Values are the shared level's strict JSON (`_codec.py`), never pickle, read back with every
field checked; a row that does not fit is dropped, not believed. Rows are keyed by the Hub
they came from (another `HF_ENDPOINT` sees none of them) and a format version.

Writes are gathered and committed together a moment later, in one transaction, so a cold
listing of a thousand spaces costs a few commits, not two thousand. The file stays within
`MAX_ROWS` rows and `MAX_BYTES` of values: the oldest rows go first. Any SQLite error (a
locked, full or damaged file) makes the level an empty one for that operation: it is a
help, never a condition of an answer. Several processes (`--workers`) share one file
(write-ahead log, short busy timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

from gradio_mcp._log import get_logger
from gradio_mcp.config import Settings
from gradio_mcp.discovery._cache import SharedEntry
from gradio_mcp.discovery._codec import METADATA, SCHEMAS, Codec, GarbageError
from gradio_mcp.models import SpaceMetadata, SpaceSchema

V = TypeVar("V")

log = get_logger("gradio_mcp.cache")

FORMAT = 1
# Expired rows stay this long past their TTL: still good for an ETag revalidation.
STALE_RETENTION = 3600.0
MAX_VALUE_BYTES = 1 << 20
MAX_ROWS = 20_000
MAX_BYTES = 256 << 20
FLUSH_DELAY = 0.05
# Gathered writes are committed at once past this many.
MAX_PENDING = 1000
# Check the bounds after this many rows written.
PRUNE_EVERY = 500
MAX_CLOCK_SKEW = 60.0
BUSY_TIMEOUT_MS = 50

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    ns TEXT NOT NULL, key TEXT NOT NULL, fetched_at REAL NOT NULL, etag TEXT,
    value BLOB NOT NULL, PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_age ON entries (fetched_at);
"""


# Where `auto` puts the file: the user's cache directory (None: `auto` means off; tests).
AUTO_DIRECTORY: Path | None = Path("~/.cache/gradio-mcp")
FILE_NAME = "discovery.sqlite3"


def cache_file(settings: Settings) -> Path | None:
    """The file `GRADIO_MCP_CACHE_FILE` names, or None when the level is off."""
    value = settings.cache_file
    if value in ("", "off"):
        return None
    if value == "auto":
        return None if AUTO_DIRECTORY is None else AUTO_DIRECTORY.expanduser() / FILE_NAME
    return Path(value).expanduser()


class SqliteStore:
    """One SQLite file, opened lazily; rows of every level and Hub in one table."""

    def __init__(self, path: Path, wall_clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._wall = wall_clock
        self._db: sqlite3.Connection | None = None
        self._broken = False
        self._pending: dict[tuple[str, str], tuple[float, str | None, bytes] | None] = {}
        self._flush: asyncio.TimerHandle | None = None
        self._flush_loop: asyncio.AbstractEventLoop | None = None
        self._written = 0

    def _connection(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                db = sqlite3.connect(
                    self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
                self._db = db
            except (sqlite3.Error, OSError) as exc:
                self._give_up(exc)
        return self._db

    def _give_up(self, exc: Exception) -> None:
        self._broken = True
        log.warning("cache_file_unusable", path=str(self.path), error=str(exc)[:200])

    def get(self, ns: str, key: str) -> tuple[float, str | None, bytes] | None:
        """(age in seconds, etag, value) of a row, pending writes included."""
        if (ns, key) in self._pending:
            row = self._pending[(ns, key)]
        else:
            db = self._connection()
            if db is None:
                return None
            try:
                row = db.execute(
                    "SELECT fetched_at, etag, value FROM entries WHERE ns = ? AND key = ?",
                    (ns, key),
                ).fetchone()
            except sqlite3.Error:
                return None
        if row is None:
            return None
        fetched_at, etag, value = row
        now = self._wall()
        if not isinstance(fetched_at, float | int) or not math.isfinite(fetched_at):
            return None
        if fetched_at > now + MAX_CLOCK_SKEW:
            return None
        return max(0.0, now - fetched_at), etag, bytes(value)

    def put(self, ns: str, key: str, etag: str | None, value: bytes) -> None:
        self._pending[(ns, key)] = (self._wall(), etag, value)
        self._schedule()

    def delete(self, ns: str, key: str) -> None:
        self._pending[(ns, key)] = None
        self._schedule()

    def _schedule(self) -> None:
        if len(self._pending) >= MAX_PENDING:
            self.flush()
            return
        loop = asyncio.get_running_loop()
        # A flush scheduled on a loop that has ended since (a script calling asyncio.run
        # twice) would never run: schedule it again on this one.
        if self._flush is None or self._flush_loop is not loop:
            if self._flush is not None:
                self._flush.cancel()
            self._flush = loop.call_later(FLUSH_DELAY, self.flush)
            self._flush_loop = loop

    def flush(self) -> None:
        """Commit the gathered writes in one transaction (and keep the file within bounds)."""
        self._flush = None
        pending, self._pending = self._pending, {}
        db = self._connection()
        if db is None or not pending:
            return
        puts = [(ns, key, *row) for (ns, key), row in pending.items() if row is not None]
        deletes = [(ns, key) for (ns, key), row in pending.items() if row is None]
        try:
            with db:
                db.execute("BEGIN")
                db.executemany(
                    "INSERT OR REPLACE INTO entries (ns, key, fetched_at, etag, value)"
                    " VALUES (?, ?, ?, ?, ?)",
                    puts,
                )
                db.executemany("DELETE FROM entries WHERE ns = ? AND key = ?", deletes)
            self._written += len(puts)
            if self._written >= PRUNE_EVERY:
                self._written = 0
                self.prune()
        except sqlite3.Error as exc:
            log.debug("cache_file_write_failed", error=str(exc)[:200])

    def prune(self, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> None:
        """Drop the oldest rows beyond the bounds, and every row past its retention."""
        db = self._connection()
        if db is None:
            return
        with db:
            db.execute("BEGIN")
            rows, size = db.execute(
                "SELECT count(*), coalesce(sum(length(value)), 0) FROM entries"
            ).fetchone()
            if rows <= max_rows and size <= max_bytes:
                return
            # Oldest first, until both bounds hold again.
            cut = db.execute(
                "SELECT fetched_at FROM ("
                " SELECT fetched_at, count(*) OVER w AS n, sum(length(value)) OVER w AS b"
                " FROM entries WINDOW w AS (ORDER BY fetched_at DESC ROWS UNBOUNDED PRECEDING)"
                ") WHERE n > ? OR b > ? ORDER BY fetched_at DESC LIMIT 1",
                (max_rows, max_bytes),
            ).fetchone()
            if cut is not None:
                db.execute("DELETE FROM entries WHERE fetched_at <= ?", (cut[0],))

    def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None


def _fields(value: Any) -> dict[str, Any]:
    """A model's fields for `json.dumps`, which writes what they hold (tuples as lists): the
    same JSON as the codec's `encode`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    raise TypeError(f"{type(value).__name__} is not JSON")


class SqliteLevel(Generic[V]):
    """One cache's persistent level (see the module docstring). Implements `SharedLevel`."""

    def __init__(self, store: SqliteStore, codec: Codec[V], *, hub: str, ttl: float) -> None:
        self.store = store
        self.codec = codec
        self.ns = f"v{FORMAT}|{hub.rstrip('/')}|{codec.namespace}"
        self.ttl = ttl

    def _key(self, key: Hashable) -> str:
        return self.codec.key_text(key)

    async def load(self, key: Hashable) -> SharedEntry[V] | None:
        found = self.store.get(self.ns, self._key(key))
        if found is None:
            return None
        age, etag, raw = found
        if age > self.ttl + STALE_RETENTION:
            return None
        try:
            value = self.codec.decode(json.loads(raw))
        except (GarbageError, ValueError, TypeError, KeyError, RecursionError):
            self.store.delete(self.ns, self._key(key))
            return None
        return SharedEntry(value, age, etag if isinstance(etag, str) else None)

    async def contains(self, key: Hashable) -> bool:
        found = self.store.get(self.ns, self._key(key))
        return found is not None and found[0] <= self.ttl + STALE_RETENTION

    async def save(self, key: Hashable, value: V, etag: str | None) -> None:
        try:
            # The codec's JSON, without its deep copy first (a third of the time).
            raw = json.dumps(value, default=_fields, separators=(",", ":"), allow_nan=False)
        except (ValueError, TypeError):
            return  # not strict JSON (a schema may carry NaN): it stays in this process
        if len(raw) <= MAX_VALUE_BYTES:
            self.store.put(self.ns, self._key(key), etag, raw.encode())

    async def save_failure(self, key: Hashable, failure: Exception) -> None:
        return None  # failures are never written: they are short-lived, and may hide privacy

    async def forget(self, key: Hashable) -> None:
        self.store.delete(self.ns, self._key(key))

    @contextlib.asynccontextmanager
    async def fetch_turn(
        self, key: Hashable, *, known: bool
    ) -> AsyncIterator[SharedEntry[V] | None]:
        yield None  # one process's file: nobody to take turns with


def persistent_levels(
    store: SqliteStore, settings: Settings
) -> tuple[SqliteLevel[SpaceMetadata], SqliteLevel[SpaceSchema]]:
    """The metadata and schema levels in one file, timed from the settings."""
    hub = settings.hf_endpoint
    return (
        SqliteLevel(store, METADATA, hub=hub, ttl=settings.space_cache_ttl_ms / 1000),
        SqliteLevel(store, SCHEMAS, hub=hub, ttl=settings.schema_cache_ttl_ms / 1000),
    )
