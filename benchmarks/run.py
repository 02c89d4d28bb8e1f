"""Every benchmark scenario in one run: prints the tables and writes docs/benchmarks.md and
docs/benchmarks.png.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python -m benchmarks.run [--quick]

Everything runs on loopback, each part in its own process: a real Gradio app (its documents
are captured, and it answers the tools/call scenario), one process of light space hosts
answering as thousands of distinct hosts with set latencies, the Hub emulator, and the
servers measured through their MCP HTTP endpoint: gradio-mcp, a bare SDK server serving the
same tool list from memory, and a naive server (sequential, no cache) as the "before".
`--quick` leaves out 10,000 spaces and shortens the loops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from benchmarks import reference
from benchmarks._mcp_client import McpConnection, list_all_tools
from benchmarks._world import ROOT, Latency, World, cpu_seconds, hub_bound, log, rss_kb
from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import proxied_host_template

# Scenario latencies (seconds): the reference measurement's S24, and a lighter profile for
# the sweep over N so that 10,000 spaces fit in the run (Hub window: the default 10).
S24 = Latency(hub=0.3, schema=1.0)
SLOW = Latency(hub=0.3, schema=3.0)
SCALE = Latency(hub=0.05, schema=0.1)
# Beside Hugging Face's server: spaces per run, and their latencies; FAST (the Hub and the
# spaces answer at once) shows the CPU-bound case.
FAST = Latency(hub=0.01, schema=0.01)
REFERENCE_PLAN = [(24, S24), (100, SCALE), (1000, SCALE), (100, FAST), (1000, FAST)]
CONCURRENCY = 10
LIST_DEADLINE = 4.0  # the default GRADIO_MCP_LIST_DEADLINE
NAIVE_HUB_TIMEOUT = 5.0  # the naive server waits this long for a dead space's Hub answer


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Row:
    """One measured line: our samples (seconds), and what they are compared with."""

    scenario: str
    ours: list[float]
    bound: float | None = None
    bare: list[float] | None = None
    naive: float | None = None
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    scale: list[dict[str, Any]] = field(default_factory=list)
    throughput: list[dict[str, Any]] = field(default_factory=list)
    calls: dict[str, list[float]] = field(default_factory=dict)
    big: dict[str, float] = field(default_factory=dict)
    soak: dict[str, Any] = field(default_factory=dict)
    naive_per_space: dict[str, float] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def until_complete(url: str, query: str, tools: int, seconds: float = 60) -> None:
    """Wait (bounded) until a listing has every tool: a cold listing on a loaded machine can
    miss the list deadline, and the spaces it left loading arrive shortly after."""
    deadline = time.monotonic() + seconds
    while len(await complete_listing(url, query)) < tools:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}{query[:60]}: still incomplete after {seconds:g} s")
        await asyncio.sleep(0.2)


async def complete_listing(url: str, query: str = "") -> list[str]:
    connection = McpConnection(url + query)
    try:
        return await list_all_tools(connection)
    finally:
        await connection.close()


async def tools_of(url: str, query: str = "") -> list[dict[str, Any]]:
    connection = McpConnection(url + query)
    tools: list[dict[str, Any]] = []
    cursor = None
    try:
        for _ in range(10_000):
            result = await connection.request("tools/list", {"cursor": cursor} if cursor else {})
            tools += result["tools"]
            cursor = result.get("nextCursor")
            if not cursor:
                return tools
    finally:
        await connection.close()
    raise RuntimeError("listing did not end")


def gradio_query(ids: list[str]) -> str:
    return "?gradio=" + ",".join(ids)


async def interleaved(
    ours: Callable[[], Awaitable[Any]],
    bare: Callable[[], Awaitable[Any]],
    rounds: int,
    block: int,
) -> tuple[list[float], list[float]]:
    """Alternate blocks of runs between the two, so machine noise falls on both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for samples, call in ((a, ours), (b, bare)):
            for _ in range(block):
                samples.append((await timed(call))[0])
    return a, b


