"""tools/call on a space: Gradio's queue protocol over SSE, progress, files in and out.

One call is two round trips on the space's own HTTP API, never gradio_client and never the
space's MCP endpoint (which is slower and lossy, see research/gradio-protocol.md §5):

* `fn_index` known: `POST /gradio_api/queue/join` + `GET /gradio_api/queue/data` (sse_v3 with
  `simple_format`), which carries queue position, gr.Progress and streamed values. In 6.31 this
  also runs `queue=False` endpoints (both routes end in the same `queue_join_helper`).
* `fn_index` unknown: `POST /gradio_api/call/{api_name}` + `GET .../{event_id}`, which works
  on every Gradio >= 4 but reports no progress, only streamed values.

Upstream failures never raise: they come back as `CallOutcome.error`. Bad arguments raise
`CallArgumentError` before anything is sent upstream.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import mimetypes
import secrets
import time
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import httpx
from gradio_client.utils import is_file_obj_with_meta

from gradio_mcp.arguments import ToolArgumentError, positional_data
from gradio_mcp.models import Endpoint, Return
from gradio_mcp.progress import ProgressSink, ProgressTracker

__all__ = [
    "CallArgumentError",
    "CallError",
    "CallOutcome",
    "FileRef",
    "OutputValue",
    "call_endpoint",
]

DEFAULT_API_PREFIX = "/gradio_api"
FILE_DATA_META = {"_type": "gradio.FileData"}
# Short, because a dead host should fail fast; reads wait for Gradio's 15 s heartbeat instead.
CONNECT_TIMEOUT = 5.0
# The best-effort /cancel must not hold up the caller's own cancellation for long.
CANCEL_TIMEOUT = 2.0
# Hard bounds on one call so a misbehaving space cannot keep us reading forever.
DEFAULT_MAX_DURATION = 3600.0
MAX_EVENTS = 200_000
MAX_EVENT_BYTES = 32 * 1024 * 1024
PREVIEW_CHARS = 120
# mimetypes' legacy names that MCP clients do not recognise as audio they can play.
_MIME_FIXES = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac"}
BODY_EXCERPT_CHARS = 300
# Gradio's text for `{"error": null}` is nothing at all; say why instead.
HIDDEN_ERROR_MESSAGE = (
    "The space raised an exception but does not share error details "
    "(it was launched with show_error=False). Check the inputs, or the space's logs."
)

# Background /cancel requests outlive the cancelled call; keep references so they finish.
_background: set[asyncio.Task[None]] = set()


class CallArgumentError(ValueError):
    """The tool arguments cannot be sent to the space; nothing was sent upstream."""


@dataclass(frozen=True)
class FileRef:
    """A file the space produced, reachable at `url` (with the same auth headers)."""

    url: str
    orig_name: str | None
    mime_type: str | None
    size: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class OutputValue:
    """One real output (State dropped): the raw value, what /info says of it, its file(s)."""

    value: Any
    returns: Return | None = None
    file: FileRef | None = None
    files: tuple[FileRef, ...] = ()  # galleries and multi-file outputs


@dataclass(frozen=True)
class CallError:
    title: str
    message: str
    status: int | None = None

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


@dataclass
class CallOutcome:
    outputs: list[OutputValue] = field(default_factory=list)
    error: CallError | None = None
    duration_ms: float = 0.0
    progress_events: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


class _UpstreamError(Exception):
    """Internal: a failure of the space, turned into `CallOutcome.error` at the edge."""

    def __init__(self, title: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.error = CallError(title, message, status)


# ---------------------------------------------------------------------------------------------
# Progress messages


def _estimation_message(msg: Mapping[str, Any]) -> str:
    rank, size, eta = msg.get("rank"), msg.get("queue_size"), msg.get("rank_eta")
    text = "In queue"
    if isinstance(rank, int):
        text += f": position {rank + 1}"
        if isinstance(size, int):
            text += f" of {size}"
    if isinstance(eta, int | float) and eta > 0:
        text += f", about {eta:.1f}s remaining"
    return text


def _preview(values: list[OutputValue]) -> str:
    parts: list[str] = []
    for out in values:
        if out.file is not None:
            parts.append(out.file.orig_name or out.file.url)
        elif isinstance(out.value, str):
            parts.append(out.value)
        else:
            parts.append(json.dumps(out.value, default=str))
    text = " | ".join(parts)
    # The tail of streamed text is what changed; show that.
    if len(text) > PREVIEW_CHARS:
        text = "…" + text[-(PREVIEW_CHARS - 1) :]
    return f"Generating: {text}"


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class _PendingUpload:
    name: str
    content: bytes
    mime_type: str | None


def _file_from_url(url: str) -> dict[str, Any]:
    name = urllib.parse.unquote(PurePosixPath(urllib.parse.urlsplit(url).path).name) or "file"
    # The space downloads the URL itself, so bytes never pass through us.
    return {"path": url, "url": url, "meta": dict(FILE_DATA_META), "orig_name": name}


def _parse_data_uri(uri: str, param: str, max_bytes: int | None) -> _PendingUpload:
    header, sep, payload = uri[len("data:") :].partition(",")
    if not sep:
        raise CallArgumentError(f"argument {param!r}: malformed data: URI (no comma)")
    parts = header.split(";")
    mime = parts[0] or "text/plain"
    is_base64 = "base64" in parts[1:]
    name = next((p[5:] for p in parts[1:] if p.startswith("name=")), "")
    # Check the size before decoding, so an oversized argument costs no memory.
    estimate = len(payload) * 3 // 4 if is_base64 else len(payload)
    if max_bytes is not None and estimate > max_bytes + 3:
        raise CallArgumentError(
            f"argument {param!r}: file is about {estimate} bytes, over the {max_bytes} byte limit"
        )
    try:
        content = (
            base64.b64decode(payload, validate=False)
            if is_base64
            else urllib.parse.unquote_to_bytes(payload)
        )
    except (binascii.Error, ValueError) as exc:
        raise CallArgumentError(f"argument {param!r}: invalid base64 in data: URI") from exc
    if max_bytes is not None and len(content) > max_bytes:
        raise CallArgumentError(
            f"argument {param!r}: file is {len(content)} bytes, over the {max_bytes} byte limit"
        )
    if not name:
        name = "file" + (mimetypes.guess_extension(mime) or "")
    return _PendingUpload(urllib.parse.unquote(name), content, mime)


def _file_argument(value: Any, param: str, max_bytes: int | None) -> Any:
    if isinstance(value, str):
        if value.startswith("data:"):
            return _parse_data_uri(value, param, max_bytes)
        parts = urllib.parse.urlsplit(value)
        if parts.scheme in ("http", "https") and parts.netloc:
            return _file_from_url(value)
    shown = value if isinstance(value, str) and len(value) < 80 else type(value).__name__
    raise CallArgumentError(
        f"argument {param!r} must be an http(s) URL or a data: URI of the file, got {shown!r}"
    )


def _positional_data(
    endpoint: Endpoint, arguments: Mapping[str, Any], max_upload_bytes: int | None
) -> list[Any]:
    """Arguments in the order Gradio expects, defaults filled, State slots as null.

    File arguments become FileData dicts, or `_PendingUpload`s for `data:` URIs.
    """
    known = {p.name: p for p in endpoint.parameters}
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise CallArgumentError(
            f"unknown argument(s) {', '.join(map(repr, unknown))} for {endpoint.api_name!r}; "
            f"expected {', '.join(known) or 'none'}"
        )
    converted = dict(arguments)
    for name, value in arguments.items():
        param = known[name]
        if param.file is None or value is None:
            continue
        if param.file == "list":
            items = value if isinstance(value, list) else [value]
            converted[name] = [_file_argument(v, name, max_upload_bytes) for v in items]
        else:
            converted[name] = _file_argument(value, name, max_upload_bytes)
    try:
        return positional_data(endpoint, converted)
    except ToolArgumentError as exc:
        raise CallArgumentError("; ".join(exc.problems)) from None


def _pending_uploads(data: list[Any]) -> list[_PendingUpload]:
    found: list[_PendingUpload] = []
    for value in data:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, _PendingUpload):
                found.append(item)
    return found


def _replace_uploads(data: list[Any], paths: Mapping[int, str]) -> list[Any]:
    def convert(item: Any) -> Any:
        if isinstance(item, _PendingUpload):
            return {
                "path": paths[id(item)],
                "meta": dict(FILE_DATA_META),
                "orig_name": item.name,
            }
        return item

    return [[convert(v) for v in x] if isinstance(x, list) else convert(x) for x in data]


# ---------------------------------------------------------------------------------------------
# Outputs


def _is_file_data(value: Any) -> bool:
    # gradio_client knows the current FileData shape; Gradio 4 outputs carry no `meta`,
    # only `path` and `url`.
    if is_file_obj_with_meta(value):
        return True
    return isinstance(value, dict) and "path" in value and "url" in value


def _file_ref(value: Mapping[str, Any], files_base: str) -> FileRef:
    path = value.get("path")
    url = value.get("url") or f"{files_base}/file={path}"
    name = value.get("orig_name") or PurePosixPath(str(path or url)).name or None
    mime = value.get("mime_type") or (mimetypes.guess_type(name)[0] if name else None)
    mime = _MIME_FIXES.get(mime, mime) if mime else None
    size = value.get("size")
    return FileRef(
        url=str(url),
        orig_name=name,
        mime_type=mime,
        size=size if isinstance(size, int) else None,
        path=str(path) if path is not None else None,
    )


def _nested_file(value: Any) -> Any:
    # Gallery items are {"image": FileData, "caption": ...}; older videos {"video": FileData}.
    if isinstance(value, dict) and not _is_file_data(value):
        for key in ("image", "video", "file"):
            if _is_file_data(value.get(key)):
                return value[key]
    return value


def _output_values(endpoint: Endpoint, raw: Any, files_base: str) -> list[OutputValue]:
    data = raw if isinstance(raw, list) else [raw]
    keep = endpoint.output_keep
    kept = data if keep is None else [data[i] for i in keep if i < len(data)]
    outputs: list[OutputValue] = []
    for i, value in enumerate(kept):
        ret = endpoint.returns[i] if i < len(endpoint.returns) else None
        single = _nested_file(value)
        if _is_file_data(single):
            outputs.append(OutputValue(value, ret, file=_file_ref(single, files_base)))
            continue
        files: tuple[FileRef, ...] = ()
        if isinstance(value, list) and value:
            items = [_nested_file(v) for v in value]
            if all(_is_file_data(v) for v in items):
                files = tuple(_file_ref(v, files_base) for v in items)
        outputs.append(OutputValue(value, ret, files=files))
    return outputs


def _error_from_payload(payload: Any, title: Any = None) -> CallError:
    """`event: error` data or a failed `process_completed` output, in all their shapes."""
    if isinstance(payload, dict):
        message = payload.get("error")
        title = payload.get("title") or title
    else:
        message = payload
    title_text = str(title) if title else "Error"
    if message is None or message == "":
        return CallError(title_text, HIDDEN_ERROR_MESSAGE)
    if isinstance(message, str) and message.strip() == "404: Not Found":
        return CallError(
            title_text,
            "The space no longer knows this job (404); it may have restarted. Try again.",
            404,
        )
    return CallError(title_text, str(message))


# ---------------------------------------------------------------------------------------------
# The call


async def _sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of an SSE stream; `event` is "" for data-only streams."""
    event, size = "", 0
    data_lines: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if data_lines:
                yield event, "\n".join(data_lines)
            event, size, data_lines = "", 0, []
            continue
        if line.startswith(":"):
            continue  # comment / keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            size += len(value)
            if size > MAX_EVENT_BYTES:
                raise _UpstreamError("Bad response", "an event from the space was too large")
            data_lines.append(value)
    if data_lines:
        yield event, "\n".join(data_lines)


