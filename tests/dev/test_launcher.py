"""gradio_mcp.dev.launcher: real subprocesses, real Gradio apps, on loopback."""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import httpx2
import pytest

from gradio_mcp.dev.launcher import (
    AppStartError,
    GradioAppProcess,
    bundled_apps,
    free_port,
    start_apps,
)

EXPECTED_ENDPOINTS = {
    "text_tools": ["/letter_counter", "/transform_text", "/always_fails", "/remember"],
    "image_gen": ["/make_image", "/make_tone"],
    "file_tools": ["/file_info", "/write_file"],
    "streaming": ["/count_up", "/echo"],
}

# A stand-in app without Gradio: it serves /gradio_api/info, records its pid (and, if asked,
# spawns a long-lived grandchild or ignores SIGTERM) so process cleanup can be checked fast.
FAKE_APP = textwrap.dedent(
    """
    import argparse, http.server, os, signal, subprocess, sys
    parser = argparse.ArgumentParser()
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    record = os.environ["FAKE_PID_FILE"]
    pids = [os.getpid()]
    if os.environ.get("FAKE_GRANDCHILD"):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        pids.append(child.pid)
    if os.environ.get("FAKE_IGNORE_TERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(record, "w") as f:
        f.write(" ".join(map(str, pids)))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"named_endpoints": {}, "unnamed_endpoints": {}}')

        def log_message(self, *args):
            pass

    http.server.HTTPServer((args.host, args.port), Handler).serve_forever()
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purposes once its parent reaped it,
    # and an orphaned zombie is reaped by init almost at once.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)


@pytest.fixture
def fake_app(tmp_path: Path) -> Path:
    path = tmp_path / "fake_app.py"
    path.write_text(FAKE_APP)
    return path


def _recorded_pids(tmp_path: Path) -> list[int]:
    return [int(p) for p in (tmp_path / "pids").read_text().split()]


def test_bundled_apps_lists_the_examples() -> None:
    apps = bundled_apps()
    assert sorted(apps) == sorted(EXPECTED_ENDPOINTS)
    assert all(path.is_file() and path.suffix == ".py" for path in apps.values())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_ENDPOINTS))
def test_bundled_app_serves_its_endpoints(
    gradio_apps: dict[str, GradioAppProcess], name: str
) -> None:
    app = gradio_apps[name]
    assert app.running and app.name == name
    assert app.url == f"http://127.0.0.1:{app.port}"
    info = httpx2.get(f"{app.url}/gradio_api/info", trust_env=False, timeout=10).json()
    assert list(info["named_endpoints"]) == EXPECTED_ENDPOINTS[name]


@pytest.mark.slow
def test_bundled_app_answers_a_call(gradio_apps: dict[str, GradioAppProcess]) -> None:
    url = gradio_apps["text_tools"].url
    with httpx2.Client(trust_env=False, timeout=10) as client:
        posted = client.post(
            f"{url}/gradio_api/call/letter_counter", json={"data": ["Strawberry", "R", False]}
        )
        stream = client.get(f"{url}/gradio_api/call/letter_counter/{posted.json()['event_id']}")
    assert "event: complete\ndata: [3]" in stream.text


@pytest.mark.slow
def test_stopping_a_real_app_leaves_no_process() -> None:
    app = GradioAppProcess.start(bundled_apps()["streaming"], ready_timeout=120)
    pid, url = app.pid, app.url
    assert pid is not None and _alive(pid)
    started = time.monotonic()
    assert app.stop() is not None
    assert time.monotonic() - started < 8
    assert not _alive(pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{url}/gradio_api/info", trust_env=False, timeout=2)
    assert not app.running
    assert app.stop() is None  # a second stop is a no-op


def test_stop_ends_the_whole_process_group(fake_app: Path, tmp_path: Path) -> None:
    env = {"FAKE_PID_FILE": str(tmp_path / "pids"), "FAKE_GRANDCHILD": "1"}
    with GradioAppProcess.start(fake_app, env=env, ready_timeout=20) as app:
        leader, grandchild = _recorded_pids(tmp_path)
        assert app.pid == leader
        assert _alive(grandchild)
    assert not _alive(leader)
    assert _wait_gone(grandchild)


def test_stop_kills_an_app_that_ignores_sigterm(fake_app: Path, tmp_path: Path) -> None:
    env = {"FAKE_PID_FILE": str(tmp_path / "pids"), "FAKE_IGNORE_TERM": "1"}
    app = GradioAppProcess.start(fake_app, env=env, ready_timeout=20)
    started = time.monotonic()
    assert app.stop(grace=0.5) == -signal.SIGKILL
    assert time.monotonic() - started < 5
    assert not _alive(_recorded_pids(tmp_path)[0])


def test_broken_app_raises_with_its_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken_app.py"
    broken.write_text('raise RuntimeError("kaboom: the demo cannot load")\n')
    started = time.monotonic()
    with pytest.raises(AppStartError) as caught:
        GradioAppProcess.start(broken, ready_timeout=30)
    assert time.monotonic() - started < 15
    message = str(caught.value)
    assert "kaboom: the demo cannot load" in message
    assert "broken_app" in message and "exited with code 1" in message


def test_app_that_never_gets_ready_times_out(tmp_path: Path) -> None:
    silent = tmp_path / "silent_app.py"
    pid_file = tmp_path / "pid"
    silent.write_text(
        "import os, sys, time\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "print('still loading models', file=sys.stderr, flush=True)\n"
        "time.sleep(120)\n"
    )
    started = time.monotonic()
    with pytest.raises(AppStartError) as caught:
        GradioAppProcess.start(silent, ready_timeout=1.5)
    assert time.monotonic() - started < 10
    assert "not ready" in str(caught.value)
    assert "still loading models" in str(caught.value)
    assert not _alive(int(pid_file.read_text()))


def test_explicit_port_in_use_is_reported(fake_app: Path, tmp_path: Path) -> None:
    env = {"FAKE_PID_FILE": str(tmp_path / "pids")}
    with GradioAppProcess.start(fake_app, env=env, ready_timeout=20) as first:
        (tmp_path / "other").mkdir()
        env_other = {"FAKE_PID_FILE": str(tmp_path / "other" / "pids")}
        with pytest.raises(AppStartError) as caught:
            GradioAppProcess.start(fake_app, port=first.port, env=env_other, ready_timeout=20)
    assert caught.value.port_clash
    assert f"port {first.port} on 127.0.0.1 is already in use" in str(caught.value)


def test_start_apps_stops_the_others_when_one_fails(fake_app: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken_app.py"
    broken.write_text('raise SystemExit("cannot start: missing config")\n')
    env = {"FAKE_PID_FILE": str(tmp_path / "pids")}
    with pytest.raises(AppStartError, match="missing config"):
        start_apps({"good": fake_app, "broken": broken}, env=env, ready_timeout=20)
    assert _wait_gone(_recorded_pids(tmp_path)[0])


def test_start_apps_runs_apps_concurrently(tmp_path: Path) -> None:
    # Each stand-in waits 2 s before serving; four in a row would take over 8 s.
    slow = tmp_path / "slow_app.py"
    slow.write_text("import time\ntime.sleep(2.0)\n" + FAKE_APP)
    env = {"FAKE_PID_FILE": str(tmp_path / "pids")}
    started = time.monotonic()
    apps = start_apps({f"app{i}": slow for i in range(4)}, env=env, ready_timeout=20)
    elapsed = time.monotonic() - started
    try:
        assert len({app.port for app in apps.values()}) == 4
        assert [app.name for app in apps.values()] == ["app0", "app1", "app2", "app3"]
    finally:
        for app in apps.values():
            app.stop()
    assert elapsed < 6.0


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