# ---------------------------------------------------------------------- the naive "before"


async def naive_per_space(world: World, label: str, ids: list[str]) -> float:
    """Seconds per space of the naive server (sequential, so its total is the sum)."""
    url, process = world.start_server(
        "benchmarks.naive_server",
        world.server_env(GRADIO_MCP_SPACES=",".join(ids), GRADIO_MCP_PAGE_SIZE=100_000),
    )
    try:
        await complete_listing(url)  # connections and imports
        elapsed, names = await timed(lambda: complete_listing(url))
        if not names:
            raise RuntimeError(f"naive server listed nothing for {label}")
    finally:
        world.stop_process(process)
    return elapsed / len(ids)


# ---------------------------------------------------------------------- scenarios 1-3


async def s24_cold_warm_stale(
    world: World, results: Results, reps: int, sets: list[list[str]]
) -> None:
    """S24: 24 spaces x 3 endpoints, Hub 300 ms, schema 1 s: cold, warm, stale."""
    ttl = 5.0
    env = world.server_env(
        GRADIO_SPACE_CACHE_TTL=int(ttl * 1000), GRADIO_SCHEMA_CACHE_TTL=int(ttl * 1000)
    )
    url, _process = world.start_server("benchmarks.bench_server", env)
    cold: list[float] = []
    stale: list[float] = []
    warm: list[float] = []
    bare_warm: list[float] = []
    bare_url = ""
    complete = 0
    for rep in range(reps):
        query = gradio_query(sets[rep])
        fetched_at = time.monotonic()
        elapsed, names = await timed(lambda q=query: complete_listing(url, q))
        cold.append(elapsed)
        complete += len(names) == 72
        await until_complete(url, query, 72)
        if not bare_url:
            bare_url = await start_bare(world, await tools_of(url, query))
        a, b = await interleaved(
            lambda q=query: complete_listing(url, q), lambda b=bare_url: complete_listing(b), 3, 5
        )
        warm += a
        bare_warm += b
        await asyncio.sleep(max(0.0, fetched_at + ttl + 0.3 - time.monotonic()))
        elapsed, names = await timed(lambda q=query: complete_listing(url, q))
        stale.append(elapsed)
        assert len(names) == 72
    bound = hub_bound(24, S24.hub, S24.schema, CONCURRENCY)
    naive = results.naive_per_space["s24"] * 24
    results.rows += [
        Row(
            "S24 cold",
            cold,
            bound=bound,
            naive=naive,
            note=f"complete (72 tools) in {complete} of {reps} runs",
        ),
        Row("S24 warm", warm, bare=bare_warm, naive=naive),
        Row(
            "S24 stale (TTL expired)",
            stale,
            bare=bare_warm,
            naive=naive,
            note="compare with warm: target within 1.5x",
        ),
    ]


async def start_bare(world: World, tools: list[dict[str, Any]]) -> str:
    path = Path(tempfile.mktemp(dir=world.tmp, suffix=".json"))
    path.write_text(json.dumps(tools))
    url, _process = world.start_server("benchmarks.bare_server", {}, extra_args=[str(path)])
    return url


async def s24_dead(world: World, results: Results, reps: int, sets: list[list[str]]) -> None:
    """S24 plus one space whose Hub answer never comes: cold (waits the list deadline once),
    then warm (the failure is remembered)."""
    url, _process = world.start_server("benchmarks.bench_server", world.server_env())
    cold: list[float] = []
    warm: list[float] = []
    for rep in range(reps):
        query = gradio_query([*sets[rep], "lat0/std-dead"])
        elapsed, _names = await timed(lambda q=query: complete_listing(url, q))
        cold.append(elapsed)
        await until_complete(url, query, 72)
        for _ in range(10):
            warm.append((await timed(lambda q=query: complete_listing(url, q)))[0])
    naive = results.naive_per_space["s24"] * 24 + NAIVE_HUB_TIMEOUT
    results.rows += [
        Row(
            "S24 + dead space, cold",
            cold,
            bound=LIST_DEADLINE,
            naive=naive,
            note="the bound is the list deadline: a dead space is known only then",
        ),
        Row("S24 + dead space, warm", warm, naive=naive),
    ]


