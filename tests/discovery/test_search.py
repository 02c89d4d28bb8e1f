"""Searching the Hub's space listing: against LocalHub for real (search words, the Gradio
and MCP filters, sorting by likes, pages, private spaces per token, the cache), and against
scripted answers for what a hostile or failing Hub may send."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx2
import pytest

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.discovery import Discovery, SpaceQuery, SpaceSearch
from gradio_mcp.discovery._search import MAX_PAGES, next_cursor, one_line, parse_search_page
from gradio_mcp.errors import HubError
from tests.clock import Clock
from tests.mock_http import MockHTTP
from tests.upstream import HUB

pytestmark = pytest.mark.anyio

ALICE = "hf_alice_token"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub() as hub:
        hub.add_space(
            "alice/flux-image", title="Flux image maker", likes=40, description="Makes images"
        )
        hub.add_space("bob/image-upscaler", title="Upscaler", likes=90, mcp_server=True)
        hub.add_space("carol/image-board", sdk="streamlit", title="Image board", likes=500)
        hub.add_space("dan/speech", title="Whisper IMAGE captions", likes=7)
        hub.add_space("alice/private-image", title="Secret", private=True, likes=1000)
        hub.add_space("erin/chat", title="Chat", likes=3000)
        hub.add_user("alice", ALICE)
        yield hub


@pytest.fixture
async def search(hub: LocalHub) -> AsyncIterator[SpaceSearch]:
    async with Discovery(Settings(hf_endpoint=hub.url)) as discovery:
        searcher = SpaceSearch(discovery)
        yield searcher
        await searcher.aclose()


def ids(page: object) -> list[str]:
    return [space.id for space in page.spaces]  # type: ignore[attr-defined]


async def test_finds_gradio_spaces_by_a_word_of_id_or_title_most_liked_first(
    search: SpaceSearch,
) -> None:
    page = await search.search(SpaceQuery("image", limit=10), None)
    # The streamlit space and the private one are not listed; "IMAGE" in a title counts.
    assert ids(page) == ["bob/image-upscaler", "alice/flux-image", "dan/speech"]
    flux = page.spaces[1]
    assert (flux.title, flux.likes, flux.stage) == ("Flux image maker", 40, "RUNNING")
    assert flux.description == "Makes images"
    assert page.spaces[0].mcp_server is True and flux.mcp_server is False
    assert page.next_cursor is None


async def test_mcp_only_keeps_spaces_tagged_as_mcp_servers(search: SpaceSearch) -> None:
    page = await search.search(SpaceQuery("image", limit=10, mcp_only=True), None)
    assert ids(page) == ["bob/image-upscaler"]


async def test_pages_follow_the_hubs_cursor(search: SpaceSearch) -> None:
    first = await search.search(SpaceQuery("image", limit=2), None)
    assert ids(first) == ["bob/image-upscaler", "alice/flux-image"]
    assert first.next_cursor is not None
    second = await search.search(SpaceQuery("image", limit=2, cursor=first.next_cursor), None)
    assert ids(second) == ["dan/speech"]
    assert second.next_cursor is None


async def test_a_limit_larger_than_a_hub_page_follows_the_next_pages(hub: LocalHub) -> None:
    hub.listing_page_size = 1  # the Hub's pages hold one space, whatever the limit
    try:
        async with Discovery(Settings(hf_endpoint=hub.url)) as discovery:
            search = SpaceSearch(discovery)
            hub.reset_counters()
            page = await search.search(SpaceQuery("image", limit=10), None)
            assert hub.listing_requests == 3
            hub.reset_counters()
            two = await search.search(SpaceQuery("image", limit=2), None)
            assert hub.listing_requests == 2
            await search.aclose()
    finally:
        hub.listing_page_size = 1000
    assert ids(page) == ["bob/image-upscaler", "alice/flux-image", "dan/speech"]
    assert page.next_cursor is None
    assert ids(two) == ["bob/image-upscaler", "alice/flux-image"]
    assert two.next_cursor is not None  # the rest, for the caller's next call


def _endless_hub(next_origin: str) -> Callable[[httpx2.Request], httpx2.Response]:
    """A Hub whose every page holds one new space and names a next page on `next_origin`."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        n = int(request.url.params.get("cursor", "0"))
        link = f'<{next_origin}/api/spaces?search=x&cursor={n + 1}>; rel="next"'
        return httpx2.Response(
            200, json=[{"id": f"u/s{n}", "sdk": "gradio"}], headers={"Link": link}
        )

    return answer


async def test_following_pages_stops_at_the_page_cap(http_mock: MockHTTP) -> None:
    http_mock.add_callback(_endless_hub(HUB))
    async with Discovery(Settings(hf_endpoint=HUB), client=http_mock.client()) as discovery:
        page = await SpaceSearch(discovery).search(SpaceQuery("x", limit=100), None)
    assert len(http_mock.requests) == MAX_PAGES
    assert ids(page) == [f"u/s{n}" for n in range(MAX_PAGES)]
    assert page.next_cursor == str(MAX_PAGES)


async def test_a_next_page_off_the_hubs_origin_is_not_followed(http_mock: MockHTTP) -> None:
    http_mock.add_callback(_endless_hub("http://169.254.169.254"))
    async with Discovery(Settings(hf_endpoint=HUB), client=http_mock.client()) as discovery:
        page = await SpaceSearch(discovery).search(SpaceQuery("x", limit=100), None)
    assert [str(r.url.copy_with(query=None)) for r in http_mock.requests] == [f"{HUB}/api/spaces"]
    assert ids(page) == ["u/s0"] and page.next_cursor is None


