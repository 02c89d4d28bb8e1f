"""Tasks at SIGTERM: a real `gradio-mcp serve` process running tasks on a real Gradio app
(tests/apps/tasks_app.py), sharing them through a real redis-server with a second server.

What a client would notice: a task that can finish within the grace period
(GRADIO_MCP_SHUTDOWN_GRACE) finishes, exactly like a plain call; one that cannot ends as
`failed`, saying the server shut down, as read from the other server; and its job is
cancelled on the space.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import anyio
import pytest

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess
from tests.redis_server import RedisServer
from tests.serving.test_tasks_e2e import (
    PUBLIC,
    REDIS_ENV,
    STEPS,
    TASKS_APP,
    AppControl,
    eventually,
    raw,
)
from tests.stack import ServerProcess, register_spaces, running_servers

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

GRACE_MS = 6000
START_WAIT = 60.0


@pytest.fixture(scope="module")
def tasks_app() -> Iterator[GradioAppProcess]:
    with GradioAppProcess.start(TASKS_APP, name="tasks", ready_timeout=120) as app:
        yield app


async def started(app: AppControl, key: str, task_id: str, reader: ServerProcess) -> None:
    """Wait until the app runs the job (a busy machine may take a while to start it)."""
    try:
        await eventually(
            lambda: app.journal(key), lambda j: j["state"] == "running", timeout=START_WAIT
        )
    except TimeoutError:
        async with raw(reader.mcp_url()) as rpc:
            raise AssertionError(f"never started: {await rpc.get(task_id)}") from None


async def test_sigterm_gives_tasks_the_grace_and_fails_those_still_running(
    tasks_app: GradioAppProcess, redis_server: RedisServer, request: pytest.FixtureRequest
) -> None:
    redis_server.start()
    shared = {
        **REDIS_ENV,
        "GRADIO_MCP_REDIS_URL": redis_server.url,
        # Its own keys: the session's Redis holds the same space's metadata from other
        # modules' hubs, on ports closed since.
        "GRADIO_MCP_REDIS_PREFIX": "tasks-shutdown",
    }
    doomed_env = {**shared, "GRADIO_MCP_SHUTDOWN_GRACE": str(GRACE_MS)}
    app = AppControl(tasks_app.url)
    short, long = f"{request.node.name}-short", f"{request.node.name}-long"
    with LocalHub() as hub:
        register_spaces(hub, {"tasks": tasks_app}, [PUBLIC])
        with running_servers(hub, [PUBLIC.id], [doomed_env, shared]) as (doomed, other):
            async with raw(doomed.mcp_url()) as on_doomed:
                short_task = await on_doomed.call(STEPS, {"key": short, "n": 1})
                long_task = await on_doomed.call(STEPS, {"key": long, "n": 2})
            assert short_task["resultType"] == long_task["resultType"] == "task"
            for key, task in ((short, short_task), (long, long_task)):
                await started(app, key, task["taskId"], other)
            hub.reset_counters()

            doomed.send_signal(signal.SIGTERM)
            # Within the grace period, the short job may finish; the long one never does.
            await app.allow(short, 1)
            async with raw(other.mcp_url()) as on_other:
                done = await on_other.until(
                    short_task["taskId"], lambda t: t["status"] != "working"
                )
                failed = await on_other.until(
                    long_task["taskId"], lambda t: t["status"] != "working"
                )
            code = await anyio.to_thread.run_sync(doomed.wait, 60)
            output = doomed.output()
            cancels = hub.space_requests[(PUBLIC.id, "/gradio_api/cancel")]
            stopped = await app.wait_for_state(long, "stopped", "finished", "timed out")

    assert done["status"] == "completed", (done, output[-2000:])
    assert done["result"]["content"] == [{"type": "text", "text": "step 1 of 1"}]
    assert failed["status"] == "failed", (failed, output[-2000:])
    assert "shut down" in failed["statusMessage"], failed
    assert "shut down" in failed["error"]["message"] and STEPS in failed["error"]["message"]
    assert "result" not in failed
    # The space was told to stop the job, and stopped it.
    assert cancels >= 1
    assert stopped == {"steps": 0, "state": "stopped"}
    assert code == 0, output[-3000:]
