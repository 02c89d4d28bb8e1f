"""Tool catalogs kept per set of spaces and class of caller, so that a listing costs the page.

A catalog is kept only while every cache entry and remembered failure it was built from is
fresh (`Discovery.listing_fresh_until`); after that the next request discovers again, which
serves stale entries and starts their background refreshes exactly as before. A catalog with
a private space is never kept (private spaces are never cached). One made only of public
spaces that all answered is the same for every caller, so it is shared; one with a failure
is kept for the caller's own token only (what fails for one token may not for another).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import cachetools

from gradio_mcp.catalog import TOOLS_PHASE, ToolCatalog
from gradio_mcp.discovery import Discovery
from gradio_mcp.errors import ErrorKind
from gradio_mcp.models import GradioSpace
from gradio_mcp.net import token_fingerprint

# The class of callers a catalog of public spaces that all answered is shared with.
_EVERYONE = "*everyone*"


@dataclass(frozen=True)
class _Listing:
    spaces: tuple[GradioSpace, ...]
    catalog: ToolCatalog
    fresh_until: float
    generation: int  # the discovery's, when built: a wake since makes the listing stale
    # The cache lookups one discovery of these spaces makes, counted again on each reuse.
    metadata_hits: int
    metadata_negative: int
    schema_hits: int
    schema_negative: int


def _lookups(spaces: Sequence[GradioSpace]) -> tuple[int, int, int, int]:
    metadata_hits = metadata_negative = schema_hits = schema_negative = 0
    for space in spaces:
        error = space.error
        if error is not None and error.kind == ErrorKind.INVALID_ID:
            continue
        if space.metadata is None:
            metadata_negative += 1
            continue
        metadata_hits += 1
        if error is None or error.phase == TOOLS_PHASE:  # the schema itself was there
            schema_hits += 1
        elif error.phase == "schema":
            schema_negative += 1
    return metadata_hits, metadata_negative, schema_hits, schema_negative


class ListingCache:
    """Catalogs by (space ids, caller class), valid until their earliest entry expires."""

    def __init__(self, discovery: Discovery, maxsize: int = 64) -> None:
        self.discovery = discovery
        self._listings: cachetools.LRUCache[tuple[tuple[str, ...], str | None], _Listing] = (
            cachetools.LRUCache(maxsize=maxsize)
        )
        self.hits = 0

    def get(
        self, space_ids: tuple[str, ...], token: str | None
    ) -> tuple[tuple[GradioSpace, ...], ToolCatalog] | None:
        """The kept spaces and catalog for these ids and this caller, if still fresh."""
        started = time.perf_counter()
        now = self.discovery.clock()
        for key in ((space_ids, token_fingerprint(token)), (space_ids, _EVERYONE)):
            listing = self._listings.get(key)
            if listing is None:
                continue
            if now >= listing.fresh_until or listing.generation != self.discovery.generation:
                del self._listings[key]
                continue
            self.hits += 1
            discovery = self.discovery
            discovery.metadata_cache.count_hits(listing.metadata_hits, listing.metadata_negative)
            discovery.schema_cache.count_hits(listing.schema_hits, listing.schema_negative)
            discovery.record_discovery((time.perf_counter() - started) * 1000)
            return listing.spaces, listing.catalog
        return None

    def put(
        self,
        space_ids: tuple[str, ...],
        token: str | None,
        spaces: Sequence[GradioSpace],
        catalog: ToolCatalog,
    ) -> None:
        """Keep a catalog just built from `spaces`, if it may be reused at all."""
        fresh_until = self.discovery.listing_fresh_until(spaces, token)
        if fresh_until is None or fresh_until <= self.discovery.clock():
            return
        shared = all(space.ok for space in spaces)
        key = (space_ids, _EVERYONE if shared else token_fingerprint(token))
        generation = self.discovery.generation
        self._listings[key] = _Listing(
            tuple(spaces), catalog, fresh_until, generation, *_lookups(spaces)
        )
