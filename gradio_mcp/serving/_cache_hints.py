"""How long a listing stays good, and who may share it: `ttlMs` and `cacheScope` (SEP-2549).

A tools/list or prompts/list answer is built from discovery cache entries. It stays what a new
request would get until the earliest of those entries expires (`Discovery.listing_fresh_until`,
kept with the catalog), so that is its `ttlMs`. It is `0` when nothing bounds it: a private
space (never cached), a space that failed (it may come back at any moment; its remembered
failure is retried behind the next request), or an answer served from expired entries while
they refresh.

`cacheScope` is `public` only when the answer is what an anonymous caller would get: no private
space in it, no failure (what fails for one token may be a private space another token sees),
and no sign-in required. Anything else is `private`, reusable by the same caller only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mcp.server import CacheHint

from gradio_mcp.config import Settings
from gradio_mcp.errors import ErrorKind
from gradio_mcp.models import GradioSpace

Scope = Literal["public", "private"]


@dataclass(frozen=True)
class Hint:
    """The `ttlMs` and `cacheScope` of one answer."""

    ttl_ms: int
    scope: Scope


def listing_hint(
    spaces: Sequence[GradioSpace],
    fresh_until: float | None,
    now: float,
    *,
    sign_in_required: bool,
    horizon_ms: int,
) -> Hint:
    """The hint of an answer built from `spaces`, kept valid until `fresh_until` (None when
    it was not kept), at `now` on the same clock. `horizon_ms` bounds an answer that no
    cache entry bounds (no spaces, or only malformed ids): a redeploy shows within it."""
    private = failing = False
    for space in spaces:  # one pass: a listing may hold thousands of spaces
        metadata, error = space.metadata, space.error
        private = private or (metadata is not None and metadata.private)
        # A malformed id fails the same way for everybody, for ever: it bounds nothing.
        failing = failing or (error is not None and error.kind != ErrorKind.INVALID_ID)
    scope: Scope = "private" if private or failing or sign_in_required else "public"
    if private or failing or fresh_until is None:
        return Hint(0, scope)
    left_ms = (fresh_until - now) * 1000 if math.isfinite(fresh_until) else math.inf
    return Hint(max(0, math.floor(min(left_ms, horizon_ms))), scope)


def discover_cache_hint(settings: Settings) -> CacheHint:
    """`server/discover` says what this process serves (versions, capabilities,
    instructions): it changes only with a redeploy, which it shows within the metadata TTL."""
    scope: Scope = "private" if settings.require_auth else "public"
    return CacheHint(ttl_ms=settings.space_cache_ttl_ms, scope=scope)
