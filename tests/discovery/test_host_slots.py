"""Schema request slots: a few per space host, under one bound for all hosts together."""

from __future__ import annotations

import asyncio

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.discovery._host_slots import HostSlots
from tests.mock_http import MockHTTP
from tests.upstream import HUB, install

pytestmark = pytest.mark.anyio


async def _hold_all(slots: HostSlots, urls: list[str]) -> tuple[dict[str, int], int]:
    """Start one request per URL that holds its slot until released; return the most in
    flight per host and overall once every request that could start has started."""
    release = asyncio.Event()
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}
    total = [0, 0]

    async def request(url: str) -> None:
        host = url.split("/")[2]
        async with slots.hold(url):
            in_flight[host] = in_flight.get(host, 0) + 1
            peak[host] = max(peak.get(host, 0), in_flight[host])
            total[0] += 1
            total[1] = max(total[1], total[0])
            await release.wait()
            in_flight[host] -= 1
            total[0] -= 1

    tasks = [asyncio.create_task(request(url)) for url in urls]
    for _ in range(5):  # let every request that can get a slot take it
        await asyncio.sleep(0)
    started = dict(peak), total[1]
    release.set()
    await asyncio.gather(*tasks)
    return started


async def test_each_host_gets_its_own_few_slots() -> None:
    slots = HostSlots(per_host=2, total=100)
    urls = [f"https://busy.example/doc{i}" for i in range(6)] + ["https://quiet.example/doc"]
    peak, _total = await _hold_all(slots, urls)
    # The busy host is held to two; its queue does not keep the quiet host waiting.
    assert peak == {"busy.example": 2, "quiet.example": 1}
    assert slots.busy_hosts() == 0  # hosts are forgotten once nothing waits for them


async def test_all_hosts_together_stay_within_the_total() -> None:
    slots = HostSlots(per_host=2, total=3)
    urls = [f"https://host{i}.example/doc" for i in range(8)]
    _peak, total = await _hold_all(slots, urls)
    assert total == 3


async def test_spaces_on_different_hosts_do_not_queue_behind_each_other(
    http_mock: MockHTTP,
) -> None:
    """Fifty spaces on fifty hosts: every schema request is on its way before the first
    answer comes back (a window of a few dozen spaces would hold the last ones back, and a
    slow space among the first would make them miss the list deadline)."""
    upstream = install(http_mock)
    ids = [f"owner/s{i}" for i in range(50)]
    for i, space_id in enumerate(ids):
        upstream.add(space_id, schema_latency=1.0 if i % 10 == 0 else 0.2)
    settings = Settings.from_env({}, hf_endpoint=HUB, discovery_concurrency=50)
    async with Discovery(settings, client=http_mock.client()) as discovery:
        results = await discovery.get_spaces(ids, None, deadline=5.0)
    assert all(r.ok for r in results)
    first_answer = next(i for i, e in enumerate(upstream.events) if e[:2] == ("schema", "end"))
    for space_id in ids:
        assert upstream.index("schema", "start", space_id) < first_answer, space_id
