"""Gradio 3's value formats for files, both ways. Pure but for fetching a URL argument.

In: `call_data`'s list (files parsed, `data:` URIs as `PendingUpload`s) with each file
parameter's files as Gradio 3 takes them: an Image (ImgSerializable) as a `data:` URI
string, any other file component as `{"name", "data": "data:...;base64,...", "is_file":
false, "orig_name"}`. A file given as an http(s) URL is fetched first, as Gradio 3's own
client does (Gradio 3 fetches nothing itself); a file the space already holds (its own
`/file=` URL, or a FileData with a path) goes as `{"name": path, "is_file": true}`.

Out: `{"name", "is_file": true}` objects (served at `/file={name}`), `{"data": "data:..."}`
objects, and image `data:` URI strings at image outputs become the FileData that
`gradio._outputs` reads, so every later step is the same as for later versions.
"""

from __future__ import annotations

import base64
import mimetypes
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

import httpx2

from gradio_mcp.errors import CallError, ToolArgumentError
from gradio_mcp.gradio._downloads import download_file, origin_of
from gradio_mcp.gradio._inputs import PendingUpload
from gradio_mcp.gradio._outputs import OutputValue, output_values
from gradio_mcp.models import Endpoint, Parameter

FILE_ROUTE = "/file="

# Gradio 3 components whose value is an image as a `data:` URI string (ImgSerializable).
INLINE_IMAGE_COMPONENTS = frozenset(
    {"Image", "Sketchpad", "Paint", "ImageMask", "ImagePaint", "Webcam", "Pil"}
)


def _data_uri(upload: PendingUpload) -> str:
    mime = upload.mime_type or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(upload.content).decode("ascii")


# Fetches the bytes of a file argument given as an http(s) URL.
Fetch = Callable[[str], Awaitable[PendingUpload]]


@dataclass(frozen=True)
class _FileEncoder:
    """Files of one parameter in the form Gradio 3 takes them."""

    parameter: Parameter
    endpoint: Endpoint
    api: str  # the space's API root: its own /file= URLs name files it already holds
    fetch: Fetch

    @property
    def inline_image(self) -> bool:
        return self.parameter.component in INLINE_IMAGE_COMPONENTS

    async def encode(self, value: Any) -> Any:
        if isinstance(value, PendingUpload):
            return self._inline(value)
        if isinstance(value, list):
            return [await self.encode(item) for item in value]
        if isinstance(value, Mapping) and isinstance(value.get("path"), str):
            return await self._file_data(value)
        return value

    def _inline(self, upload: PendingUpload) -> Any:
        if self.inline_image:
            return _data_uri(upload)
        return {
            "name": upload.name,
            "data": _data_uri(upload),
            "is_file": False,
            "orig_name": upload.name,
            "size": len(upload.content),
        }

    async def _file_data(self, file_data: Mapping[str, Any]) -> Any:
        path = str(file_data["path"])
        given_name = file_data.get("orig_name")
        own = path.startswith(self.api + FILE_ROUTE)
        if own and not self.inline_image:
            path = urllib.parse.unquote(path[len(self.api + FILE_ROUTE) :])
        elif path.startswith(("http://", "https://")):
            # Gradio 3 fetches no URL: its own client sends the bytes, and so do we.
            upload = await self.fetch(path)
            if isinstance(given_name, str) and given_name:
                upload = replace(upload, name=given_name)
            return self._inline(upload)
        elif self.inline_image:
            raise ToolArgumentError(
                self.endpoint.api_name,
                [f"argument {self.parameter.name!r}: give the image as a data: URI or a URL"],
            )
        name = given_name or path.rsplit("/", 1)[-1]
        return {"name": path, "data": None, "is_file": True, "orig_name": name}


