"""The Redis level behind the caches, against a real redis-server: several `Discovery` objects,
each with its own connection, play the processes of a fleet over one scripted upstream."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.discovery._codec import METADATA
from gradio_mcp.discovery._shared import CACHE_FORMAT, RedisLevel
from gradio_mcp.errors import ErrorKind
from gradio_mcp.net import RedisConnection, RedisState, fingerprint, token_fingerprint
from tests.mock_http import MockHTTP
from tests.redis_server import RedisServer
from tests.upstream import HUB, Upstream

pytestmark = pytest.mark.anyio

SECRET = "fleet-secret-for-tests"
# A schema fetch asks for three documents: /gradio_api/info, /config, /gradio_api/mcp/schema.
ONE_SCHEMA_FETCH = 3


@pytest.fixture
async def fleet(redis_url: str, http_mock: MockHTTP) -> AsyncIterator[Callable[..., Discovery]]:
    """Make a 'process': a Discovery with a connection of its own to the test's Redis."""
    made: list[Discovery] = []

    def process(**overrides: Any) -> Discovery:
        options = {"hf_endpoint": HUB, "redis_url": redis_url, "redis_secret": SECRET}
        settings = Settings.from_env({}, **{**options, **overrides})
        connection = RedisConnection(redis_url, timeout=2.0, retry_interval=0.05)
        discovery = Discovery(settings, client=http_mock.client(), redis=connection)
        made.append(discovery)
        return discovery

    yield process
    for discovery in made:
        await discovery.aclose()
        assert discovery.redis is not None
        await discovery.redis.aclose()


def _everything(redis_server: RedisServer) -> str:
    """Every key and value in Redis, as one text to search."""
    return "\n".join(f"{key} = {value!r}" for key, value in redis_server.dump().items())


async def test_a_second_process_asks_nothing_upstream(upstream: Upstream, fleet: Any) -> None:
    upstream.add("alice/blocks")
    upstream.add("bob/blocks", app="blocks")
    first, second = fleet(), fleet()
    listed = await first.get_spaces(["alice/blocks", "bob/blocks"])
    before = sum(upstream.requests.values())
    again = await second.get_spaces(["alice/blocks", "bob/blocks"])
    assert sum(upstream.requests.values()) == before
    for one, other in zip(listed, again, strict=True):
        assert other.ok and other.metadata == one.metadata and other.schema == one.schema
        assert (other.timings.metadata_cache, other.timings.schema_cache) == ("shared", "shared")
    stats = second.cache_stats()
    assert stats["metadata"]["shared_hits"] == 2 and stats["schemas"]["shared_hits"] == 2
    # Now local: the next lookup does not even ask Redis.
    (local,) = await second.get_spaces(["alice/blocks"])
    assert local.timings.metadata_cache == "hit"
    assert second.cache_stats()["metadata"]["shared_hits"] == 2


async def test_processes_missing_at_once_make_one_fetch_per_space(
    upstream: Upstream, fleet: Any
) -> None:
    ids = ["alice/one", "alice/two", "alice/three"]
    for space_id in ids:
        upstream.add(space_id, hub_latency=0.2, schema_latency=0.2)
    processes = [fleet() for _ in range(5)]
    results = await asyncio.gather(*(p.get_spaces(ids) for p in processes))
    assert all(space.ok for listing in results for space in listing)
    for space_id in ids:
        assert upstream.hub_requests(space_id) == 1
        assert upstream.schema_requests(space_id) == ONE_SCHEMA_FETCH
    waited = sum(p.cache_stats()["metadata"]["shared_hits"] for p in processes)
    assert waited == 4 * len(ids)


async def test_without_the_secret_only_unseen_spaces_are_fetched_by_each(
    upstream: Upstream, fleet: Any
) -> None:
    upstream.add("alice/one", hub_latency=0.2, schema_latency=0.2)
    processes = [fleet(redis_secret="") for _ in range(3)]
    await asyncio.gather(*(p.get_spaces(["alice/one"]) for p in processes))
    # Nobody had seen it: each asked the Hub (no name could be written before the answer),
    # but the schema, known public by then, was fetched once for all.
    assert upstream.hub_requests("alice/one") == 3
    assert upstream.schema_requests("alice/one") == ONE_SCHEMA_FETCH
    (late,) = await fleet(redis_secret="").get_spaces(["alice/one"])
    assert late.timings.metadata_cache == "shared"  # seen now: shared
    assert upstream.hub_requests("alice/one") == 3


