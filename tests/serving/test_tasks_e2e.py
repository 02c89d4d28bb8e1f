"""Tasks end to end: `gradio-mcp serve` as a real process, a real Gradio app whose slow
endpoints the test paces (tests/apps/tasks_app.py), and three clients that speak the tasks
extension: FastMCP's client with fastmcp-tasks (an independent implementation), raw JSON-RPC
over HTTP, and the official MCP client for callers that do not opt in.

The app's jobs wait for `allow(key, step)` before each step, so a call is slow exactly as
long as the test wants it to be, and `journal(key)` shows what the app itself saw of a job
(running, finished, or stopped by a cancel).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import fastmcp_tasks  # noqa: F401  (importing it makes every FastMCP client opt in)
import httpx2
import pytest
from fastmcp import Client as FastMCPClient
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.exceptions import ToolError
from fastmcp_tasks import ToolTask, call_tool_task
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess
from tests.redis_server import RedisServer
from tests.stack import ServerProcess, SpaceSpec, Stack, register_spaces, running_servers

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

T = TypeVar("T")

TASKS_APP = Path(__file__).resolve().parents[1] / "apps" / "tasks_app.py"
EXT = "io.modelcontextprotocol/tasks"
MODERN = "2026-07-28"
LEGACY = "2025-11-25"
NOT_FOUND = "Failed to retrieve task: Task not found"
ALICE = "hf_alice_tasks_token"
BOB = "hf_bob_tasks_token"
PUBLIC = SpaceSpec("demo/tasks", "tasks", "Tasks", "⏳")
PRIVATE = SpaceSpec(
    "acme/private-tasks", "tasks", "Private tasks", "🔒", private=True, tokens=(ALICE,)
)
STEPS, PICTURE, ECHO = "tasks__steps", "tasks__picture", "tasks__echo"
PRIVATE_STEPS = "private-tasks__steps"
THRESHOLD = "GRADIO_MCP_TASK_THRESHOLD"
WAIT = 30.0  # seconds one wait of a test may take before it is a failure


# ---------------------------------------------------------------------------------------------
# The app, the server and the clients


@pytest.fixture(scope="module")
def tasks_app() -> Iterator[GradioAppProcess]:
    with GradioAppProcess.start(TASKS_APP, name="tasks", ready_timeout=120) as app:
        yield app


@pytest.fixture(scope="module")
def servers(tasks_app: GradioAppProcess, redis_server: RedisServer) -> Iterator[Servers]:
    """Every server the tests use, started side by side on one LocalHub: one keeping tasks
    in memory, and three sharing them through Redis."""
    redis_server.start()
    shared = {**REDIS_ENV, "GRADIO_MCP_REDIS_URL": redis_server.url}
    # A threshold shorter than the default (1 s) keeps the tests short; it is still ten
    # times what the app's fast endpoint takes.
    alone = {THRESHOLD: "500"}
    with LocalHub() as hub:
        register_spaces(hub, {"tasks": tasks_app}, [PUBLIC, PRIVATE])
        envs = [alone, shared, shared, shared]
        with running_servers(hub, [PUBLIC.id, PRIVATE.id], envs) as started:
            yield Servers(hub, *started)


@dataclass
class Servers:
    hub: LocalHub
    alone: ServerProcess  # tasks in memory
    first: ServerProcess  # these three share tasks through Redis
    second: ServerProcess
    doomed: ServerProcess  # crashed by the test that needs a dead server


@pytest.fixture
def stack(servers: Servers) -> Stack:
    return Stack(hub=servers.hub, server=servers.alone, specs=(PUBLIC, PRIVATE))


@pytest.fixture
def app(tasks_app: GradioAppProcess) -> AppControl:
    return AppControl(tasks_app.url)


class AppControl:
    """Talks to the Gradio app directly (not through gradio-mcp) to pace and watch jobs."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def run(self, api_name: str, *data: Any) -> Any:
        async with httpx2.AsyncClient(trust_env=False, timeout=30) as http:
            joined = await http.post(
                f"{self.url}/gradio_api/call/{api_name}", json={"data": list(data)}
            )
            event_id = joined.json()["event_id"]
            stream = await http.get(f"{self.url}/gradio_api/call/{api_name}/{event_id}")
        lines = stream.text.splitlines()
        for event, data_line in itertools.pairwise(lines):
            if event == "event: complete":
                return json.loads(data_line.removeprefix("data:"))[0]
        raise AssertionError(f"{api_name} did not complete: {stream.text[:300]}")

    async def allow(self, key: str, upto: int) -> None:
        await self.run("allow", key, upto)

    async def journal(self, key: str) -> dict[str, Any]:
        return dict(json.loads(await self.run("journal", key)))

    async def wait_for_state(self, key: str, *states: str) -> dict[str, Any]:
        return await eventually(lambda: self.journal(key), lambda j: j["state"] in states)


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = WAIT
) -> T:
    """Probe until `done` holds (bounded in time); the last value probed."""
    with anyio.fail_after(timeout):
        while True:
            value = await probe()
            if done(value):
                return value
            await anyio.sleep(0.05)


