"""The queue protocols: which Gradio can be called (the registry), Gradio's diffs, and the
parts of the old protocols real apps rarely show (a diff that does not apply, a stream past
the cap). The happy paths run on real apps of every version in tests/test_gradio_versions.py."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from gradio_mcp.gradio import CallLimits, SpaceApi, call_endpoint, protocol_problem
from gradio_mcp.gradio import _protocols as protocols
from gradio_mcp.gradio._progress import ProgressUpdate
from gradio_mcp.gradio._sse_queue import _DiffsUnusable, apply_diff
from gradio_mcp.models import Endpoint, Parameter, Return, SpaceSchema
from gradio_mcp.net import DEFAULT_LIMITS
from tests.mock_http import MockHTTP

pytestmark = pytest.mark.anyio

SPACE = "http://space.test"
TEXT = Return(label="out", component="Textbox", schema={"type": "string"})
STREAMING = Endpoint("go", "", (), (TEXT,), fn_index=2, generator=True)


def schema(version: str | None, protocol: str | None) -> SpaceSchema:
    return SpaceSchema(endpoints=(), gradio_version=version, protocol=protocol)


# ---------------------------------------------------------------------------------------------
# Which Gradio can be called


@pytest.mark.parametrize(
    ("version", "protocol", "problem"),
    [
        ("2.9.4", None, "Gradio 2.9 is not supported"),
        ("1.7.7", None, "Gradio 1.7 is not supported"),
        ("7.2.0", "sse_v9", "Gradio 7.2: its queue protocol 'sse_v9' is not supported"),
        ("4.0.2", "sse", None),
        ("4.19.2", "sse_v2", None),
        ("4.24.0", "sse_v2.1", None),
        ("4.44.1", "sse_v3", None),
        ("6.31.0", "sse_v3", None),
        (None, None, None),  # no /config read: tried with the current protocol
    ],
)
def test_which_gradio_can_be_called(version: str, protocol: str, problem: str | None) -> None:
    assert protocol_problem(schema(version, protocol)) == problem


def test_a_protocol_is_callable_exactly_when_its_module_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Gradio 3's websocket queue is "ws"; its module is another branch's work. Until it is
    # there, a 3.x space is reported, not listed; once it is, nothing else has to change.
    monkeypatch.setitem(protocols.PROTOCOL_MODULES, "ws", "_no_such_module")
    assert (
        protocol_problem(schema("3.50.2", "ws")) == "Gradio 3.50 (websocket queue) is not supported"
    )
    monkeypatch.setitem(protocols.PROTOCOL_MODULES, "ws", "_sse_queue")
    monkeypatch.setitem(protocols.PROTOCOL_MODULES, "sse_v9", "_sse_queue")
    assert protocol_problem(schema("3.50.2", "ws")) is None
    assert protocol_problem(schema("7.2.0", "sse_v9")) is None


async def test_a_call_on_an_unknown_protocol_fails_before_any_request(
    http_mock: MockHTTP,
) -> None:
    outcome = await call_endpoint(
        http_mock.client(), SpaceApi(SPACE, protocol="sse_v9"), STREAMING, {}
    )
    assert outcome.error is not None and outcome.error.title == "Unsupported"
    assert "'sse_v9'" in outcome.error.message
    assert http_mock.get_requests() == []


# ---------------------------------------------------------------------------------------------
# Gradio's diffs (sse_v2)


@pytest.mark.parametrize(
    ("value", "diff", "expected"),
    [
        ("1", [["append", [], " 2"]], "1 2"),
        ("old", [["replace", [], "new"]], "new"),
        ([1, 2], [["append", [], [3]]], [1, 2, 3]),
        ({"a": [1]}, [["add", ["b"], 2], ["append", ["a"], [5]]], {"a": [1, 5], "b": 2}),
        (
            [["hi", "there"]],
            [["append", [0, 1], "!"], ["add", [1], ["x", "y"]]],
            [["hi", "there!"], ["x", "y"]],
        ),
        ([1, 2, 3], [["delete", [1], None]], [1, 3]),
        ({"a": 1, "b": 2}, [["delete", ["a"], None]], {"b": 2}),
    ],
)
def test_diffs_apply_as_in_gradios_client(value: Any, diff: Any, expected: Any) -> None:
    before = json.dumps(value)
    assert apply_diff(value, diff) == expected
    assert json.dumps(value) == before  # the previous value is left as it was


@pytest.mark.parametrize(
    "diff",
    [
        "append",
        [["append"]],
        [["append", "not a path", 1]],
        [["append", [], 5]],  # text + number
        [["replace", ["missing", "deeper"], 1]],
        [["explode", [0], 1]],
        [["delete", [], None]],
    ],
)
def test_a_diff_that_does_not_apply_is_refused(diff: Any) -> None:
    with pytest.raises(_DiffsUnusable):
        apply_diff("text", diff)


def _messages(*messages: dict[str, Any]) -> str:
    return "".join(f"data: {json.dumps({**m, 'event_id': 'ev'})}\n\n" for m in messages)


def _generating(data: list[Any]) -> dict[str, Any]:
    return {"msg": "process_generating", "output": {"data": data}, "success": True}


async def test_sse_v2_previews_apply_diffs_and_stop_at_one_that_does_not_apply(
    http_mock: MockHTTP,
) -> None:
    http_mock.add_response(method="POST", url=f"{SPACE}/queue/join", json={"event_id": "ev"})
    http_mock.add_response(
        method="GET",
        text=_messages(
            _generating(["1"]),
            _generating([[["append", [], " 2"]]]),
            _generating([[["append", ["nowhere"], " 3"]]]),
            _generating([[["append", [], " 4"]]]),
            {"msg": "process_completed", "output": {"data": ["1 2 3 4"]}, "success": True},
        ),
    )
    updates: list[ProgressUpdate] = []

    async def sink(update: ProgressUpdate) -> None:
        updates.append(update)

    outcome = await call_endpoint(
        http_mock.client(),
        SpaceApi(SPACE, api_prefix="", protocol="sse_v2"),
        STREAMING,
        {},
        on_progress=sink,
    )

    assert outcome.error is None and outcome.outputs[0].value == "1 2 3 4"
    assert [u.message for u in updates] == ["Generating: 1", "Generating: 1 2"]
    (join, _) = http_mock.get_requests()
    assert "simple_format" not in json.loads(join.content)  # sse_v2 does not know it


async def test_sse_v2_previews_stop_once_the_values_outgrow_one_event(
    http_mock: MockHTTP,
) -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, event_bytes=1000)
    chunk = "x" * 300
    http_mock.add_response(method="POST", url=f"{SPACE}/queue/join", json={"event_id": "ev"})
    http_mock.add_response(
        method="GET",
        text=_messages(
            _generating([chunk]),
            *(_generating([[["append", [], chunk]]]) for _ in range(5)),
            {"msg": "process_completed", "output": {"data": ["done"]}, "success": True},
        ),
    )
    updates: list[ProgressUpdate] = []

    async def sink(update: ProgressUpdate) -> None:
        updates.append(update)

    outcome = await call_endpoint(
        http_mock.client(),
        SpaceApi(SPACE, api_prefix="", protocol="sse_v2"),
        STREAMING,
        {},
        on_progress=sink,
        limits=CallLimits(reads=limits),
    )

    assert outcome.error is None and outcome.outputs[0].value == "done"
    assert 1 <= len(updates) < 6  # the first values, then no more previews


async def test_sse_asks_for_the_data_on_the_jobs_own_stream(http_mock: MockHTTP) -> None:
    """Gradio 4.0's `sse`: the data goes to /queue/data when the stream asks, with the
    event id it gave; the messages after it name no event."""
    stream = [
        {"msg": "estimation", "rank": 0, "queue_size": 1},
        {"msg": "send_data", "event_id": "ev4"},
        {"msg": "process_starts"},
        {"msg": "progress", "progress_data": [{"index": 1, "length": 2, "desc": "half"}]},
        {"msg": "process_completed", "output": {"data": ["ok"]}, "success": True},
    ]
    http_mock.add_response(
        method="GET",
        url=f"{SPACE}/queue/join",
        text="".join(f"data: {json.dumps(m)}\n\n" for m in stream),
    )
    http_mock.add_response(method="POST", url=f"{SPACE}/queue/data", text="null")
    updates: list[ProgressUpdate] = []

    async def sink(update: ProgressUpdate) -> None:
        updates.append(update)

    outcome = await call_endpoint(
        http_mock.client(),
        SpaceApi(SPACE, api_prefix="", protocol="sse"),
        STREAMING,
        {},
        on_progress=sink,
    )

    assert outcome.error is None and outcome.outputs[0].value == "ok"
    join, data = http_mock.get_requests()
    assert join.url.params["fn_index"] == "2"
    sent = json.loads(data.content)
    assert sent["event_id"] == "ev4" and sent["session_hash"] == join.url.params["session_hash"]
    assert sent["data"] == [] and sent["fn_index"] == 2
    assert [u.message for u in updates][-2:] == ["half", "Completed"]


async def test_gradio_4_calls_upload_at_the_root_and_stay_on_the_answering_replica(
    http_mock: MockHTTP,
) -> None:
    """No API prefix (Gradio 4): the upload, the job's stream, its data and its output
    file all go to the root of the replica that answered first."""
    replica = {"x-proxied-replica": "space-r2d2"}
    output = {"path": "/tmp/g/out.txt", "url": None, "orig_name": "out.txt"}
    stream = [
        {"msg": "send_data", "event_id": "ev"},
        {"msg": "process_completed", "output": {"data": [output]}, "success": True},
    ]
    http_mock.add_response(
        method="POST", url=f"{SPACE}/upload", json=["/tmp/g/in.txt"], headers=replica
    )
    http_mock.add_response(
        method="GET",
        url=f"{SPACE}/--replicas/r2d2/queue/join",
        text="".join(f"data: {json.dumps(m)}\n\n" for m in stream),
    )
    http_mock.add_response(method="POST", url=f"{SPACE}/--replicas/r2d2/queue/data", text="null")
    upload = Parameter(name="file", schema={}, required=True, file="single")
    endpoint = Endpoint("inspect", "", (upload,), (TEXT,), fn_index=4)

    outcome = await call_endpoint(
        http_mock.client(),
        SpaceApi(SPACE, api_prefix="", protocol="sse", gradio_version="4.0.2"),
        endpoint,
        {"file": "data:text/plain;base64,aGk="},
    )

    assert outcome.error is None
    assert outcome.outputs[0].file is not None
    assert outcome.outputs[0].file.url == f"{SPACE}/--replicas/r2d2/file=/tmp/g/out.txt"
    sent = json.loads(http_mock.get_requests()[-1].content)
    assert sent["data"][0]["path"] == "/tmp/g/in.txt"