async def slow_spaces(world: World, results: Results, reps: int, sets: list[list[str]]) -> None:
    """50 spaces, one in ten slow (3 s): cold, and whether the first listing is complete."""
    url, _process = world.start_server("benchmarks.bench_server", world.server_env())
    cold: list[float] = []
    complete = 0
    for rep in range(reps):
        elapsed, names = await timed(lambda r=rep: complete_listing(url, gradio_query(sets[r])))
        cold.append(elapsed)
        complete += len(names) == 150
    naive = 45 * results.naive_per_space["s24"] + 5 * results.naive_per_space["slow"]
    results.rows.append(
        Row(
            "50 spaces, 5 slow (3 s), cold",
            cold,
            bound=hub_bound(50, SLOW.hub, SLOW.schema),
            naive=naive,
            note=f"complete (all 150 tools) in {complete} of {reps} runs",
        )
    )


# ---------------------------------------------------------------------- scenario 4


async def scale(world: World, results: Results, sizes: dict[int, int]) -> None:
    """N spaces: cold, warm complete listing beside the bare server, memory per space.

    Up to a hundred spaces, one server takes each run's spaces in `?gradio=`; from a thousand
    on, each run gets a fresh server with the spaces configured (too many for a URL), whose
    resident memory before and after says what a cached space costs."""
    # Entries must not expire during the run itself: a cold listing of 10,000 spaces on a
    # loaded machine can outlast the default 5 minutes, and every page after it would then
    # be a stale-while-revalidate pass over all of them.
    small = world.server_env(
        GRADIO_MCP_LIST_DEADLINE=600_000,
        GRADIO_SPACE_CACHE_TTL=3_600_000,
        GRADIO_SCHEMA_CACHE_TTL=3_600_000,
    )
    shared_url, shared = world.start_server("benchmarks.bench_server", small)
    for n, reps in sizes.items():
        cold: list[float] = []
        warm: list[float] = []
        bare: list[float] = []
        per_space_kb: list[float] = []
        rss_after: list[float] = []
        cpu_ms: list[float] = []
        for rep in range(reps):
            ids = SCALE.ids(f"n{n}-r{rep}", n)
            fresh = n >= 1000
            if fresh:
                url, process = world.start_server("benchmarks.bench_server", small, spaces=ids)
                query = ""
                await complete_listing(url + "?gradio=none")
                before = rss_kb(process.pid)
            else:
                url, query = shared_url, gradio_query(ids)
                process = shared
            cpu_before = cpu_seconds(process.pid)
            elapsed, names = await timed(lambda u=url, q=query: complete_listing(u, q))
            cpu_ms.append((cpu_seconds(process.pid) - cpu_before) * 1000 / n)
            assert len(names) == 3 * n, (n, len(names))
            cold.append(elapsed)
            if fresh:
                rss_after.append(rss_kb(process.pid) / 1024)
                per_space_kb.append((rss_kb(process.pid) - before) / n)
            if rep == 0:
                bare_url = await start_bare(world, await tools_of(url, query))
                a, b = await interleaved(
                    lambda u=url, q=query: complete_listing(u, q),
                    lambda b=bare_url: complete_listing(b),
                    2 if n >= 10_000 else 3,
                    1 if n >= 1000 else 5,
                )
                warm += a
                bare += b
            if fresh:
                world.stop_process(process)
            log(f"  {n} spaces, run {rep + 1}: cold {elapsed:.2f} s")
        results.scale.append(
            {
                "n": n,
                "cold": cold,
                "bound": hub_bound(n, SCALE.hub, SCALE.schema, CONCURRENCY),
                "warm": warm,
                "bare": bare,
                "kb_per_space": per_space_kb,
                "cpu_ms_per_space": cpu_ms,
                "rss_mb": rss_after,
                "naive": results.naive_per_space["scale"] * n,
                "pages": math.ceil(3 * n / Settings().page_size),
            }
        )