async def test_a_private_space_never_reaches_redis(
    upstream: Upstream, fleet: Any, redis_server: RedisServer
) -> None:
    token = "hf_private_reader_token"
    upstream.add("acme/secret-merger", private=True, token=token, schema_latency=0.05)
    upstream.add("alice/blocks")
    first, second = fleet(), fleet()
    for process in (first, second, first):
        listing = await process.get_spaces(["acme/secret-merger", "alice/blocks"], token)
        assert all(space.ok for space in listing)
    stored = _everything(redis_server)
    assert "alice/blocks" in stored  # the public one is shared...
    # ...and nothing that could name the private one: id, name, host, token or fingerprints.
    for needle in (
        "acme",
        "secret-merger",
        "secret_merger",
        token,
        fingerprint(token),
        str(token_fingerprint(token)),
        fingerprint("acme/secret-merger"),
    ):
        assert needle not in stored, needle


async def test_a_space_made_private_leaves_redis(
    upstream: Upstream, fleet: Any, redis_server: RedisServer
) -> None:
    upstream.add("alice/turning", token="t0k")
    settings = {"space_cache_ttl_ms": 200, "stale_while_revalidate": False}
    first, second = fleet(**settings), fleet(**settings)
    await first.get_spaces(["alice/turning"])
    assert "alice/turning" in _everything(redis_server)
    upstream.spaces["alice/turning"].private = True
    await asyncio.sleep(0.3)  # past the metadata TTL everywhere
    (space,) = await second.get_spaces(["alice/turning"], "t0k")
    assert space.ok and space.metadata is not None and space.metadata.private
    assert "alice/turning" not in "".join(redis_server.dump())
    (anonymous,) = await first.get_spaces(["alice/turning"])
    assert not anonymous.ok  # nobody is served the old public entry any more


async def test_a_failed_schema_is_shared_a_failed_hub_answer_is_not(
    upstream: Upstream, fleet: Any, redis_server: RedisServer
) -> None:
    upstream.add("alice/broken", app="no-such-app")  # its /gradio_api/info answers 404
    upstream.add("alice/flaky", hub_status=503)
    first, second = fleet(), fleet()
    broken, flaky = await first.get_spaces(["alice/broken", "alice/flaky"])
    assert broken.error is not None and broken.error.kind is ErrorKind.NOT_GRADIO
    assert flaky.error is not None and flaky.error.kind is ErrorKind.UPSTREAM_STATUS
    schema_requests = upstream.schema_requests("alice/broken")
    broken2, flaky2 = await second.get_spaces(["alice/broken", "alice/flaky"])
    # The schema failure came from Redis, with its kind and message...
    assert broken2.error is not None and broken2.error.to_dict() == broken.error.to_dict()
    assert upstream.schema_requests("alice/broken") == schema_requests
    # ...the Hub's answer did not (it may be the Hub hiding a private space): asked again.
    assert flaky2.error is not None and upstream.hub_requests("alice/flaky") == 2
    assert not [key for key in redis_server.dump() if "alice/flaky" in key]


