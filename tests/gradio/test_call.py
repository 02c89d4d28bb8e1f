"""Calls on the bundled Gradio apps, plus the cases only a mock can make."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from mcp import types
from PIL import Image

from gradio_mcp.catalog._results import to_call_tool_result
from gradio_mcp.config import Settings
from gradio_mcp.dev.launcher import GradioAppProcess
from gradio_mcp.errors import ToolArgumentError
from gradio_mcp.gradio import CallLimits, SpaceApi, call_endpoint
from gradio_mcp.gradio._errors import HIDDEN_ERROR_MESSAGE, CallError
from gradio_mcp.gradio._outputs import CallOutcome, FileRef, OutputValue
from gradio_mcp.gradio._progress import ProgressUpdate
from gradio_mcp.models import Endpoint, Parameter, Return, SpaceSchema
from gradio_mcp.net import new_http_client
from gradio_mcp.serving._throttle import ProgressThrottle
from tests.mock_http import MockHTTP

pytestmark = pytest.mark.anyio

Apps = dict[str, GradioAppProcess]


# ---------------------------------------------------------------------------------------------
# Endpoints built by hand from the app's real /gradio_api/info and /config (the schema parser
# has its own tests; these only need a faithful Endpoint).


def _file_kind(info: dict[str, Any]) -> str | None:
    if info.get("python_type", {}).get("type") == "filepath":
        return "single"
    title = info.get("type", {}).get("title")
    return "single" if title in ("FileData", "ImageData") else None


async def endpoint_of(client: httpx2.AsyncClient, base: str, api_name: str) -> Endpoint:
    info = (await client.get(f"{base}/gradio_api/info")).json()
    config = (await client.get(f"{base}/config")).json()
    api = info["named_endpoints"][f"/{api_name}"]
    dependency = next(d for d in config["dependencies"] if d["api_name"] == api_name)
    state_ids = {c["id"] for c in config["components"] if c["type"] == "state"}
    parameters = tuple(
        Parameter(
            name=p["parameter_name"],
            schema=p["type"],
            required=not p["parameter_has_default"],
            has_default=p["parameter_has_default"],
            default=p["parameter_default"],
            label=p["label"],
            component=p["component"],
            file=_file_kind(p),
        )
        for p in api["parameters"]
    )
    returns = tuple(
        Return(label=r["label"], component=r["component"], schema=r["type"], file=_file_kind(r))
        for r in api["returns"]
    )
    layout: list[int | None] = []
    for component_id in dependency["inputs"]:
        layout.append(None if component_id in state_ids else sum(x is not None for x in layout))
    keep = tuple(i for i, c in enumerate(dependency["outputs"]) if c not in state_ids)
    return Endpoint(
        api_name=api_name,
        description=api.get("description", ""),
        parameters=parameters,
        returns=returns,
        fn_index=dependency["id"],
        generator=dependency["types"]["generator"],
        queue=dependency["queue"] is not False,
        input_layout=tuple(layout),
        output_keep=keep,
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    """The upstream client the server uses; the bundled apps listen on 127.0.0.1 only."""
    async with new_http_client(Settings(allowed_networks=("127.0.0.1/32",))) as http:
        yield http


def without_fn_index(endpoint: Endpoint) -> Endpoint:
    """The same endpoint as a space without /config would describe it (forces /call)."""
    return Endpoint(
        api_name=endpoint.api_name,
        description=endpoint.description,
        parameters=endpoint.parameters,
        returns=endpoint.returns,
        output_keep=endpoint.output_keep,
    )


class Recorder:
    def __init__(self) -> None:
        self.updates: list[ProgressUpdate] = []

    async def __call__(self, update: ProgressUpdate) -> None:
        self.updates.append(update)


# ---------------------------------------------------------------------------------------------
# Calls on real apps


async def test_text_call_returns_the_value(gradio_apps: Apps, client: httpx2.AsyncClient) -> None:
    base = gradio_apps["text_tools"].url
    endpoint = await endpoint_of(client, base, "letter_counter")

    outcome = await call_endpoint(
        client,
        SpaceApi(base),
        endpoint,
        {"word": "Mississippi", "letter": "s", "case_sensitive": True},
    )

    assert outcome.error is None
    assert [o.value for o in outcome.outputs] == [4]
    assert outcome.outputs[0].returns is not None
    assert outcome.outputs[0].returns.label == "Count"
    assert outcome.duration_ms > 0
    result = await to_call_tool_result(outcome, client=client)
    assert result.is_error is False
    assert [c.text for c in result.content if isinstance(c, types.TextContent)] == ["4"]
    assert result.structured_content == {"result": 4}


async def test_omitted_arguments_take_the_space_defaults(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["text_tools"].url
    endpoint = await endpoint_of(client, base, "transform_text")

    # mode defaults to "upper", repeat to 1 and extras to [] in the app.
    outcome = await call_endpoint(client, SpaceApi(base), endpoint, {"text": "abc"})

    assert outcome.error is None
    assert outcome.outputs[0].value == "ABC"


async def test_simple_call_route_works_without_fn_index(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["text_tools"].url
    endpoint = without_fn_index(await endpoint_of(client, base, "transform_text"))

    outcome = await call_endpoint(client, SpaceApi(base), endpoint, {"text": "ab", "repeat": 2})

    assert outcome.error is None
    assert outcome.outputs[0].value == "AB AB"


async def test_generator_streams_ordered_progress_then_the_final_value(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["streaming"].url
    endpoint = await endpoint_of(client, base, "count_up")
    progress = Recorder()

    outcome = await call_endpoint(
        client, SpaceApi(base), endpoint, {"n": 4, "delay": 0.05}, on_progress=progress
    )

    assert outcome.error is None
    assert outcome.outputs[0].value == "1 2 3 4 "
    values = [u.progress for u in progress.updates]
    assert values == sorted(values) and len(set(values)) == len(values), values
    assert any(u.total == 4 for u in progress.updates)
    # Every partial value arrives, in order, as a message.
    previews = [u.message for u in progress.updates if u.message and "Generating" in u.message]
    assert previews == [
        f"Generating: {' '.join(str(i) for i in range(1, k + 1))} " for k in (1, 2, 3, 4)
    ]
    # The last notification reads 100% and comes before the result is returned.
    assert progress.updates[-1].progress == progress.updates[-1].total == 4
    assert outcome.progress_events == len(progress.updates)


async def test_generator_on_simple_route_still_reports_partial_values(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["streaming"].url
    endpoint = without_fn_index(await endpoint_of(client, base, "count_up"))
    progress = Recorder()

    outcome = await call_endpoint(
        client, SpaceApi(base), endpoint, {"n": 3, "delay": 0}, on_progress=progress
    )

    assert outcome.outputs[0].value == "1 2 3 "
    assert [u.progress for u in progress.updates] == [0, 1, 2]
    assert progress.updates[-1].message == "Generating: 1 2 3 "


async def test_queue_false_endpoint_runs(gradio_apps: Apps, client: httpx2.AsyncClient) -> None:
    base = gradio_apps["streaming"].url
    endpoint = await endpoint_of(client, base, "echo")
    assert endpoint.queue is False

    outcome = await call_endpoint(client, SpaceApi(base), endpoint, {"message": "pong"})

    assert outcome.outputs[0].value == "pong"


async def test_gr_error_comes_back_with_title_and_message(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["text_tools"].url
    endpoint = await endpoint_of(client, base, "always_fails")

    for route in (endpoint, without_fn_index(endpoint)):
        outcome = await call_endpoint(client, SpaceApi(base), route, {"reason": "too cold"})
        assert outcome.outputs == []
        assert outcome.error == CallError("Custom failure", "Refused: too cold")

    result = await to_call_tool_result(outcome, client=client)
    assert result.is_error is True
    assert isinstance(result.content[0], types.TextContent)
    assert result.content[0].text == "Custom failure: Refused: too cold"


async def test_image_output_is_a_downloadable_file_and_inline_image(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["image_gen"].url
    endpoint = await endpoint_of(client, base, "make_image")

    outcome = await call_endpoint(client, SpaceApi(base), endpoint, {"colour": "red", "size": 24})

    assert outcome.error is None
    ref = outcome.outputs[0].file
    assert ref is not None and ref.mime_type in ("image/webp", "image/png")
    download = await client.get(ref.url)
    assert download.status_code == 200

    result = await to_call_tool_result(outcome, client=client, space_url=base)
    images = [c for c in result.content if isinstance(c, types.ImageContent)]
    assert len(images) == 1 and images[0].mime_type == ref.mime_type
    picture = Image.open(io.BytesIO(base64.b64decode(images[0].data)))
    assert picture.size == (24, 24)
    # The right edge is the requested colour (the gradient starts white on the left).
    red, green, blue = picture.convert("RGB").getpixel((23, 12))  # type: ignore[misc]
    assert red > 180 and green < 90 and blue < 90
    links = [c for c in result.content if isinstance(c, types.ResourceLink)]
    assert [str(link.uri) for link in links] == [ref.url]

    # Over the inline limit, the image is only linked.
    small = await to_call_tool_result(outcome, client=client, inline_limit_bytes=10, space_url=base)
    assert [type(c) for c in small.content] == [types.ResourceLink]


async def test_audio_output_is_inline_audio(gradio_apps: Apps, client: httpx2.AsyncClient) -> None:
    base = gradio_apps["image_gen"].url
    endpoint = await endpoint_of(client, base, "make_tone")

    outcome = await call_endpoint(
        client, SpaceApi(base), endpoint, {"frequency": 300, "duration": 0.1}
    )
    result = await to_call_tool_result(outcome, client=client, space_url=base)

    audio = [c for c in result.content if isinstance(c, types.AudioContent)]
    assert len(audio) == 1 and audio[0].mime_type == "audio/wav"
    assert base64.b64decode(audio[0].data)[:4] == b"RIFF"


async def test_data_uri_file_is_uploaded_and_seen_by_the_function(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["file_tools"].url
    endpoint = await endpoint_of(client, base, "file_info")
    payload = b"hello\nworld\n"
    uri = "data:text/plain;name=greeting.txt;base64," + base64.b64encode(payload).decode()

    outcome = await call_endpoint(client, SpaceApi(base), endpoint, {"file": uri, "head_bytes": 5})

    assert outcome.error is None
    assert outcome.outputs[0].value == {
        "name": "greeting.txt",
        "size": 12,
        "lines": 2,
        "head": "hello",
    }


async def test_file_output_becomes_a_resource_link(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["file_tools"].url
    endpoint = await endpoint_of(client, base, "write_file")

    outcome = await call_endpoint(
        client, SpaceApi(base), endpoint, {"text": "hi", "filename": "out.txt", "lines": 2}
    )
    result = await to_call_tool_result(outcome, client=client)

    assert len(result.content) == 1
    link = result.content[0]
    assert isinstance(link, types.ResourceLink)
    assert link.name == "out.txt" and link.mime_type == "text/plain"
    assert (await client.get(str(link.uri))).text == "1: hi\n2: hi\n"
    assert result.structured_content is not None
    assert result.structured_content["result"]["url"] == str(link.uri)


async def test_bad_file_arguments_raise_before_any_request() -> None:
    sent: list[httpx2.Request] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(500)

    endpoint = Endpoint(
        api_name="file_info",
        description="",
        parameters=(Parameter(name="file", schema={}, required=True, file="single"),),
        returns=(),
        fn_index=0,
    )
    big = "data:application/octet-stream;base64," + base64.b64encode(b"x" * 5000).decode()
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(record)) as mock:
        for bad in ("/etc/passwd", "file:///etc/passwd", "ftp://example.org/a", 42, {"path": "x"}):
            with pytest.raises(ToolArgumentError, match="URL or a data: URI"):
                await call_endpoint(mock, SpaceApi("http://space"), endpoint, {"file": bad})
        with pytest.raises(ToolArgumentError, match="over the 1000 byte limit"):
            await call_endpoint(
                mock, SpaceApi("http://space", max_upload_bytes=1000), endpoint, {"file": big}
            )
        with pytest.raises(ToolArgumentError, match="missing required argument 'file'"):
            await call_endpoint(mock, SpaceApi("http://space"), endpoint, {})
        with pytest.raises(ToolArgumentError, match="unknown argument"):
            await call_endpoint(
                mock, SpaceApi("http://space"), endpoint, {"fil": "https://x/y.txt"}
            )
    assert sent == []


async def test_url_file_argument_is_passed_for_the_space_to_download() -> None:
    joined: list[Any] = []

    def space(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/queue/join"):
            joined.append(json.loads(request.content))
            return httpx2.Response(200, json={"event_id": "e1"})
        done = {
            "msg": "process_completed",
            "event_id": "e1",
            "success": True,
            "output": {"data": ["ok"]},
        }
        return httpx2.Response(200, text=f"data: {json.dumps(done)}\n\n")

    endpoint = Endpoint(
        api_name="files",
        description="",
        parameters=(Parameter(name="files", schema={}, required=True, file="list"),),
        returns=(),
        fn_index=7,
    )
    url = "https://huggingface.co/datasets/x/resolve/main/my%20photo.png"
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(space)) as mock:
        outcome = await call_endpoint(mock, SpaceApi("http://space"), endpoint, {"files": [url]})

    assert outcome.outputs[0].value == "ok"
    assert joined[0]["fn_index"] == 7 and joined[0]["simple_format"] is True
    assert joined[0]["data"] == [
        [
            {
                "path": url,
                "url": url,
                "meta": {"_type": "gradio.FileData"},
                "orig_name": "my photo.png",
            }
        ]
    ]


async def test_state_slot_is_sent_as_null_and_state_output_dropped(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["text_tools"].url
    endpoint = await endpoint_of(client, base, "remember")
    assert endpoint.input_layout == (0, None) and endpoint.output_keep == (0,)

    first = await call_endpoint(client, SpaceApi(base), endpoint, {"item": "apple"})
    second = await call_endpoint(client, SpaceApi(base), endpoint, {"item": "pear"})

    assert [o.value for o in first.outputs] == ["apple"]
    # Each call is its own session: nothing leaks from the previous caller's State.
    assert [o.value for o in second.outputs] == ["pear"]


class RecordingTransport(httpx2.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


async def test_cancelling_a_call_stops_the_job_on_the_space(gradio_apps: Apps) -> None:
    base = gradio_apps["streaming"].url
    transport = RecordingTransport()
    async with httpx2.AsyncClient(transport=transport) as client:
        endpoint = await endpoint_of(client, base, "count_up")
        # The app runs at most 4 count_up jobs at once; fill every slot with slow jobs.
        running = [asyncio.Event() for _ in range(4)]

        async def slow(i: int) -> None:
            async def started(update: ProgressUpdate) -> None:
                if update.total is not None:
                    running[i].set()

            await call_endpoint(
                client, SpaceApi(base), endpoint, {"n": 3, "delay": 6}, on_progress=started
            )

        tasks = [asyncio.create_task(slow(i)) for i in range(4)]
        # Bounded, with room for a machine busy starting other apps: four jobs must start.
        async with asyncio.timeout(60):
            await asyncio.gather(*(event.wait() for event in running))
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        assert transport.paths.count("/gradio_api/cancel") == 4

        # Had the jobs kept running, this one would wait ~6 s for a free slot.
        started = time.perf_counter()
        outcome = await call_endpoint(client, SpaceApi(base), endpoint, {"n": 1, "delay": 0})
        assert outcome.outputs[0].value == "1 "
        assert time.perf_counter() - started < 3


async def test_unreachable_space_is_an_error_outcome(client: httpx2.AsyncClient) -> None:
    from gradio_mcp.dev.launcher import free_port

    endpoint = Endpoint(api_name="x", description="", parameters=(), returns=(), fn_index=0)
    outcome = await call_endpoint(client, SpaceApi(f"http://127.0.0.1:{free_port()}"), endpoint, {})

    assert outcome.error is not None and outcome.error.title == "Connection error"


# ---------------------------------------------------------------------------------------------
# Upstream failures a real app does not produce on demand

SPACE = "http://space.test"
QUEUED = Endpoint(api_name="go", description="", parameters=(), returns=(), fn_index=3)
SIMPLE = Endpoint(api_name="go", description="", parameters=(), returns=())


def sse(*events: tuple[str, Any]) -> str:
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)


async def test_join_server_error_is_reported_with_status_and_excerpt(http_mock: MockHTTP) -> None:
    client = http_mock.client()
    http_mock.add_response(
        method="POST",
        url=f"{SPACE}/gradio_api/queue/join",
        status_code=503,
        text="Service Unavailable: the space is sleeping",
    )

    outcome = await call_endpoint(client, SpaceApi(SPACE), QUEUED, {})

    assert outcome.error is not None and outcome.error.status == 503
    assert "the space is sleeping" in outcome.error.message


async def test_join_validation_error_422(http_mock: MockHTTP) -> None:
    client = http_mock.client()
    detail = {"detail": [{"type": "list_type", "loc": ["body", "data"], "msg": "bad"}]}
    http_mock.add_response(url=f"{SPACE}/gradio_api/queue/join", status_code=422, json=detail)

    outcome = await call_endpoint(client, SpaceApi(SPACE), QUEUED, {})

    assert outcome.error is not None and outcome.error.status == 422
    assert "list_type" in outcome.error.message


@pytest.mark.parametrize(
    ("payload", "title", "message"),
    [
        ("404: Not Found", "Error", "no longer knows this job"),
        (None, "Error", HIDDEN_ERROR_MESSAGE),
        ({"error": None}, "Error", HIDDEN_ERROR_MESSAGE),
        ({"error": "boom", "title": "Bad"}, "Bad", "boom"),
    ],
)
async def test_simple_route_error_shapes(
    http_mock: MockHTTP, payload: Any, title: str, message: str
) -> None:
    client = http_mock.client()
    http_mock.add_response(url=f"{SPACE}/gradio_api/call/go", json={"event_id": "ev"})
    http_mock.add_response(
        url=f"{SPACE}/gradio_api/call/go/ev",
        text=sse(("heartbeat", None), ("error", payload)),
        headers={"content-type": "text/event-stream"},
    )

    outcome = await call_endpoint(client, SpaceApi(SPACE), SIMPLE, {})

    assert outcome.error is not None
    assert outcome.error.title == title and message in outcome.error.message


async def test_hidden_error_on_queue_route(http_mock: MockHTTP) -> None:
    client = http_mock.client()
    http_mock.add_response(url=f"{SPACE}/gradio_api/queue/join", json={"event_id": "ev"})
    done = {
        "msg": "process_completed",
        "event_id": "ev",
        "success": False,
        "output": {"error": None},
        "title": "Error",
    }
    http_mock.add_response(method="GET", text=f"data: {json.dumps(done)}\n\n")

    outcome = await call_endpoint(client, SpaceApi(SPACE), QUEUED, {})

    assert outcome.error == CallError("Error", HIDDEN_ERROR_MESSAGE)
    result = await to_call_tool_result(outcome, client=client)
    assert result.is_error and "show_error=False" in result.content[0].text  # type: ignore[union-attr]


async def test_stream_ending_without_result_is_an_error(http_mock: MockHTTP) -> None:
    client = http_mock.client()
    http_mock.add_response(url=f"{SPACE}/gradio_api/queue/join", json={"event_id": "ev"})
    http_mock.add_response(
        method="GET", text='data: {"msg":"estimation","event_id":"ev","rank":2,"queue_size":5}\n\n'
    )
    progress = Recorder()

    outcome = await call_endpoint(client, SpaceApi(SPACE), QUEUED, {}, on_progress=progress)

    assert outcome.error is not None and outcome.error.title == "Connection closed"
    assert progress.updates[0].message == "In queue: position 3 of 5"


# ---------------------------------------------------------------------------------------------
# MCP content for several outputs


async def test_several_outputs_are_keyed_by_label(client: httpx2.AsyncClient) -> None:
    outcome = CallOutcome(
        outputs=[
            OutputValue("hello", Return("Greeting", "Textbox", {})),
            OutputValue({"n": 1}, Return(None, "Json", {})),
            OutputValue(
                {"path": "/x/a.pdf"},
                Return("Report", "File", {}),
                file=FileRef(
                    url="http://s/file=/x/a.pdf", orig_name="a.pdf", mime_type="application/pdf"
                ),
            ),
        ]
    )

    result = await to_call_tool_result(outcome, client=client)

    assert [type(c) for c in result.content] == [
        types.TextContent,
        types.TextContent,
        types.ResourceLink,
    ]
    assert result.content[1].text == '{"n": 1}'  # type: ignore[union-attr]
    assert result.structured_content == {
        "Greeting": "hello",
        "output_1": {"n": 1},
        "Report": {
            "url": "http://s/file=/x/a.pdf",
            "name": "a.pdf",
            "mime_type": "application/pdf",
        },
    }


async def test_throttled_progress_from_a_real_call_ends_on_the_final_update(
    gradio_apps: Apps, client: httpx2.AsyncClient
) -> None:
    base = gradio_apps["streaming"].url
    endpoint = await endpoint_of(client, base, "count_up")
    sent = Recorder()
    throttle = ProgressThrottle(sent, max_per_second=5)

    outcome = await call_endpoint(
        client, SpaceApi(base), endpoint, {"n": 10, "delay": 0.01}, on_progress=throttle
    )
    await throttle.flush()

    assert outcome.progress_events > len(sent.updates)  # some were coalesced
    assert sent.updates[-1].progress == sent.updates[-1].total == 10


def test_the_library_defaults_are_the_servers_and_a_schema_names_the_space_api() -> None:
    assert CallLimits() == CallLimits.from_settings(Settings())
    assert CallLimits.from_settings(Settings(call_max_duration_ms=1500)).max_duration == 1.5
    schema = SpaceSchema((), gradio_version="3.50.2", max_file_size=9, api_prefix="", protocol="ws")
    assert SpaceApi.of("http://s", schema) == SpaceApi("http://s", "", "ws", "3.50.2", 9)
    assert SpaceApi.of("http://s", None) == SpaceApi("http://s", "/gradio_api", None, None, None)