def _excerpt(response: httpx.Response) -> str:
    try:
        text = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""
    text = " ".join(text.split())
    return text[:BODY_EXCERPT_CHARS] + ("…" if len(text) > BODY_EXCERPT_CHARS else "")


def _raise_for_status(response: httpx.Response, what: str) -> None:
    if response.status_code >= 400:
        excerpt = _excerpt(response)
        raise _UpstreamError(
            f"HTTP {response.status_code}",
            f"{what} failed with status {response.status_code}"
            + (f": {excerpt}" if excerpt else ""),
            response.status_code,
        )


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise _UpstreamError("Bad response", f"{what} did not return JSON") from exc


class _Call:
    """State of one call, so cancellation knows what to cancel."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        api_prefix: str,
        endpoint: Endpoint,
        headers: Mapping[str, str] | None,
        tracker: ProgressTracker,
        read_timeout: float,
    ) -> None:
        self.client = client
        self.api = base_url.rstrip("/") + api_prefix
        # The headers were approved for `base_url`'s host; never let the prefix move them.
        if httpx.URL(self.api).host != httpx.URL(base_url).host:
            raise ValueError(f"API prefix {api_prefix!r} leaves the space's host")
        self.endpoint = endpoint
        self.headers = dict(headers or {})
        self.tracker = tracker
        self.timeout = httpx.Timeout(read_timeout, connect=CONNECT_TIMEOUT)
        self.session_hash = secrets.token_hex(6)
        self.event_id: str | None = None
        self.use_queue = endpoint.fn_index is not None

    async def upload(self, data: list[Any]) -> list[Any]:
        pending = _pending_uploads(data)
        if not pending:
            return data
        files = [("files", (p.name, p.content, p.mime_type or "")) for p in pending]
        response = await self.client.post(
            f"{self.api}/upload", files=files, headers=self.headers, timeout=self.timeout
        )
        _raise_for_status(response, "uploading the file arguments")
        paths = _json(response, "upload")
        if not isinstance(paths, list) or len(paths) != len(pending):
            raise _UpstreamError("Bad response", f"unexpected upload response: {paths!r:.200}")
        uploaded = {id(p): str(path) for p, path in zip(pending, paths, strict=True)}
        return _replace_uploads(data, uploaded)

    async def run(self, data: list[Any]) -> list[OutputValue]:
        if self.use_queue:
            return await self._run_queue(data)
        return await self._run_simple(data)

    async def _run_queue(self, data: list[Any]) -> list[OutputValue]:
        body = {
            "data": data,
            "fn_index": self.endpoint.fn_index,
            "session_hash": self.session_hash,
            "event_data": None,
            "trigger_id": None,
            # Full values on every yield instead of diffs against the previous one.
            "simple_format": True,
        }
        response = await self.client.post(
            f"{self.api}/queue/join", json=body, headers=self.headers, timeout=self.timeout
        )
        _raise_for_status(response, f"joining the queue for {self.endpoint.api_name!r}")
        joined = _json(response, "queue/join")
        self.event_id = joined.get("event_id") if isinstance(joined, dict) else None
        if not isinstance(self.event_id, str):
            raise _UpstreamError("Bad response", f"queue/join gave no event_id: {joined!r:.200}")
        url = f"{self.api}/queue/data"
        params = {"session_hash": self.session_hash}
        async with contextlib.aclosing(self._events(url, params, "reading the queue")) as events:
            async for _, raw in events:
                result = await self._on_queue_message(raw)
                if result is not None:
                    return result
        raise _UpstreamError("Connection closed", "the space closed the stream before the result")

    async def _on_queue_message(self, raw: str) -> list[OutputValue] | None:
        try:
            msg = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(msg, dict):
            return None
        kind = msg.get("msg")
        if kind in ("unexpected_error", "server_stopped"):
            raise _UpstreamError("Space error", str(msg.get("message") or "the space stopped"))
        if kind == "close_stream":
            raise _UpstreamError("Connection closed", "the space ended the stream early")
        if msg.get("event_id") != self.event_id:
            return None  # heartbeats, or another event of this session
        if kind == "estimation":
            await self.tracker.message(_estimation_message(msg))
        elif kind == "progress":
            await self._on_gradio_progress(msg.get("progress_data"))
        elif kind == "log":
            level = str(msg.get("level") or "info").lower()
            await self.tracker.message(f"{level}: {msg.get('log')}")
        elif kind == "process_generating":
            output = msg.get("output")
            if isinstance(output, dict) and "data" in output:
                partial = _output_values(self.endpoint, output["data"], self.api)
                await self.tracker.message(_preview(partial))
        elif kind == "process_completed":
            output = msg.get("output")
            if not msg.get("success"):
                err = _error_from_payload(output, msg.get("title"))
                raise _UpstreamError(err.title, err.message, err.status)
            if not isinstance(output, dict) or "data" not in output:
                raise _UpstreamError("Cancelled", "the job was cancelled on the space")
            return _output_values(self.endpoint, output["data"], self.api)
        return None

    async def _on_gradio_progress(self, progress_data: Any) -> None:
        if not isinstance(progress_data, list) or not progress_data:
            return
        # The outermost bar is the overall job; inner bars restart and would go backwards.
        bar = progress_data[0] if isinstance(progress_data[0], dict) else {}
        descs = [str(b["desc"]) for b in progress_data if isinstance(b, dict) and b.get("desc")]
        message = " / ".join(descs) or None
        index, length, fraction = bar.get("index"), bar.get("length"), bar.get("progress")
        if isinstance(index, int | float):
            total = float(length) if isinstance(length, int | float) else None
            await self.tracker.numeric(float(index), total, message)
        elif isinstance(fraction, int | float):
            await self.tracker.numeric(float(fraction), 1.0, message)
        elif message:
            await self.tracker.message(message)

    async def _events(
        self, url: str, params: Mapping[str, str] | None, what: str
    ) -> AsyncGenerator[tuple[str, str], None]:
        """The SSE events of one stream from the space, at most MAX_EVENTS of them."""
        async with self.client.stream(
            "GET",
            url,
            params=params,
            headers={**self.headers, "Accept": "text/event-stream"},
            timeout=self.timeout,
        ) as stream:
            if stream.status_code >= 400:
                await stream.aread()
                _raise_for_status(stream, what)
            count = 0
            async for item in _sse_events(stream):
                count += 1
                if count > MAX_EVENTS:
                    raise _UpstreamError("Bad response", "the space sent too many events")
                yield item

    async def _run_simple(self, data: list[Any]) -> list[OutputValue]:
        name = urllib.parse.quote(self.endpoint.api_name, safe="")
        response = await self.client.post(
            f"{self.api}/call/{name}",
            json={"data": data},
            headers=self.headers,
            timeout=self.timeout,
        )
        _raise_for_status(response, f"calling {self.endpoint.api_name!r}")
        joined = _json(response, "call")
        self.event_id = joined.get("event_id") if isinstance(joined, dict) else None
        if not isinstance(self.event_id, str):
            raise _UpstreamError("Bad response", f"call gave no event_id: {joined!r:.200}")
        # On /call the event id doubles as the session hash (for /cancel).
        self.session_hash = self.event_id
        url = f"{self.api}/call/{name}/{self.event_id}"
        async with contextlib.aclosing(self._events(url, None, "reading the result")) as events:
            async for event, raw in events:
                if event == "heartbeat":
                    continue
                try:
                    payload = json.loads(raw)
                except ValueError:
                    payload = raw
                if event == "error":
                    err = _error_from_payload(payload)
                    raise _UpstreamError(err.title, err.message, err.status)
                if event == "generating":
                    partial = _output_values(self.endpoint, payload, self.api)
                    await self.tracker.message(_preview(partial))
                elif event == "complete":
                    if payload is None:
                        raise _UpstreamError("Cancelled", "the job was cancelled on the space")
                    return _output_values(self.endpoint, payload, self.api)
        raise _UpstreamError("Connection closed", "the space closed the stream before the result")

    async def cancel_upstream(self) -> None:
        if self.event_id is None or self.endpoint.fn_index is None:
            return  # nothing joined yet, or /call: closing its stream cleans up the event
        body = {
            "session_hash": self.session_hash,
            "fn_index": self.endpoint.fn_index,
            "event_id": self.event_id,
        }
        # Best effort: the space also drops queued jobs whose stream went away.
        with contextlib.suppress(httpx.HTTPError):
            await self.client.post(
                f"{self.api}/cancel", json=body, headers=self.headers, timeout=CANCEL_TIMEOUT
            )


async def call_endpoint(
    client: httpx.AsyncClient,
    base_url: str,
    endpoint: Endpoint,
    arguments: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    on_progress: ProgressSink | None = None,
    read_timeout: float = 60.0,
    max_upload_bytes: int | None = None,
    max_duration: float = DEFAULT_MAX_DURATION,
    api_prefix: str = DEFAULT_API_PREFIX,
) -> CallOutcome:
    """Run `endpoint` on the Gradio app at `base_url` with `arguments` (by parameter name).

    Raises `CallArgumentError` for arguments that cannot be sent (nothing is sent then);
    every upstream failure, including timeouts, is returned as `CallOutcome.error`.
    `read_timeout` is the longest silence allowed between events (Gradio sends a heartbeat
    every 15 s); `max_duration` bounds the whole call. `api_prefix` is "" for Gradio 4.
    """
    started = time.perf_counter()
    data = _positional_data(endpoint, arguments, max_upload_bytes)
    tracker = ProgressTracker(on_progress)
    call = _Call(client, base_url, api_prefix, endpoint, headers, tracker, read_timeout)
    outcome = CallOutcome()
    try:
        async with asyncio.timeout(max_duration):
            data = await call.upload(data)
            outcome.outputs = await call.run(data)
        await tracker.done()
    except _UpstreamError as exc:
        outcome.error = exc.error
    except TimeoutError:
        await call.cancel_upstream()
        outcome.error = CallError("Timeout", f"the call took longer than {max_duration:g}s")
    except httpx.TimeoutException as exc:
        await call.cancel_upstream()
        outcome.error = CallError("Timeout", f"the space did not answer in time ({exc!r:.100})")
    except httpx.HTTPError as exc:
        outcome.error = CallError("Connection error", f"{type(exc).__name__}: {exc}"[:300])
    except asyncio.CancelledError:
        # Tell the space to stop the job; run it detached so a repeated cancel cannot stop it.
        task = asyncio.create_task(call.cancel_upstream())
        _background.add(task)
        task.add_done_callback(_background.discard)
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), CANCEL_TIMEOUT)
        raise
    outcome.duration_ms = (time.perf_counter() - started) * 1000
    outcome.progress_events = tracker.count
    return outcome
