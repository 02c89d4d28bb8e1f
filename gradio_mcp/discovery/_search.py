"""Searching the Hub for Gradio spaces: `GET {HF_ENDPOINT}/api/spaces` with its `search`,
`filter`, `sort`, `limit` and `expand[]` parameters, following its pages, cached briefly.

The Hub pages its listing with a `Link: <...?cursor=...>; rel="next"` header. A search
follows it until it has `limit` spaces, at most `MAX_PAGES` pages (a page that brings
nothing new ends it too); past that, the cursor goes back to the caller for the next call.
Only the cursor's value is kept, and only from a link on the Hub's own origin: the next
page's URL is built from our own `HF_ENDPOINT`, never taken from an answer.

Titles and descriptions are written by space authors, so each becomes one short line of
printable text; the answer is read within `GRADIO_MCP_MAX_HUB_BYTES` and
`MAX_JSON_DEPTH` like any other Hub answer.

Results are cached per token (by fingerprint) for `GRADIO_MCP_SEARCH_CACHE_TTL`, and a page
that holds a private space is never kept at all.
"""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

from gradio_mcp.discovery._cache import Entry, FetchCache, Fetched
from gradio_mcp.discovery._engine import Discovery
from gradio_mcp.discovery._hub_errors import hub_errors
from gradio_mcp.errors import ErrorKind, HubError
from gradio_mcp.net import ReadLimitError, loads_json, read_body, token_fingerprint