# ---------------------------------------------------------------------- scenario 5


async def throughput_of(url: str, clients: int, seconds: float) -> float:
    """Warm tools/list answers per second with `clients` connections kept busy."""
    connections = [McpConnection(url) for _ in range(clients)]
    done = 0
    stop_at = time.perf_counter() + seconds

    async def client(connection: McpConnection) -> None:
        nonlocal done
        for _ in range(1_000_000):  # bounded; the clock ends it first
            if time.perf_counter() >= stop_at:
                return
            await connection.request("tools/list")
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        await connection.close()
    return done / elapsed


def workers_supported() -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "gradio_mcp.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    ).stdout
    return "--workers" in out


async def throughput(
    world: World, results: Results, levels: list[int], seconds: float, ids: list[str]
) -> None:
    """S24 warm tools/list, 1/8/32/128 clients: gradio-mcp serve (1 and N workers) beside
    the bare SDK server returning the same list."""
    env = world.server_env(
        GRADIO_MCP_SPACES=",".join(ids),
        # These spaces sit behind the emulator's proxy (plain `serve` has no resolver for the
        # light hosts' names).
        GRADIO_MCP_SPACE_HOST_TEMPLATE=proxied_host_template(world.hub_url),
    )
    servers: dict[str, str] = {}
    url, _p = world.start_cli_server(env, workers=1)
    servers["gradio-mcp, 1 worker"] = url
    await until_complete(url, "", 72)
    tools = await tools_of(url)
    assert len(tools) == 72, len(tools)
    servers["bare SDK server"] = await start_bare(world, tools)
    if workers_supported():
        url, _p = world.start_cli_server(env, workers=2)
        for _ in range(20):  # every worker discovers (and caches) once
            await until_complete(url, "", 72)
        # A connection stays with one worker: many at once reach both, so neither is still
        # cold when the clock starts.
        await throughput_of(url, 16, 3.0)
        servers["gradio-mcp, 2 workers"] = url
    for clients in levels:
        row: dict[str, Any] = {"clients": clients}
        for label, url in servers.items():
            row[label] = await throughput_of(url, clients, seconds)
        results.throughput.append(row)
        log(
            f"  {clients} clients: "
            + ", ".join(f"{k} {v:.0f}/s" for k, v in row.items() if k != "clients")
        )


# ---------------------------------------------------------------------- scenario 6


async def direct_call(client: httpx2.AsyncClient, base: str) -> None:
    response = await client.post(f"{base}/gradio_api/call/echo", json={"data": ["hi"]})
    event_id = response.json()["event_id"]
    async with client.stream("GET", f"{base}/gradio_api/call/echo/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event: complete"):
                break


async def calls(world: World, results: Results, rounds: int) -> None:
    """tools/call on a trivial real Gradio endpoint, beside a direct Gradio HTTP call (the
    same two requests, from an httpx2 client) and gradio_client."""
    assert world.app is not None
    env = world.server_env(GRADIO_MCP_SPACES="bench/app")
    url, _process = world.start_server("benchmarks.bench_server", env)
    connection = McpConnection(url)
    names = await list_all_tools(connection)
    assert "app__echo" in names, names

    async def ours() -> None:
        result = await connection.request(
            "tools/call", {"name": "app__echo", "arguments": {"text": "hi"}}
        )
        assert not result.get("isError"), result

    base = world.app.url
    async with httpx2.AsyncClient(trust_env=False, timeout=30) as client:
        for _ in range(5):  # warm-up: connections, the space's call details
            await ours()
            await direct_call(client, base)
        mine, direct = await interleaved(ours, lambda: direct_call(client, base), rounds, 10)
    await connection.close()
    from gradio_client import Client

    gradio_client = Client(base, verbose=False)
    official: list[float] = []
    for _ in range(20):
        started = time.perf_counter()
        gradio_client.predict("hi", api_name="/echo")
        official.append(time.perf_counter() - started)
    results.calls = {
        "gradio-mcp tools/call": mine,
        "direct Gradio HTTP call": direct,
        "gradio_client": official,
    }