async def test_redis_going_away_fails_nothing_and_its_return_is_noticed(
    upstream: Upstream,
    fleet: Any,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("WARNING", logger="gradio_mcp.redis")
    upstream.add("alice/blocks")
    upstream.add("alice/other")
    first = fleet()
    await first.get_spaces(["alice/blocks"])
    redis_server.stop()
    try:
        for _ in range(3):
            process = fleet()
            listing = await process.get_spaces(["alice/blocks", "alice/other"])
            assert all(space.ok for space in listing)
            assert process.redis is not None and process.redis.state is RedisState.DOWN
    finally:
        redis_server.start()
    downs = [
        r for r in caplog.records if isinstance(r.msg, dict) and r.msg["event"] == "redis_down"
    ]
    assert len(downs) == 3  # one per process (each has its own connection), not per request
    await asyncio.sleep(0.1)  # past the retry interval
    # Back: a process writes through again, and the next one is served from Redis.
    await fleet().get_spaces(["alice/other"])
    hub_before = upstream.hub_requests("alice/other")
    late = fleet()
    (space,) = await late.get_spaces(["alice/other"])
    assert space.timings.metadata_cache == "shared"
    assert upstream.hub_requests("alice/other") == hub_before


async def test_garbage_in_redis_is_never_believed(
    upstream: Upstream, fleet: Any, redis_server: RedisServer
) -> None:
    upstream.add("alice/blocks")
    process = fleet()
    assert process._shared_metadata is not None
    key = process._shared_metadata.value_key("alice/blocks")
    assert f":cache:v{CACHE_FORMAT}:metadata:" in key
    lie = {
        "v": CACHE_FORMAT,
        "key": "alice/blocks",
        "fetchedAt": time.time(),
        "etag": None,
        "value": {
            "id": "alice/blocks",
            "private": "no",
            "sdk": "gradio",
            "subdomain": None,
            "host": "https://evil.example",
        },
    }
    with redis_server.client() as client:
        client.set(key, json.dumps(lie))
    (space,) = await process.get_spaces(["alice/blocks"])
    assert space.ok and space.metadata is not None
    assert space.metadata.host == "https://alice-blocks.hf.space"
    assert upstream.hub_requests("alice/blocks") == 1
    # Redis counted as down for it (and came back for the later lookups by itself).
    assert process.redis is not None and process.redis.status()["outages"] == 1
    assert "garbage" in str(process.redis.status()["lastError"])


async def test_entries_of_another_format_are_not_read(
    upstream: Upstream, fleet: Any, redis_server: RedisServer
) -> None:
    upstream.add("alice/blocks")
    await fleet().get_spaces(["alice/blocks"])
    with redis_server.client() as client:
        ours, other = f":cache:v{CACHE_FORMAT}:".encode(), f":cache:v{CACHE_FORMAT + 1}:".encode()
        for key in client.scan_iter(match=f"*{ours.decode()}*"):
            client.rename(key, key.replace(ours, other))
    (space,) = await fleet().get_spaces(["alice/blocks"])
    assert space.timings.metadata_cache == "miss"
    assert upstream.hub_requests("alice/blocks") == 2


async def test_an_expired_shared_entry_is_revalidated_by_its_etag(
    upstream: Upstream, fleet: Any
) -> None:
    upstream.add("alice/blocks")
    settings = {"space_cache_ttl_ms": 200}
    await fleet(**settings).get_spaces(["alice/blocks"])
    await asyncio.sleep(0.3)
    late = fleet(**settings)
    (space,) = await late.get_spaces(["alice/blocks"])
    assert space.ok
    hub_headers = [headers for url, headers in upstream.headers if "/api/spaces/" in url]
    assert len(hub_headers) == 2
    assert "if-none-match" in hub_headers[1]  # the ETag another process stored
    assert late.metadata_cache.stats.etag_revalidations == 1
    # Renewed in Redis for everybody: a third process takes it as fresh.
    (third,) = await fleet(**settings).get_spaces(["alice/blocks"])
    assert third.timings.metadata_cache == "shared"


async def test_a_waiter_fetches_itself_when_the_holder_never_answers(redis_url: str) -> None:
    connection = RedisConnection(redis_url, timeout=2.0)
    level = RedisLevel(
        connection,
        METADATA,
        ttl=60,
        negative_ttl=5,
        lock_ttl=0.3,
        keys_are_public=True,
        share_failures=False,
    )
    lock = level.lock_key("alice/blocks", known=True)
    assert lock is not None
    await connection.run(lambda client: client.set(lock, b"someone-else", px=60_000))
    started = time.monotonic()
    async with level.fetch_turn("alice/blocks", known=True) as fetched:
        assert fetched is None  # nothing came: this process fetches after all
    assert time.monotonic() - started >= 0.3
    # And it did not take (or release) the other holder's lock.
    assert await connection.run(lambda client: client.get(lock)) == b"someone-else"
    await connection.aclose()


async def test_the_next_turn_sees_what_the_last_holder_wrote(redis_url: str) -> None:
    """A process that found nothing fresh, then got its turn just after another process
    refreshed the entry, uses that result instead of asking the upstream a second time."""
    from gradio_mcp.models import SpaceMetadata

    connection = RedisConnection(redis_url, timeout=2.0)
    level = RedisLevel(
        connection,
        METADATA,
        ttl=60,
        negative_ttl=5,
        lock_ttl=5,
        keys_are_public=True,
        share_failures=False,
    )
    space = SpaceMetadata("alice/blocks", False, "gradio", "alice-blocks", None)
    assert await level.load("alice/blocks") is None  # what the late process saw
    async with level.fetch_turn("alice/blocks", known=True) as first:
        assert first is None  # the first holder fetches...
        await level.save("alice/blocks", space, '"v2"')  # ...and writes its result
    async with level.fetch_turn("alice/blocks", known=True) as second:
        assert second is not None and second.value == space and second.etag == '"v2"'
    await connection.aclose()


async def test_a_schema_that_is_not_strict_json_stays_local(
    redis_url: str, redis_server: RedisServer
) -> None:
    from gradio_mcp.discovery._codec import SCHEMAS
    from gradio_mcp.models import Endpoint, Parameter, SpaceSchema

    connection = RedisConnection(redis_url, timeout=2.0)
    level = RedisLevel(
        connection, SCHEMAS, ttl=60, negative_ttl=5, lock_ttl=1,
        keys_are_public=True, share_failures=True,
    )  # fmt: skip
    odd = Parameter("x", {"type": "number"}, required=False, has_default=True,
                    default=float("nan"))  # fmt: skip
    schema = SpaceSchema(endpoints=(Endpoint("predict", "", (odd,), ()),))
    await level.save(("alice/odd", None, "https://x"), schema, None)  # no error...
    assert redis_server.dump() == {}  # ...and nothing shared
    await connection.aclose()


async def test_a_value_stored_under_another_spaces_key_is_garbage(
    upstream: Upstream, fleet: Any, redis_server: RedisServer
) -> None:
    """s01's metadata (and schema) copied under s00's keys, whole and well-formed: calls to
    s00 must not run on s01. The lookup falls back to the Hub and the space itself."""
    upstream.add("alice/s00")
    upstream.add("alice/s01", app="interface")
    first = fleet()
    s00, s01 = await first.get_spaces(["alice/s00", "alice/s01"])
    assert s00.ok and s01.ok and s00.schema != s01.schema
    metadata, schemas = first._shared_metadata, first._shared_schemas
    assert metadata is not None and schemas is not None
    assert s00.metadata is not None and s01.metadata is not None
    with redis_server.client() as client:
        stored_metadata = client.get(metadata.value_key("alice/s01"))
        schema_keys = sorted(client.scan_iter(match="*:schemas:alice/s0*"))
        assert len(schema_keys) == 2 and stored_metadata is not None
        s00_schema_key, s01_schema_key = schema_keys
        client.set(metadata.value_key("alice/s00"), stored_metadata)
        client.set(s00_schema_key, client.get(s01_schema_key))

    hub_before = upstream.hub_requests("alice/s00")
    (poisoned,) = await fleet().get_spaces(["alice/s00"])
    assert poisoned.ok and poisoned.metadata is not None
    assert poisoned.metadata.id == "alice/s00"
    assert poisoned.metadata.host == s00.metadata.host != s01.metadata.host
    assert poisoned.schema == s00.schema
    assert upstream.hub_requests("alice/s00") == hub_before + 1


async def test_a_schema_stored_under_another_revision_or_host_is_garbage(
    upstream: Upstream, fleet: Any, redis_server: RedisServer
) -> None:
    upstream.add("alice/blocks")
    first = fleet()
    (space,) = await first.get_spaces(["alice/blocks"])
    assert space.ok and space.metadata is not None
    schemas = first._shared_schemas
    assert schemas is not None
    with redis_server.client() as client:
        (stored_key,) = client.scan_iter(match="*:schemas:alice/blocks*")
        document = json.loads(client.get(stored_key))
    for wrong in (
        "alice/blocks|0000000|https://alice-blocks.hf.space",
        "alice/blocks|-|https://elsewhere.hf.space",
    ):
        level = RedisLevel(
            first.redis,
            schemas.codec,
            ttl=60,
            negative_ttl=0,
            lock_ttl=1,
            keys_are_public=True,
            share_failures=False,
        )
        key = tuple(wrong.split("|"))
        with redis_server.client() as client:
            client.set(level.value_key(key), json.dumps(document))
        assert await level.load(key) is None


async def test_after_the_ttl_the_fleet_asks_once_per_space(upstream: Upstream, fleet: Any) -> None:
    """Four processes, three spaces, the entries expire: in steady state the fleet makes one
    Hub request per space per TTL (a revalidation), and fetches no schema again, whether
    the processes refresh at once or one after another."""
    ids = ["alice/one", "alice/two", "alice/three"]
    for space_id in ids:
        upstream.add(space_id, hub_latency=0.05, schema_latency=0.05)
    ttl = {"space_cache_ttl_ms": 1000, "schema_cache_ttl_ms": 1000}
    processes = [fleet(**ttl) for _ in range(4)]
    for process in processes:
        assert all(s.ok for s in await process.get_spaces(ids))
    for together in (True, False):
        upstream.requests.clear()
        await asyncio.sleep(1.1)  # every entry, here and in Redis, has expired
        if together:
            await asyncio.gather(*(p.get_spaces(ids) for p in processes))
        else:
            for process in processes:
                await process.get_spaces(ids)
        # Stale entries answer at once; let the refreshes behind them finish.
        for process in processes:
            while process.metadata_cache.refreshing or process.schema_cache.refreshing:
                await asyncio.sleep(0.01)
        for space_id in ids:
            assert upstream.hub_requests(space_id) == 1, (together, upstream.requests)
            assert upstream.schema_requests(space_id) == ONE_SCHEMA_FETCH, together