# Our sort names and the Hub's (always descending).
SORTS = {
    "likes": "likes",
    "trending": "trendingScore",
    "created": "createdAt",
    "modified": "lastModified",
}
GRADIO_TAG = "gradio"
MCP_TAG = "mcp-server"  # the Hub's tag for spaces that enabled Gradio's MCP server
_EXPAND = ("sdk", "likes", "private", "cardData", "runtime", "tags")
MAX_QUERY_CHARS = 200
MAX_CURSOR_CHARS = 1024
# Hub pages one search may read to gather its `limit` spaces.
MAX_PAGES = 5
_TITLE_CHARS = 100
_DESCRIPTION_CHARS = 200
_EMOJI_CHARS = 16
_STAGE = re.compile(r"[A-Z][A-Z_]{0,39}")
_NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?', re.IGNORECASE)
_CURSOR = re.compile(r"[A-Za-z0-9._~+/=-]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class SpaceSummary:
    """One space of a search result, as the Hub lists it."""

    id: str
    likes: int
    private: bool
    mcp_server: bool
    title: str | None = None
    emoji: str | None = None
    stage: str | None = None
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON for a client: unknown fields are left out rather than null."""
        out: dict[str, Any] = {"id": self.id}
        for name in ("title", "emoji", "stage", "description"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(likes=self.likes, private=self.private, mcp_server=self.mcp_server)
        return out


@dataclass(frozen=True)
class SearchPage:
    """One page of results, and the Hub's cursor for the next one (None on the last)."""

    spaces: tuple[SpaceSummary, ...]
    next_cursor: str | None = None

    @property
    def has_private(self) -> bool:
        return any(space.private for space in self.spaces)


@dataclass(frozen=True)
class SpaceQuery:
    """What to ask the Hub for: words in a space's id or title, how many, in which order."""

    text: str
    limit: int
    sort: str = "likes"
    mcp_only: bool = False
    cursor: str | None = None  # the Hub's cursor of the page to fetch

    def __post_init__(self) -> None:
        if not self.text.strip() or len(self.text) > MAX_QUERY_CHARS:
            raise ValueError(f"the query must be 1 to {MAX_QUERY_CHARS} characters")
        if self.limit < 1:
            raise ValueError("the limit must be at least 1")
        if self.sort not in SORTS:
            raise ValueError("the sort must be one of " + ", ".join(SORTS))
        if self.cursor is not None and not is_hub_cursor(self.cursor):
            raise ValueError("not a cursor of this search")

    def params(self) -> httpx2.QueryParams:
        params: list[tuple[str, str | int | float | bool | None]] = [
            ("search", self.text.strip()),
            ("filter", GRADIO_TAG),
        ]
        if self.mcp_only:
            params.append(("filter", MCP_TAG))
        params += [("sort", SORTS[self.sort]), ("direction", "-1"), ("limit", str(self.limit))]
        params += [("expand[]", field) for field in _EXPAND]
        if self.cursor:
            params.append(("cursor", self.cursor))
        return httpx2.QueryParams(params)


def is_hub_cursor(value: str) -> bool:
    return 0 < len(value) <= MAX_CURSOR_CHARS and _CURSOR.fullmatch(value) is not None


def one_line(value: Any, max_chars: int) -> str | None:
    """A space author's text as one line of printable characters, at most `max_chars`."""
    if not isinstance(value, str):
        return None
    kept = "".join(
        ch if unicodedata.category(ch)[0] != "C" or ch == "\u200d" else " " for ch in value
    )
    text = " ".join(kept.split())
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text or None


def _summary(item: Any) -> SpaceSummary | None:
    """A listing entry, or None for one that is not a readable Gradio space."""
    if not isinstance(item, Mapping):
        return None
    space_id = item.get("id")
    if not isinstance(space_id, str) or space_id.count("/") != 1 or len(space_id) > 200:
        return None
    sdk = item.get("sdk")
    if sdk is not None and sdk != GRADIO_TAG:
        return None
    card = item.get("cardData")
    card = card if isinstance(card, Mapping) else {}
    runtime = item.get("runtime")
    stage = runtime.get("stage") if isinstance(runtime, Mapping) else None
    likes = item.get("likes")
    tags = item.get("tags")
    return SpaceSummary(
        id=space_id,
        likes=likes if isinstance(likes, int) and not isinstance(likes, bool) else 0,
        private=item.get("private") is True,
        mcp_server=isinstance(tags, list) and MCP_TAG in tags,
        title=one_line(card.get("title"), _TITLE_CHARS),
        emoji=one_line(card.get("emoji"), _EMOJI_CHARS),
        stage=stage if isinstance(stage, str) and _STAGE.fullmatch(stage) else None,
        description=one_line(card.get("short_description"), _DESCRIPTION_CHARS),
    )


def next_cursor(link_header: str | None, hub_url: str | None = None) -> str | None:
    """The `cursor` parameter of the Hub's `rel="next"` link, when it has a usable one (and,
    given `hub_url`, the link is relative or on the Hub's origin)."""
    match = _NEXT_LINK.search(link_header or "")
    if match is None:
        return None
    link = urlsplit(match.group(1))
    if hub_url is not None and (link.scheme or link.netloc) and not _same_origin(link, hub_url):
        return None
    values = parse_qs(link.query).get("cursor", [])
    return values[0] if values and is_hub_cursor(values[0]) else None


def _same_origin(link: Any, hub_url: str) -> bool:
    hub = urlsplit(hub_url)
    try:
        ports = (
            link.port or _DEFAULT_PORTS.get(link.scheme),
            hub.port or _DEFAULT_PORTS.get(hub.scheme),
        )
    except ValueError:  # a port that is not a number
        return False
    return (
        link.scheme.lower() == hub.scheme.lower()
        and (link.hostname or "") == (hub.hostname or "")
        and ports[0] == ports[1]
    )


def parse_search_page(
    payload: Any, link_header: str | None, limit: int, hub_url: str | None = None
) -> SearchPage:
    """The Hub's JSON listing (an array) as a SearchPage of at most `limit` spaces."""
    if not isinstance(payload, list):
        raise HubError("the Hub's space listing is not a JSON array")
    spaces = [s for s in (_summary(item) for item in payload[:limit]) if s is not None]
    return SearchPage(tuple(spaces), next_cursor(link_header, hub_url))


def _search_error(_kind: ErrorKind, message: str) -> HubError:
    return HubError(message)


async def fetch_search_page(
    discovery: Discovery, query: SpaceQuery, token: str | None, *, timeout: float
) -> SearchPage:
    """One request to the Hub's listing, read within the Hub caps; HubError on any failure."""
    hub_url = discovery.settings.hf_endpoint.rstrip("/")
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    limits = discovery.limits
    with hub_errors(
        _search_error,
        timed_out=f"the Hub did not answer the space search within {timeout:g} s",
        too_big="the Hub's space listing is too big",
        unreachable=f"cannot reach the Hub at {hub_url}",
    ):
        async with (
            asyncio.timeout(timeout),
            discovery.client.stream(
                "GET",
                f"{hub_url}/api/spaces",
                params=query.params(),
                headers=headers,
                timeout=timeout,
            ) as response,
        ):
            if response.status_code == 401 and token:
                await discovery.token_refused(token)
            if response.status_code != 200:
                raise HubError(f"the Hub answered {response.status_code} to the space search")
            body = await read_body(response, limits.hub_bytes, "GRADIO_MCP_MAX_HUB_BYTES")
            link = response.headers.get("link")
    try:
        payload = loads_json(body, limits.json_depth)
    except (ValueError, ReadLimitError):
        raise HubError("the Hub's space listing is not JSON it could be read as") from None
    return parse_search_page(payload, link, query.limit, hub_url)


async def fetch_search_results(
    discovery: Discovery, query: SpaceQuery, token: str | None, *, timeout: float
) -> SearchPage:
    """Up to `query.limit` spaces, following the Hub's next pages (at most MAX_PAGES)."""
    found: dict[str, SpaceSummary] = {}
    page = SearchPage(())
    for _ in range(MAX_PAGES):
        remaining = query.limit - len(found)
        page = await fetch_search_page(
            discovery, replace(query, limit=remaining), token, timeout=timeout
        )
        new = [space for space in page.spaces if space.id not in found]
        found.update((space.id, space) for space in new[:remaining])
        if not new or len(found) >= query.limit or page.next_cursor is None:
            break
        query = replace(query, cursor=page.next_cursor)
    return SearchPage(tuple(found.values()), page.next_cursor)


class SpaceSearch:
    """Searches through one Discovery's client and Hub settings, with a short-lived cache."""

    def __init__(
        self, discovery: Discovery, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.discovery = discovery
        settings = discovery.settings
        ttl = settings.search_cache_ttl_ms / 1000
        self.cache: FetchCache[SearchPage] = FetchCache(
            "space_search",
            ttl=ttl,
            # A failed search is retried soon: nothing waits on it but the agent that asked.
            negative_ttl=min(ttl, 5.0),
            maxsize=256,
            stale_while_revalidate=False,
            clock=clock,
        )
        self._slots = asyncio.Semaphore(settings.discovery_concurrency)

    async def search(self, query: SpaceQuery, token: str | None) -> SearchPage:
        """A page of Gradio spaces matching `query`, as the caller's token may see them."""
        timeout = self.discovery.settings.space_info_timeout_ms / 1000
        # Per token: what one token's search returns is never shown to another.
        key = (query, token_fingerprint(token))

        async def fetch(_previous: Entry[SearchPage] | None) -> Fetched[SearchPage]:
            async with self._slots:
                page = await fetch_search_results(self.discovery, query, token, timeout=timeout)
            return Fetched(page, store=not page.has_private)

        page, _outcome = await self.cache.get(key, fetch)
        return page

    async def aclose(self) -> None:
        await self.cache.aclose()
