"""The whole stack on loopback, for end-to-end tests: Gradio apps, a LocalHub and
`gradio-mcp serve` running as a real subprocess.

Spaces are registered on the LocalHub with `upstream=` so that every request to a space goes
through the hub's proxy: the hub then counts what each space was asked (`hub.space_requests`)
and enforces the token a private space needs, as the real `*.hf.space` hosts do.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx2

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import (
    GradioAppProcess,
    free_port,
    spawn_group,
    terminate_group,
    wait_for_http,
)
from gradio_mcp.net import new_http_client

REPO = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
SERVER_READY_TIMEOUT = 60.0
STOP_GRACE = 5.0
_PORT_ATTEMPTS = 3
_OUTPUT_TAIL = 3000
# Variables of the developer's shell that would change what the server does or whose token
# it holds; every server under test starts from a clean slate.
_DROPPED_ENV_PREFIXES = ("GRADIO_MCP_", "GRADIO_SPACE_", "GRADIO_SCHEMA_", "GRADIO_DISCOVERY_")
_DROPPED_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT", "HF_TOKEN_PATH")


def loopback_http_client() -> httpx2.AsyncClient:
    """An HTTP client that reaches the LocalHub's per-space origins (`{sub}.localhost`),
    which the system resolver may not know: the package's own client, loopback allowed."""
    return new_http_client(Settings.from_env({}, allowed_networks=(f"{LOOPBACK}/32",)))


def local_hub_settings(hub: LocalHub) -> Settings:
    """Discovery's settings against a LocalHub: its spaces on their own loopback origins
    (`{sub}.localhost`), which the caller's token may reach."""
    return Settings.from_env(
        {},
        hf_endpoint=hub.url,
        space_host_template=hub.host_template,
        trusted_hosts=("*.localhost:*",),  # the hub proxies each space on its own origin
        allowed_networks=(f"{LOOPBACK}/32",),
    )


@dataclass(frozen=True)
class SpaceSpec:
    """A space to put on the LocalHub, backed by one of the running Gradio apps."""

    id: str
    app: str  # key in the apps mapping
    title: str
    emoji: str
    private: bool = False
    tokens: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The space's name without its owner: the prefix of its tool names."""
        return self.id.split("/", 1)[1]


def register_spaces(
    hub: LocalHub, apps: Mapping[str, GradioAppProcess], specs: Sequence[SpaceSpec]
) -> None:
    for spec in specs:
        if spec.app not in apps:
            raise KeyError(f"no running Gradio app named {spec.app!r} (have {sorted(apps)})")
        hub.add_space(
            spec.id,
            upstream=apps[spec.app].url,
            title=spec.title,
            emoji=spec.emoji,
            private=spec.private,
            tokens=spec.tokens,
        )