def envelope(opt_in: bool) -> dict[str, Any]:
    capabilities: dict[str, Any] = {"extensions": {EXT: {}}} if opt_in else {}
    return {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "raw-json-rpc", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    }


class Raw:
    """JSON-RPC over plain HTTP POSTs, every header and `_meta` field written by hand."""

    def __init__(self, http: httpx2.AsyncClient, url: str, token: str | None = None) -> None:
        self.http = http
        self.url = url
        self.token = token

    async def send(
        self,
        method: str,
        params: dict[str, Any],
        *,
        opt_in: bool = True,
        version: str = MODERN,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """(HTTP status, the JSON-RPC response)."""
        sent = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": version}
        if version == MODERN:
            params = {**params, "_meta": envelope(opt_in)}
            sent["Mcp-Method"] = method
            if method == "tools/call":
                sent["Mcp-Name"] = params["name"]
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        sent.update(headers or {})
        body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        response = await self.http.post(self.url, json=body, headers=sent)
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            for line in response.text.splitlines():
                if line.startswith("data:") and '"id"' in line:
                    return response.status_code, json.loads(line[5:])
            raise AssertionError(f"no response in the stream: {response.text[:300]}")
        return response.status_code, response.json()

    async def call(self, name: str, arguments: dict[str, Any], **kw: Any) -> dict[str, Any]:
        status, reply = await self.send("tools/call", {"name": name, "arguments": arguments}, **kw)
        assert status == 200, reply
        return dict(reply["result"])

    async def task(self, method: str, task_id: str, **kw: Any) -> tuple[int, dict[str, Any]]:
        return await self.send(method, {"taskId": task_id}, **kw)

    async def get(self, task_id: str) -> dict[str, Any]:
        status, reply = await self.task("tasks/get", task_id)
        assert status == 200, reply
        return dict(reply["result"])

    async def until(self, task_id: str, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return await eventually(lambda: self.get(task_id), check)


@contextlib.asynccontextmanager
async def raw(url: str, token: str | None = None) -> AsyncIterator[Raw]:
    async with httpx2.AsyncClient(trust_env=False, timeout=60) as http:
        yield Raw(http, url, token)


@contextlib.asynccontextmanager
async def fastmcp(url: str, token: str | None = None) -> AsyncIterator[FastMCPClient[Any]]:
    async with FastMCPClient(StreamableHttpTransport(url, auth=token), timeout=60) as client:
        yield client


@contextlib.asynccontextmanager
async def plain_client(url: str, mode: str = "auto") -> AsyncIterator[Client]:
    """The official client, which does not opt in to tasks."""
    async with (
        httpx2.AsyncClient(trust_env=False, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A tool result without what differs between two deliveries of it."""
    return {k: v for k, v in result.items() if k not in ("_meta", "resultType")}


def key_for(request: pytest.FixtureRequest, suffix: str = "") -> str:
    return f"{request.node.name}{suffix}"


# ---------------------------------------------------------------------------------------------
# One server, tasks in memory


async def test_discovery_advertises_tasks_and_the_2025_handshake_does_not(stack: Stack) -> None:
    async with raw(stack.server.mcp_url()) as rpc:
        _, discovered = await rpc.send("server/discover", {})
        assert discovered["result"]["capabilities"]["extensions"] == {EXT: {}}
        _, initialized = await rpc.send(
            "initialize",
            {
                "protocolVersion": LEGACY,
                "capabilities": {"extensions": {EXT: {}}},
                "clientInfo": {"name": "legacy", "version": "1"},
            },
            version=LEGACY,
        )
        assert "extensions" not in initialized["result"]["capabilities"]


async def test_a_slow_call_becomes_a_task_that_shows_progress_and_ends_like_a_plain_call(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key, plain_key = key_for(request), key_for(request, "-plain")
    url = stack.server.mcp_url()
    async with fastmcp(url) as client:
        task = await call_tool_task(client, STEPS, {"key": key, "n": 3})
        # The status message follows the job's progress as the runner's heartbeat writes it.
        first = await eventually(task.status, lambda s: "of 3" in (s.status_message or ""))
        assert first.status == "working"
        assert isinstance(first.ttl_ms, int) and first.ttl_ms >= 1_800_000

        await app.allow(key, 1)
        seen = await eventually(task.status, lambda s: "1 of 3" in (s.status_message or ""))
        assert seen.status == "working"
        await app.allow(key, 3)
        result = await task.result()
        assert result.content[0].text == "step 3 of 3"
        final = await task.status()
        assert final.status == "completed" and final.result is not None

    await app.allow(plain_key, 3)
    async with plain_client(url) as plain:
        reference = await plain.call_tool(STEPS, {"key": plain_key, "n": 3})
    expected = reference.model_dump(by_alias=True, mode="json", exclude_none=True)
    assert comparable(final.result) == comparable(expected)


async def test_images_in_a_task_result_are_those_of_a_plain_call(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key, plain_key = key_for(request), key_for(request, "-plain")
    url = stack.server.mcp_url()
    async with fastmcp(url) as client:
        task = await call_tool_task(client, PICTURE, {"key": key})
        await app.allow(key, 1)
        final = await task.wait(timeout=WAIT)
    await app.allow(plain_key, 1)
    async with plain_client(url) as plain:
        reference = await plain.call_tool(PICTURE, {"key": plain_key})
    assert final.status == "completed" and final.result is not None
    blocks = final.result["content"]
    expected = reference.model_dump(by_alias=True, mode="json", exclude_none=True)["content"]
    assert (
        [b["type"] for b in blocks]
        == [b["type"] for b in expected]
        == [
            "image",
            "resource_link",
        ]
    )
    assert blocks[0]["data"] == expected[0]["data"] and blocks[0]["mimeType"] == "image/png"
    assert blocks[1]["name"] == expected[1]["name"]


async def test_the_transparent_fastmcp_call_polls_a_task_to_its_result(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    async with fastmcp(stack.server.mcp_url()) as client, anyio.create_task_group() as group:

        async def release_once_waiting() -> None:
            await app.wait_for_state(key, "running")
            await app.allow(key, 2)

        group.start_soon(release_once_waiting)
        result = await client.call_tool(STEPS, {"key": key, "n": 2})
    assert result.content[0].text == "step 2 of 2"


async def test_a_fast_call_of_a_client_that_opted_in_is_answered_at_once(stack: Stack) -> None:
    async with fastmcp(stack.server.mcp_url()) as client:
        with pytest.raises(ToolError, match="did not run as a task"):
            await call_tool_task(client, ECHO, {"message": "quick"})
        assert (await client.call_tool(ECHO, {"message": "again"})).content[0].text == "again"
    async with raw(stack.server.mcp_url()) as rpc:
        result = await rpc.call(ECHO, {"message": "raw"})
    assert result["resultType"] == "complete" and result["structuredContent"] == {"result": "raw"}


async def test_a_task_outlives_its_client_and_a_new_connection_reads_the_result(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    url = stack.server.mcp_url()
    async with fastmcp(url, ALICE) as client:
        task = await call_tool_task(client, STEPS, {"key": key, "n": 2})
        task_id = task.task_id
    # The client has gone; the job goes on, on the server.
    await app.allow(key, 2)
    assert (await app.wait_for_state(key, "finished"))["steps"] == 2
    async with raw(url, ALICE) as rpc:
        done = await rpc.until(task_id, lambda t: t["status"] == "completed")
    assert done["result"]["content"] == [{"type": "text", "text": "step 2 of 2"}]
    assert done["resultType"] == "complete" and "pollIntervalMs" not in done


async def test_cancel_stops_the_job_on_the_gradio_app(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    async with fastmcp(stack.server.mcp_url()) as client:
        task = await call_tool_task(client, STEPS, {"key": key, "n": 3})
        await app.wait_for_state(key, "running")
        await task.cancel()
        stopped = await app.wait_for_state(key, "stopped", "finished")
        assert stopped == {"steps": 0, "state": "stopped"}
        status = await task.status()
        assert status.status == "cancelled" and status.result is None
        await task.cancel()  # cancelling again is acknowledged, and changes nothing
        assert (await task.status()).status == "cancelled"


async def test_another_token_can_neither_see_nor_cancel_a_task(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    url = stack.server.mcp_url()
    async with raw(url, ALICE) as alice, raw(url, BOB) as bob, raw(url) as anonymous:
        handle = await alice.call(STEPS, {"key": key, "n": 1})
        assert handle["resultType"] == "task"
        task_id = handle["taskId"]
        unknown = await bob.task("tasks/get", "x" * len(task_id))
        for stranger in (bob, anonymous):
            for method in ("tasks/get", "tasks/cancel", "tasks/update"):
                # Exactly what an id that never existed gets: ids cannot be probed.
                assert await stranger.task(method, task_id) == unknown
        assert unknown == (
            400,
            {"jsonrpc": "2.0", "id": 7, "error": {"code": -32602, "message": NOT_FOUND}},
        )
        assert (await app.journal(key))["state"] == "running"
        assert (await alice.get(task_id))["status"] == "working"
        await app.allow(key, 1)
        done = await alice.until(task_id, lambda t: t["status"] == "completed")
    assert done["result"]["structuredContent"] == {"result": "step 1 of 1"}


async def test_a_private_space_task_is_its_callers_alone(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    url = stack.server.mcp_url()
    async with raw(url, ALICE) as alice, raw(url, BOB) as bob:
        handle = await alice.call(PRIVATE_STEPS, {"key": key, "n": 1})
        assert handle["resultType"] == "task"
        await app.allow(key, 1)
        done = await alice.until(handle["taskId"], lambda t: t["status"] == "completed")
        assert done["result"]["content"][0]["text"] == "step 1 of 1"
        status, reply = await bob.task("tasks/get", handle["taskId"])
        assert status == 400 and reply["error"]["message"] == NOT_FOUND
    async with httpx2.AsyncClient(trust_env=False) as http:
        metrics = (await http.get(f"{stack.server.url}/api/metrics")).json()
    assert PRIVATE.id not in json.dumps(metrics) and "private-tasks" not in json.dumps(metrics)


async def test_a_request_without_the_opt_in_never_gets_a_task(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    url = stack.server.mcp_url()
    keys = [key_for(request, f"-{i}") for i in range(3)]
    answers: dict[str, Any] = {}

    async def no_opt_in() -> None:  # 2026-07-28, capabilities without the extension
        async with raw(url) as rpc:
            # The legacy `task` parameter of the 2025-11-25 draft is no opt-in either.
            arguments = {"key": keys[0], "n": 1}
            params = {"name": STEPS, "arguments": arguments, "task": {"ttl": 60000}}
            _, reply = await rpc.send("tools/call", params, opt_in=False)
            answers["no opt-in"] = reply["result"]

    async def official_client() -> None:  # the official client, which never opts in
        async with plain_client(url) as client:
            answers["official"] = (
                await client.call_tool(STEPS, {"key": keys[1], "n": 1})
            ).model_dump(by_alias=True, mode="json", exclude_none=True)

    async def legacy_era() -> None:  # the 2025-11-25 handshake, extension or not
        async with plain_client(url, mode="legacy") as client:
            answers["legacy"] = (
                await client.call_tool(STEPS, {"key": keys[2], "n": 1})
            ).model_dump(by_alias=True, mode="json", exclude_none=True)

    async with anyio.create_task_group() as group:
        for caller in (no_opt_in, official_client, legacy_era):
            group.start_soon(caller)
        for key in keys:
            await app.wait_for_state(key, "running")
        # Three times the threshold (0.5 s): had they opted in, these were tasks now.
        await anyio.sleep(1.5)
        for key in keys:
            await app.allow(key, 1)
    assert set(answers) == {"no opt-in", "official", "legacy"}
    for answer in answers.values():
        assert answer.get("resultType", "complete") == "complete" and "taskId" not in answer
        assert answer["content"] == [{"type": "text", "text": "step 1 of 1"}]


async def test_tasks_methods_answer_the_errors_the_extension_names(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    async with raw(stack.server.mcp_url(), ALICE) as rpc:
        handle = await rpc.call(STEPS, {"key": key, "n": 1})
        task_id = handle["taskId"]

        status, reply = await rpc.task("tasks/get", task_id, opt_in=False)
        assert status == 400 and reply["error"]["code"] == -32021
        assert reply["error"]["data"] == {"requiredCapabilities": {"extensions": {EXT: {}}}}

        status, reply = await rpc.task("tasks/get", task_id, headers={"Mcp-Name": "other"})
        assert status == 400 and reply["error"]["code"] == -32020
        assert (await rpc.task("tasks/get", task_id, headers={"Mcp-Name": task_id}))[0] == 200

        for removed in ("tasks/result", "tasks/list"):
            status, reply = await rpc.task(removed, task_id)
            assert status == 404 and reply["error"]["code"] == -32601

        _, reply = await rpc.task("tasks/get", task_id, version=LEGACY)
        assert reply["error"]["code"] == -32601  # no tasks on the 2025-11-25 wire

        status, reply = await rpc.send("tasks/update", {"taskId": task_id, "inputResponses": {}})
        assert status == 200 and reply["result"]["resultType"] == "complete"

        await app.allow(key, 1)
        await rpc.until(task_id, lambda t: t["status"] == "completed")


async def test_task_figures_reach_the_json_metrics_and_prometheus(
    stack: Stack, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key, cancelled_key = key_for(request), key_for(request, "-cancelled")

    async def figures() -> dict[str, Any]:
        async with httpx2.AsyncClient(trust_env=False) as http:
            return dict((await http.get(f"{stack.server.url}/api/metrics")).json()["tasks"])

    before = await figures()
    async with raw(stack.server.mcp_url()) as rpc:
        done = (await rpc.call(STEPS, {"key": key, "n": 1}))["taskId"]
        dropped = (await rpc.call(STEPS, {"key": cancelled_key, "n": 1}))["taskId"]
        await rpc.task("tasks/cancel", dropped)
        await app.allow(key, 1)
        await rpc.until(done, lambda t: t["status"] == "completed")
    after = await figures()
    assert after["created"] == before["created"] + 2
    assert after["completed"] == before["completed"] + 1
    assert after["cancelled"] == before["cancelled"] + 1
    assert after["durations"]["completed"]["p50Ms"] is not None

    async with httpx2.AsyncClient(trust_env=False) as http:
        text = (await http.get(f"{stack.server.url}/metrics/prometheus")).text
    samples = {
        (s.name, s.labels.get("outcome")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("gradio_mcp_tasks_created_total", None)] == after["created"]
    assert samples[("gradio_mcp_tasks_ended_total", "cancelled")] == after["cancelled"]
    assert ("gradio_mcp_task_duration_seconds_count", "completed") in samples


# ---------------------------------------------------------------------------------------------
# Two servers sharing tasks through Redis

REDIS_ENV = {
    THRESHOLD: "0",  # every call of a client that opted in becomes a task at once
    "GRADIO_MCP_TASK_LEASE": "2000",  # heartbeats every 0.67 s; a dead server is known in 2 s
    # A loaded test machine can take longer than the default 0.5 s to answer; an answer
    # that late would count as an outage, and calls would go on without tasks.
    "GRADIO_MCP_REDIS_TIMEOUT": "5000",
}


@pytest.fixture
def fleet(servers: Servers) -> Servers:
    return servers


async def test_one_server_polls_and_cancels_a_task_another_runs(
    fleet: Servers, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    async with (
        raw(fleet.first.mcp_url(), ALICE) as on_first,
        raw(fleet.second.mcp_url(), ALICE) as on_second,
        raw(fleet.second.mcp_url(), BOB) as bob_on_second,
    ):
        handle = await on_first.call(STEPS, {"key": key, "n": 3})
        assert handle["resultType"] == "task"
        task_id = handle["taskId"]
        await app.wait_for_state(key, "running")
        await app.allow(key, 1)
        # Progress made on the first server shows on the second.
        seen = await on_second.until(task_id, lambda t: "1 of 3" in t.get("statusMessage", ""))
        assert seen["status"] == "working"
        status, reply = await bob_on_second.task("tasks/cancel", task_id)
        assert status == 400 and reply["error"]["message"] == NOT_FOUND

        status, reply = await on_second.task("tasks/cancel", task_id)
        assert status == 200 and reply["result"]["resultType"] == "complete"
        # The first server, which holds the Gradio stream, stops the job on the app.
        assert await app.wait_for_state(key, "stopped", "finished") == {
            "steps": 1,
            "state": "stopped",
        }
        for rpc in (on_first, on_second):
            assert (await rpc.get(task_id))["status"] == "cancelled"


async def test_a_result_made_on_one_server_is_read_on_the_other(
    fleet: Servers, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key, plain_key = key_for(request), key_for(request, "-plain")
    async with fastmcp(fleet.second.mcp_url(), ALICE) as on_second:
        task = await call_tool_task(on_second, PICTURE, {"key": key})
    await app.allow(key, 1)
    async with fastmcp(fleet.first.mcp_url(), ALICE) as on_first:
        # The same task, driven to its end through the other server by a new client.
        moved = ToolTask(on_first, PICTURE, task.create_result, raise_on_error=True)
        result = await moved.result()
        final = await moved.status()
    await app.allow(plain_key, 1)
    async with plain_client(fleet.first.mcp_url()) as plain:
        reference = await plain.call_tool(PICTURE, {"key": plain_key})
    assert final.status == "completed" and result.content[0].type == "image"
    expected = reference.model_dump(by_alias=True, mode="json", exclude_none=True)["content"]
    assert final.result is not None and final.result["content"][0]["data"] == expected[0]["data"]


async def test_redis_keeps_no_output_of_a_private_space_in_clear(
    fleet: Servers, redis_server: RedisServer, request: pytest.FixtureRequest
) -> None:
    marker = f"private words {request.node.name}"
    async with (
        raw(fleet.first.mcp_url(), ALICE) as on_first,
        raw(fleet.second.mcp_url(), ALICE) as on_second,
    ):
        handle = await on_first.call("private-tasks__echo", {"message": marker})
        assert handle["resultType"] == "task"  # threshold 0: even a fast call is a task here
        done = await on_second.until(handle["taskId"], lambda t: t["status"] == "completed")
        assert done["result"]["content"] == [{"type": "text", "text": marker}]
    stored = repr(redis_server.dump())
    for secret in (marker, handle["taskId"], ALICE):
        assert secret not in stored


async def test_a_task_whose_server_died_is_reported_failed_by_another(
    fleet: Servers, app: AppControl, request: pytest.FixtureRequest
) -> None:
    key = key_for(request)
    async with raw(fleet.doomed.mcp_url()) as on_doomed:
        handle = await on_doomed.call(STEPS, {"key": key, "n": 2})
    await app.wait_for_state(key, "running")
    fleet.doomed.crash()  # no goodbye: only its lease, no longer renewed, tells
    async with raw(fleet.first.mcp_url()) as on_first:
        failed = await on_first.until(handle["taskId"], lambda t: t["status"] != "working")
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == -32603 and "stopped" in failed["error"]["message"]
    assert "result" not in failed
