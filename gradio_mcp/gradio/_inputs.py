"""A call's arguments as Gradio wants them: a positional `data` list, files as FileData.

Files go wherever the endpoint's schema puts them (`Parameter.file_paths`): at the top, in
lists, inside Gallery items, chat messages, editor layers... Each arrives as an http(s) URL
(passed through: the space downloads it itself), a `data:` URI (uploaded to the space before
the call) or a FileData object (uploaded too when its `path` or `url` is a `data:` URI,
as an ImageSlider pair from a page may be). Anything that cannot be sent raises `ToolArgumentError`
before a single request goes upstream.
"""

from __future__ import annotations

import base64
import binascii
import copy
import mimetypes
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from gradio_client.utils import is_file_obj_with_meta, traverse

from gradio_mcp.errors import ToolArgumentError
from gradio_mcp.models import ANY_ITEM, Endpoint, Parameter

FILE_DATA_META = {"_type": "gradio.FileData"}


@dataclass(frozen=True)
class PendingUpload:
    """The bytes of a `data:` URI argument, to be uploaded before the call."""

    name: str
    content: bytes
    mime_type: str | None


def _bad(endpoint: Endpoint, problem: str) -> ToolArgumentError:
    return ToolArgumentError(endpoint.api_name, [problem])


def _parse_data_uri(
    uri: str, param: str, max_bytes: int | None, endpoint: Endpoint
) -> PendingUpload:
    """A `data:` URI as RFC 2397 defines it: `data:[<mediatype>][;base64],<data>`, the data
    percent-encoded (base64 text too may carry `%2B`, `%3D`...), and base64 checked
    strictly: a character outside the alphabet or wrong padding is the caller's error, never
    an empty or truncated upload."""
    header, sep, payload = uri[len("data:") :].partition(",")
    if not sep:
        raise _bad(endpoint, f"argument {param!r}: malformed data: URI (no comma)")
    parts = header.split(";")
    is_base64 = len(parts) > 1 and parts[-1].strip().lower() == "base64"
    parameters = parts[1:-1] if is_base64 else parts[1:]
    mime = urllib.parse.unquote(parts[0]).strip() or "text/plain"
    name = next((p[5:] for p in parameters if p.startswith("name=")), "")
    # Check the size before decoding, so an oversized argument costs no memory (decoding
    # only shrinks: percent escapes and base64 both take more characters than bytes).
    estimate = len(payload) * 3 // 4 if is_base64 else len(payload)
    if max_bytes is not None and estimate > max_bytes + 3:
        raise _bad(
            endpoint,
            f"argument {param!r}: file is about {estimate} bytes, over the {max_bytes} byte limit",
        )
    data = urllib.parse.unquote_to_bytes(payload)
    if is_base64:
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _bad(
                endpoint,
                f"argument {param!r}: invalid base64 in data: URI (only A-Z, a-z, 0-9, '+',"
                " '/' and '=' padding to a multiple of 4 characters)",
            ) from None
    else:
        content = data
    if max_bytes is not None and len(content) > max_bytes:
        raise _bad(
            endpoint,
            f"argument {param!r}: file is {len(content)} bytes, over the {max_bytes} byte limit",
        )
    if not name:
        name = "file" + (mimetypes.guess_extension(mime) or "")
    return PendingUpload(urllib.parse.unquote(name), content, mime)


def _where(param: str, path: tuple[str | int, ...]) -> str:
    text = param
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text


def _inline_data(value: Mapping[str, Any]) -> str | None:
    """The `data:` URI a file object carries as its `path` or `url`, if it does."""
    for key in ("path", "url"):
        text = value.get(key)
        if isinstance(text, str) and text[:5].lower() == "data:":
            return text
    return None


def _file_value(value: Any, where: str, max_bytes: int | None, endpoint: Endpoint) -> Any:
    """One file position: a URL, a `data:` URI, or a FileData-like object."""
    if isinstance(value, str):
        if value[:5].lower() == "data:":  # URI schemes are case-insensitive
            return _parse_data_uri(value, where, max_bytes, endpoint)
        parts = urllib.parse.urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            # The space downloads the URL itself, so bytes never pass through us.
            name = urllib.parse.unquote(PurePosixPath(parts.path).name) or "file"
            return {"path": value, "url": value, "meta": dict(FILE_DATA_META), "orig_name": name}
    elif isinstance(value, Mapping):
        inline = _inline_data(value)
        if inline is not None:
            # A FileData whose bytes are inline: Gradio would take the URI for a path on
            # its disk, so the bytes are uploaded like a bare data: URI, keeping the name.
            upload = _parse_data_uri(inline, where, max_bytes, endpoint)
            kept = value.get("orig_name")
            return upload if not isinstance(kept, str) or not kept else replace(upload, name=kept)
        if is_file_obj_with_meta(value):
            return dict(value)  # already what Gradio wants (a file it gave us, or uploaded)
        url = value.get("url")
        if isinstance(url, str) and url:
            # A file object from one of our results ({"url", "name", "mime_type"}).
            return _file_value(url, where, max_bytes, endpoint)
    shown = value if isinstance(value, str) and len(value) < 80 else type(value).__name__
    raise _bad(
        endpoint,
        f"argument {where!r} must be an http(s) URL or a data: URI of the file, got {shown!r}",
    )


