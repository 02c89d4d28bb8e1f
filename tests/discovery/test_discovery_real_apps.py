"""Discovery of real Gradio apps (subprocesses on loopback) behind the Hub emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess
from gradio_mcp.discovery import Discovery
from tests.stack import local_hub_settings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def hub(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        for name, app in gradio_apps.items():
            # Served through the emulator's proxy at the predicted host, as on the real Hub.
            hub.add_space(f"demo/{name.replace('_', '-')}", upstream=app.url, title=name)
        hub.add_space(
            "demo/private-text",
            upstream=gradio_apps["text_tools"].url,
            private=True,
            tokens=("hf_owner",),
        )
        yield hub


@pytest.fixture
async def discovery(hub: LocalHub) -> AsyncIterator[Discovery]:
    async with Discovery(local_hub_settings(hub)) as discovery:
        yield discovery


async def test_endpoints_parameters_defaults_and_files(discovery: Discovery) -> None:
    spaces = {
        s.id: s
        for s in await discovery.get_spaces(
            ["demo/text-tools", "demo/image-gen", "demo/file-tools", "demo/streaming"]
        )
    }
    assert all(s.ok for s in spaces.values()), {k: s.error for k, s in spaces.items()}

    text = {e.api_name: e for e in spaces["demo/text-tools"].endpoints}
    assert list(text) == ["letter_counter", "transform_text", "always_fails", "remember"]
    counter = text["letter_counter"]
    assert [(p.name, p.default) for p in counter.parameters] == [
        ("word", "strawberry"),
        ("letter", "r"),
        ("case_sensitive", False),
    ]
    assert counter.description.startswith("Count how many times")
    transform = {p.name: p for p in text["transform_text"].parameters}
    assert transform["mode"].schema["enum"] == ["upper", "lower", "title"]
    assert (transform["repeat"].schema["minimum"], transform["repeat"].schema["maximum"]) == (1, 5)
    assert transform["extras"].default == []
    remember = text["remember"]
    assert remember.input_layout == (0, None) and remember.output_keep == (0,)

    files = {e.api_name: e for e in spaces["demo/file-tools"].endpoints}
    upload = files["file_info"].parameters[0]
    assert upload.file == "single" and upload.required
    assert upload.schema["type"] == "string" and upload.schema["format"] == "uri"
    assert files["write_file"].returns[0].file == "single"

    image = {e.api_name: e for e in spaces["demo/image-gen"].endpoints}
    assert image["make_image"].returns[0].file == "single"
    assert image["make_image"].returns[0].component == "Image"

    streaming = {e.api_name: e for e in spaces["demo/streaming"].endpoints}
    assert streaming["count_up"].generator and streaming["count_up"].fn_index == 0
    assert streaming["echo"].queue is False


async def test_private_space_needs_its_token_and_the_token_reaches_its_host(
    discovery: Discovery, hub: LocalHub
) -> None:
    (anonymous,) = await discovery.get_spaces(["demo/private-text"])
    assert not anonymous.ok and anonymous.error is not None
    assert anonymous.error.kind.value == "not_found"
    hub.authorizations.clear()
    (owner,) = await discovery.get_spaces(["demo/private-text"], "hf_owner")
    assert owner.ok and owner.metadata is not None and owner.metadata.private
    assert owner.endpoints[0].api_name == "letter_counter"
    # The early schema fetch to the predicted host goes out before the Hub says the space is
    # private, so it carries no token; the fetch that counts carries the owner's.
    seen = {token for _path, token in hub.authorizations}
    assert "hf_owner" in seen and seen <= {None, "hf_owner"}


async def test_second_discovery_is_served_from_cache(discovery: Discovery, hub: LocalHub) -> None:
    await discovery.get_spaces(["demo/streaming"])
    hub.reset_counters()
    (space,) = await discovery.get_spaces(["demo/streaming"])
    assert space.ok
    assert sum(hub.metadata_requests.values()) == 0 and sum(hub.space_requests.values()) == 0


async def test_number_inputs_keep_their_labels_and_whole_step_sliders_are_integers(
    discovery: Discovery, hub: LocalHub
) -> None:
    """What an LLM reads: "Count to", not only "numeric value between 1 and 50"; a slider
    stepping by 1 (or 8) between whole bounds takes integers, and Gradio runs with one."""
    from gradio_mcp.catalog._input_schema import build_input_schema
    from gradio_mcp.gradio import SpaceApi, call_endpoint

    streaming, image = await discovery.get_spaces(["demo/streaming", "demo/image-gen"])
    count_up = next(e for e in streaming.endpoints if e.api_name == "count_up")
    schema = build_input_schema(count_up)["properties"]
    assert schema["n"]["type"] == "integer"
    assert schema["n"]["description"] == "Count to: numeric value between 1 and 50"
    assert (schema["n"]["minimum"], schema["n"]["maximum"]) == (1, 50)
    assert schema["delay"]["type"] == "number" and schema["delay"]["description"] == "Delay (s)"

    by_name = {e.api_name: build_input_schema(e)["properties"] for e in image.endpoints}
    size = next(p["size"] for p in by_name.values() if "size" in p)
    assert size["type"] == "integer" and size["description"].startswith("Size: ")
    duration = next(p["duration"] for p in by_name.values() if "duration" in p)
    assert duration["type"] == "number"  # steps of 0.05 stay numbers

    assert streaming.metadata is not None and streaming.metadata.host is not None
    outcome = await call_endpoint(
        discovery.client, SpaceApi(streaming.metadata.host), count_up, {"n": 3, "delay": 0}
    )
    assert outcome.error is None and outcome.outputs[0].value == "1 2 3 "
