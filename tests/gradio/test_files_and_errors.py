"""Files inside structures, outputs that keep their structure, the space's errors in words,
and replica pinning: one call against a scripted space (an injected mock transport)."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest

from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.errors import ToolArgumentError
from gradio_mcp.gradio import SpaceApi, call_endpoint
from gradio_mcp.gradio._errors import error_from_payload, plain_text, validation_message
from gradio_mcp.gradio._outputs import FileRef
from gradio_mcp.models import Endpoint
from tests.upstream import FIXTURES

pytestmark = pytest.mark.anyio

PNG = base64.b64encode(b"\x89PNG fake").decode()


def endpoint(app: str, api: str) -> Endpoint:
    info = json.loads((FIXTURES / f"corpus_{app}_gradio_api_info.json").read_text())
    found = next(e for e in parse_space_schema(info).endpoints if e.api_name == api)
    # The fixtures carry no /config: run over the queue as if it had given these.
    return Endpoint(
        found.api_name,
        found.description,
        found.parameters,
        found.returns,
        fn_index=3,
        output_keep=tuple(range(len(found.returns))),
    )


class Space:
    """A scripted Gradio space: uploads, a queue join, and one completed event."""

    def __init__(self, output: Any = None, replica: str | None = None, join_status: int = 200):
        self.output = output if output is not None else ["ok"]
        self.replica = replica
        self.join_status = join_status
        self.join_body: Any = None
        self.join_detail: Any = None
        self.paths: list[str] = []
        self.uploads = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.paths.append(request.url.path)
        headers = {"x-proxied-replica": f"abcd1234-{self.replica}"} if self.replica else {}
        if request.url.path.endswith("/upload"):
            self.uploads += 1
            count = request.content.count(b'name="files"')
            paths = [f"/tmp/gradio/up{self.uploads}_{i}" for i in range(count)]
            return httpx2.Response(200, json=paths, headers=headers)
        if request.url.path.endswith("/queue/join"):
            self.join_body = json.loads(request.content)
            if self.join_status != 200:
                return httpx2.Response(self.join_status, json=self.join_detail, headers=headers)
            return httpx2.Response(200, json={"event_id": "e1"}, headers=headers)
        done = {
            "msg": "process_completed",
            "event_id": "e1",
            "success": True,
            "output": {"data": self.output},
        }
        return httpx2.Response(200, text=f"data: {json.dumps(done)}\n\n", headers=headers)


async def run(space: Space, target: Endpoint, arguments: dict[str, Any], **kw: Any) -> Any:
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(space)) as mock:
        return await call_endpoint(mock, SpaceApi("http://space"), target, arguments, **kw)


async def test_files_inside_a_gallery_are_uploaded_and_wrapped() -> None:
    space = Space(output=[[]])
    gallery = [
        {"image": f"data:image/png;name=a.png;base64,{PNG}", "caption": "first"},
        {"image": "https://example.org/b.png", "caption": None},
    ]

    outcome = await run(space, endpoint("media", "gallery_captions"), {"gallery": gallery})

    assert outcome.error is None
    sent = space.join_body["data"][0]
    assert sent[0] == {
        "image": {
            "path": "/tmp/gradio/up1_0",
            "meta": {"_type": "gradio.FileData"},
            "orig_name": "a.png",
        },
        "caption": "first",
    }
    assert sent[1]["image"]["path"] == "https://example.org/b.png"
    assert sent[1]["caption"] is None


async def test_chat_messages_with_files_and_file_data_objects() -> None:
    space = Space(output=[[], "x"])
    given = {"path": "/tmp/gradio/abc/photo.png", "meta": {"_type": "gradio.FileData"}}
    history = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "hi"}, {"type": "file", "file": given}],
        },
        {"role": "user", "content": [{"type": "file", "file": {"url": "https://x.org/c.png"}}]},
    ]

    await run(space, endpoint("chat", "annotate_chat"), {"history": history})

    sent = space.join_body["data"][0]
    assert sent[0]["content"][0] == {"type": "text", "text": "hi"}
    assert sent[0]["content"][1]["file"] == given  # a file the space has: sent as it is
    assert sent[1]["content"][0]["file"]["path"] == "https://x.org/c.png"
    assert space.uploads == 0


async def test_file_data_carrying_a_data_uri_is_uploaded_wherever_it_sits() -> None:
    """An ImageSlider pair as a page holds it: FileData objects with the bytes inline. Gradio
    would take the URI for a path on its disk, so both are uploaded first."""
    space = Space(output=[[]])
    inline = {"path": f"data:image/png;base64,{PNG}", "meta": {"_type": "gradio.FileData"}}
    named = {"url": f"data:image/png;base64,{PNG}", "orig_name": "b.png", "meta": inline["meta"]}

    await run(space, endpoint("media", "slider_swap"), {"pair": [inline, named]})

    assert space.uploads == 1
    first, second = space.join_body["data"][0]
    assert first == {"path": "/tmp/gradio/up1_0", "meta": inline["meta"], "orig_name": "file.png"}
    assert second == {"path": "/tmp/gradio/up1_1", "meta": inline["meta"], "orig_name": "b.png"}


async def test_a_bad_value_at_a_nested_file_position_names_where() -> None:
    space = Space()
    with pytest.raises(ToolArgumentError, match=r"pair\[1\]"):
        await run(space, endpoint("media", "slider_swap"), {"pair": ["https://x/a.png", 42]})
    with pytest.raises(ToolArgumentError, match=r"message\.files\[0\]"):
        await run(
            space,
            endpoint("media", "multimodal"),
            {"message": {"text": "", "files": ["/etc/passwd"]}},
        )
    assert space.paths == []


async def test_outputs_keep_captions_and_files_become_refs() -> None:
    fd = {
        "path": "/tmp/x/a.webp",
        "url": "http://space/gradio_api/file=/tmp/x/a.webp",
        "meta": {"_type": "gradio.FileData"},
    }
    space = Space(output=[[{"image": fd, "caption": "cap A"}, {"image": fd, "caption": None}]])

    outcome = await run(space, endpoint("media", "gallery_mixed"), {"n": 2})

    (out,) = outcome.outputs
    assert out.file is None and len(out.files) == 2
    assert out.data[0]["caption"] == "cap A"
    assert isinstance(out.data[0]["image"], FileRef)
    assert out.data[0]["image"].url.endswith("/a.webp")


async def test_update_dicts_are_unwrapped_to_their_value() -> None:
    space = Space(output=[{"choices": [["p", "p"]], "value": "p", "__type__": "update"}])
    outcome = await run(space, endpoint("values", "fill_choices"), {"seed": "p"})
    assert outcome.outputs[0].value == "p"


async def test_follow_up_requests_and_file_urls_go_to_the_answering_replica() -> None:
    fd = {
        "path": "/tmp/x/a.png",
        "url": "http://space/gradio_api/file=/tmp/x/a.png",
        "meta": {"_type": "gradio.FileData"},
    }
    space = Space(output=[fd, "ok"], replica="dpbwb")

    outcome = await run(
        space, endpoint("media", "image_invert"), {"image": f"data:image/png;base64,{PNG}"}
    )

    assert space.paths == [
        "/gradio_api/upload",
        "/--replicas/dpbwb/gradio_api/queue/join",
        "/--replicas/dpbwb/gradio_api/queue/data",
    ]
    assert (
        outcome.outputs[0].file.url == "http://space/--replicas/dpbwb/gradio_api/file=/tmp/x/a.png"
    )


async def test_validation_results_read_like_gradio_clients() -> None:
    space = Space(join_status=422)
    space.join_detail = {
        "detail": [
            {"__type__": "validate", "is_valid": True, "message": "fine", "parameter_name": "name"},
            {
                "__type__": "validate",
                "is_valid": False,
                "message": "Age must be at least 3",
                "parameter_name": "age",
            },
        ]
    }

    outcome = await run(space, endpoint("values", "person"), {"name": "a", "age": 1})

    assert str(outcome.error) == (
        "Validation error: 1 parameter(s) failed validation:\n- age: Age must be at least 3"
    )


async def test_a_full_queue_says_to_try_again() -> None:
    space = Space(join_status=503)
    space.join_detail = {"detail": "Queue is full. Max size is 2 and size is 2."}
    outcome = await run(space, endpoint("values", "greet"), {"name": "a"})
    assert outcome.error is not None and outcome.error.title == "Queue full"
    assert "try again" in outcome.error.message and "Max size is 2" in outcome.error.message


def test_zerogpu_quota_errors_lose_their_html_and_say_what_to_do() -> None:
    payload = {
        "error": "You have exceeded your free ZeroGPU quota (60s requested vs. 12s left). "
        'Try again in 0:04:12. <a href="https://huggingface.co/join">Create a free account</a>',
        "title": "ZeroGPU quota exceeded",
    }
    anonymous = error_from_payload(payload)
    assert "<a" not in anonymous.message
    assert "Create a free account (https://huggingface.co/join)" in anonymous.message
    assert "send your token" in anonymous.message
    assert (
        "ZeroGPU quota on Hugging Face is used up"
        in error_from_payload(payload, authenticated=True).message
    )


def test_html_in_messages_becomes_plain_text() -> None:
    assert plain_text("a<br>b &amp; <b>c</b><script>x</script>") == "a\nb & cx"
    assert validation_message("not a list") is None
    assert validation_message([{"__type__": "validate", "is_valid": True}]) is None
