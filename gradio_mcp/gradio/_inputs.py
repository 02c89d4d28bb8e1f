"""A call's arguments as Gradio wants them: a positional `data` list, files as FileData.

File arguments arrive as http(s) URLs (passed through: the space downloads them itself) or
`data:` URIs (uploaded to the space before the call). Anything that cannot be sent raises
`ToolArgumentError` before a single request goes upstream.
"""

from __future__ import annotations

import base64
import binascii
import copy
import mimetypes
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from gradio_mcp.errors import ToolArgumentError
from gradio_mcp.models import Endpoint

FILE_DATA_META = {"_type": "gradio.FileData"}


@dataclass(frozen=True)
class PendingUpload:
    """The bytes of a `data:` URI argument, to be uploaded before the call."""

    name: str
    content: bytes
    mime_type: str | None


def _file_from_url(url: str) -> dict[str, Any]:
    name = urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(url).path).name) or "file"
    # The space downloads the URL itself, so bytes never pass through us.
    return {"path": url, "url": url, "meta": dict(FILE_DATA_META), "orig_name": name}


def _bad(endpoint: Endpoint, problem: str) -> ToolArgumentError:
    return ToolArgumentError(endpoint.api_name, [problem])


def _parse_data_uri(
    uri: str, param: str, max_bytes: int | None, endpoint: Endpoint
) -> PendingUpload:
    header, sep, payload = uri[len("data:") :].partition(",")
    if not sep:
        raise _bad(endpoint, f"argument {param!r}: malformed data: URI (no comma)")
    parts = header.split(";")
    mime = parts[0] or "text/plain"
    is_base64 = "base64" in parts[1:]
    name = next((p[5:] for p in parts[1:] if p.startswith("name=")), "")
    # Check the size before decoding, so an oversized argument costs no memory.
    estimate = len(payload) * 3 // 4 if is_base64 else len(payload)
    if max_bytes is not None and estimate > max_bytes + 3:
        raise _bad(
            endpoint,
            f"argument {param!r}: file is about {estimate} bytes, over the {max_bytes} byte limit",
        )
    try:
        content = (
            base64.b64decode(payload, validate=False)
            if is_base64
            else urllib.parse.unquote_to_bytes(payload)
        )
    except (binascii.Error, ValueError):
        raise _bad(endpoint, f"argument {param!r}: invalid base64 in data: URI") from None
    if max_bytes is not None and len(content) > max_bytes:
        raise _bad(
            endpoint,
            f"argument {param!r}: file is {len(content)} bytes, over the {max_bytes} byte limit",
        )
    if not name:
        name = "file" + (mimetypes.guess_extension(mime) or "")
    return PendingUpload(urllib.parse.unquote(name), content, mime)


def _file_argument(value: Any, param: str, max_bytes: int | None, endpoint: Endpoint) -> Any:
    if isinstance(value, str):
        if value.startswith("data:"):
            return _parse_data_uri(value, param, max_bytes, endpoint)
        parts = urllib.parse.urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            return _file_from_url(value)
    shown = value if isinstance(value, str) and len(value) < 80 else type(value).__name__
    raise _bad(
        endpoint,
        f"argument {param!r} must be an http(s) URL or a data: URI of the file, got {shown!r}",
    )


def positional_data(endpoint: Endpoint, arguments: Mapping[str, Any] | None) -> list[Any]:
    """Gradio's positional `data` list for a call: parameter order, defaults filled in.

    With an `input_layout` (from `/config`), State slots are sent as null where Gradio expects
    them. Values are passed as given; file URLs are left for the caller to turn into FileData.
    """
    arguments = arguments or {}
    values: list[Any] = []
    missing: list[str] = []
    for parameter in endpoint.parameters:
        if parameter.name in arguments:
            values.append(arguments[parameter.name])
        elif parameter.has_default:
            # A copy, so that a caller rewriting file inputs in place cannot alter the
            # endpoint's defaults for the next call.
            values.append(copy.deepcopy(parameter.default))
        elif parameter.required:
            missing.append(parameter.name)
            values.append(None)
        else:
            values.append(None)
    if missing:
        raise ToolArgumentError(
            endpoint.api_name, [f"missing required argument '{name}'" for name in missing]
        )
    if endpoint.input_layout is None:
        return values
    return [None if slot is None else values[slot] for slot in endpoint.input_layout]


def call_data(
    endpoint: Endpoint, arguments: Mapping[str, Any], max_upload_bytes: int | None
) -> list[Any]:
    """Arguments in the order Gradio expects, defaults filled, State slots as null.

    File arguments become FileData dicts, or `PendingUpload`s for `data:` URIs.
    """
    known = {p.name: p for p in endpoint.parameters}
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise _bad(
            endpoint,
            f"unknown argument(s) {', '.join(map(repr, unknown))} for {endpoint.api_name!r}; "
            f"expected {', '.join(known) or 'none'}",
        )
    converted = dict(arguments)
    for name, value in arguments.items():
        param = known[name]
        if param.file is None or value is None:
            continue
        if param.file == "list":
            items = value if isinstance(value, list) else [value]
            converted[name] = [_file_argument(v, name, max_upload_bytes, endpoint) for v in items]
        else:
            converted[name] = _file_argument(value, name, max_upload_bytes, endpoint)
    return positional_data(endpoint, converted)


def pending_uploads(data: list[Any]) -> list[PendingUpload]:
    """The `data:` URI arguments of a data list that must be uploaded first."""
    found: list[PendingUpload] = []
    for value in data:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, PendingUpload):
                found.append(item)
    return found


def replace_uploads(data: list[Any], paths: Mapping[int, str]) -> list[Any]:
    """The data list with each upload (by `id()`) replaced by the FileData of its path."""

    def convert(item: Any) -> Any:
        if isinstance(item, PendingUpload):
            return {
                "path": paths[id(item)],
                "meta": dict(FILE_DATA_META),
                "orig_name": item.name,
            }
        return item

    return [[convert(v) for v in x] if isinstance(x, list) else convert(x) for x in data]
