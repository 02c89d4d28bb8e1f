"""The benchmark's world on loopback: the real Gradio app, the light space hosts, the Hub
emulator, and the servers under test, each in its own process, all stopped at the end."""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx2

from benchmarks.space_hosts import space_id
from gradio_mcp.dev.launcher import GradioAppProcess, free_port
from gradio_mcp.discovery._space_ids import predict_subdomain

ROOT = Path(__file__).resolve().parents[1]
HOST_TEMPLATE = "http://{subdomain}.spaces.bench:%d"
DOCUMENTS = ("/gradio_api/info", "/config", "/gradio_api/mcp/schema")
BIG_ENDPOINTS = 10_000


def rss_kb(pid: int) -> int:
    """Resident memory of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Latency:
    """One class of space: Hub and schema latency (seconds) and the documents it serves."""

    hub: float
    schema: float
    kind: str = "std"

    def ids(self, prefix: str, count: int) -> list[str]:
        return [
            space_id(round(self.schema * 1000), self.kind, f"{prefix}-{i:05d}")
            for i in range(count)
        ]


def mcp_schema_from_info(info_text: str) -> str:
    """The `/gradio_api/mcp/schema` document (the shape Gradio serves, a list of tools) of an
    app, from its `/gradio_api/info`: what the reference reads instead."""
    info = json.loads(info_text)
    tools = []
    for route, endpoint in info.get("named_endpoints", {}).items():
        name = route.lstrip("/")
        properties: dict[str, Any] = {}
        required = []
        for parameter in endpoint.get("parameters", []):
            key = parameter["parameter_name"]
            prop = dict(parameter.get("type") or {})
            prop["description"] = (parameter.get("python_type") or {}).get("description", "")
            if parameter.get("parameter_has_default"):
                prop["default"] = parameter.get("parameter_default")
            else:
                required.append(key)
            properties[key] = prop
        tools.append(
            {
                "name": name,
                "description": endpoint.get("description", ""),
                "inputSchema": {"type": "object", "properties": properties, "required": required},
                "meta": {"file_data_present": False, "mcp_type": "tool", "endpoint_name": name},
            }
        )
    return json.dumps(tools)


@dataclass
class World:
    """Everything started for the run; `stop()` ends it all."""

    tmp: Path
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)
    app: GradioAppProcess | None = None
    hosts_port: int = 0
    hub_url: str = ""
    documents: dict[str, str] = field(default_factory=dict)

    @property
    def host_template(self) -> str:
        return HOST_TEMPLATE % self.hosts_port

    def spawn(
        self, args: Sequence[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[Any]:
        process = subprocess.Popen(
            list(args),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.processes.append(process)
        return process

    def stop_process(self, process: subprocess.Popen[Any]) -> None:
        if process.stdin is not None and not process.stdin.closed:
            process.stdin.close()
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process in self.processes:
            self.processes.remove(process)

    @contextlib.contextmanager
    def scope(self) -> Iterator[None]:
        """Stop, on leaving, every process started inside (one scenario's servers)."""
        before = list(self.processes)
        try:
            yield
        finally:
            for process in [p for p in self.processes if p not in before]:
                self.stop_process(process)

    def stop(self) -> None:
        for process in list(self.processes):
            self.stop_process(process)
        if self.app is not None:
            self.app.stop()

    # ------------------------------------------------------------------ the upstream world

    def start_app(self) -> None:
        """The real Gradio app; its documents become every light space's documents."""
        self.app = GradioAppProcess.start(ROOT / "benchmarks" / "bench_app.py")
        with httpx2.Client(trust_env=False, timeout=30) as client:
            for path in DOCUMENTS:
                response = client.get(self.app.url + path)
                if response.status_code == 200:
                    self.documents[path] = response.text
        if "/gradio_api/mcp/schema" not in self.documents:
            # The app does not serve MCP (so gradio_mcp never asks for this document); the
            # reference server reads only this one.
            info = self.documents["/gradio_api/info"]
            self.documents["/gradio_api/mcp/schema"] = mcp_schema_from_info(info)

    def big_info(self) -> str:
        """/gradio_api/info of a space with BIG_ENDPOINTS endpoints (the app's `echo`, renamed)."""
        info = json.loads(self.documents["/gradio_api/info"])
        echo = info["named_endpoints"]["/echo"]
        named = {f"/echo_{i:05d}": echo for i in range(BIG_ENDPOINTS)}
        return json.dumps({"named_endpoints": named, "unnamed_endpoints": {}})

    def start_space_hosts(self) -> None:
        docs = {"std": self.documents, "big": {"/gradio_api/info": self.big_info()}}
        path = self.tmp / "documents.json"
        path.write_text(json.dumps(docs))
        process = self.spawn([sys.executable, "-m", "benchmarks.space_hosts", str(path)])
        assert process.stdout is not None
        self.hosts_port = int(process.stdout.readline())

    def start_hub(self, spaces: Iterable[dict[str, Any]]) -> None:
        entries = []
        for entry in spaces:
            if "host" not in entry and "upstream" not in entry:
                subdomain = predict_subdomain(entry["id"])
                entry = {**entry, "host": self.host_template.format(subdomain=subdomain)}
            entries.append(entry)
        path = self.tmp / "spaces.json"
        path.write_text(json.dumps(entries))
        process = self.spawn([sys.executable, "-m", "gradio_mcp.dev.hub_emulator", f"@{path}"])
        assert process.stdout is not None
        self.hub_url = process.stdout.readline().strip()
        if not self.hub_url.startswith("http"):
            raise SystemExit("the Hub emulator did not start")

    # ------------------------------------------------------------------ servers under test

    def server_env(self, **settings: Any) -> dict[str, str]:
        env = {
            "HF_ENDPOINT": self.hub_url,
            "GRADIO_MCP_SPACE_HOST_TEMPLATE": self.host_template,
            # Exactly the addresses the benchmark uses: the emulator, the light hosts, the app.
            "GRADIO_MCP_ALLOWED_NETWORKS": "127.0.0.1/32",
            "GRADIO_MCP_CACHE_FILE": "off",  # every cold listing starts cold
            "GRADIO_MCP_LOG_LEVEL": "warning",
            "GRADIO_MCP_MAX_SPACES": "20000",
            "GRADIO_MCP_CACHE_MAX_ENTRIES": "30000",
        }
        env.update({k: str(v) for k, v in settings.items()})
        return env

    def start_server(
        self,
        module: str,
        env: dict[str, str],
        spaces: Sequence[str] = (),
        extra_args: Sequence[str] = (),
    ) -> tuple[str, subprocess.Popen[Any]]:
        """A server (`benchmarks.bench_server`, `...naive_server`, `...bare_server`) on a free
        port; returns its /mcp URL once it answers."""
        port = free_port()
        args = [sys.executable, "-m", module, *extra_args, str(port)]
        if spaces:
            path = Path(tempfile.mktemp(dir=self.tmp, suffix=".txt"))
            path.write_text("\n".join(spaces))
            args.append(str(path))
        process = self.spawn(args, env)
        url = f"http://127.0.0.1:{port}/mcp"
        wait_until_up(url, process)
        return url, process

    def start_cli_server(
        self, env: dict[str, str], workers: int
    ) -> tuple[str, subprocess.Popen[Any]]:
        """`gradio-mcp serve` itself (for throughput with --workers)."""
        port = free_port()
        args = [sys.executable, "-m", "gradio_mcp.cli", "serve", "--port", str(port)]
        if workers > 1:
            args += ["--workers", str(workers)]
        process = self.spawn(args, env)
        url = f"http://127.0.0.1:{port}/mcp"
        wait_until_up(url, process)
        return url, process


def wait_until_up(url: str, process: subprocess.Popen[Any], timeout: float = 300) -> None:
    body = {"jsonrpc": "2.0", "id": 0, "method": "ping", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    deadline = time.monotonic() + timeout
    with httpx2.Client(trust_env=False, timeout=10) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{url}: server exited with {process.returncode}")
            try:
                client.post(url + "?gradio=none", json=body, headers=headers)
                return
            except httpx2.HTTPError:
                time.sleep(0.2)
    raise SystemExit(f"{url} did not start in {timeout:g} s")


def hub_bound(spaces: int, hub: float, schema: float, concurrency: int = 10) -> float:
    """The critical path of a cold discovery with predicted hosts: the Hub window's waves,
    or one schema latency, whichever is longer (schema requests have connections to spare)."""
    return max(math.ceil(spaces / concurrency) * hub, schema)


def log(*parts: Any, out: IO[str] = sys.stderr) -> None:
    print(time.strftime("%H:%M:%S"), *parts, file=out, flush=True)
