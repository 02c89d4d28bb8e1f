"""The Hub's space listing, `GET /api/spaces`, as LocalHub answers it.

The parameters the Hub takes for a listing: `search` (words in the id or the title, any case),
`filter` (tags the space must all carry: its sdk, `mcp-server`...), `sort` with `direction`,
`limit`, `expand[]` (which fields each entry carries) and `cursor` (the page after the one
whose `Link: <...>; rel="next"` header named it). A private space is listed only for a
token that may read it. Pure: the emulator hands in the spaces' payloads and the reader test.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from gradio_mcp.errors import ListingError as ListingError  # its home is errors.py

SORT_FIELDS = ("likes", "trendingScore", "createdAt", "lastModified", "id")
DEFAULT_FIELDS = ("sdk", "likes", "private", "tags")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Listing:
    """One page of the listing and the query of the next page (None on the last)."""

    entries: list[dict[str, Any]]
    next_query: str | None


def _int(params: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    values = params.get(name)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise ListingError(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise ListingError(f"{name} must be from {low} to {high}")
    return value


def _offset(params: Mapping[str, list[str]]) -> int:
    cursor = (params.get("cursor") or [""])[-1]
    if not cursor:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"]
    except (ValueError, KeyError, TypeError):
        raise ListingError("cursor is not one this listing gave") from None
    if not isinstance(offset, int) or offset < 0:
        raise ListingError("cursor is not one this listing gave")
    return offset


def _matches(payload: Mapping[str, Any], words: str, tags: list[str]) -> bool:
    if words:
        card = payload.get("cardData") or {}
        haystack = f"{payload['id']} {card.get('title') or ''}".lower()
        if words.lower() not in haystack:
            return False
    return all(tag in payload.get("tags", ()) for tag in tags)


def _sort_key(field: str) -> Callable[[Mapping[str, Any]], Any]:
    def key(payload: Mapping[str, Any]) -> Any:
        value = payload.get(field)
        return (value is not None, value if value is not None else 0, payload["id"])

    return key


def list_spaces(
    payloads: Iterable[Mapping[str, Any]],
    params: Mapping[str, list[str]],
    may_read: Callable[[Mapping[str, Any]], bool],
    page_size: int = MAX_LIMIT,
) -> Listing:
    """The page of `payloads` (each space's full Hub entry) that `params` asks for: `limit`
    entries, or fewer when the Hub's own page size is smaller (then the rest comes on the
    pages its `Link` names, `limit` kept in their query)."""
    words = (params.get("search") or [""])[-1].strip()
    tags = [t for t in params.get("filter", []) if t]
    sort = (params.get("sort") or [""])[-1]
    if sort and sort not in SORT_FIELDS:
        raise ListingError(f"sort must be one of {', '.join(SORT_FIELDS)}")
    direction = (params.get("direction") or ["-1"])[-1]
    if direction not in ("1", "-1"):
        raise ListingError("direction must be 1 or -1")
    limit = min(_int(params, "limit", MAX_LIMIT, 1, MAX_LIMIT), max(1, page_size))
    offset = _offset(params)
    expand = params.get("expand[]") or params.get("expand") or list(DEFAULT_FIELDS)

    found = [p for p in payloads if _matches(p, words, tags) and (not p["private"] or may_read(p))]
    found.sort(key=lambda p: p["id"])
    if sort:
        found.sort(key=_sort_key(sort), reverse=direction == "-1")
    page = found[offset : offset + limit]
    entries = [
        {"_id": p["_id"], "id": p["id"], **{f: p[f] for f in expand if f in p}} for p in page
    ]
    next_query = None
    if offset + limit < len(found):
        kept = [(k, v) for k, values in params.items() if k != "cursor" for v in values]
        cursor = base64.urlsafe_b64encode(json.dumps({"offset": offset + limit}).encode()).decode()
        next_query = urlencode([*kept, ("cursor", cursor)])
    return Listing(entries, next_query)
