"""Values from callers and spaces that used to give wrong answers: `data:` URIs (strict
base64, RFC 2397 percent-encoding) and progress numbers that are not finite."""

from __future__ import annotations

import base64
import itertools
import json
import math
from collections.abc import AsyncIterator

import httpx2
import pytest

from gradio_mcp.config import Settings
from gradio_mcp.dev.launcher import GradioAppProcess
from gradio_mcp.errors import ToolArgumentError
from gradio_mcp.gradio import SpaceApi, call_endpoint
from gradio_mcp.gradio._progress import ProgressTracker, ProgressUpdate
from gradio_mcp.models import Endpoint, Parameter
from gradio_mcp.net import new_http_client
from tests.gradio.test_call import endpoint_of
from tests.mock_http import MockHTTP

pytestmark = pytest.mark.anyio

Apps = dict[str, GradioAppProcess]
FILE_INFO = Endpoint(
    api_name="file_info",
    description="",
    parameters=(Parameter(name="file", schema={}, required=True, file="single"),),
    returns=(),
    fn_index=0,
)


@pytest.fixture
async def loopback_client() -> AsyncIterator[httpx2.AsyncClient]:
    async with new_http_client(Settings(allowed_networks=("127.0.0.1/32",))) as client:
        yield client


@pytest.mark.parametrize(
    ("uri", "seen"),
    [
        # RFC 2397: the data is percent-encoded, the media type may carry parameters.
        (
            "data:text/plain;charset=utf-8,hello%2C%20world%0Asecond%20line",
            "hello, world\nsecond line",
        ),
        ("DATA:,hello%0Aworld", "hello\nworld"),
        # Base64 text may itself be percent-encoded (%2B for +, %3D for =).
        (
            "data:text/plain;base64," + base64.b64encode(b">>>?\nok").decode().replace("=", "%3D"),
            ">>>?\nok",
        ),
    ],
)
async def test_rfc_2397_data_uris_reach_the_function_byte_for_byte(
    gradio_apps: Apps, loopback_client: httpx2.AsyncClient, uri: str, seen: str
) -> None:
    base = gradio_apps["file_tools"].url
    endpoint = await endpoint_of(loopback_client, base, "file_info")

    outcome = await call_endpoint(
        loopback_client, SpaceApi(base), endpoint, {"file": uri, "head_bytes": 64}
    )

    assert outcome.error is None, outcome.error
    value = outcome.outputs[0].value
    assert value["head"] == seen and value["size"] == len(seen.encode())


@pytest.mark.parametrize(
    "payload",
    [
        "aGVsbG8=!",  # a character outside the alphabet
        "aGVsbG8",  # missing padding
        "aGVs bG8=",  # white space
        "aGVsbG8=aGVs",  # data after the padding
        "%%%%",
    ],
)
async def test_invalid_base64_is_an_argument_error_and_nothing_is_uploaded(payload: str) -> None:
    sent: list[httpx2.Request] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(500)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(record)) as client:
        with pytest.raises(ToolArgumentError, match="invalid base64"):
            await call_endpoint(
                client,
                SpaceApi("http://space.test"),
                FILE_INFO,
                {"file": f"data:text/plain;base64,{payload}"},
            )
    assert sent == []


# ---------------------------------------------------------------------------------------------
# Progress


async def test_non_finite_progress_never_reaches_a_notification_nor_spoils_later_ones() -> None:
    sent: list[ProgressUpdate] = []

    async def sink(update: ProgressUpdate) -> None:
        sent.append(update)

    tracker = ProgressTracker(sink)
    await tracker.numeric(1.0, 10.0, "one")
    await tracker.numeric(math.nan, 10.0, "not a number")
    await tracker.numeric(math.inf, math.nan, None)
    await tracker.numeric(2.0, math.inf, "two")
    await tracker.numeric(1e308, 10.0, "huge")
    await tracker.numeric(1e308, 10.0, "huge again")
    await tracker.message("after")

    values = [u.progress for u in sent]
    assert all(math.isfinite(v) for v in values)
    assert all(b > a for a, b in itertools.pairwise(values))
    assert all(u.total is None or math.isfinite(u.total) for u in sent)
    assert [u.message for u in sent] == [
        "one",
        "not a number",
        "two",
        "huge",
        "huge again",
        "after",
    ]
    assert sent[2].progress == 2.0 and sent[2].total == 10.0  # the NaN changed nothing


async def test_a_space_sending_nan_progress_gets_finite_increasing_notifications(
    http_mock: MockHTTP,
) -> None:
    """Python's JSON encoder writes NaN and Infinity literally; Gradio's progress events can
    carry them. Scripted upstream: the queue's SSE stream with such numbers in it."""
    space = "http://space.test"
    events = [
        {
            "msg": "progress",
            "event_id": "ev",
            "progress_data": [{"index": 1, "length": 4, "desc": "a"}],
        },
        {"msg": "progress", "event_id": "ev", "progress_data": [{"index": math.nan, "length": 4}]},
        {
            "msg": "progress",
            "event_id": "ev",
            "progress_data": [{"index": math.inf, "length": math.nan}],
        },
        {"msg": "progress", "event_id": "ev", "progress_data": [{"index": 10**400, "length": 4}]},
        {
            "msg": "progress",
            "event_id": "ev",
            "progress_data": [{"index": 2, "length": 4, "desc": "b"}],
        },
        {"msg": "process_completed", "event_id": "ev", "success": True, "output": {"data": ["ok"]}},
    ]
    body = "".join(f"data: {json.dumps(event)}\n\n" for event in events)
    assert "NaN" in body and "Infinity" in body
    http_mock.add_response(url=f"{space}/gradio_api/queue/join", json={"event_id": "ev"})
    http_mock.add_response(method="GET", text=body, headers={"content-type": "text/event-stream"})
    sent: list[ProgressUpdate] = []

    async def sink(update: ProgressUpdate) -> None:
        sent.append(update)

    endpoint = Endpoint(api_name="go", description="", parameters=(), returns=(), fn_index=3)
    outcome = await call_endpoint(
        http_mock.client(), SpaceApi(space), endpoint, {}, on_progress=sink
    )

    assert outcome.error is None and outcome.outputs[0].value == "ok"
    values = [u.progress for u in sent]
    assert values[:2] == [1.0, 2.0] and values[-1] == 4.0  # the bar completes at its total
    assert all(math.isfinite(v) for v in values)
    assert all(b > a for a, b in itertools.pairwise(values))
    assert all(u.total == 4.0 for u in sent)