async def encode_files(endpoint: Endpoint, data: list[Any], api: str, fetch: Fetch) -> list[Any]:
    """`call_data`'s list with each file parameter's files as Gradio 3 takes them;
    `fetch` gets the bytes of a file given by URL."""
    slots = endpoint.input_layout or tuple(range(len(endpoint.parameters)))
    encoded = list(data)
    for position, slot in enumerate(slots):
        if slot is None or position >= len(encoded):
            continue
        parameter = endpoint.parameters[slot]
        if parameter.file_paths:
            encoder = _FileEncoder(parameter, endpoint, api, fetch)
            encoded[position] = await encoder.encode(encoded[position])
    return encoded


async def fetch_file(
    client: httpx2.AsyncClient,
    url: str,
    space_url: str,
    headers: Mapping[str, str],
    limit: int,
) -> PendingUpload:
    """The bytes behind a file argument's URL, at most `limit` of them, fetched by the
    egress-checked client; the caller's credentials go only to the space's own origin."""
    same_origin = origin_of(url) == origin_of(space_url)
    content = await download_file(client, url, headers if same_origin else None, limit)
    if content is None:
        raise CallError(
            "Bad file URL",
            f"could not fetch {url[:200]!r} for the call (unreachable, refused, not 200, or"
            f" over {limit} bytes); give the file as a data: URI instead",
        )
    name = urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(url).path).name) or "file"
    return PendingUpload(name, content, mimetypes.guess_type(name)[0])


def _mime_of_data_uri(uri: str) -> str | None:
    header = uri[5:].split(",", 1)[0]
    mime = header.split(";", 1)[0].strip()
    return mime or None


def _file_data(value: Any, api: str) -> Any:
    """A Gradio 3 file value as the FileData the output code reads ({path, url, ...})."""
    if isinstance(value, str):  # a data: URI (an image)
        mime = _mime_of_data_uri(value)
        extension = mimetypes.guess_extension(mime) if mime else None
        return {
            "path": None,
            "url": value,
            "orig_name": "image" + (extension or ""),
            "mime_type": mime,
        }
    name = value.get("name")
    data = value.get("data")
    orig = value.get("orig_name") or (str(name).rsplit("/", 1)[-1] if name else None)
    size = value.get("size")
    if value.get("is_file") and isinstance(name, str):
        url = f"{api}{FILE_ROUTE}{urllib.parse.quote(name)}"
        return {"path": name, "url": url, "orig_name": orig, "size": size}
    if isinstance(data, str) and data[:5].lower() == "data:":
        return {"path": None, "url": data, "orig_name": orig, "mime_type": _mime_of_data_uri(data)}
    return value


def _convert_files(value: Any, api: str, depth: int = 0) -> Any:
    if depth > 32:
        return value
    if isinstance(value, Mapping) and "is_file" in value and "name" in value:
        return _file_data(value, api)
    if isinstance(value, list):
        return [_convert_files(item, api, depth + 1) for item in value]
    if isinstance(value, Mapping):
        return {key: _convert_files(item, api, depth + 1) for key, item in value.items()}
    return value


def gradio3_outputs(
    endpoint: Endpoint,
    raw: Any,
    api: str,
    rewrite_url: Callable[[str], str] | None = None,
) -> list[OutputValue]:
    """The outputs of a Gradio 3 answer: file objects and image `data:` URIs become files,
    then as for every version (State dropped, updates unwrapped)."""
    data = list(raw) if isinstance(raw, list) else [raw]
    kept = endpoint.output_keep if endpoint.output_keep is not None else range(len(data))
    image_slots = {
        position
        for index, position in enumerate(kept)
        if index < len(endpoint.returns) and endpoint.returns[index].file == "single"
    }
    converted = []
    for position, value in enumerate(data):
        inner = value.get("value") if _is_update(value) else value
        if isinstance(inner, str) and inner[:5].lower() == "data:" and position in image_slots:
            inner = _file_data(inner, api)
        else:
            inner = _convert_files(inner, api)
        converted.append({**value, "value": inner} if _is_update(value) else inner)
    return output_values(endpoint, converted, api, rewrite_url)


def _is_update(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update"
