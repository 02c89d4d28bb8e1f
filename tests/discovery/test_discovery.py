"""Discovery against a scripted Hub and spaces (pytest-httpx): caching, concurrency, privacy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import pytest

from gradio_mcp import ErrorKind
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.net import HttpxDocuments
from tests.clock import Clock
from tests.mock_http import MockHTTP
from tests.upstream import HUB, Upstream

pytestmark = [
    pytest.mark.anyio,
]


@pytest.fixture
async def make(clock: Clock, http_mock: MockHTTP) -> AsyncIterator[Callable[..., Discovery]]:
    made: list[Discovery] = []

    def factory(**overrides: Any) -> Discovery:
        settings = Settings.from_env({}, hf_endpoint=HUB, **overrides)
        discovery = Discovery(settings, clock=clock, client=http_mock.client())
        made.append(discovery)
        return discovery

    yield factory
    for discovery in made:
        await discovery.aclose()


async def test_discovers_metadata_and_endpoints(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    (space,) = await make().get_spaces(["alice/blocks"])
    assert space.ok, space.error
    assert space.metadata is not None and space.metadata.title == "Blocks"
    assert space.metadata.emoji == "🧪" and space.metadata.revision == "a" * 40
    names = [e.api_name for e in space.endpoints]
    assert names[:3] == ["letter_counter", "make_image", "slow_count"]
    assert "hidden_fn" not in names  # private endpoints are not offered
    counter = space.endpoints[0]
    assert [p.name for p in counter.parameters] == ["word", "letter", "case_sensitive"]
    assert counter.parameters[0].default == "strawberry"
    assert counter.parameters[2].has_default and counter.parameters[2].default is False
    assert counter.parameters[1].required and counter.fn_index == 0


async def test_warm_call_makes_no_request(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    discovery = make()
    await discovery.get_spaces(["alice/blocks"])
    before = sum(upstream.requests.values())
    (space,) = await discovery.get_spaces(["alice/blocks"])
    assert space.ok and space.timings.metadata_cache == "hit"
    assert sum(upstream.requests.values()) == before
    metrics = discovery.format_cache_metrics()
    assert metrics["spaceMetadata"]["hits"] == 1 and metrics["schemas"]["hits"] == 1
    assert metrics["overallHitRate"] == 50.0


async def test_concurrent_callers_of_one_space_make_one_fetch(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("alice/blocks", hub_latency=0.05, schema_latency=0.05)
    discovery = make()
    results = await asyncio.gather(*(discovery.get_space("alice/blocks") for _ in range(25)))
    assert all(r.ok for r in results)
    assert upstream.hub_requests("alice/blocks") == 1
    assert upstream.schema_requests("alice/blocks") == 3  # info, config, mcp schema once each


async def test_in_flight_hub_requests_never_exceed_the_bound(upstream: Upstream, make: Any) -> None:
    ids = [f"owner/space{i}" for i in range(12)]
    for space_id in ids:
        upstream.add(space_id, hub_latency=0.05)
    results = await make(discovery_concurrency=3).get_spaces(ids, skip_schemas=True)
    assert all(r.ok for r in results)
    assert upstream.max_in_flight == 3


async def test_a_slow_space_holds_up_no_other(upstream: Upstream, make: Any) -> None:
    """A sliding window: while one slot waits on a slow space, the other keeps going."""
    upstream.add("owner/slow", hub_latency=0.6)
    fast = [f"owner/fast{i}" for i in range(6)]
    for space_id in fast:
        upstream.add(space_id, hub_latency=0.02)
    await make(discovery_concurrency=2).get_spaces(["owner/slow", *fast], skip_schemas=True)
    assert upstream.finished[-1] == "owner/slow"
    assert set(upstream.finished[:-1]) == set(fast)


async def test_schema_requests_do_not_queue_behind_the_hub_window(
    upstream: Upstream, make: Any
) -> None:
    ids = [f"owner/s{i}" for i in range(4)]
    for space_id in ids:
        upstream.add(space_id, hub_latency=0.05, schema_latency=0.3)
    results = await make(discovery_concurrency=1).get_spaces(ids)
    assert all(r.ok for r in results)
    # One Hub slot, so metadata arrives one space at a time; the first space's schema fetch
    # starts as soon as its own metadata is in, while the Hub still answers for the others.
    first, last = ids[0], ids[-1]
    assert upstream.index("hub", "end", first) < upstream.index("schema", "start", first)
    assert upstream.index("schema", "start", first) < upstream.index("hub", "start", last)


async def test_stale_entry_is_revalidated_with_the_etag(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    discovery = make()
    await discovery.get_spaces(["alice/blocks"])
    clock.now += 301
    (space,) = await discovery.get_spaces(["alice/blocks"])
    assert space.ok and space.timings.metadata_cache == "stale"
    await asyncio.sleep(0.05)  # let the background refresh finish
    conditional = [h for url, h in upstream.headers if url.endswith("/api/spaces/alice/blocks")]
    assert "if-none-match" in conditional[-1]
    assert discovery.format_cache_metrics()["spaceMetadata"]["etagRevalidations"] == 1
    (space,) = await discovery.get_spaces(["alice/blocks"])
    assert space.timings.metadata_cache == "hit"


async def test_without_swr_an_expired_entry_is_revalidated_before_answering(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    discovery = make(stale_while_revalidate=False)
    await discovery.get_spaces(["alice/blocks"])
    clock.now += 301
    (space,) = await discovery.get_spaces(["alice/blocks"])
    assert space.ok and space.timings.metadata_cache == "miss"
    assert upstream.hub_requests("alice/blocks") == 2
    assert discovery.metadata_cache.stats.etag_revalidations == 1


async def test_a_private_space_is_fetched_every_time(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/secret", private=True, token="hf_alice")
    discovery = make()
    for _ in range(3):
        (space,) = await discovery.get_spaces(["alice/secret"], "hf_alice")
        assert space.ok and space.metadata is not None and space.metadata.private
    assert upstream.hub_requests("alice/secret") == 3
    assert upstream.schema_requests("alice/secret") == 9
    assert len(discovery.metadata_cache) == 0 and len(discovery.schema_cache) == 0


async def test_private_fetches_are_not_shared_between_tokens(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/secret", private=True, token="hf_alice", hub_latency=0.05)
    discovery = make()
    alice, mallory = await asyncio.gather(
        discovery.get_space("alice/secret", "hf_alice"),
        discovery.get_space("alice/secret", "hf_mallory"),
    )
    assert alice.ok
    assert not mallory.ok and mallory.error is not None
    assert mallory.error.kind == ErrorKind.NOT_FOUND
    assert upstream.hub_requests("alice/secret") == 2


async def test_token_goes_only_to_the_hub_and_trusted_hosts(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/trusted", private=True, token="hf_t")
    upstream.add("alice/elsewhere", private=True, token="hf_t", host="https://evil.example")
    discovery = make()
    await discovery.get_spaces(["alice/trusted", "alice/elsewhere"], "hf_t")
    for url, headers in upstream.headers:
        sent = headers.get("x-hf-authorization") or headers.get("authorization")
        if url.startswith(HUB):
            assert headers["authorization"] == "Bearer hf_t"
        elif url.startswith("https://alice-trusted.hf.space"):
            assert headers["x-hf-authorization"] == "Bearer hf_t"
        else:
            assert url.startswith("https://evil.example") and sent is None


async def test_public_schema_fetches_carry_no_token(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    await make().get_spaces(["alice/blocks"], "hf_secret")
    space_headers = [h for url, h in upstream.headers if ".hf.space" in url]
    assert space_headers and not any("x-hf-authorization" in h for h in space_headers)


async def test_a_dead_space_costs_its_timeout_once(upstream: Upstream, make: Any) -> None:
    upstream.add("owner/dead", hub_latency=5.0)
    upstream.add("owner/alive")
    discovery = make(space_info_timeout_ms=200)
    dead, alive = await discovery.get_spaces(["owner/dead", "owner/alive"])
    assert alive.ok and dead.error is not None and dead.error.kind == ErrorKind.TIMEOUT
    assert "0.2 s" in dead.error.message
    dead, alive = await discovery.get_spaces(["owner/dead", "owner/alive"])
    assert dead.error is not None and dead.error.kind == ErrorKind.TIMEOUT
    # The second answer came from the remembered failure: no second request was made.
    assert upstream.hub_requests("owner/dead") == 1
    assert discovery.metadata_cache.stats.negative_hits == 1


async def test_dead_space_is_retried_after_the_negative_ttl(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("owner/flaky", hub_status=503)
    discovery = make()
    (space,) = await discovery.get_spaces(["owner/flaky"])
    assert space.error is not None and space.error.kind == ErrorKind.UPSTREAM_STATUS
    upstream.spaces["owner/flaky"].hub_status = 200
    clock.now += 31
    # The old failure answers at once while one retry runs behind it...
    (space,) = await discovery.get_spaces(["owner/flaky"])
    assert not space.ok
    await asyncio.sleep(0.05)
    # ...and the next lookup finds the space back.
    (space,) = await discovery.get_spaces(["owner/flaky"])
    assert space.ok
    assert upstream.hub_requests("owner/flaky") == 2


async def test_without_swr_a_dead_space_is_retried_in_the_foreground(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("owner/flaky", hub_status=503)
    discovery = make(stale_while_revalidate=False)
    await discovery.get_spaces(["owner/flaky"])
    upstream.spaces["owner/flaky"].hub_status = 200
    clock.now += 31
    (space,) = await discovery.get_spaces(["owner/flaky"])
    assert space.ok


async def test_stale_metadata_is_kept_when_the_hub_fails(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    discovery = make(stale_while_revalidate=False)
    await discovery.get_spaces(["alice/blocks"])
    clock.now += 301
    upstream.spaces["alice/blocks"].hub_status = 500
    (space,) = await discovery.get_spaces(["alice/blocks"])
    assert space.ok and space.timings.metadata_cache == "stale"
    assert discovery.metadata_cache.stats.stale_if_error == 1


async def test_a_redeployed_space_gets_its_schema_refetched(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/blocks")
    discovery = make(space_cache_ttl_ms=1000, stale_while_revalidate=False)
    await discovery.get_spaces(["alice/blocks"])
    upstream.spaces["alice/blocks"].sha = "b" * 40
    upstream.spaces["alice/blocks"].app = "interface"
    clock.now += 2  # metadata expired; the schema's own TTL (5 min) has not
    (space,) = await discovery.get_spaces(["alice/blocks"])
    assert [e.api_name for e in space.endpoints] == ["sepia", "echo_chat"]
    assert upstream.schema_requests("alice/blocks") == 6


async def test_caches_are_bounded(upstream: Upstream, make: Any) -> None:
    ids = [f"owner/s{i}" for i in range(5)]
    for space_id in ids:
        upstream.add(space_id)
    discovery = make(cache_max_entries=3)
    await discovery.get_spaces(ids)
    assert len(discovery.metadata_cache) == 3 and len(discovery.schema_cache) == 3
    assert discovery.metadata_cache.stats.evictions == 2


async def test_bad_input_fails_alone(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    upstream.add("alice/static", sdk="static")
    upstream.add("alice/sleepy", stage="SLEEPING")
    upstream.add("alice/nomcp", app="nomcp")  # serves /info only
    upstream.add("alice/broken", app="missing")  # serves no schema at all
    ids = [
        "not an id",
        "alice/blocks",
        "alice/static",
        "alice/sleepy",
        "alice/ghost",
        "alice/nomcp",
        "alice/broken",
    ]
    results = await make().get_spaces(ids)
    assert [r.id for r in results] == ids
    kinds = {r.id: (r.error.kind if r.error else None) for r in results}
    assert kinds == {
        "not an id": ErrorKind.INVALID_ID,
        "alice/blocks": None,
        "alice/static": ErrorKind.NOT_GRADIO,
        "alice/sleepy": ErrorKind.NOT_RUNNING,
        "alice/ghost": ErrorKind.NOT_FOUND,
        "alice/nomcp": None,
        "alice/broken": ErrorKind.NOT_GRADIO,
    }
    assert upstream.hub_requests("not an id") == 0
    assert "sleeping" in str(results[3].error)
    assert [e.api_name for e in results[5].endpoints] == ["greet"]


async def test_hub_connection_errors_and_bad_json_are_reported(
    http_mock: MockHTTP, make: Any
) -> None:
    http_mock.add_exception(httpx2.ConnectError("refused"), url=f"{HUB}/api/spaces/a/down")
    http_mock.add_response(url=f"{HUB}/api/spaces/a/garbled", text="<html>")
    down, garbled = await make().get_spaces(["a/down", "a/garbled"])
    assert down.error is not None and down.error.kind == ErrorKind.CONNECTION
    assert garbled.error is not None and garbled.error.kind == ErrorKind.BAD_PAYLOAD


async def test_skip_schemas_and_runtime(upstream: Upstream, make: Any) -> None:
    upstream.add("alice/blocks")
    discovery = make()
    (space,) = await discovery.get_spaces(["alice/blocks"], skip_schemas=True)
    assert space.ok and space.schema is None and space.metadata is not None
    assert space.metadata.runtime_stage is None
    (space,) = await discovery.get_spaces(["alice/blocks"], include_runtime=True)
    assert space.metadata is not None and space.metadata.runtime_stage == "RUNNING"
    assert upstream.schema_requests("alice/blocks") == 3


async def test_predicted_host_overlaps_schema_with_metadata(upstream: Upstream, make: Any) -> None:
    ids = [f"owner/p{i}" for i in range(3)]
    for space_id in ids:
        upstream.add(space_id, hub_latency=0.3, schema_latency=0.3)
    discovery = make(space_host_template="https://{subdomain}.hf.space")
    results = await discovery.get_spaces(ids)
    assert all(r.ok for r in results)
    for space_id in ids:  # each schema fetch began while its metadata was still on its way
        assert upstream.index("schema", "start", space_id) < upstream.index("hub", "end", space_id)
    assert discovery.stats.prefetches_used == 3
    assert sum(upstream.schema_requests(i) for i in ids) == 9


async def test_slow_schemas_do_not_hold_back_the_next_spaces_prefetches(
    upstream: Upstream, make: Any
) -> None:
    # A Hub window of one: early schema fetches run at most four spaces ahead of metadata.
    slow = [f"owner/slow{i}" for i in range(4)]
    for space_id in slow:
        upstream.add(space_id, schema_latency=0.6)
    late = ["owner/late0", "owner/late1"]
    for space_id in late:
        upstream.add(space_id, hub_latency=0.15)
    discovery = make(space_host_template="https://{subdomain}.hf.space", discovery_concurrency=1)
    results = await discovery.get_spaces([*slow, *late])
    assert all(r.ok for r in results)
    # The slow spaces' metadata confirmed their fetches at once, which freed the window for
    # the next spaces: theirs began before their own slow Hub answers came back.
    for space_id in late:
        assert upstream.index("schema", "start", space_id) < upstream.index("hub", "end", space_id)


async def test_prediction_is_dropped_when_the_space_is_private(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("alice/secret", private=True, token="hf_a", hub_latency=0.05)
    discovery = make(space_host_template="https://{subdomain}.hf.space")
    (space,) = await discovery.get_spaces(["alice/secret"], "hf_a")
    assert space.ok
    assert discovery.stats.prefetches_discarded == 1 and discovery.stats.prefetches_used == 0
    # The schema used came from a fetch that carried the token, not the tokenless guess.
    info = [h for url, h in upstream.headers if url.endswith("/gradio_api/info")]
    assert info[-1].get("x-hf-authorization") == "Bearer hf_a"


async def test_public_hub_predicts_hf_space_hosts(upstream: Upstream, clock: Clock) -> None:
    settings = Settings.from_env({})
    assert settings.predicted_host_template == "https://{subdomain}.hf.space"
    assert Settings.from_env({"HF_ENDPOINT": HUB}).predicted_host_template is None


async def test_module_level_functions_share_a_default_discovery(
    upstream: Upstream, http_mock: MockHTTP, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gradio_mcp
    from gradio_mcp.discovery import _default as discovery_module

    monkeypatch.setenv("HF_ENDPOINT", HUB)
    monkeypatch.setattr(discovery_module, "_default", None)
    # The default Discovery builds its own client; give it the scripted one.
    monkeypatch.setattr(Discovery, "_new_client", lambda _self: http_mock.client())
    monkeypatch.setattr(Discovery, "_new_documents", lambda self: HttpxDocuments(self.client))
    upstream.add("alice/blocks")
    (space,) = await gradio_mcp.get_gradio_spaces(["alice/blocks"])
    again = await gradio_mcp.get_gradio_space("alice/blocks")
    assert space.ok and again.ok and again.timings.metadata_cache == "hit"
    metrics = gradio_mcp.format_cache_metrics()
    assert set(metrics) == {
        "spaceMetadata",
        "schemas",
        "totalHits",
        "totalMisses",
        "overallHitRate",
    }
    assert metrics["spaceMetadata"]["hitRate"] == 50.0
    assert gradio_mcp.get_cache_stats()["metadata"]["hits"] == 1
    await discovery_module.default_discovery().aclose()


async def test_a_list_deadline_leaves_a_slow_space_loading_in_the_background(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("owner/quick")
    # Slower than one deadline (0.2 s), faster than two: a second request that waited again
    # would see it finish.
    upstream.add("owner/slow", schema_latency=0.3)
    discovery = make()
    quick, slow = await discovery.get_spaces(["owner/quick", "owner/slow"], None, deadline=0.2)
    assert quick.ok and slow.error is not None and slow.error.phase == "deadline"
    assert "still loading" in slow.error.message
    # A second request does not wait for the space an earlier one left loading: it answers
    # while that first discovery is still at the space.
    _quick, slow = await discovery.get_spaces(["owner/quick", "owner/slow"], None, deadline=0.2)
    assert not slow.ok
    assert ("schema", "end", "owner/slow") not in upstream.events
    await asyncio.sleep(0.5)  # the background discovery finishes and fills the caches
    _quick, slow = await discovery.get_spaces(["owner/quick", "owner/slow"], None, deadline=0.2)
    assert slow.ok
    # One fetch: /gradio_api/info, /config and the MCP schema.
    assert upstream.schema_requests("owner/slow") == 3


async def test_a_space_made_private_stops_being_served_from_the_cache(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/was-public")
    discovery = make()
    (space,) = await discovery.get_spaces(["alice/was-public"])
    assert space.ok
    upstream.spaces["alice/was-public"].private = True
    upstream.spaces["alice/was-public"].token = "hf_alice"
    clock.now += 301
    await discovery.get_spaces(["alice/was-public"])  # stale answer; the refresh gets a 401
    await asyncio.sleep(0.05)
    for _ in range(2):
        clock.now += 31
        (space,) = await discovery.get_spaces(["alice/was-public"])
        assert not space.ok and space.error is not None
        assert space.error.kind == ErrorKind.NOT_FOUND
        await asyncio.sleep(0.05)


async def test_a_slow_private_space_is_handed_to_the_next_list(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("alice/slow-secret", private=True, token="hf_a", schema_latency=0.3)
    discovery = make()
    (space,) = await discovery.get_spaces(["alice/slow-secret"], "hf_a", deadline=0.1)
    assert not space.ok
    await asyncio.sleep(0.8)  # two schema round trips: /config, then the MCP schema it names
    (space,) = await discovery.get_spaces(["alice/slow-secret"], "hf_a", deadline=0.1)
    assert space.ok and space.metadata is not None and space.metadata.private
    assert upstream.hub_requests("alice/slow-secret") == 1


async def test_a_late_result_is_handed_over_only_within_its_minute_on_the_clock(
    upstream: Upstream, make: Any, clock: Clock
) -> None:
    upstream.add("alice/slow-secret", private=True, token="hf_a", schema_latency=0.3)
    discovery = make()
    (space,) = await discovery.get_spaces(["alice/slow-secret"], "hf_a", deadline=0.1)
    assert not space.ok
    await asyncio.sleep(0.8)  # the discovery a deadline left running finishes
    clock.now += 61  # ... longer ago than a late result is kept
    (space,) = await discovery.get_spaces(["alice/slow-secret"], "hf_a", deadline=5.0)
    assert space.ok
    # Not handed over: a private space is never cached, so the Hub is asked again.
    assert upstream.hub_requests("alice/slow-secret") == 2


async def test_early_schema_fetches_stay_a_few_hub_windows_ahead(
    upstream: Upstream, make: Any
) -> None:
    """Schema fetches at predicted hosts run ahead of the metadata, but not all at once: with
    a Hub window of one, only three spaces are fetched early (before any schema has come),
    and the others as the Hub answers (thousands of early fetches would starve the Hub
    answers everyone waits for)."""
    ids = [f"owner/p{i}" for i in range(12)]
    for space_id in ids:
        upstream.add(space_id, hub_latency=0.02, schema_latency=0.02)
    discovery = make(space_host_template="https://{subdomain}.hf.space", discovery_concurrency=1)
    results = await discovery.get_spaces(ids)
    assert all(r.ok for r in results)
    first_hub_answer = upstream.index("hub", "end", ids[0])
    early = [i for i in ids if upstream.index("schema", "start", i) < first_hub_answer]
    assert early == ids[:3]
    assert discovery.stats.prefetches_used >= 4


async def test_spaces_start_a_few_hub_windows_at_a_time(
    upstream: Upstream, make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of spaces do not all start at once (each started one holds tasks, a cache
    flight and an early fetch): with a Hub window of one, nine spaces start before the first
    Hub answer, and each answer lets the next one start."""
    ids = [f"owner/q{i}" for i in range(30)]
    for space_id in ids:
        upstream.add(space_id, hub_latency=0.01)
    discovery = make(space_host_template="https://{subdomain}.hf.space", discovery_concurrency=1)
    started: list[tuple[str, int]] = []
    real = Discovery._maybe_prefetch

    def starting(self: Discovery, space_id: str) -> Any:
        started.append((space_id, len(upstream.events)))
        return real(self, space_id)

    monkeypatch.setattr(Discovery, "_maybe_prefetch", starting)
    results = await discovery.get_spaces(ids)
    assert all(r.ok for r in results)
    assert [space_id for space_id, _ in started] == ids  # in line, each once
    first_hub_answer = upstream.index("hub", "end", ids[0])
    assert [space_id for space_id, seen in started if seen <= first_hub_answer] == ids[:9]


