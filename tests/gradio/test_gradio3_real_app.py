"""A real Gradio 3.50.2 app (tests/apps/gradio3_app.py, in its own virtual environment) behind
the LocalHub: every endpoint listed with a faithful schema and called through gradio_mcp's
websocket queue, with the values and file bytes Gradio 3's own client (gradio_client 0.6,
run in that environment, straight at the app) gets; progress; a cancel that stops the job
in the app.

The environment is made by the version matrix's set-up (`$GRADIO_MCP_VENVS`, default
`~/.cache/gradio-mcp/venvs/gradio-3.50.2`); without it the test fails and says how to make it.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from gradio_mcp.catalog._results import to_call_tool_result
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import free_port, spawn_group, terminate_group, wait_for_http
from gradio_mcp.discovery import Discovery
from gradio_mcp.gradio import CallLimits, CallOutcome, ProgressUpdate, SpaceApi, call_endpoint
from gradio_mcp.models import GradioSpace
from tests.stack import REPO, local_hub_settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

VENVS = Path(os.environ.get("GRADIO_MCP_VENVS", Path.home() / ".cache" / "gradio-mcp" / "venvs"))
PYTHON = VENVS / "gradio-3.50.2" / "bin" / "python"
APP = REPO / "tests" / "apps" / "gradio3_app.py"
REFERENCE = REPO / "tests" / "apps" / "gradio3_reference.py"
SPACE = "old/gradio-three"
REPLICATED = "old/gradio-three-replicas"
SAMPLE = b"first line\nsecond line\n"
MAKE_VENV = (
    f"python3 -m venv {PYTHON.parent.parent} && {PYTHON.parent}/pip install gradio==3.50.2"
    ' fastapi==0.104.1 "pydantic<2.6" "huggingface_hub<0.26"'
)


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    if not PYTHON.exists():
        pytest.fail(f"no Gradio 3.50.2 environment at {PYTHON}; make it with: {MAKE_VENV}")
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = spawn_group(
            [str(PYTHON), str(APP), "--port", str(port)],
            cwd=APP.parent,
            env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"},
            log=log,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            problem = wait_for_http(process, url + "/config", time.monotonic() + 120)
            if problem is not None:
                log.seek(0)
                pytest.fail(f"the Gradio 3 app {problem}: {log.read()[-2000:]!r}")
            yield url
        finally:
            terminate_group(process, 5.0)


@pytest.fixture(scope="module")
def hub(app_url: str) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        hub.add_space(SPACE, upstream=app_url, title="Gradio 3")
        # Two replicas (the same app twice): the Hub's proxy takes them in turn.
        hub.add_space(REPLICATED, replicas=(app_url, app_url), title="Gradio 3, two replicas")
        yield hub


@pytest.fixture
async def discovery(hub: LocalHub) -> AsyncIterator[Discovery]:
    async with Discovery(local_hub_settings(hub)) as discovery:
        yield discovery


async def space_of(discovery: Discovery, space_id: str = SPACE) -> GradioSpace:
    (space,) = await discovery.get_spaces([space_id])
    assert space.ok, space.error
    return space


async def call(
    discovery: Discovery, api: str, arguments: dict[str, Any], space_id: str = SPACE, **kw: Any
) -> CallOutcome:
    space = await space_of(discovery, space_id)
    assert space.metadata is not None and space.schema is not None
    endpoint = next(e for e in space.endpoints if e.api_name == api)
    # As discovery finds a Gradio 3 space: the websocket queue, at the root.
    api = SpaceApi.of(str(space.metadata.url), space.schema)
    assert (api.protocol, api.api_prefix) == ("ws", "")
    limits = CallLimits.from_settings(discovery.settings)
    return await call_endpoint(discovery.client, api, endpoint, arguments, limits=limits, **kw)


def reference(app_url: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What gradio_client 0.6 (Gradio 3's own) gets for `cases`, straight from the app."""
    done = subprocess.run(
        [str(PYTHON), str(REFERENCE), app_url],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def data_uri(content: bytes, name: str, mime: str = "text/plain") -> str:
    return f"data:{mime};name={name};base64," + base64.b64encode(content).decode()


async def test_every_endpoint_is_listed_with_a_faithful_schema(discovery: Discovery) -> None:
    space = await space_of(discovery)
    assert space.schema is not None and space.schema.gradio_version == "3.50.2"
    listed = {e.api_name: e for e in space.endpoints}
    assert list(listed) == ["echo", "numbers", "picture", "count", "file_info", "slow", "journal"]
    numbers = {p.name: p for p in listed["numbers"].parameters}
    assert {n: (p.required, p.default) for n, p in numbers.items()} == {
        "Number": (False, 3.0),
        "Slider": (False, 4),
        "Choice": (False, "beta"),
        "Flag": (False, True),
    }
    assert numbers["Choice"].schema["enum"] == ["alpha", "beta", "gamma"]
    assert (numbers["Slider"].schema["minimum"], numbers["Slider"].schema["maximum"]) == (0, 10)
    upload = listed["file_info"].parameters[0]
    assert upload.required and upload.file == "single" and upload.schema["format"] == "uri"
    assert listed["picture"].returns[0].file == "single"
    assert listed["count"].generator and not listed["journal"].queue


async def test_values_and_files_are_those_gradio_3_s_own_client_gets(
    discovery: Discovery, app_url: str, hub: LocalHub
) -> None:
    with tempfile.NamedTemporaryFile(suffix=".txt") as sample:
        sample.write(SAMPLE)
        sample.flush()
        expected = reference(
            app_url,
            [
                {"api": "/echo", "args": ["hello from 3.x"]},
                {"api": "/numbers", "args": [2, 7, "gamma", False]},
                {"api": "/picture", "args": ["blue"]},
                {"api": "/count", "args": [3]},
                {"api": "/file_info", "args": [sample.name]},
            ],
        )
    assert all(r["ok"] for r in expected), expected
    echo, numbers, picture, count, file_info = (r["value"] for r in expected)

    outcome = await call(discovery, "echo", {"Text": "hello from 3.x"})
    assert [o.value for o in outcome.outputs] == [echo]
    arguments = {"Number": 2, "Slider": 7, "Choice": "gamma", "Flag": False}
    outcome = await call(discovery, "numbers", arguments)
    assert [o.value for o in outcome.outputs] == numbers
    outcome = await call(discovery, "count", {"Count_to": 3})
    assert [o.value for o in outcome.outputs] == [count]

    # Files by their bytes: the image Gradio 3 sends inline, the file it serves.
    outcome = await call(discovery, "picture", {"Colour": "blue"})
    (image,) = (o.file for o in outcome.outputs)
    assert image is not None and image.mime_type == "image/png"
    png = base64.b64decode(image.url.split(",", 1)[1])
    assert png == base64.b64decode(picture["file_base64"])
    assert Image.open(io.BytesIO(png)).getpixel((0, 0)) == (40, 60, 220)

    outcome = await call(discovery, "file_info", {"Upload": data_uri(SAMPLE, "sample.txt")})
    text, copy = outcome.outputs
    assert text.value == file_info[0] == "size=23 first='first line'"
    assert copy.file is not None and copy.file.url.startswith(hub.host_template.split("{")[0])
    response = await discovery.client.get(copy.file.url)
    assert response.content == base64.b64decode(file_info[1]["file_base64"]) == SAMPLE.upper()

    # A file of the space's own, by the URL one of its results gave: sent by its path.
    outcome = await call(discovery, "file_info", {"Upload": copy.file.url})
    assert outcome.error is None and outcome.outputs[0].value == "size=23 first='FIRST LINE'"


async def test_an_image_becomes_image_content(discovery: Discovery) -> None:
    space = await space_of(discovery)
    outcome = await call(discovery, "picture", {"Colour": "green"})
    result = await to_call_tool_result(
        outcome, client=discovery.client, space_url=space.metadata.url if space.metadata else None
    )
    assert [c.type for c in result.content] == ["image"]


async def test_progress_is_reported_with_totals(discovery: Discovery) -> None:
    updates: list[ProgressUpdate] = []

    async def on_progress(update: ProgressUpdate) -> None:
        updates.append(update)

    outcome = await call(discovery, "count", {"Count_to": 4}, on_progress=on_progress)
    assert outcome.error is None and outcome.outputs[0].value == "1 2 3 4"
    assert any(u.message and u.message.startswith("Generating: 1 2") for u in updates)
    assert updates[-1].progress == updates[-1].total == 4
    progress = [u.progress for u in updates]
    assert progress == sorted(progress)  # never backwards


async def test_a_cancelled_call_stops_the_job_in_the_app(
    discovery: Discovery, hub: LocalHub
) -> None:
    key = f"cancel-{time.monotonic_ns()}"
    started = asyncio.Event()

    async def on_progress(update: ProgressUpdate) -> None:
        if update.message and "step 2" in update.message:
            started.set()

    task = asyncio.create_task(
        call(discovery, "slow", {"Key": key, "Steps": 200}, on_progress=on_progress)
    )
    await asyncio.wait_for(started.wait(), 60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    record: dict[str, Any] = {}
    for _ in range(100):  # the app stops the generator at its next yield
        journal = await call(discovery, "journal", {"Key": key})
        assert journal.error is None, journal.error
        record = json.loads(journal.outputs[0].value)
        if record["state"] != "running":
            break
        await asyncio.sleep(0.1)
    assert record["state"] == "stopped" and record["step"] < 200, record
    # As Gradio 3's client does, the session's iterator was reset too.
    assert hub.space_requests[(SPACE, "/reset")] >= 1


async def test_a_wrong_argument_is_the_app_s_error_in_words(discovery: Discovery) -> None:
    outcome = await call(discovery, "file_info", {"Upload": data_uri(b"\xff\xfe", "x.bin")})
    assert outcome.error is None  # bytes of any kind are a file
    outcome = await call(discovery, "numbers", {"Number": "not a number"})
    # The app shows its errors (show_error=True): Python's own words reach the caller.
    assert outcome.error is not None and "not a number" in outcome.error.message


async def test_files_are_fetched_from_the_replica_that_ran_the_job(
    discovery: Discovery, hub: LocalHub
) -> None:
    hub.reset_counters()
    outcome = await call(
        discovery, "file_info", {"Upload": data_uri(SAMPLE, "s.txt")}, space_id=REPLICATED
    )
    assert outcome.error is None, outcome.error
    copy = outcome.outputs[1].file
    assert copy is not None and "/--replicas/" in copy.url
    response = await discovery.client.get(copy.url)
    assert response.status_code == 200 and response.content == SAMPLE.upper()
    joined = {r for (s, r, p) in hub.replica_requests if s == REPLICATED and p == "/queue/join"}
    fetched = {r for (s, r, p) in hub.replica_requests if s == REPLICATED and "/file=" in p}
    assert len(joined) == 1 and fetched == joined
