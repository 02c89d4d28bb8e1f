"""A Discovery's two caches (space metadata, schemas): how long each keeps what, which
failures are answers, and the level behind them (Redis, a SQLite file, or none)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradio_mcp.config import MAX_RETRY_AFTER_MS, Settings
from gradio_mcp.discovery._cache import FetchCache
from gradio_mcp.discovery._persistent import SqliteLevel, SqliteStore, cache_file, persistent_levels
from gradio_mcp.discovery._shared import RedisLevel, shared_levels
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import SpaceMetadata, SpaceSchema
from gradio_mcp.net import RedisConnection

# Answers, not outages: the space is gone, hidden from this caller, or not Gradio any more.
DEFINITIVE_ERRORS = frozenset({ErrorKind.NOT_FOUND, ErrorKind.UNAUTHORIZED, ErrorKind.NOT_GRADIO})


def _is_definitive(exc: Exception) -> bool:
    return isinstance(exc, SpaceError) and exc.kind in DEFINITIVE_ERRORS


@dataclass
class Caches:
    metadata: FetchCache[SpaceMetadata]
    schemas: FetchCache[SpaceSchema]
    shared_metadata: RedisLevel[SpaceMetadata] | SqliteLevel[SpaceMetadata] | None
    shared_schemas: RedisLevel[SpaceSchema] | SqliteLevel[SpaceSchema] | None
    file: SqliteStore | None  # the SQLite file behind them, when that is the level


def open_caches(
    settings: Settings, clock: Callable[[], float], redis: RedisConnection | None
) -> Caches:
    """Both caches, with Redis behind them when there is a connection, else the SQLite file
    (`GRADIO_MCP_CACHE_FILE`, which keeps public results across restarts), else nothing."""
    s = settings
    shared_metadata: RedisLevel[SpaceMetadata] | SqliteLevel[SpaceMetadata] | None = None
    shared_schemas: RedisLevel[SpaceSchema] | SqliteLevel[SpaceSchema] | None = None
    path = cache_file(s) if redis is None else None
    store = SqliteStore(path) if path is not None else None
    if redis is not None:
        shared_metadata, shared_schemas = shared_levels(redis, s)
    elif store is not None:
        shared_metadata, shared_schemas = persistent_levels(store, s)

    def retry_after(exc: Exception) -> float | None:
        # A Retry-After is honoured, up to five minutes.
        wait = exc.retry_after if isinstance(exc, SpaceError) else None
        return None if wait is None else min(wait, MAX_RETRY_AFTER_MS / 1000)

    def cache(name: str, ttl_ms: int, shared: Any) -> Any:
        return FetchCache(
            name,
            ttl=ttl_ms / 1000,
            negative_ttl=s.negative_cache_ttl_ms / 1000,
            maxsize=s.cache_max_entries,
            stale_while_revalidate=s.stale_while_revalidate,
            clock=clock,
            is_definitive=_is_definitive,
            shared=shared,
            failure_ttl=retry_after,
        )

    return Caches(
        cache("space_metadata", s.space_cache_ttl_ms, shared_metadata),
        cache("schemas", s.schema_cache_ttl_ms, shared_schemas),
        shared_metadata,
        shared_schemas,
        store,
    )
