"""`?no_image_content`: image blocks give way to their links, and nothing else changes."""

from __future__ import annotations

from mcp import types

from gradio_mcp.catalog._no_images import OMITTED, without_images

IMAGE = types.ImageContent(data="aGk=", mime_type="image/png")
LINK = types.ResourceLink(uri="https://x.hf.space/file=a.png", name="a.png")
TEXT = types.TextContent(text="done")


def test_an_image_gives_way_to_its_link() -> None:
    result = types.CallToolResult(
        content=[TEXT, IMAGE, LINK], structured_content={"result": {"url": LINK.uri}}
    )
    stripped = without_images(result)
    assert stripped.content == [TEXT, LINK]
    assert stripped.structured_content == result.structured_content
    assert stripped.is_error is False


def test_an_image_without_a_link_leaves_a_note() -> None:
    assert without_images(types.CallToolResult(content=[IMAGE])).content == [
        types.TextContent(text=OMITTED)
    ]
    assert without_images(types.CallToolResult(content=[IMAGE, TEXT])).content == [
        types.TextContent(text=OMITTED),
        TEXT,
    ]


def test_a_result_without_images_is_left_alone() -> None:
    result = types.CallToolResult(content=[TEXT, LINK])
    assert without_images(result) is result
