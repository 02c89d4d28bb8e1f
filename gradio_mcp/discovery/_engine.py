"""Discovery: space metadata from the Hub and endpoint schemas from each space, cached.

A `Discovery` owns one HTTP client, two caches and their statistics. Hub requests share a
sliding window of `discovery_concurrency` slots (a slow space holds up nobody else);
schema requests go to many hosts, a few at a time per host, within the connections the Hub
window leaves. A cold public space's schema fetch starts at its predicted host while its
metadata is still in flight, and is kept only when the metadata confirms that host and that
the space is public (`_prefetch.py`).

This module fetches and combines; its other jobs live beside it: results a deadline left
running (`_late.py`), background wakes (`_wake.py`), spaces seen private (`_private.py`),
cache keys and listing freshness (`_freshness.py`), statistics (`_stats.py`), the
caches and the level behind them (`_caches.py`).

With a Redis connection (`GRADIO_MCP_REDIS_URL`), both caches get a shared level behind them
(`_shared.py`): what one process fetched, the others read, and one process fetches for all.
Without one, a SQLite file (`GRADIO_MCP_CACHE_FILE`, `_persistent.py`) stands there, so a
restarted process starts warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import httpx2

from gradio_mcp._log import get_logger
from gradio_mcp.config import HOST_CONCURRENCY, Settings
from gradio_mcp.discovery._cache import MISS, Entry, Fetched
from gradio_mcp.discovery._caches import open_caches
from gradio_mcp.discovery._freshness import listing_fresh_until, schema_flight, schema_key
from gradio_mcp.discovery._host_slots import HostSlots
from gradio_mcp.discovery._hub import HubAccess, fetch_space_metadata
from gradio_mcp.discovery._late import LateResults
from gradio_mcp.discovery._prefetch import (
    MAX_WINDOWS,
    Prefetch,
    PrefetchWindow,
    predicted_host,
)
from gradio_mcp.discovery._private import PrivateSpaces
from gradio_mcp.discovery._schema_fetcher import fetch_space_schema
from gradio_mcp.discovery._space_ids import normalize_space_id
from gradio_mcp.discovery._stats import DiscoveryStats, cache_stats, format_cache_metrics
from gradio_mcp.discovery._wake import (
    RUNNING_STAGES,
    BackgroundWakes,
    StageListener,
    wake_space,
)
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import GradioSpace, SpaceMetadata, SpaceSchema, Timings
from gradio_mcp.net import (
    CredentialPolicy,
    DocumentClient,
    EgressPolicy,
    HttpxDocuments,
    ReadLimits,
    RedisConnection,
    Resolver,
    new_document_client,
    new_http_client,
    token_fingerprint,
)

log = get_logger("gradio_mcp.discovery")


def _debug(event: str, **fields: Any) -> None:
    # Two events per space: when debug is off, skip building them (a few percent of a cold
    # discovery's CPU went to events that were then dropped).
    if log.isEnabledFor(logging.DEBUG):
        log.debug(event, **fields)


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


def _invalid_id(exc: Exception, shown: str) -> SpaceError:
    if isinstance(exc, SpaceError):
        return exc
    return SpaceError(ErrorKind.INVALID_ID, f"{shown} is not a space id: expected 'owner/name'")


class Discovery:
    """Cached, parallel discovery of Gradio spaces. Use as an async context manager.

    Without `client`, it builds its own with `new_http_client(settings, resolver=resolver)`,
    and `new_document_client` for Hub and schema documents, both enforcing the egress
    policy; a client passed in is used as it is, for everything.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        client: httpx2.AsyncClient | None = None,
        clock: Any = time.monotonic,
        resolver: Resolver | None = None,
        redis: RedisConnection | None = None,
        protocol_check: Callable[[SpaceSchema], str | None] | None = None,
    ) -> None:
        """`redis`: a connection the caller owns and shares (a server hands the same one to
        its task store); by default one is opened when `GRADIO_MCP_REDIS_URL` is set.
        `protocol_check` says why a space's Gradio cannot be called (None when it can):
        `gradio_mcp.gradio.protocol_problem`, which reads the protocol registry, is what the
        server and the CLI pass; without one, every schema is taken as callable."""
        self.settings = settings or Settings.from_env()
        s = self.settings
        self._resolver = resolver
        self._own_client = client is None
        self.client = client or self._new_client()
        # Hub and schema documents, thousands per cold listing, go through the cheaper
        # document client (net/_documents.py); a client handed in is used for them too.
        self.documents: DocumentClient = (
            HttpxDocuments(client) if client is not None else self._new_documents()
        )
        self.egress = EgressPolicy.from_settings(s)
        self.limits = ReadLimits.from_settings(s)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._own_redis = redis is None
        self.redis = redis if redis is not None else RedisConnection.from_settings(s)
        caches = open_caches(s, clock, self.redis)
        self.metadata_cache, self.schema_cache = caches.metadata, caches.schemas
        self._shared_metadata, self._shared_schemas = caches.shared_metadata, caches.shared_schemas
        self._cache_file = caches.file
        self.clock = clock
        self.protocol_check = protocol_check
        self._hub_slots = asyncio.Semaphore(s.discovery_concurrency)
        self._host_slots = self._new_host_slots()
        self._prefetch_window = PrefetchWindow(s.discovery_concurrency)
        self.credentials = CredentialPolicy.from_settings(s)
        self.stats = DiscoveryStats()  # read by ops (passes, durations, prefetches)
        self._late = LateResults(clock, s.cache_max_entries)
        self._known_private = PrivateSpaces(s.cache_max_entries)
        self._waking = BackgroundWakes(self.wake)
        # Told when the Hub refuses a token (401) on any request: a verdict on it kept
        # elsewhere (sign-in) must not outlive that answer.
        self._token_refused: list[Callable[[str], Awaitable[None]]] = []
        # Counts what the caches forgot on purpose (a space woken up): results computed from
        # them before (kept listings) are no longer what a discovery would give.
        self.generation = 0

    # ------------------------------------------------------------------ statistics

    def record_discovery(self, duration_ms: float) -> None:
        """Count one discovery: all-time count and sum, and a window for percentiles."""
        self.stats.record_discovery(duration_ms)

    def cache_stats(self) -> dict[str, Any]:
        """Raw counters of both caches (see `format_cache_metrics` for the reference shape)."""
        return cache_stats(self.stats, self.metadata_cache, self.schema_cache)

    def format_cache_metrics(self) -> dict[str, Any]:
        """Cache figures in the reference server's `gradioCacheMetrics` shape, plus extras."""
        return format_cache_metrics(self.metadata_cache, self.schema_cache)

    # ------------------------------------------------------------------ lifecycle

    def _new_client(self) -> httpx2.AsyncClient:
        return new_http_client(self.settings, resolver=self._resolver)

    def _new_documents(self) -> DocumentClient:
        return new_document_client(self.settings, resolver=self._resolver)

    def _new_host_slots(self) -> HostSlots:
        s = self.settings
        return HostSlots(HOST_CONCURRENCY, s.max_connections - s.discovery_concurrency)

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
            self._host_slots = self._new_host_slots()
            self._prefetch_window = PrefetchWindow(self.settings.discovery_concurrency)

    def _line(self) -> asyncio.Semaphore:
        """The places of one discovery pass's spaces started at once, until their metadata:
        those in the Hub window, and as many as early schema fetches may run ahead of it.
        The others wait in line at no cost but their task: each one started holds sockets,
        tasks, a cache flight and its early fetch, a few KiB that thousands of spaces at
        once made the peak of a cold listing (the process keeps its peak), and their start
        delayed the first requests. One line per pass: nobody waits behind another's."""
        return asyncio.Semaphore(self.settings.discovery_concurrency * (MAX_WINDOWS + 1))

    def _place(
        self, space_id: str, line: asyncio.Semaphore | None
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        """A place in `line` for a space whose metadata is to be fetched; a space whose
        metadata is kept here needs none (it is answered at once, even when stale)."""
        if line is None or self.metadata_cache.peek(space_id) is not None:
            return contextlib.nullcontext()
        return line

    async def __aenter__(self) -> Discovery:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._late.cancel_all()
        self._waking.cancel_all()
        await self.metadata_cache.aclose()
        await self.schema_cache.aclose()
        if self._own_client:
            await self.client.aclose()
            await self.documents.aclose()
        if self._own_redis and self.redis is not None:
            await self.redis.aclose()
        if self._cache_file is not None:
            self._cache_file.close()

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
        deadline: float | None = None,
        rewait: bool = False,
        skip_schemas: bool = False,
        include_runtime: bool = False,
        on_space: Callable[[GradioSpace], None] | None = None,
    ) -> list[GradioSpace]:
        """One result per id, in input order; a failure stays with its own space. Each
        endpoint carries what calling it needs (`fn_index`, State slots, the generator flag).

        With a `deadline` (seconds), the answer comes after it at most: a space still
        loading then is reported as such and keeps loading in the background, so it is
        ready (cached) for a later request and never stalls this one. A space that an
        earlier call already left loading is not waited for again (unless `rewait`): only
        the first request pays the deadline for a slow or dead space.

        `on_space` (with a deadline) hears of each space as soon as it is discovered, so
        that a caller can start on it while the others load; it must not raise.
        """
        if deadline is not None:
            if skip_schemas or include_runtime:
                raise ValueError("a deadline applies to whole discoveries only")
            return await self._within(space_ids, token, deadline, rewait, on_space)
        ids = list(space_ids)
        started = time.perf_counter()
        line = self._line()
        results = await asyncio.gather(
            *(self._discover(i, token, skip_schemas, include_runtime, line) for i in ids)
        )
        elapsed = _ms(time.perf_counter() - started)
        self.record_discovery(elapsed)
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
        if log.isEnabledFor(logging.DEBUG):
            log.debug("cache_stats", **self.format_cache_metrics())
        return list(results)

    async def _within(
        self,
        space_ids: Iterable[str],
        token: str | None,
        deadline: float,
        rewait: bool,
        on_space: Callable[[GradioSpace], None] | None = None,
    ) -> list[GradioSpace]:
        """`get_spaces` with a deadline: what has not come by then is left running."""
        ids = list(space_ids)
        started = time.perf_counter()
        fingerprint = token_fingerprint(token)
        tasks: list[asyncio.Future[GradioSpace]] = []
        waited: list[asyncio.Future[GradioSpace]] = []
        line = self._line()
        for space_id in ids:
            late = self._late.take((space_id, fingerprint))
            if late is not None:
                tasks.append(late)
                if rewait and not late.done():
                    waited.append(late)
            else:
                fresh = asyncio.ensure_future(self._discover(space_id, token, False, False, line))
                tasks.append(fresh)
                waited.append(fresh)
        if on_space is not None:
            for future in tasks:
                future.add_done_callback(functools.partial(_tell, on_space))
        pending: set[asyncio.Future[GradioSpace]] = set()
        if waited:
            _done, pending = await asyncio.wait(waited, timeout=deadline)
        for space_id, future in zip(ids, tasks, strict=True):
            if future in pending:
                self._late.remember((space_id, fingerprint), future)
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
        self.record_discovery(_ms(time.perf_counter() - started))
        return results

    # ------------------------------------------------------------------ waking

    async def wake(
        self, space_id: str, token: str | None, *, on_stage: StageListener | None = None
    ) -> SpaceMetadata:
        """Wake a sleeping space (or wait for a starting one) until it runs, within
        `wake_timeout_ms`; raises `SpaceError` when it cannot run. Either way, what the
        caches said about the space is forgotten, so the next discovery sees it as it is."""
        try:
            return await wake_space(
                self._hub(self.client),
                space_id,
                token,
                visit_client=self.client,
                space_headers=lambda url: self.space_headers(url, token),
                budget=self.settings.wake_timeout_ms / 1000,
                on_stage=on_stage,
            )
        finally:
            self._late.forget((space_id, token_fingerprint(token)))
            await self.metadata_cache.forget(space_id)
            self.generation += 1

    def wake_in_background(self, space_id: str, token: str | None) -> None:
        """Start waking a space unless that is already under way (for tools/list, which
        does not wait: the space is listed once it runs)."""
        self._waking.start(space_id, token)

    async def get_space(
        self, space_id: str, token: str | None = None, *, include_runtime: bool = False
    ) -> GradioSpace:
        (result,) = await self.get_spaces([space_id], token, include_runtime=include_runtime)
        return result

    # ------------------------------------------------------------------ one space

    async def _discover(
        self,
        raw_id: str,
        token: str | None,
        skip_schemas: bool,
        include_runtime: bool,
        line: asyncio.Semaphore | None = None,
    ) -> GradioSpace:
        started = time.perf_counter()
        try:
            space_id = normalize_space_id(raw_id)
        except Exception as exc:  # an id that is not even text is invalid too
            shown = raw_id if isinstance(raw_id, str) else repr(raw_id)[:100]
            return GradioSpace(id=shown, error=_invalid_id(exc, shown))
        prefetch: Prefetch | None = None
        metadata: SpaceMetadata | None = None
        schema: SpaceSchema | None = None
        error: SpaceError | None = None
        meta_outcome = schema_outcome = ""
        meta_ms = schema_ms = 0.0
        try:
            async with self._place(space_id, line):  # none held while its schema loads
                prefetch = None if skip_schemas else self._maybe_prefetch(space_id)
                t0 = time.perf_counter()
                metadata, meta_outcome = await self._metadata(space_id, token)
                meta_ms = _ms(time.perf_counter() - t0)
            if metadata.private:
                await self._note_private(space_id, metadata)
            host = self._check_usable(metadata)
            if not skip_schemas:
                t1 = time.perf_counter()
                fetched, schema_outcome = await self._schema(metadata, host, token, prefetch)
                schema_ms = _ms(time.perf_counter() - t1)
                self._check_callable(fetched)  # endpoints that cannot be called are not kept
                schema = fetched
        except Exception as exc:
            # The last boundary: whatever failed for this space (a bug of ours included)
            # is its own error, never its neighbours' nor the request's.
            error = self._failure(space_id, metadata, exc)
        finally:
            if prefetch is not None:
                prefetch.close()
        if metadata is not None and not include_runtime and metadata.runtime_stage is not None:
            metadata = dataclasses.replace(metadata, runtime_stage=None)
        timings = Timings(
            meta_ms, schema_ms, _ms(time.perf_counter() - started), meta_outcome, schema_outcome
        )
        _debug(
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

    def _failure(self, space_id: str, metadata: SpaceMetadata | None, exc: Exception) -> SpaceError:
        """`exc` as the space's error, logged without naming a space not known public."""
        error = SpaceError.from_exception(
            exc,
            f"gradio-mcp failed to discover {space_id}",
            phase="metadata" if metadata is None else "schema",
        )
        if error is not exc:
            log.warning("space_discovery_crashed", error=type(exc).__name__)
        confirmed_public = metadata is not None and not metadata.private
        _debug(
            "space_failed",
            space=self._loggable(space_id, metadata),
            error=error.kind.value,
            status=error.status,
            # The message names the space; keep it out unless the space is public.
            detail=error.message if confirmed_public else None,
        )
        return error

    async def _note_private(self, space_id: str, metadata: SpaceMetadata) -> None:
        """Remember a space is private; the first time, also drop from the shared level the
        schema it may have left there while it was public."""
        if not self._known_private.note(space_id):
            return
        if self._shared_schemas is not None and metadata.url:
            await self._shared_schemas.forget(schema_key(metadata, metadata.url))

    def seen_private(self, space_id: str) -> bool:
        """Whether the Hub described this space as private to this process (as long as the
        memory holds it): whether its failures may be named is decided from this."""
        return space_id in self._known_private

    @staticmethod
    def _loggable(space_id: str, metadata: SpaceMetadata | None) -> str:
        # Private space names stay out of logs; so do ids we could not confirm as public.
        return space_id if metadata is not None and not metadata.private else "<private>"

    def _check_callable(self, schema: SpaceSchema) -> None:
        """A SpaceError when the space runs a Gradio (or queue protocol) that cannot be
        called: its endpoints are then not listed, and the reason is the space's error."""
        problem = self.protocol_check(schema) if self.protocol_check is not None else None
        if problem is not None:
            raise SpaceError(ErrorKind.UNSUPPORTED, problem, phase="schema")

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
                stage=stage,
            )
        if metadata.url:
            return metadata.url
        raise SpaceError(
            ErrorKind.BAD_PAYLOAD, f"the Hub gave no host for {metadata.id}", phase="metadata"
        )

    # ------------------------------------------------------------------ refused tokens

    def on_token_refused(self, listener: Callable[[str], Awaitable[None]]) -> None:
        """Call `listener(token)` whenever the Hub answers 401 to a request with `token`."""
        self._token_refused.append(listener)

    async def token_refused(self, token: str) -> None:
        for listener in self._token_refused:
            await listener(token)

    # ------------------------------------------------------------------ metadata

    def _hub(self, client: httpx2.AsyncClient | DocumentClient) -> HubAccess:
        """How to ask the Hub now (the window belongs to the loop this runs on)."""
        s = self.settings
        timeout = s.space_info_timeout_ms / 1000
        window = self._prefetch_window
        return HubAccess(
            client,
            s.hf_endpoint,
            timeout,
            self._hub_slots,
            self.limits,
            self.egress,
            answered=lambda seconds: window.observe(hub=seconds),
        )

    async def _metadata(self, space_id: str, token: str | None) -> tuple[SpaceMetadata, str]:
        hub = self._hub(self.documents)

        async def fetch(previous: Entry[SpaceMetadata] | None) -> Fetched[SpaceMetadata]:
            try:
                return await fetch_space_metadata(hub, space_id, token, previous)
            except SpaceError as exc:
                if token and exc.status == 401:
                    await self.token_refused(token)
                raise

        return await self.metadata_cache.get(
            space_id,
            fetch,
            flight_key=(space_id, token_fingerprint(token)),
            # A space seen to be private is not even asked for in the shared level.
            share=space_id not in self._known_private,
        )

    # ------------------------------------------------------------------ schemas

    def _maybe_prefetch(self, space_id: str) -> Prefetch | None:
        """Start a tokenless schema fetch at the predicted host when metadata is not cached
        (a cached space's metadata is instant, so waiting for it costs nothing)."""
        if self.metadata_cache.peek(space_id) is not None:
            return None
        if space_id in self._known_private:
            return None
        host = predicted_host(self.settings, space_id)
        if host is None:
            return None
        return Prefetch(self._prefetch_window, lambda: self._prefetch_schema(space_id, host))

    async def _prefetch_schema(self, space_id: str, host: str) -> SpaceSchema | None:
        # Another process most likely fetched a space the shared level knows: its schema will
        # come from there, and the space is not asked at all (None: skipped).
        if self._shared_metadata is not None and await self._shared_metadata.contains(space_id):
            return None
        return await self._fetch_schema(host, {})

    async def _fetch_schema(self, host: str, headers: Mapping[str, str]) -> SpaceSchema:
        # With /config, always: it says what a call needs (fn_index, State slots), where
        # outputs sit (output schemas) and which choices are open, so tools need it too.
        return await fetch_space_schema(
            self.documents,
            host,
            headers=headers,
            timeout=self.settings.schema_timeout_ms / 1000,
            slots=self._host_slots,
            limits=self.limits,
        )

    async def _schema(
        self,
        metadata: SpaceMetadata,
        host: str,
        token: str | None,
        prefetch: Prefetch | None,
    ) -> tuple[SpaceSchema, str]:
        key = schema_key(metadata, host)
        flight = schema_flight(key, metadata, token)
        usable = (
            prefetch is not None
            and prefetch.started
            and not metadata.private
            and host == predicted_host(self.settings, metadata.id)
        )
        if prefetch is not None and not usable:
            prefetch.close()
            self.stats.prefetches_discarded += 1
            prefetch = None
        elif prefetch is not None:
            prefetch.confirmed()

        async def fetch(_previous: Entry[SpaceSchema] | None) -> Fetched[SpaceSchema]:
            # Gradio sends no ETag on its schema documents, so there is nothing to revalidate.
            prefetched = await prefetch.task if prefetch is not None else None
            if prefetched is not None:
                self.stats.prefetches_used += 1
                return Fetched(prefetched)
            headers = self.space_headers(host, token) if metadata.private else {}
            schema = await self._fetch_schema(host, headers)
            return Fetched(schema, store=not metadata.private)

        try:
            schema, outcome = await self.schema_cache.get(
                key, fetch, flight_key=flight, share=not metadata.private
            )
        finally:
            if prefetch is not None:
                prefetch.close()
        if outcome != MISS and prefetch is not None:
            self.stats.prefetches_discarded += 1
        return schema, outcome

    def listing_fresh_until(self, spaces: Iterable[GradioSpace], token: str | None) -> float | None:
        """Until when (on this discovery's clock) every one of these listing results (from
        `get_spaces` with a deadline) would come back the same from the caches."""
        return listing_fresh_until(spaces, token, self.metadata_cache, self.schema_cache)


def _tell(on_space: Callable[[GradioSpace], None], future: asyncio.Future[GradioSpace]) -> None:
    if not future.cancelled() and future.exception() is None:
        on_space(future.result())