async def test_a_kept_space_never_waits_in_line(upstream: Upstream, make: Any) -> None:
    """Spaces wait in line only to be fetched: a space whose metadata is kept is answered at
    once, while another caller's long cold list loads and within its own long list."""
    upstream.add("owner/kept")
    cold = [f"owner/c{i}" for i in range(40)]
    for space_id in cold:
        upstream.add(space_id, hub_latency=0.05)
    discovery = make(space_host_template="https://{subdomain}.hf.space", discovery_concurrency=1)
    assert (await discovery.get_space("owner/kept")).ok
    loading = asyncio.ensure_future(discovery.get_spaces(cold[:20], None, deadline=30))
    await asyncio.sleep(0.1)  # the other list is loading, its line full
    (alone,) = await discovery.get_spaces(["owner/kept"], None, deadline=0.5)
    *_, last = await discovery.get_spaces([*cold[20:], "owner/kept"], None, deadline=0.5)
    assert alone.ok and last.ok
    assert all(space.ok for space in await loading)


async def test_each_space_is_told_as_soon_as_it_is_discovered(
    upstream: Upstream, make: Any
) -> None:
    upstream.add("owner/quick")
    upstream.add("owner/slow", schema_latency=0.3)
    discovery = make()
    heard: list[str] = []
    await discovery.get_spaces(
        ["owner/slow", "owner/quick", "nobody/there"],
        None,
        deadline=5,
        on_space=lambda space: heard.append(space.id),
    )
    # Every space once, failed ones too, as each is done: the slow one last.
    assert sorted(heard) == ["nobody/there", "owner/quick", "owner/slow"]
    assert heard[-1] == "owner/slow"


async def test_a_deadline_applies_to_whole_discoveries_only(make: Any) -> None:
    # A result left running by a deadline is handed to the next listing: it must be whole.
    with pytest.raises(ValueError, match="deadline"):
        await make().get_spaces(["alice/blocks"], deadline=1.0, skip_schemas=True)
