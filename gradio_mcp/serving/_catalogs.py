"""The one cache of built tool catalogs, keyed on what makes a catalog differ.

A catalog depends on its spaces (each one's id, metadata, which carries the revision, schema
and failure) and on the naming options; a *listing* (the catalog that answers these space
ids for this caller now) depends on the caller's class as well. Both are kept here:

* built catalogs, by their spaces and options: a stale listing finds the very same cached
  schema objects, so the catalog built from them is reused as it is. A catalog of a private
  space is never kept (private spaces are never cached);
* listings, by (space ids, caller class), each valid while every cache entry and remembered
  failure it was built from is fresh (`Discovery.listing_fresh_until`) and no space was woken
  since; after that the next request discovers again, which serves stale entries and starts
  their background refreshes exactly as before. One made only of public spaces that all
  answered is the same for every caller, so it is shared; one with a failure is kept for the
  caller's own token only (what fails for one token may not for another).

Its statistics are its own (`CatalogStats`): a listing served from here is not a lookup in
the discovery caches, and is not counted there.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cachetools

from gradio_mcp.catalog import ToolCatalog, ToolHints, ToolsAhead, build_catalog
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.models import GradioSpace
from gradio_mcp.net import token_fingerprint

# Catalogs of more tools than this are built off the event loop.
OFF_LOOP_TOOLS = 500
# The class of callers a catalog of public spaces that all answered is shared with.
_EVERYONE = "*everyone*"
# Schemas of recently listed tools, for the SDK's pre-call header validation (2026 wire).
_SCHEMA_MEMORY = 4096

Spaces = tuple[GradioSpace, ...]


@dataclass
class CatalogStats:
    """Listings answered from a kept catalog or discovered again; catalogs built or reused."""

    listing_hits: int = 0
    listing_misses: int = 0
    built: int = 0
    reused: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "listingHits": self.listing_hits,
            "listingMisses": self.listing_misses,
            "built": self.built,
            "reused": self.reused,
        }


@dataclass(frozen=True)
class _Listing:
    spaces: Spaces
    catalog: ToolCatalog
    fresh_until: float
    generation: int  # the discovery's, when built: a wake since makes the listing stale


class Catalogs:
    """The catalogs a server builds, kept; and the input schemas of the tools it listed."""

    def __init__(
        self,
        settings: Settings,
        discovery: Discovery,
        hints: ToolHints | None = None,
        *,
        on_discovered: Callable[[Sequence[GradioSpace], str | None], None] | None = None,
        maxsize: int = 64,
    ) -> None:
        self.settings = settings
        self.discovery = discovery
        self.hints = hints
        self.stats = CatalogStats()
        self._on_discovered = on_discovered
        self._built: cachetools.LRUCache[Any, tuple[Spaces, ToolCatalog]] = cachetools.LRUCache(
            maxsize=maxsize
        )
        self._listings: cachetools.LRUCache[Any, _Listing] = cachetools.LRUCache(maxsize=maxsize)
        self._schemas: dict[str, Mapping[str, Any]] = {}

    # ------------------------------------------------------------------ listings

    async def listing(
        self,
        space_ids: tuple[str, ...],
        token: str | None,
        *,
        deadline: float | None = None,
        rewait: bool = False,
        on_built: Callable[[Sequence[dict[str, Any]]], None] | None = None,
    ) -> tuple[Sequence[GradioSpace], ToolCatalog]:
        """The spaces and catalog for these ids and this caller: kept while fresh, else
        discovered within `deadline` (`rewait`: waiting again for spaces still loading;
        `on_built`: each space's tools once built, while the others load)."""
        if not rewait:
            kept = self._kept(space_ids, token)
            if kept is not None:
                self.stats.listing_hits += 1
                return kept.spaces, kept.catalog
        self.stats.listing_misses += 1
        deadline = self.settings.list_deadline_ms / 1000 if deadline is None else deadline
        # Each space's tools are built as it arrives, while the others load.
        ahead = ToolsAhead(**self._options(self.settings.tool_names), on_built=on_built)
        found = await self.discovery.get_spaces(
            space_ids, token, deadline=deadline, rewait=rewait, on_space=ahead.add
        )
        spaces, catalog = await self.build(found, name_style=self.settings.tool_names, ahead=ahead)
        if self._on_discovered is not None:
            self._on_discovered(spaces, token)
        self._keep(space_ids, token, spaces, catalog)
        return spaces, catalog

    def _kept(self, space_ids: tuple[str, ...], token: str | None) -> _Listing | None:
        now = self.discovery.clock()
        for key in ((space_ids, token_fingerprint(token)), (space_ids, _EVERYONE)):
            listing = self._listings.get(key)
            if listing is None:
                continue
            if now >= listing.fresh_until or listing.generation != self.discovery.generation:
                del self._listings[key]
                continue
            return listing
        return None

    def fresh_until(self, space_ids: tuple[str, ...], token: str | None) -> float | None:
        """Until when the listing kept for these ids and this caller stays valid (None when
        none is kept: it was not keepable, or has expired): its answers' `ttlMs`."""
        kept = self._kept(space_ids, token)
        return kept.fresh_until if kept is not None else None

    def _keep(
        self,
        space_ids: tuple[str, ...],
        token: str | None,
        spaces: Sequence[GradioSpace],
        catalog: ToolCatalog,
    ) -> None:
        fresh_until = self.discovery.listing_fresh_until(spaces, token)
        if fresh_until is None or fresh_until <= self.discovery.clock():
            return
        shared = all(space.ok for space in spaces)
        key = (space_ids, _EVERYONE if shared else token_fingerprint(token))
        self._listings[key] = _Listing(
            tuple(spaces), catalog, fresh_until, self.discovery.generation
        )

    # ------------------------------------------------------------------ built catalogs

    def _options(self, name_style: str) -> dict[str, Any]:
        """How tools are built here: the same for a catalog and its tools built ahead."""
        return {
            "max_name_length": self.settings.max_name_length,
            "name_style": name_style,
            "max_description_chars": self.settings.max_description_chars,
            "hints": self.hints,
        }

    async def build(
        self,
        spaces: Sequence[GradioSpace],
        *,
        name_style: str = "space",
        ahead: ToolsAhead | None = None,
    ) -> tuple[Spaces, ToolCatalog]:
        """The catalog of these discovered spaces, and the spaces with its failures marked (a
        space whose endpoints could not be made into tools is a failed space like any)."""
        key = (
            name_style,
            tuple(
                (s.id, s.metadata, id(s.schema), s.error.kind if s.error else None) for s in spaces
            ),
        )
        remembered = self._built.get(key)
        if remembered is not None:
            self.stats.reused += 1
            return remembered
        build = functools.partial(build_catalog, spaces, ahead=ahead, **self._options(name_style))
        # About 0.1 ms per tool: a big catalog is built in a worker thread, so the event
        # loop keeps answering (the GIL changes hands every few ms) instead of stalling.
        todo = sum(len(space.endpoints) for space in spaces) - len(ahead or ())
        large = todo > OFF_LOOP_TOOLS
        catalog = await asyncio.to_thread(build) if large else build()
        self.stats.built += 1
        marked = tuple(catalog.mark_failures(spaces))
        if not any(s.metadata is not None and s.metadata.private for s in spaces):
            # The spaces are kept with the catalog so the schema ids in the key stay theirs.
            self._built[key] = (marked, catalog)
        return marked, catalog

    # ------------------------------------------------------------------ listed schemas

    def remember_listed(self, tools: Sequence[Mapping[str, Any]]) -> None:
        """The latest listing of a name (tools in JSON form) is what the SDK checks a call's
        headers against."""
        for tool in tools:
            name = tool["name"]
            self._schemas.pop(name, None)
            if len(self._schemas) >= _SCHEMA_MEMORY:
                self._schemas.pop(next(iter(self._schemas)))
            self._schemas[name] = tool["inputSchema"]

    def listed_schema(self, name: str) -> Mapping[str, Any] | None:
        return self._schemas.get(name)
