"""A stored task result stays under its size cap: inline media give way to their links,
then long text is cut, and the original result is never changed."""

from __future__ import annotations

import base64
import copy

from gradio_mcp.serving.tasks._result_size import CUT_MARK, fit_result, json_size

IMAGE = base64.b64encode(b"\x89PNG" + bytes(30_000)).decode()
LINK = {"type": "resource_link", "uri": "https://space.test/file=a.png", "name": "a.png"}


def media_result() -> dict:
    return {
        "content": [
            {"type": "image", "data": IMAGE, "mimeType": "image/png"},
            LINK,
            {"type": "text", "text": "caption"},
        ],
        "structuredContent": {"result": {"url": LINK["uri"]}},
        "isError": False,
    }


def test_a_result_under_the_cap_is_kept_as_it_is() -> None:
    result = media_result()
    assert fit_result(result, 1_000_000) is result


def test_inline_media_over_the_cap_leave_their_links() -> None:
    result = media_result()
    original = copy.deepcopy(result)
    fitted = fit_result(result, 2_000)
    assert json_size(fitted) <= 2_000
    types = [block["type"] for block in fitted["content"]]
    assert "image" not in types and LINK in fitted["content"]
    assert "left out of the stored result" in fitted["content"][0]["text"]
    assert fitted["structuredContent"] == original["structuredContent"]
    assert result == original


def test_long_text_is_cut_to_fit() -> None:
    long_text = "word " * 10_000
    result = {
        "content": [{"type": "text", "text": long_text}],
        "structuredContent": {"result": long_text},
        "isError": False,
    }
    fitted = fit_result(result, 5_000)
    assert json_size(fitted) <= 5_000
    text = fitted["content"][0]["text"]
    assert text.endswith(CUT_MARK) and text.startswith("word word")
    assert "structuredContent" not in fitted
    assert result["content"][0]["text"] == long_text


def test_what_cannot_be_cut_becomes_an_error_that_says_so() -> None:
    links = [dict(LINK, name=f"file{i}.png") for i in range(200)]
    fitted = fit_result({"content": links, "isError": False}, 1_000)
    assert fitted["isError"] is True
    assert "larger than this server keeps" in fitted["content"][0]["text"]