def gradio_mcp_command() -> list[str]:
    """The installed `gradio-mcp` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("gradio-mcp")
    if not script.exists():
        found = shutil.which("gradio-mcp")
        if found is None:
            raise RuntimeError(
                f"the gradio-mcp command is not installed next to {sys.executable}: "
                f"run `{sys.executable} -m pip install -e {REPO}` first"
            )
        script = Path(found)
    return [str(script)]


def server_env(hub: LocalHub, spaces: Sequence[str], extra: Mapping[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _DROPPED_ENV and not k.startswith(_DROPPED_ENV_PREFIXES)
    }
    no_proxy = [p for p in env.get("NO_PROXY", env.get("no_proxy", "")).split(",") if p]
    env["NO_PROXY"] = env["no_proxy"] = ",".join([*no_proxy, LOOPBACK, "localhost"])
    # Cold starts, as the tests count them (the cache file is tested on its own).
    env["GRADIO_MCP_CACHE_FILE"] = "off"
    env.update(
        {
            "HF_ENDPOINT": hub.url,
            # The hub proxies each space on its own {subdomain}.localhost origin, as
            # *.hf.space does on the real Hub: those hosts must receive callers' tokens.
            "GRADIO_MCP_TRUSTED_HOSTS": "*.localhost:*",
            # ...and they resolve to loopback, refused unless allowed: exactly that address.
            "GRADIO_MCP_ALLOWED_NETWORKS": f"{LOOPBACK}/32",
            "GRADIO_MCP_SPACES": ",".join(spaces),
            "GRADIO_MCP_HOST": LOOPBACK,
            "GRADIO_MCP_LOG_LEVEL": "warning",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


class ServerProcess:
    """`gradio-mcp serve` in its own process group, output to a temporary log file."""

    def __init__(self, env: Mapping[str, str], port: int, args: Sequence[str] = ()) -> None:
        self.port = port
        self._args = list(args)
        self._env = dict(env, GRADIO_MCP_PORT=str(port))
        # No token file from the developer's home: the server must hold no token of its own.
        self._home = tempfile.mkdtemp(prefix="gradio_mcp_e2e_home_")
        self._env["HF_HOME"] = self._home
        fd, log_name = tempfile.mkstemp(prefix="gradio_mcp_serve_", suffix=".log")
        self._log_path = Path(log_name)
        self._log: IO[bytes] | None = os.fdopen(fd, "wb")
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(
        cls,
        hub: LocalHub,
        spaces: Sequence[str],
        extra_env: Mapping[str, str] | None = None,
        *,
        ready_timeout: float = SERVER_READY_TIMEOUT,
        args: Sequence[str] = (),
    ) -> ServerProcess:
        """Start the server (`gradio-mcp serve ARGS`) on a free port and return once
        `/healthz` answers 200."""
        env = server_env(hub, spaces, extra_env or {})
        last_error: RuntimeError | None = None
        for _ in range(_PORT_ATTEMPTS):
            server = cls(env, free_port(), args)
            try:
                server._spawn()
                server._wait_ready(time.monotonic() + ready_timeout)
            except RuntimeError as error:
                output = server.output()
                server.stop()
                if "address already in use" in output.lower():
                    last_error = error
                    continue  # somebody took the port between free_port() and bind()
                raise
            except BaseException:
                server.stop()
                raise
            return server
        assert last_error is not None
        raise last_error

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def mcp_url(self, query: str = "") -> str:
        return f"{self.url}/mcp" + (f"?{query}" if query else "")

    def output(self) -> str:
        try:
            return self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _spawn(self) -> None:
        assert self._log is not None
        self._process = spawn_group(
            [*gradio_mcp_command(), "serve", *self._args],
            cwd=Path(self._home),
            env=self._env,
            log=self._log,
        )

    def _wait_ready(self, deadline: float) -> None:
        assert self._process is not None
        problem = wait_for_http(self._process, f"{self.url}/healthz", deadline)
        if problem is not None:
            self._fail(problem)

    def _fail(self, what: str) -> None:
        tail = self.output()[-_OUTPUT_TAIL:].rstrip() or "(no output)"
        raise RuntimeError(f"gradio-mcp serve on port {self.port} {what}\n--- output ---\n{tail}")

    def send_signal(self, signum: int) -> None:
        """Signal the server's own process only, as a container runtime or systemd does."""
        assert self._process is not None
        self._process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        """Its exit status, once it has exited by itself within `timeout` seconds."""
        assert self._process is not None
        return self._process.wait(timeout=timeout)

    def crash(self) -> None:
        """SIGKILL the whole process group at once, as a crash or a lost machine would: the
        server gets no chance to tidy up (`stop()` still removes its files)."""
        process = self._process
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_GRACE)

    def stop(self) -> int | None:
        """SIGTERM the whole process group, SIGKILL what is left after a grace period, and
        remove the log (read `output()` before stopping to keep it)."""
        process, self._process = self._process, None
        code: int | None = None
        if process is not None:
            code = terminate_group(process, STOP_GRACE)
        if self._log is not None:
            self._log.close()
            self._log = None
        with contextlib.suppress(OSError):
            self._log_path.unlink()
        shutil.rmtree(self._home, ignore_errors=True)
        return code


@contextlib.contextmanager
def running_server(
    hub: LocalHub, spaces: Sequence[str], extra_env: Mapping[str, str] | None = None
) -> Iterator[ServerProcess]:
    server = ServerProcess.start(hub, spaces, extra_env)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def running_servers(
    hub: LocalHub, spaces: Sequence[str], envs: Sequence[Mapping[str, str]]
) -> Iterator[list[ServerProcess]]:
    """One server per environment in `envs`, started side by side (each start is mostly
    waiting for imports, so this costs little more than one)."""
    with ThreadPoolExecutor(max_workers=len(envs) or 1) as pool:
        futures = [pool.submit(ServerProcess.start, hub, spaces, env) for env in envs]
    started = [f.result() for f in futures if f.exception() is None]
    try:
        for future in futures:
            if future.exception() is not None:
                raise RuntimeError("a server did not start") from future.exception()
        yield started
    finally:
        for server in started:
            server.stop()


@dataclass
class Stack:
    """A LocalHub with spaces on it and one server serving them."""

    hub: LocalHub
    server: ServerProcess
    specs: tuple[SpaceSpec, ...]

    def spec(self, space_id: str) -> SpaceSpec:
        return next(s for s in self.specs if s.id == space_id)


@contextlib.contextmanager
def running_stack(
    apps: Mapping[str, GradioAppProcess],
    specs: Sequence[SpaceSpec],
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Stack]:
    """A LocalHub serving `specs` and `gradio-mcp serve` serving all of them by default."""
    with LocalHub() as hub:
        register_spaces(hub, apps, specs)
        with running_server(hub, [s.id for s in specs], extra_env) as server:
            yield Stack(hub=hub, server=server, specs=tuple(specs))


__all__ = [
    "ServerProcess",
    "SpaceSpec",
    "Stack",
    "gradio_mcp_command",
    "loopback_http_client",
    "register_spaces",
    "running_server",
    "running_servers",
    "running_stack",
    "server_env",
]