def _convert_at(
    value: Any,
    path: tuple[str | int, ...],
    done: tuple[str | int, ...],
    param: str,
    max_bytes: int | None,
    endpoint: Endpoint,
) -> Any:
    """`value` with the file at `path` (below `done`) converted; containers are copied."""
    if value is None:
        return None
    if not path:
        if isinstance(value, list):
            return value  # a list where a file may also go: another path reaches its items
        return _file_value(value, _where(param, done), max_bytes, endpoint)
    step, rest = path[0], path[1:]
    if step == ANY_ITEM:
        if isinstance(value, list):
            return [
                _convert_at(item, rest, (*done, i), param, max_bytes, endpoint)
                for i, item in enumerate(value)
            ]
        if isinstance(value, Mapping):
            return {
                key: _convert_at(item, rest, (*done, str(key)), param, max_bytes, endpoint)
                for key, item in value.items()
            }
        return value
    if isinstance(step, int):
        if isinstance(value, list | tuple) and step < len(value):
            items = list(value)
            items[step] = _convert_at(items[step], rest, (*done, step), param, max_bytes, endpoint)
            return items
        return value
    if isinstance(value, Mapping) and step in value:
        converted = dict(value)
        converted[step] = _convert_at(value[step], rest, (*done, step), param, max_bytes, endpoint)
        return converted
    return value  # this alternative of the schema (anyOf) has no file here


def convert_files(
    value: Any, parameter: Parameter, max_bytes: int | None, endpoint: Endpoint
) -> Any:
    """A parameter's value with every file position turned into FileData (or an upload).

    Driven by the schema: `parameter.file_paths` says where Gradio wants files. A URL is
    passed through (the space downloads it), a `data:` URI becomes a `PendingUpload`,
    FileData objects are kept; anything else at a file position is refused.
    """
    for path in parameter.file_paths:
        value = _convert_at(value, path, (), parameter.name, max_bytes, endpoint)
    return value


def _values_by_parameter(endpoint: Endpoint, arguments: Mapping[str, Any]) -> list[Any]:
    values: list[Any] = []
    missing: list[str] = []
    for parameter in endpoint.parameters:
        if parameter.name in arguments:
            values.append(arguments[parameter.name])
        elif parameter.has_default:
            # A copy, so that a caller rewriting inputs in place cannot alter the
            # endpoint's defaults for the next call.
            values.append(copy.deepcopy(parameter.default))
        else:
            if parameter.required:
                missing.append(parameter.name)
            values.append(None)
    if missing:
        raise ToolArgumentError(
            endpoint.api_name, [f"missing required argument '{name}'" for name in missing]
        )
    return values


def call_data(
    endpoint: Endpoint, arguments: Mapping[str, Any], max_upload_bytes: int | None
) -> list[Any]:
    """Arguments in the order Gradio expects, defaults filled, State slots as null.

    Files, wherever the schema puts them, become FileData dicts, or `PendingUpload`s for
    `data:` URIs.
    """
    known = {p.name: p for p in endpoint.parameters}
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise _bad(
            endpoint,
            f"unknown argument(s) {', '.join(map(repr, unknown))} for {endpoint.api_name!r}; "
            f"expected {', '.join(known) or 'none'}",
        )
    values = _values_by_parameter(endpoint, arguments)
    converted = [
        convert_files(value, parameter, max_upload_bytes, endpoint)
        if parameter.file_paths
        else value
        for parameter, value in zip(endpoint.parameters, values, strict=True)
    ]
    if endpoint.input_layout is None:
        return converted
    return [None if slot is None else converted[slot] for slot in endpoint.input_layout]


def pending_uploads(data: list[Any]) -> list[PendingUpload]:
    """The `data:` URI arguments of a data list that must be uploaded first, in order."""
    found: list[PendingUpload] = []

    def keep(upload: PendingUpload) -> PendingUpload:
        found.append(upload)
        return upload

    traverse(data, keep, _is_upload)
    return found


def replace_uploads(data: list[Any], paths: Mapping[int, str]) -> list[Any]:
    """The data list with each upload (by `id()`) replaced by the FileData of its path."""

    def convert(item: PendingUpload) -> dict[str, Any]:
        return {"path": paths[id(item)], "meta": dict(FILE_DATA_META), "orig_name": item.name}

    replaced: list[Any] = traverse(data, convert, _is_upload)
    return replaced


def _is_upload(value: Any) -> bool:
    return isinstance(value, PendingUpload)
