"""A call's outcome as MCP content: text and JSON, images and audio inline, files as links.

Structured content keeps every value the space returned (captions, labels, chat messages,
nested structures), with each file as `{"url", "name", "mime_type"}`. Content blocks show
each output as text (or as the file itself when the output is one file), followed by the
files found inside it: images and audio inline while they fit the budget, links otherwise.

A space names its output URLs itself, so only files on the space's own origin are ever
downloaded (with the caller's credentials, which that origin may see); a URL anywhere else
stays a link and is never fetched. Downloads share one deadline, inside the call's own
limit: a file that trickles in slowly becomes a link instead of holding the call open.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
import jsonschema
from mcp import types

from gradio_mcp.catalog._output_schema import structured_keys
from gradio_mcp.config import Settings
from gradio_mcp.gradio import CallOutcome, FileRef, download_file, origin_of

# The library's default is the server's (GRADIO_MCP_INLINE_MAX_BYTES).
DEFAULT_INLINE_LIMIT = Settings().inline_max_bytes
# A gallery of large images must not turn into one enormous answer: once this many times the
# per-file limit is inlined in one result, further files are only linked.
INLINE_RESULT_MULTIPLE = 4


def error_result(message: str) -> types.CallToolResult:
    """A tool's failure as MCP sends it: one text block, `isError`."""
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def file_json(ref: FileRef) -> dict[str, Any]:
    return {"url": ref.url, "name": ref.orig_name, "mime_type": ref.mime_type}


def jsonable(data: Any) -> Any:
    """An output's data with each file as its file object."""
    if isinstance(data, FileRef):
        return file_json(data)
    if isinstance(data, list | tuple):
        return [jsonable(item) for item in data]
    if isinstance(data, Mapping):
        return {str(key): jsonable(value) for key, value in data.items()}
    return data


@dataclass
class _Inliner:
    """Downloads images and audio to inline them, within a per-file and a total budget."""

    client: httpx2.AsyncClient
    headers: Mapping[str, str] | None
    limit: int
    origin: tuple[str, str, int | None] | None
    deadline: float | None

    def __post_init__(self) -> None:
        self.budget = self.limit * INLINE_RESULT_MULTIPLE

    async def blocks(self, ref: FileRef) -> list[types.ContentBlock]:
        link = types.ResourceLink(
            uri=ref.url, name=ref.orig_name or "file", mime_type=ref.mime_type, size=ref.size
        )
        mime = ref.mime_type or ""
        limit = min(self.limit, self.budget)
        if not mime.startswith(("image/", "audio/")) or limit <= 0:
            return [link]
        if ref.size is not None and ref.size > limit:
            return [link]
        if ref.url[:5].lower() == "data:":
            # Gradio 3 sends images inline: nothing to download, and no need for a second
            # copy as a link (the structured content holds the URI).
            inline = _data_uri_bytes(ref.url, limit)
            if inline is None:
                return [link]
            self.budget -= len(inline)
            return [_media_block(mime, base64.b64encode(inline).decode("ascii"))]
        if self.origin is None or origin_of(ref.url) != self.origin:
            return [link]
        if self.deadline is not None and asyncio.get_running_loop().time() >= self.deadline:
            return [link]
        try:
            async with asyncio.timeout_at(self.deadline):
                content = await download_file(self.client, ref.url, self.headers, limit)
        except TimeoutError:
            content = None
        if content is None:
            return [link]
        self.budget -= len(content)
        # Keep the link too: it is what another tool can take as a file input.
        return [_media_block(mime, base64.b64encode(content).decode("ascii")), link]


def _media_block(mime: str, data: str) -> types.ContentBlock:
    if mime.startswith("image/"):
        return types.ImageContent(data=data, mime_type=mime)
    return types.AudioContent(data=data, mime_type=mime)


def _data_uri_bytes(uri: str, limit: int) -> bytes | None:
    """The bytes of a base64 `data:` URI within `limit` (checked before decoding); None
    for anything else."""
    header, _, payload = uri.partition(",")
    if not header.lower().endswith(";base64") or len(payload) * 3 // 4 > limit:
        return None
    try:
        content = base64.b64decode(payload, validate=True)
    except ValueError:
        return None
    return content if len(content) <= limit else None


async def to_call_tool_result(
    outcome: CallOutcome,
    *,
    client: httpx2.AsyncClient,
    headers: Mapping[str, str] | None = None,
    inline_limit_bytes: int = DEFAULT_INLINE_LIMIT,
    space_url: str | None = None,
    download_timeout: float | None = None,
) -> types.CallToolResult:
    """MCP content for a call: text/JSON as text, images and audio inline, files as links.

    Only images and audio on the origin of `space_url` are downloaded and inlined, with
    `headers` (the caller's credentials); without `space_url` nothing is downloaded. All
    downloads together take at most `download_timeout` seconds; files not fetched by then
    stay links.
    """
    if outcome.error is not None:
        return error_result(str(outcome.error))
    loop = asyncio.get_running_loop()
    deadline = None if download_timeout is None else loop.time() + download_timeout
    inliner = _Inliner(
        client,
        headers,
        inline_limit_bytes,
        origin_of(space_url) if space_url else None,
        deadline,
    )
    content: list[types.ContentBlock] = []
    structured: dict[str, Any] = {}
    labels = [out.returns.label if out.returns else None for out in outcome.outputs]
    for key, out in zip(structured_keys(labels), outcome.outputs, strict=True):
        data = jsonable(out.data)
        structured[key] = data
        if out.file is not None:
            content.extend(await inliner.blocks(out.file))
            continue
        text = data if isinstance(data, str) else json.dumps(data, default=str)
        content.append(types.TextContent(text=text))
        for ref in out.files:
            content.extend(await inliner.blocks(ref))
    return types.CallToolResult(content=content, structured_content=structured, is_error=False)


def conform(
    result: types.CallToolResult, validator: jsonschema.protocols.Validator | None
) -> types.CallToolResult:
    """The result, or an error result when its structured content breaks the tool's
    declared output schema (clients would refuse it anyway, with less to go on)."""
    if validator is None or result.is_error or result.structured_content is None:
        return result
    problem = next(iter(validator.iter_errors(result.structured_content)), None)
    if problem is None:
        return result
    where = "/".join(str(p) for p in problem.absolute_path) or "the result"
    note = (
        "The space returned a value that does not match its own description of its outputs"
        f" (at {where}: {problem.message[:200]}); the raw outputs follow."
    )
    return types.CallToolResult(
        content=[types.TextContent(text=note), *result.content], is_error=True
    )
