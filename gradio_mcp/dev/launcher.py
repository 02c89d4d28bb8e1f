"""Start and stop Gradio apps as subprocesses on loopback.

Used by the tests, the benchmarks and ``gradio-mcp demo``. Each app runs as
``python <app>.py --host 127.0.0.1 --port N`` in its own process group, so stopping it also
ends anything it spawned. Readiness means ``GET /gradio_api/info`` answered 200. POSIX only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, Self

import httpx2

from gradio_mcp.errors import AppStartError

__all__ = [
    "DEFAULT_READY_TIMEOUT",
    "AppStartError",
    "GradioAppProcess",
    "bundled_apps",
    "free_port",
    "spawn_group",
    "start_apps",
    "stop_apps",
    "terminate_group",
    "wait_for_http",
]

LOOPBACK = "127.0.0.1"
DEFAULT_READY_TIMEOUT = 60.0
STOP_GRACE_SECONDS = 5.0
READY_PATH = "/gradio_api/info"
_POLL_INTERVAL = 0.1
_OUTPUT_TAIL_CHARS = 3000
# A free port picked by us can be taken by someone else before the app binds it.
_PORT_ATTEMPTS = 3
_PORT_CLASH_MARKERS = ("Cannot find empty port", "Address already in use")
# Gradio pings its own URL at launch and gives up when a busy machine answers too slowly;
# a second start usually gets through.
_SELF_CHECK_FAILED = "When localhost is not accessible"
# The child's environment: no analytics or telemetry calls, unbuffered output for the log,
# and loopback never routed through a proxy (Gradio checks its own URL with httpx at launch).
_CHILD_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "PYTHONUNBUFFERED": "1",
}


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def bundled_apps() -> dict[str, Path]:
    """The example Gradio apps shipped with gradio_mcp, by name (file stem), sorted."""
    directory = Path(__file__).resolve().parent / "demo_apps"
    return {
        path.stem: path for path in sorted(directory.glob("*.py")) if not path.name.startswith("_")
    }


def _child_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(_CHILD_ENV)
    no_proxy = [p for p in env.get("NO_PROXY", env.get("no_proxy", "")).split(",") if p]
    for host in (LOOPBACK, "localhost"):
        if host not in no_proxy:
            no_proxy.append(host)
    env["NO_PROXY"] = env["no_proxy"] = ",".join(no_proxy)
    if extra:
        env.update(extra)
    return env


def wait_for_http(process: subprocess.Popen[Any], probe: str, deadline: float) -> str | None:
    """Poll `probe` until it answers 200 (returns None), the process exits or `deadline`
    (monotonic) passes (returns what went wrong). Used for apps and servers alike."""
    last_problem = "no answer yet"
    # trust_env=False: a proxy from the environment must never see loopback probes.
    with httpx2.Client(trust_env=False, timeout=2.0) as client:
        while True:
            code = process.poll()
            if code is not None:
                return f"exited with code {code} before {probe} answered"
            try:
                response = client.get(probe)
            except httpx2.HTTPError as error:
                last_problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 200:
                    return None
                last_problem = f"HTTP {response.status_code}"
            if time.monotonic() >= deadline:
                return f"was not ready at {probe} in time (last probe: {last_problem})"
            time.sleep(_POLL_INTERVAL)


class GradioAppProcess:
    """One Gradio app running as a subprocess on loopback.

    Create and wait for it with :meth:`start`; end it with :meth:`stop` or a ``with`` block.
    """

    def __init__(
        self,
        app_path: Path,
        *,
        port: int,
        name: str | None = None,
        host: str = LOOPBACK,
        env: Mapping[str, str] | None = None,
        python: str | None = None,
        ready_path: str = READY_PATH,
    ) -> None:
        self.app_path = Path(app_path).resolve()
        # Another interpreter runs the app in another virtualenv (an older Gradio).
        self.python = python or sys.executable
        self.ready_path = ready_path
        self.port = port
        self.host = host
        self.name = name or self.app_path.stem
        self._env = _child_env(env)
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_path: Path | None = None
        self._stopped_output = ""

    @classmethod
    def start(
        cls,
        app_path: Path,
        *,
        port: int | None = None,
        name: str | None = None,
        env: Mapping[str, str] | None = None,
        ready_timeout: float = DEFAULT_READY_TIMEOUT,
        python: str | None = None,
        ready_path: str = READY_PATH,
    ) -> GradioAppProcess:
        """Launch ``app_path`` and return once ``ready_path`` (``/gradio_api/info``; ``/config``
        suits every Gradio) answers 200. ``python`` runs it in another interpreter.

        Without ``port`` a free loopback port is picked, and picked again if another process
        takes it first (or if Gradio's check of its own URL timed out on a busy machine).
        Raises :class:`AppStartError` (with the tail of the app's output) when the app exits
        early or is not ready within ``ready_timeout`` seconds.
        """
        attempts = 1 if port is not None else _PORT_ATTEMPTS
        deadline = time.monotonic() + ready_timeout
        for attempt in range(1, attempts + 1):
            chosen = port if port is not None else free_port()
            app = cls(
                app_path, port=chosen, name=name, env=env, python=python, ready_path=ready_path
            )
            try:
                app._spawn()
                app._wait_ready(deadline)
            except AppStartError as error:
                app.stop()
                retry = error.port_clash or _SELF_CHECK_FAILED in error.output
                if retry and attempt < attempts and time.monotonic() < deadline:
                    continue
                raise
            except BaseException:
                app.stop()
                raise
            return app
        raise AssertionError("unreachable: the last attempt returns or raises")

    @property
    def url(self) -> str:
        """Base URL of the app, without a trailing slash."""
        host = LOOPBACK if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def output(self) -> str:
        """Everything the app wrote to stdout and stderr so far."""
        if self._log_path is None:
            return self._stopped_output
        try:
            return self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _spawn(self) -> None:
        # Something already listening there would answer the readiness probe for us.
        if not _port_is_free(self.host, self.port):
            raise AppStartError(
                f"Gradio app {self.name!r} cannot start: port {self.port} on {self.host} is "
                "already in use. Pass another port, or none to pick a free one.",
                port_clash=True,
            )
        fd, log_name = tempfile.mkstemp(prefix=f"gradio_mcp_{self.name}_", suffix=".log")
        self._log_path = Path(log_name)
        self._log = os.fdopen(fd, "wb")
        command = [
            self.python,
            str(self.app_path),
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]
        self._process = spawn_group(command, cwd=self.app_path.parent, env=self._env, log=self._log)

    def _wait_ready(self, deadline: float) -> None:
        assert self._process is not None
        problem = wait_for_http(self._process, f"{self.url}{self.ready_path}", deadline)
        if problem is not None:
            self._fail(problem)

    def _fail(self, what: str) -> None:
        output = self.output()
        tail = output[-_OUTPUT_TAIL_CHARS:].rstrip() or "(no output)"
        raise AppStartError(
            f"Gradio app {self.name!r} ({self.app_path}) on port {self.port} {what}.\n"
            f"--- last output ---\n{tail}",
            output=output,
            port_clash=any(marker in output for marker in _PORT_CLASH_MARKERS),
        )

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """End the app's whole process group (SIGTERM, then SIGKILL) and reap it.

        Returns the exit code, or None if it was never started. Safe to call twice.
        """
        process, self._process = self._process, None
        code: int | None = None
        if process is not None:
            code = terminate_group(process, grace)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._log_path is not None:
            self._stopped_output = self.output()
            with contextlib.suppress(OSError):
                self._log_path.unlink()
            self._log_path = None
        return code

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<GradioAppProcess {self.name} {self.url} pid={self.pid} {state}>"


def spawn_group(
    command: list[str], *, cwd: Path, env: Mapping[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """Start `command` as the leader of a new session, output to `log`, so that
    `terminate_group` can end it together with every process it starts."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def terminate_group(process: subprocess.Popen[bytes], grace: float) -> int:
    """SIGTERM the process group `spawn_group` made, SIGKILL what is left after `grace`
    seconds, and reap the leader; returns its exit code."""
    # The child leads its own session, so its pid is also its process group id. The group
    # id cannot be reused while the leader is unreaped, so signal the group before reaping.
    group = process.pid
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while not _has_exited(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    # Anything left in the group, the leader included if it ignored SIGTERM.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    return process.wait(timeout=grace)


def _has_exited(pid: int) -> bool:
    """Whether ``pid`` (our child) has exited, without reaping it."""
    try:
        result = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return result is not None


def start_apps(
    apps: Mapping[str, Path] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    ready_timeout: float = DEFAULT_READY_TIMEOUT,
) -> dict[str, GradioAppProcess]:
    """Start several apps at once (default: all bundled apps), each on a free port.

    Importing Gradio takes seconds per process, so the apps boot in parallel. If any app
    fails, the others are stopped and the first failure is raised.
    """
    targets = dict(bundled_apps() if apps is None else apps)
    if not targets:
        return {}
    pool = ThreadPoolExecutor(max_workers=len(targets), thread_name_prefix="gradio-app")
    futures = {
        name: pool.submit(
            GradioAppProcess.start, path, name=name, env=env, ready_timeout=ready_timeout
        )
        for name, path in targets.items()
    }
    try:
        pool.shutdown(wait=True)
    except BaseException:
        # Interrupted (Ctrl-C) while apps boot: the threads still finish starting theirs, in
        # sessions of their own that the terminal's signal never reaches, so stop them here.
        pool.shutdown(wait=True, cancel_futures=True)
        stop_apps({n: f.result() for n, f in futures.items() if f.done() and not f.exception()})
        raise
    started: dict[str, GradioAppProcess] = {}
    failures: list[BaseException] = []
    for name, future in futures.items():
        error = future.exception()
        if error is None:
            started[name] = future.result()
        else:
            failures.append(error)
    if failures:
        stop_apps(started)
        raise failures[0]
    return started


def stop_apps(apps: Mapping[str, GradioAppProcess]) -> None:
    """Stop several apps, all of them signalled before any is waited for."""
    with ThreadPoolExecutor(max_workers=max(len(apps), 1)) as pool:
        for future in [pool.submit(app.stop) for app in apps.values()]:
            future.result()
