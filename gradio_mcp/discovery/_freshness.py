"""Freshness: the keys schemas are cached by, and until when a listing's results would come
back the same from the caches (so a built listing may be reused until then)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from gradio_mcp.discovery._cache import FetchCache
from gradio_mcp.errors import ErrorKind
from gradio_mcp.models import GradioSpace, SpaceMetadata, SpaceSchema
from gradio_mcp.net import token_fingerprint

SchemaKey = tuple[str, str | None, str]


def schema_key(metadata: SpaceMetadata, host: str) -> SchemaKey:
    # A redeployed space has a new revision: its schema is fetched again at once.
    return (metadata.id, metadata.revision, host)


def schema_flight(
    key: SchemaKey, metadata: SpaceMetadata, token: str | None
) -> tuple[SchemaKey, str | None]:
    # Public schemas are the same for everyone, so anyone's fetch may be shared; a private
    # one is fetched with the caller's token and shared only with that token.
    return (key, token_fingerprint(token) if metadata.private else None)


def listing_fresh_until(
    spaces: Iterable[GradioSpace],
    token: str | None,
    metadata_cache: FetchCache[SpaceMetadata],
    schema_cache: FetchCache[SpaceSchema],
) -> float | None:
    """Until when (on the caches' clock) every one of these listing results would come back
    the same from the caches: the earliest expiry of the entries and remembered failures
    they came from. None when they must not be reused: a private space (never cached), a
    space still loading, or an entry gone."""
    fingerprint = token_fingerprint(token)
    until = math.inf
    for space in spaces:
        expiry = _result_expiry(space, fingerprint, metadata_cache, schema_cache)
        if expiry is None:
            return None
        until = min(until, expiry)
    return until


def _result_expiry(
    space: GradioSpace,
    fingerprint: str | None,
    metadata_cache: FetchCache[SpaceMetadata],
    schema_cache: FetchCache[SpaceSchema],
) -> float | None:
    error, metadata = space.error, space.metadata
    if metadata is not None and metadata.private:
        return None
    if error is not None and error.kind == ErrorKind.INVALID_ID:
        return math.inf  # the id itself is wrong; no fetch will change that
    if error is not None and error.phase == "deadline":
        return None
    if metadata is None:  # the metadata fetch failed, and is remembered
        return metadata_cache.failure_expires_at((space.id, fingerprint))
    meta_expiry = metadata_cache.expires_at(space.id)
    if meta_expiry is None:
        return None
    if error is not None and error.phase == "metadata":
        return meta_expiry  # judged from the metadata alone (not Gradio, not running)
    if metadata.url is None:
        return None
    key = schema_key(metadata, metadata.url)
    # A failure found after the schema was read (its tools could not be built) lasts
    # as long as the schema it came from.
    if error is not None and error.phase == "schema":
        failure = schema_cache.failure_expires_at(schema_flight(key, metadata, None))
        return None if failure is None else min(meta_expiry, failure)
    schema_expiry = schema_cache.expires_at(key)
    return None if schema_expiry is None else min(meta_expiry, schema_expiry)