# ---------------------------------------------------------------------- scenario 7


async def big_space(world: World, results: Results) -> None:
    """One space with 10,000 endpoints: parse time, cold listing, longest event-loop stall."""
    from gradio_mcp.discovery._schema_parser import parse_space_schema

    info = json.loads(world.big_info())
    parse = []
    for _ in range(3):
        started = time.perf_counter()
        schema = parse_space_schema(info)
        parse.append(time.perf_counter() - started)
    assert len(schema.endpoints) == 10_000
    # Its /gradio_api/info is about 12 MB, over the default cap on schema documents (8 MiB).
    env = world.server_env(GRADIO_MCP_LIST_DEADLINE=600_000, GRADIO_MCP_MAX_SCHEMA_BYTES=64 * 2**20)
    url, _process = world.start_server("benchmarks.bench_server", env)
    probe = url.replace("/mcp", "/_bench/loop")
    async with httpx2.AsyncClient(trust_env=False, timeout=30) as client:
        await client.get(probe)  # starts the probe
        await asyncio.sleep(0.2)
        await client.get(probe)
        connection = McpConnection(url + "?gradio=lat100/big-one")
        first, _page = await timed(lambda: connection.request("tools/list"))
        stall = (await client.get(probe)).json()["longest_stall_ms"] / 1000
        complete, names = await timed(lambda: list_all_tools(connection))
        await connection.close()
    assert len(names) == 10_000, len(names)
    results.big = {
        "parse": median(parse),
        "first_page": first,
        "stall": stall,
        "complete": complete,
    }


# ---------------------------------------------------------------------- scenario 8


async def soak(results: Results, clients: int, seconds: float) -> None:
    """Many clients for a while against `gradio-mcp serve` and two real demo apps
    (benchmarks/soak.py, in its own process with its own apps, Hub and server)."""
    command = [
        sys.executable, "-m", "benchmarks.soak",
        "--clients", str(clients), "--seconds", str(seconds),
    ]  # fmt: skip
    done = await asyncio.to_thread(
        subprocess.run, command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 600
    )
    if done.returncode != 0:
        raise RuntimeError(f"the soak failed: {done.stderr[-2000:]}")
    results.soak = json.loads(done.stdout)


# ---------------------------------------------------------------------- the run


def hub_spaces(
    sets: dict[str, list[list[str]]], scale_sizes: dict[int, int], app_url: str
) -> list[dict[str, Any]]:
    spaces: list[dict[str, Any]] = []
    for key, latency in (("s24", S24), ("dead", S24)):
        for group in sets[key]:
            spaces += [{"id": i, "hub_latency": latency.hub} for i in group]
    for group in sets["slow"]:
        for index, space in enumerate(group):
            spaces.append({"id": space, "hub_latency": SLOW.hub})
            del index
    spaces.append({"id": "lat0/std-dead", "fault": "hang"})
    for n, reps in scale_sizes.items():
        for rep in range(reps):
            spaces += [{"id": i, "hub_latency": SCALE.hub} for i in SCALE.ids(f"n{n}-r{rep}", n)]
    spaces.append({"id": "lat100/big-one", "hub_latency": SCALE.hub})
    spaces.append({"id": "bench/app", "host": app_url})
    spaces += [{"id": f"tp/s{i:02d}", "upstream": app_url, "replay": True} for i in range(24)]
    for sample in sets["naive"]:
        spaces += [
            {"id": i, "hub_latency": SCALE.hub if "lat100" in i else S24.hub} for i in sample
        ]
    return spaces


