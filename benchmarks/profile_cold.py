"""Profile a cold discovery in the benchmark's emulated world, in this process.

Starts the real Gradio app (its documents), the light space hosts and the Hub emulator as
`benchmarks.run` does, then discovers N spaces cold with `Discovery` (the server's
settings, the benchmark resolver) and builds their tool catalog, under cProfile. Prints CPU
per space (discovery, then catalog) and the functions that cost the most.

    python -m benchmarks.profile_cold [SPACES ...] [--top 25] [--no-profile] [--memory] [--own]

`--memory` measures what stays allocated per space (tracemalloc, by allocation site);
`--own` gives every space its own labels and descriptions (the space hosts' kind `own`), so
nothing of one space's schemas is shared with another's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import gc
import pstats
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks._world import World
from benchmarks.bench_server import resolve
from benchmarks.run import SCALE
from gradio_mcp.catalog import build_catalog
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery


async def cold(
    world: World, ids: list[str], profiler: cProfile.Profile | None, memory: bool
) -> None:
    env = world.server_env(GRADIO_MCP_LIST_DEADLINE=600_000)
    settings = Settings.from_env(env)
    async with Discovery(settings, resolver=resolve) as discovery:
        if memory:
            gc.collect()
            tracemalloc.start(1)
            baseline = tracemalloc.take_snapshot()
        if profiler is not None:
            profiler.enable()
        started = time.process_time()
        spaces = await discovery.get_spaces(ids, None, deadline=600)
        discovered = time.process_time()
        catalog = build_catalog(spaces)
        done = time.process_time()
        if profiler is not None:
            profiler.disable()
        if memory:
            # What stays: the caches' entries and the catalog (what a listing keeps).
            del spaces
            await asyncio.sleep(0.2)  # the cache file's and the client's own work settles
            gc.collect()
            held = tracemalloc.take_snapshot().compare_to(baseline, "lineno")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            total = sum(stat.size_diff for stat in held)
            print(
                f"{len(ids)} spaces: {total / len(ids) / 1024:.1f} KiB held per space"
                f" (peak while discovering: {peak / len(ids) / 1024:.1f} KiB per space)"
            )
            for stat in held[:12]:
                print(f"  {stat.size_diff / len(ids):8.0f} B/space  {stat.traceback}")
            del catalog
            return
    assert all(s.ok for s in spaces), [s.error for s in spaces if not s.ok][:3]
    n = len(ids)
    print(
        f"{n} spaces: discovery {(discovered - started) * 1000 / n:.2f} ms CPU per space,"
        f" catalog {(done - discovered) * 1e6 / n:.0f} µs per space ({len(catalog.tools)} tools)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--memory", action="store_true", help="tracemalloc: what a space holds")
    parser.add_argument("--own", action="store_true", help="no two spaces' schemas alike")
    args = parser.parse_args()
    kind = dataclasses.replace(SCALE, kind="own") if args.own else SCALE
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        try:
            world.start_app()
            world.start_space_hosts()
            sets = {n: kind.ids(f"prof-n{n}", n) for n in args.sizes}
            world.start_hub(
                [{"id": i, "hub_latency": kind.hub} for ids in sets.values() for i in ids]
            )
            for ids in sets.values():
                profiler = None
                if not (args.no_profile or args.memory):
                    profiler = cProfile.Profile(time.process_time)
                asyncio.run(cold(world, ids, profiler, args.memory))
                if profiler is not None:
                    stats = pstats.Stats(profiler).sort_stats("tottime")
                    stats.print_stats(args.top)
        finally:
            world.stop()


if __name__ == "__main__":
    main()
