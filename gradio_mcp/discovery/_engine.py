"""Discovery: space metadata from the Hub and endpoint schemas from each space, cached.

A `Discovery` owns one HTTP client, two caches and their statistics. Hub requests share a
sliding window of `discovery_concurrency` slots (a slow space holds up nobody else);
schema requests go to many hosts and get their own, larger window. A cold public space's
schema fetch starts at its predicted host while its metadata is still in flight, and is
kept only when the metadata confirms that host and that the space is public.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

import cachetools
import httpx2

from gradio_mcp._log import get_logger
from gradio_mcp.config import Settings
from gradio_mcp.discovery._cache import MISS, Entry, FetchCache, Fetched
from gradio_mcp.discovery._hub import fetch_space_metadata
from gradio_mcp.discovery._schema_fetcher import fetch_space_schema
from gradio_mcp.discovery._space_ids import normalize_space_id, predict_subdomain
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import GradioSpace, SpaceMetadata, SpaceSchema, Timings
from gradio_mcp.net import (
    CredentialPolicy,
    EgressPolicy,
    ReadLimits,
    Resolver,
    fingerprint,
    new_http_client,
    token_fingerprint,
)

log = get_logger("gradio_mcp.discovery")

# How long a finished discovery that a list deadline gave up on is kept for the next request.
LATE_RESULT_SECONDS = 60.0
# Stages in which a space serves requests; the others (SLEEPING, BUILDING, PAUSED, ...) make
# every schema fetch wait for a timeout, so they are reported at once instead.
RUNNING_STAGES = frozenset({"RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"})


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


# Answers, not outages: the space is gone, hidden from this caller, or not Gradio any more.
DEFINITIVE_ERRORS = frozenset({ErrorKind.NOT_FOUND, ErrorKind.UNAUTHORIZED, ErrorKind.NOT_GRADIO})


def _is_definitive(exc: Exception) -> bool:
    return isinstance(exc, SpaceError) and exc.kind in DEFINITIVE_ERRORS


class Discovery:
    """Cached, parallel discovery of Gradio spaces. Use as an async context manager.

    Without `client`, it builds its own with `new_http_client(settings, resolver=resolver)`,
    which enforces the egress policy; a client passed in is used as it is.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx2.AsyncClient | None = None,
        clock: Any = time.monotonic,
        resolver: Resolver | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        s = self.settings
        self._resolver = resolver
        self._own_client = client is None
        self.client = client or self._new_client()
        self.egress = EgressPolicy.from_settings(s)
        self.limits = ReadLimits.from_settings(s)
        self._loop: asyncio.AbstractEventLoop | None = None

        def cache(name: str, ttl_ms: int) -> Any:
            return FetchCache(
                name,
                ttl=ttl_ms / 1000,
                negative_ttl=s.negative_cache_ttl_ms / 1000,
                maxsize=s.cache_max_entries,
                stale_while_revalidate=s.stale_while_revalidate,
                clock=clock,
                is_definitive=_is_definitive,
            )

        self.metadata_cache: FetchCache[SpaceMetadata] = cache(
            "space_metadata", s.space_cache_ttl_ms
        )
        self.schema_cache: FetchCache[SpaceSchema] = cache("schemas", s.schema_cache_ttl_ms)
        self._hub_slots = asyncio.Semaphore(s.discovery_concurrency)
        self._schema_slots = asyncio.Semaphore(s.schema_concurrency)
        self.credentials = CredentialPolicy.from_settings(s)
        self.recent_durations_ms: deque[float] = deque(maxlen=1024)
        # Discoveries a deadline left running, by (space id, token fingerprint), with the
        # time they finished (None while running).
        self._late: cachetools.LRUCache[
            tuple[str, str | None], tuple[asyncio.Future[GradioSpace], float | None]
        ] = cachetools.LRUCache(maxsize=s.cache_max_entries)
        # One-way names of spaces seen to be private: their schema is never prefetched
        # tokenless (the guess would be thrown away every time).
        self._known_private: cachetools.LRUCache[str, bool] = cachetools.LRUCache(
            maxsize=s.cache_max_entries
        )
        self.discoveries = 0
        self.discovery_ms_total = 0.0
        self.prefetches_used = 0
        self.prefetches_discarded = 0

    # ------------------------------------------------------------------ lifecycle

    def _new_client(self) -> httpx2.AsyncClient:
        return new_http_client(self.settings, resolver=self._resolver)

    def bind_to_running_loop(self) -> None:
        """Follow the caller to a new event loop (scripts that call `asyncio.run` twice).

        Connections and semaphores belong to the loop that used them first; the caches are
        plain data and carry over.
        """
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            self._loop = loop
            if self._own_client:
                self.client = self._new_client()
            self._hub_slots = asyncio.Semaphore(self.settings.discovery_concurrency)
            self._schema_slots = asyncio.Semaphore(self.settings.schema_concurrency)

    async def __aenter__(self) -> Discovery:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for future, _finished in list(self._late.values()):
            future.cancel()
        await self.metadata_cache.aclose()
        await self.schema_cache.aclose()
        if self._own_client:
            await self.client.aclose()

    # ------------------------------------------------------------------ tokens and hosts

    def may_receive_token(self, url: str) -> bool:
        """The Hub and trusted space hosts may see the caller's token; nothing else may."""
        return self.credentials.may_receive_token(url)

    def space_headers(self, url: str, token: str | None) -> dict[str, str]:
        """Auth headers for a request to a space host (empty when the host is not trusted)."""
        return self.credentials.space_headers(url, token)

    # ------------------------------------------------------------------ public API

    async def get_spaces(
        self,
        space_ids: Iterable[str],
        token: str | None = None,
        *,
        skip_schemas: bool = False,
        include_runtime: bool = False,
    ) -> list[GradioSpace]:
        """One result per id, in input order; a failure stays with its own space."""
        ids = list(space_ids)
        started = time.perf_counter()
        results = await asyncio.gather(
            *(self._discover(i, token, skip_schemas, include_runtime) for i in ids)
        )
        elapsed = _ms(time.perf_counter() - started)
        self._record_discovery(elapsed)
        log.info(
            "discovery",
            spaces=len(ids),
            ok=sum(r.ok for r in results),
            failed=sum(not r.ok for r in results),
            duration_ms=elapsed,
            metadata_ms_max=max((r.timings.metadata_ms for r in results), default=0.0),
            schema_ms_max=max((r.timings.schema_ms for r in results), default=0.0),
            authenticated=token is not None,
        )
        log.debug("cache_stats", **self.format_cache_metrics())
        return list(results)

    async def get_spaces_within(
        self,
        space_ids: Iterable[str],
        token: str | None,
        deadline: float,
        *,
        rewait: bool = False,
    ) -> list[GradioSpace]:
        """Like `get_spaces`, but answer after `deadline` seconds at most: a space still
        loading then is reported as such and keeps loading in the background, so it is
        ready (cached) for a later request and never stalls this one.

        A space that an earlier call already left loading is not waited for again (unless
        `rewait`): only the first request pays the deadline for a slow or dead space.
        """
        ids = list(space_ids)
        started = time.perf_counter()
        fingerprint = token_fingerprint(token)
        tasks: list[asyncio.Future[GradioSpace]] = []
        waited: list[asyncio.Future[GradioSpace]] = []
        for space_id in ids:
            late = self._late_result((space_id, fingerprint))
            if late is not None:
                tasks.append(late)
                if rewait and not late.done():
                    waited.append(late)
            else:
                fresh = asyncio.ensure_future(self._discover(space_id, token, False, False))
                tasks.append(fresh)
                waited.append(fresh)
        pending: set[asyncio.Future[GradioSpace]] = set()
        if waited:
            _done, pending = await asyncio.wait(waited, timeout=deadline)
        for space_id, future in zip(ids, tasks, strict=True):
            if future in pending:
                self._remember_late((space_id, fingerprint), future)
        results = []
        for space_id, future in zip(ids, tasks, strict=True):
            if future.done():
                results.append(future.result())
                continue
            results.append(
                GradioSpace(
                    id=space_id,
                    error=SpaceError(
                        ErrorKind.TIMEOUT,
                        f"{space_id} is still loading after {deadline:g} s; it will be"
                        " listed once ready",
                        phase="deadline",
                    ),
                )
            )
        self._record_discovery(_ms(time.perf_counter() - started))
        return results

    def _record_discovery(self, duration_ms: float) -> None:
        """Count one discovery: all-time count and sum, and a window for percentiles."""
        self.discoveries += 1
        self.discovery_ms_total += duration_ms
        self.recent_durations_ms.append(duration_ms)

    def _remember_late(
        self, key: tuple[str, str | None], future: asyncio.Future[GradioSpace]
    ) -> None:
        self._late[key] = (future, None)

        def finished(_done: asyncio.Future[GradioSpace]) -> None:
            if key in self._late and self._late[key][0] is future:
                self._late[key] = (future, time.monotonic())

        future.add_done_callback(finished)

    def _late_result(self, key: tuple[str, str | None]) -> asyncio.Future[GradioSpace] | None:
        """A discovery an earlier deadline left running: still running (do not wait for it
        again), or finished moments ago and handed over once (so a slow private space, which
        is never cached, still gets listed)."""
        remembered = self._late.get(key)
        if remembered is None:
            return None
        future, finished_at = remembered
        if finished_at is None:
            return future
        del self._late[key]
        return future if time.monotonic() - finished_at < LATE_RESULT_SECONDS else None

    async def get_space(
        self, space_id: str, token: str | None = None, *, include_runtime: bool = False
    ) -> GradioSpace:
        (result,) = await self.get_spaces([space_id], token, include_runtime=include_runtime)
        return result

    # ------------------------------------------------------------------ one space

    async def _discover(
        self, raw_id: str, token: str | None, skip_schemas: bool, include_runtime: bool
    ) -> GradioSpace:
        started = time.perf_counter()
        try:
            space_id = normalize_space_id(raw_id)
        except SpaceError as exc:
            return GradioSpace(id=raw_id, error=exc)
        prefetch = None if skip_schemas else self._maybe_prefetch(space_id)
        metadata: SpaceMetadata | None = None
        schema: SpaceSchema | None = None
        error: SpaceError | None = None
        meta_outcome = schema_outcome = ""
        meta_ms = schema_ms = 0.0
        try:
            t0 = time.perf_counter()
            metadata, meta_outcome = await self._metadata(space_id, token)
            meta_ms = _ms(time.perf_counter() - t0)
            if metadata.private:
                self._known_private[fingerprint(space_id)] = True
            host = self._check_usable(metadata)
            if not skip_schemas:
                t1 = time.perf_counter()
                schema, schema_outcome = await self._schema(metadata, host, token, prefetch)
                prefetch = None  # consumed (or deliberately discarded) by _schema
                schema_ms = _ms(time.perf_counter() - t1)
        except SpaceError as exc:
            error = exc
            confirmed_public = metadata is not None and not metadata.private
            log.debug(
                "space_failed",
                space=self._loggable(space_id, metadata),
                error=exc.kind.value,
                status=exc.status,
                # The message names the space; keep it out unless the space is public.
                detail=exc.message if confirmed_public else None,
            )
        finally:
            if prefetch is not None:
                prefetch.cancel()
        if metadata is not None and not include_runtime and metadata.runtime_stage is not None:
            metadata = dataclasses.replace(metadata, runtime_stage=None)
        timings = Timings(
            meta_ms, schema_ms, _ms(time.perf_counter() - started), meta_outcome, schema_outcome
        )
        log.debug(
            "space_discovered",
            space=self._loggable(space_id, metadata),
            ok=error is None,
            metadata_ms=meta_ms,
            schema_ms=schema_ms,
            metadata_cache=meta_outcome,
            schema_cache=schema_outcome,
        )
        return GradioSpace(
            id=space_id, metadata=metadata, schema=schema, error=error, timings=timings
        )

    @staticmethod
    def _loggable(space_id: str, metadata: SpaceMetadata | None) -> str:
        # Private space names stay out of logs; so do ids we could not confirm as public.
        return space_id if metadata is not None and not metadata.private else "<private>"

    def _check_usable(self, metadata: SpaceMetadata) -> str:
        """The space's base URL, or a SpaceError saying why it cannot serve tools."""
        if metadata.sdk != "gradio":
            raise SpaceError(
                ErrorKind.NOT_GRADIO,
                f"{metadata.id} is a {metadata.sdk or 'non-Gradio'} space, not a Gradio one",
                phase="metadata",
            )
        stage = metadata.runtime_stage
        if stage is not None and stage not in RUNNING_STAGES:
            raise SpaceError(
                ErrorKind.NOT_RUNNING,
                f"{metadata.id} is {stage.lower()}, not running; open it on the Hub to wake or"
                " restart it, then try again",
                phase="metadata",
            )
        if metadata.url:
            return metadata.url
        raise SpaceError(
            ErrorKind.BAD_PAYLOAD, f"the Hub gave no host for {metadata.id}", phase="metadata"
        )

    # ------------------------------------------------------------------ metadata

    async def _metadata(self, space_id: str, token: str | None) -> tuple[SpaceMetadata, str]:
        hub_url = self.settings.hf_endpoint
        timeout = self.settings.space_info_timeout_ms / 1000

        async def fetch(previous: Entry[SpaceMetadata] | None) -> Fetched[SpaceMetadata]:
            return await fetch_space_metadata(
                self.client,
                hub_url,
                space_id,
                token,
                previous,
                timeout=timeout,
                slots=self._hub_slots,
                limits=self.limits,
                egress=self.egress,
            )

        return await self.metadata_cache.get(
            space_id, fetch, flight_key=(space_id, token_fingerprint(token))
        )

    # ------------------------------------------------------------------ schemas

    def _predicted_host(self, space_id: str) -> str | None:
        template = self.settings.predicted_host_template
        if not template or not self.settings.predict_hosts:
            return None
        return template.format(subdomain=predict_subdomain(space_id)).rstrip("/")

    def _maybe_prefetch(self, space_id: str) -> asyncio.Task[SpaceSchema] | None:
        """Start a tokenless schema fetch at the predicted host when metadata is not cached
        (a cached space's metadata is instant, so waiting for it costs nothing)."""
        if self.metadata_cache.peek(space_id) is not None:
            return None
        if fingerprint(space_id) in self._known_private:
            return None
        host = self._predicted_host(space_id)
        if host is None:
            return None
        task = asyncio.get_running_loop().create_task(self._fetch_schema(host, {}))
        # The outcome is read only if the prefetch is used; never let it warn when dropped.
        task.add_done_callback(lambda t: None if t.cancelled() else t.exception())
        return task

    async def _fetch_schema(self, host: str, headers: Mapping[str, str]) -> SpaceSchema:
        return await fetch_space_schema(
            self.client,
            host,
            headers=headers,
            timeout=self.settings.schema_timeout_ms / 1000,
            semaphore=self._schema_slots,
            limits=self.limits,
        )

    async def _schema(
        self,
        metadata: SpaceMetadata,
        host: str,
        token: str | None,
        prefetch: asyncio.Task[SpaceSchema] | None,
    ) -> tuple[SpaceSchema, str]:
        key = (metadata.id, metadata.revision, host)
        # Public schemas are the same for everyone, so anyone's fetch may be shared; a private
        # one is fetched with the caller's token and shared only with that token.
        flight = (key, token_fingerprint(token) if metadata.private else None)
        usable = (
            prefetch is not None
            and not metadata.private
            and host == self._predicted_host(metadata.id)
        )
        if prefetch is not None and not usable:
            prefetch.cancel()
            self.prefetches_discarded += 1
            prefetch = None

        async def fetch(_previous: Entry[SpaceSchema] | None) -> Fetched[SpaceSchema]:
            # Gradio sends no ETag on its schema documents, so there is nothing to revalidate.
            if prefetch is not None:
                self.prefetches_used += 1
                return Fetched(await prefetch)
            headers = self.space_headers(host, token) if metadata.private else {}
            schema = await self._fetch_schema(host, headers)
            return Fetched(schema, store=not metadata.private)

        try:
            schema, outcome = await self.schema_cache.get(key, fetch, flight_key=flight)
        finally:
            if prefetch is not None and not prefetch.done():
                prefetch.cancel()
        if outcome != MISS and prefetch is not None:
            self.prefetches_discarded += 1
        return schema, outcome

    # ------------------------------------------------------------------ statistics

    def cache_stats(self) -> dict[str, Any]:
        """Raw counters of both caches (see `format_cache_metrics` for the reference shape)."""
        out: dict[str, Any] = {}
        for name, cache in (("metadata", self.metadata_cache), ("schemas", self.schema_cache)):
            stats = cache.stats
            out[name] = {**stats.__dict__, "size": len(cache), "hit_rate": stats.hit_rate}
        out["prefetches_used"] = self.prefetches_used
        out["prefetches_discarded"] = self.prefetches_discarded
        out["discoveries"] = self.discoveries
        return out

    def format_cache_metrics(self) -> dict[str, Any]:
        """Cache figures in the reference server's `gradioCacheMetrics` shape, plus extras."""
        meta, schema = self.metadata_cache.stats, self.schema_cache.stats
        total_hits = meta.hits + schema.hits
        total_misses = meta.misses + schema.misses
        lookups = total_hits + total_misses

        def figures(cache: FetchCache[Any]) -> dict[str, Any]:
            stats = cache.stats
            return {
                "hits": stats.hits,
                "misses": stats.misses,
                "hitRate": round(stats.hit_rate, 2),
                "cacheSize": len(cache),
                "staleServed": stats.stale_served,
                "negativeHits": stats.negative_hits,
                "mergedFetches": stats.merged_fetches,
                "fetches": stats.fetches,
                "fetchFailures": stats.fetch_failures,
                "backgroundRefreshes": stats.background_refreshes,
                "staleIfError": stats.stale_if_error,
                "evictions": stats.evictions,
            }

        return {
            # Only metadata carries ETags, so only it reports revalidations (reference shape).
            "spaceMetadata": {
                **figures(self.metadata_cache),
                "etagRevalidations": meta.etag_revalidations,
            },
            "schemas": figures(self.schema_cache),
            "totalHits": total_hits,
            "totalMisses": total_misses,
            "overallHitRate": round(100.0 * total_hits / lookups, 2) if lookups else 0.0,
        }