async def test_a_private_space_is_found_only_with_a_token_that_reads_it(
    search: SpaceSearch,
) -> None:
    query = SpaceQuery("image", limit=10)
    owner = await search.search(query, ALICE)
    anonymous = await search.search(query, None)
    stranger = await search.search(query, "hf_someone_else")
    assert ids(owner)[0] == "alice/private-image" and owner.spaces[0].private is True
    assert "alice/private-image" not in ids(anonymous)
    assert "alice/private-image" not in ids(stranger)


async def test_results_are_cached_per_token_and_never_with_a_private_space(
    hub: LocalHub,
) -> None:
    clock = Clock()
    async with Discovery(Settings(hf_endpoint=hub.url, search_cache_ttl_ms=60000)) as discovery:
        search = SpaceSearch(discovery, clock=clock)
        query = SpaceQuery("upscaler", limit=5)
        hub.reset_counters()
        await search.search(query, None)
        await search.search(query, None)
        assert hub.listing_requests == 1
        await search.search(query, "hf_someone_else")  # another caller: asks for itself
        assert hub.listing_requests == 2
        private = SpaceQuery("private", limit=5)
        await search.search(private, ALICE)
        await search.search(private, ALICE)
        assert hub.listing_requests == 4  # a page with a private space is never kept
        clock.now += 61
        await search.search(query, None)  # expired
        assert hub.listing_requests == 5
        await search.aclose()


def test_bad_queries_are_refused_before_any_request() -> None:
    for bad in (
        {"text": "  ", "limit": 5},
        {"text": "x" * 201, "limit": 5},
        {"text": "x", "limit": 0},
        {"text": "x", "limit": 5, "sort": "random"},
        {"text": "x", "limit": 5, "cursor": "a b"},
    ):
        with pytest.raises(ValueError):
            SpaceQuery(**bad)  # type: ignore[arg-type]


def test_the_next_link_gives_only_its_cursor() -> None:
    link = '<https://elsewhere.example/api/spaces?search=x&cursor=abc123%3D>; rel="next"'
    assert next_cursor(link) == "abc123="
    # Given the Hub's origin, a link elsewhere is no next page at all.
    assert next_cursor(link, "https://elsewhere.example") == "abc123="
    assert next_cursor(link, "https://hub.example") is None
    assert next_cursor(link, "http://elsewhere.example") is None
    assert (
        next_cursor(link.replace(".example/", ".example:8443/"), "https://elsewhere.example")
        is None
    )
    assert next_cursor('</api/spaces?cursor=abc>; rel="next"', "https://hub.example") == "abc"
    assert next_cursor('<https://hub/api/spaces?cursor=abc>; rel="prev"') is None
    assert next_cursor('<https://hub/api/spaces?cursor=a"b>; rel="next"') is None
    assert next_cursor(None) is None


def test_authors_texts_become_one_short_printable_line() -> None:
    assert one_line("Two\nlines\x00 and\u202e a\ttab", 100) == "Two lines and a tab"
    assert one_line("x" * 300, 20) == "x" * 19 + "…"
    assert one_line(42, 20) is None and one_line("   ", 20) is None


def test_hostile_listing_entries_are_skipped() -> None:
    payload = [
        {"id": "ok/space", "likes": 3, "cardData": {"title": "Fine"}},
        {"id": "no-slash", "likes": 1},
        {"id": "a/b/c"},
        "not an object",
        {"id": "docker/space", "sdk": "docker"},
        {"id": "weird/likes", "likes": True, "runtime": {"stage": "<script>"}, "private": "yes"},
    ]
    page = parse_search_page(payload, None, limit=10)
    assert [s.id for s in page.spaces] == ["ok/space", "weird/likes"]
    weird = page.spaces[1]
    assert (weird.likes, weird.stage, weird.private) == (0, None, False)
    assert len(parse_search_page([{"id": f"o/s{i}"} for i in range(50)], None, 5).spaces) == 5
    with pytest.raises(HubError):
        parse_search_page({"spaces": []}, None, limit=10)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx2.Response(503, text="busy"), "answered 503"),
        (httpx2.Response(200, text="<html>"), "not JSON"),
        (httpx2.Response(200, content=b"[" + b" " * (3 * 1024 * 1024) + b"]"), "too big"),
        (httpx2.Response(200, text="[" * 100 + "]" * 100), "not JSON"),
    ],
    ids=["status", "html", "huge", "deep"],
)
async def test_a_failing_hub_is_a_hub_error(
    http_mock: MockHTTP, answer: httpx2.Response, expected: str
) -> None:
    http_mock.add_callback(lambda _request: answer)
    settings = Settings(hf_endpoint=HUB)
    async with Discovery(settings, client=http_mock.client()) as discovery:
        search = SpaceSearch(discovery)
        with pytest.raises(HubError, match=expected):
            await search.search(SpaceQuery("x", limit=5), "hf_secret")
    request = http_mock.requests[0]
    assert request.url.path == "/api/spaces"
    assert request.url.params.get_list("filter") == ["gradio"]
    assert request.headers["authorization"] == "Bearer hf_secret"