def slow_set(rep: int) -> list[str]:
    out = []
    for i in range(50):
        latency = SLOW if i % 10 == 0 else S24
        out += latency.ids(f"slow-r{rep}-{i:02d}", 1)
    return out


SCENARIOS = ("s24", "dead", "slow", "scale", "reference", "throughput", "calls", "big", "soak")


async def run(quick: bool, only: set[str]) -> Results:
    results = Results()
    started = time.perf_counter()
    reps = 3 if quick else 5
    scale_sizes = {10: reps, 100: reps, 1000: 2 if quick else 3}
    if not quick:
        scale_sizes[10_000] = 1
    sets = {
        "s24": [S24.ids(f"s24-r{r}", 24) for r in range(reps)],
        "dead": [S24.ids(f"dead-r{r}", 24) for r in range(3)],
        "slow": [slow_set(r) for r in range(3)],
        "naive": [S24.ids("naive-s24", 4), SLOW.ids("naive-slow", 2), SCALE.ids("naive-scale", 20)],
    }
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        try:
            log("starting the Gradio app, the light space hosts and the Hub emulator")
            world.start_app()
            assert world.app is not None
            world.start_space_hosts()
            world.start_hub(
                hub_spaces(sets, scale_sizes, world.app.url) + reference.hub_entries(REFERENCE_PLAN)
            )
            if only & {"s24", "dead", "slow", "scale"}:
                log("naive server: seconds per space")
                for key, sample in zip(("s24", "slow", "scale"), sets["naive"], strict=True):
                    results.naive_per_space[key] = await naive_per_space(world, key, sample)
            steps: list[tuple[str, str, Callable[[], Awaitable[None]]]] = [
                (
                    "s24",
                    "S24: cold, warm, stale",
                    lambda: s24_cold_warm_stale(world, results, reps, sets["s24"]),
                ),
                ("dead", "S24 + a dead space", lambda: s24_dead(world, results, 3, sets["dead"])),
                ("slow", "50 spaces, 5 slow", lambda: slow_spaces(world, results, 3, sets["slow"])),
                ("scale", "N spaces", lambda: scale(world, results, scale_sizes)),
                (
                    "reference",
                    f"beside Hugging Face's server {reference.VERSION}",
                    lambda: reference.reference(world, results, REFERENCE_PLAN, reps),
                ),
                (
                    "throughput",
                    "warm throughput",
                    lambda: throughput(
                        world,
                        results,
                        [1, 8, 32, 128],
                        2.0 if quick else 3.0,
                        [f"tp/s{i:02d}" for i in range(24)],
                    ),
                ),
                ("calls", "tools/call", lambda: calls(world, results, 5 if quick else 10)),
                ("big", "one space with 10,000 endpoints", lambda: big_space(world, results)),
                (
                    "soak",
                    "soak: 50 clients",
                    lambda: soak(results, 50, 20.0 if quick else 60.0),
                ),
            ]
            for name, label, step in steps:
                if name in only:
                    log(label)
                    with world.scope():
                        await step()
        finally:
            world.stop()
    results.seconds = time.perf_counter() - started
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="no 10,000 spaces, shorter loops")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help="comma list of: " + ", ".join(SCENARIOS)
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(only - set(SCENARIOS)))}")
    results = asyncio.run(run(args.quick, only))
    from benchmarks._report import DOC, render, write

    text = render(results, machine(), command(args))
    print(text)
    if not args.no_write and only == set(SCENARIOS):
        write(results, text)
        log(f"wrote {DOC.relative_to(ROOT)} and its plot")


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpus = sum(1 for line in cpuinfo if line.startswith("processor"))
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{platform.system()} {platform.release()}, {cpus} CPUs ({models[0] if models else '?'}),"
        f" Python {platform.python_version()}, load average at the end {load}"
    )


def command(args: argparse.Namespace) -> str:
    return ".venv/bin/python -m benchmarks.run" + (" --quick" if args.quick else "")


if __name__ == "__main__":
    main()
