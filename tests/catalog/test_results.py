"""Turning a call's outputs into MCP content: what is inlined, and where credentials go."""

from __future__ import annotations

import base64

import pytest

from gradio_mcp.catalog._results import to_call_tool_result
from gradio_mcp.gradio._outputs import CallOutcome, FileRef, OutputValue
from tests.mock_http import MockHTTP

pytestmark = pytest.mark.anyio

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
SPACE = "https://alice-art.hf.space"
AUTH = {"X-HF-Authorization": "Bearer hf_secret", "X-IP-Token": "ip"}


def image_at(url: str) -> CallOutcome:
    return CallOutcome(outputs=[OutputValue(value={}, file=FileRef(url, "out.png", "image/png"))])


async def test_image_on_the_spaces_own_host_is_fetched_with_credentials(
    http_mock: MockHTTP,
) -> None:
    http_mock.add_response(url=f"{SPACE}/gradio_api/file=out.png", content=PNG)
    async with http_mock.client() as client:
        result = await to_call_tool_result(
            image_at(f"{SPACE}/gradio_api/file=out.png"),
            client=client,
            headers=AUTH,
            space_url=SPACE,
        )
    assert result.content[0].type == "image"
    (request,) = http_mock.get_requests()
    assert request.headers["x-hf-authorization"] == "Bearer hf_secret"


async def test_a_file_url_on_another_host_is_never_fetched_and_stays_a_link(
    http_mock: MockHTTP,
) -> None:
    http_mock.add_response(url="https://evil.example/x.png", content=PNG)
    async with http_mock.client() as client:
        result = await to_call_tool_result(
            image_at("https://evil.example/x.png"), client=client, headers=AUTH, space_url=SPACE
        )
    assert [c.type for c in result.content] == ["resource_link"]
    assert http_mock.get_requests() == []


async def test_without_the_spaces_url_no_file_is_fetched(http_mock: MockHTTP) -> None:
    http_mock.add_response(url=f"{SPACE}/gradio_api/file=out.png", content=PNG)
    async with http_mock.client() as client:
        result = await to_call_tool_result(
            image_at(f"{SPACE}/gradio_api/file=out.png"), client=client
        )
    assert [c.type for c in result.content] == ["resource_link"]
    assert http_mock.get_requests() == []


async def test_a_redirect_from_the_spaces_origin_is_not_followed(http_mock: MockHTTP) -> None:
    http_mock.add_response(
        url=f"{SPACE}/gradio_api/file=out.png",
        status_code=302,
        headers={"Location": "http://169.254.169.254/latest/meta-data/"},
    )
    async with http_mock.client() as client:
        result = await to_call_tool_result(
            image_at(f"{SPACE}/gradio_api/file=out.png"), client=client, space_url=SPACE
        )
    assert [c.type for c in result.content] == ["resource_link"]
    assert [str(r.url) for r in http_mock.get_requests()] == [f"{SPACE}/gradio_api/file=out.png"]


async def test_an_unusable_file_url_becomes_a_link_not_a_crash(http_mock: MockHTTP) -> None:
    async with http_mock.client() as client:
        result = await to_call_tool_result(
            image_at("https://" + "a" * 300 + ".example/x.png"), client=client, space_url=SPACE
        )
    assert not result.is_error and result.content[0].type == "resource_link"


async def test_an_image_sent_inline_by_gradio_3_is_shown_without_any_request(
    http_mock: MockHTTP,
) -> None:
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    async with http_mock.client() as client:
        result = await to_call_tool_result(
            image_at(uri), client=client, headers=AUTH, space_url=SPACE
        )
        too_big = await to_call_tool_result(
            image_at(uri), client=client, space_url=SPACE, inline_limit_bytes=len(PNG) - 1
        )
    (block,) = result.content
    assert block.type == "image" and base64.b64decode(block.data) == PNG
    # The URI itself stays in the structured content: another tool can take it as a file.
    assert result.structured_content is not None
    assert uri in str(result.structured_content)
    assert [c.type for c in too_big.content] == ["resource_link"]
    assert http_mock.get_requests() == []
