"""tools/call on a space: one endpoint run over the space's own HTTP API, with progress and
file uploads; never gradio_client and never the space's MCP endpoint (which is slower and
lossy, see research/gradio-protocol.md §5).

* `fn_index` known: the space's queue, in the protocol its `/config` names (`_protocols`:
  sse_v3 on Gradio 4.3x-6.x, sse_v1/v2 and sse on earlier 4.x), which carries queue position,
  gr.Progress and streamed values. In 6.31 this also runs `queue=False` endpoints.
* `fn_index` unknown: `POST /gradio_api/call/{api_name}` + `GET .../{event_id}`, which works
  on Gradio >= 4.2x but reports no progress, only streamed values.

`Call` holds what every protocol shares: the space's API (`SpaceApi`: its root, "" up to Gradio
4, protocol and version), uploads, replica pinning, the operator's bounds (`CallLimits`),
outputs and progress; a protocol (`QueueProtocol`) only runs the job. Upstream failures never
raise: they come back as `CallOutcome.error`. Bad arguments raise `ToolArgumentError` before
anything is sent upstream. Every answer is read within the read limits
(`GRADIO_MCP_MAX_EVENT_BYTES`, `MAX_JSON_DEPTH`), while it streams in.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import math
import re
import secrets
import time
import urllib.parse
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

from gradio_mcp.config import Settings
from gradio_mcp.errors import CallError
from gradio_mcp.gradio._errors import error_from_payload, error_from_status
from gradio_mcp.gradio._inputs import call_data, pending_uploads, replace_uploads
from gradio_mcp.gradio._outputs import CallOutcome, OutputValue, output_values
from gradio_mcp.gradio._progress import ProgressSink, ProgressTracker, preview_message
from gradio_mcp.gradio._protocols import DEFAULT_PROTOCOL, protocol_module
from gradio_mcp.gradio._sse import sse_events
from gradio_mcp.models import Endpoint, SpaceSchema
from gradio_mcp.net import (
    DEFAULT_LIMITS,
    EgressRefusedError,
    ReadLimitError,
    ReadLimits,
    loads_json,
    read_body,
    read_excerpt,
)

DEFAULT_API_PREFIX = "/gradio_api"
# Short, because a dead host should fail fast; reads wait for Gradio's 15 s heartbeat instead.
CONNECT_TIMEOUT = 5.0
# The best-effort /cancel must not hold up the caller's own cancellation for long.
CANCEL_TIMEOUT = 2.0
# A hard bound on one call's events, so a misbehaving space cannot keep us reading forever.
MAX_EVENTS = 200_000
BODY_EXCERPT_CHARS = 300
# A space with several replicas keeps each job's events and files on one of them; the Hub's
# proxy names it in this header and routes `/--replicas/{id}/...` to it.
REPLICA_HEADER = "x-proxied-replica"
_REPLICA_ID = re.compile(r"[A-Za-z0-9]{1,64}")
_AUTH_HEADERS = frozenset({"authorization", "x-hf-authorization"})

# Background /cancel requests outlive the cancelled call; keep references so they finish.
_background: set[asyncio.Task[None]] = set()


def _status_error(status: int, what: str, excerpt: str) -> CallError:
    """The error for an HTTP status, in words (Gradio's 422 verdicts, a full queue...)."""
    try:
        body = json.loads(excerpt)
    except ValueError:
        body = None  # not JSON, or cut short: only the excerpt is ever read
    text = " ".join(excerpt.split())
    if len(text) > BODY_EXCERPT_CHARS:
        text = text[:BODY_EXCERPT_CHARS] + "…"
    return error_from_status(status, body, what, text)


def replica_of(headers: Mapping[str, str]) -> str | None:
    """The replica that answered, from the Hub proxy's `X-Proxied-Replica: <space>-<id>`."""
    header = headers.get(REPLICA_HEADER)
    if not header:
        return None
    replica = header.rsplit("-", 1)[-1].strip()
    return replica if _REPLICA_ID.fullmatch(replica) else None


def _finite(value: Any) -> float | None:
    """A progress number from the space as a finite float; None for anything else (NaN,
    infinity, an integer too big for a float, a boolean, a string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class SpaceApi:
    """Where a space's API answers and how it is spoken to: its base URL and what discovery
    read from its /config (`SpaceSchema`): the API root ("" up to Gradio 4), the queue
    protocol (None: the current one, sse_v3), the Gradio version, its own cap on a file."""

    base_url: str
    api_prefix: str = DEFAULT_API_PREFIX
    protocol: str | None = None
    gradio_version: str | None = None
    max_upload_bytes: int | None = None

    @classmethod
    def of(cls, base_url: str, schema: SpaceSchema | None) -> SpaceApi:
        """The API at `base_url` as `schema` describes it (the defaults without a schema)."""
        s = schema or SpaceSchema(())
        return cls(base_url, s.api_prefix, s.protocol, s.gradio_version, s.max_file_size)


@dataclass(frozen=True, slots=True)
class CallLimits:
    """The operator's bounds on one call (`Settings`): the longest silence between events
    (Gradio sends a heartbeat every 15 s), the longest call in all, in seconds, and what
    each answer from the space may cost (`reads`: size, JSON depth)."""

    read_timeout: float = Settings.call_read_timeout_ms / 1000
    max_duration: float = Settings.call_max_duration_ms / 1000
    reads: ReadLimits = DEFAULT_LIMITS

    @classmethod
    def from_settings(cls, settings: Settings) -> CallLimits:
        return cls(
            settings.call_read_timeout_ms / 1000,
            settings.call_max_duration_ms / 1000,
            ReadLimits.from_settings(settings),
        )


DEFAULT_CALL_LIMITS = CallLimits()


class QueueProtocol(Protocol):
    """How jobs are run on one generation of Gradio's queue (see `gradio._protocols`).
    `runs_by_name`: it can run an endpoint without its fn_index (no /config read)."""

    runs_by_name: bool

    async def upload(self, call: Call, data: list[Any]) -> list[Any]: ...

    async def run(self, call: Call, data: list[Any]) -> list[OutputValue]: ...

    async def cancel(self, call: Call) -> None: ...


def queue_protocol(name: str | None) -> QueueProtocol:
    """The implementation of a protocol; LookupError when gradio_mcp has none."""
    name = name or DEFAULT_PROTOCOL
    module = protocol_module(name)
    if module is None:
        raise LookupError(f"the queue protocol {name!r} is not supported")
    protocols: dict[str, QueueProtocol] = importlib.import_module(
        f"{__package__}.{module}"
    ).PROTOCOLS
    return protocols[name]


class Call:
    """State of one call, so cancellation knows what to cancel, and what every queue
    protocol shares: requests to the space's API within the read limits, pinned to the
    replica that answered first, outputs, errors and progress."""

    def __init__(
        self,
        client: httpx2.AsyncClient,
        space: SpaceApi,
        endpoint: Endpoint,
        headers: Mapping[str, str] | None,
        tracker: ProgressTracker,
        limits: CallLimits = DEFAULT_CALL_LIMITS,
        protocol: QueueProtocol | None = None,
    ) -> None:
        self.client = client
        self.space = space
        self.limits = limits.reads
        self.base = space.base_url.rstrip("/")
        self.api = self.base + space.api_prefix
        # The headers were approved for the space's host; never let the prefix move them.
        if httpx2.URL(self.api).host != httpx2.URL(space.base_url).host:
            raise ValueError(f"API prefix {space.api_prefix!r} leaves the space's host")
        self.endpoint = endpoint
        self.headers = dict(headers or {})
        self.authenticated = any(k.lower() in _AUTH_HEADERS for k in self.headers)
        self.replica: str | None = None
        self.tracker = tracker
        self.read_timeout = limits.read_timeout
        self.timeout = httpx2.Timeout(limits.read_timeout, connect=CONNECT_TIMEOUT)
        self.session_hash = secrets.token_hex(6)
        self.event_id: str | None = None
        # The queue needs the endpoint's fn_index (from /config); without it, /call, or the
        # protocol's own named route where it has one (Gradio 3's /api/{name}).
        named = protocol is not None and protocol.runs_by_name
        self.protocol = protocol if endpoint.fn_index is not None or named else None

    async def post_json(
        self, path: str, what: str, *, error_json: bool = False, **content: Any
    ) -> Any:
        """POST to the space's API and read its JSON answer within the read limits.
        `error_json`: a 500 carries the failure as JSON (Gradio 3), read like an answer."""
        request = self.client.build_request(
            "POST", self.pinned_api + path, headers=self.headers, timeout=self.timeout, **content
        )
        response = await self.client.send(request, stream=True)
        self._pin(response)
        try:
            if response.status_code >= 400 and not (error_json and response.status_code == 500):
                raise _status_error(response.status_code, what, await read_excerpt(response))
            body = await read_body(response, self.limits.event_bytes, "GRADIO_MCP_MAX_EVENT_BYTES")
        finally:
            await response.aclose()
        try:
            return loads_json(body, self.limits.json_depth)
        except ValueError as exc:
            raise CallError("Bad response", f"{what} did not return JSON") from exc

    @property
    def pinned_api(self) -> str:
        """The API root, through the replica this call is pinned to (once one answered)."""
        if self.replica is None:
            return self.api
        return f"{self.base}/--replicas/{self.replica}{self.space.api_prefix}"

    def _pin(self, response: httpx2.Response) -> None:
        # The first replica that answers holds this call's upload, job and files.
        if self.replica is None:
            self.replica = replica_of(response.headers)

    def pinned_url(self, url: str) -> str:
        """A URL of the space's own API (an output file) through this call's replica, so
        that whoever follows it reaches the replica that has the file."""
        if self.replica is None or not url.startswith(self.api + "/"):
            return url
        if url.startswith(f"{self.base}/--replicas/"):
            return url  # already pinned (with no API prefix, the API root is the base)
        return self.pinned_api + url[len(self.api) :]

    def outputs(self, raw: Any) -> list[OutputValue]:
        return output_values(self.endpoint, raw, self.pinned_api, self.pinned_url)

    def error(self, payload: Any, title: Any = None) -> CallError:
        return error_from_payload(payload, title, authenticated=self.authenticated)

    def loads(self, raw: str) -> Any:
        """An event's JSON; ValueError when it is not JSON, ReadLimitError when too deep."""
        return loads_json(raw, self.limits.json_depth)

    async def upload(self, data: list[Any]) -> list[Any]:
        """`data` with its `data:` URI files sent as the space's protocol wants them."""
        if self.protocol is not None:
            return await self.protocol.upload(self, data)
        return await self.upload_files(data)

    async def upload_files(self, data: list[Any]) -> list[Any]:
        """`data` with its `data:` URI files uploaded (`POST {prefix}/upload`) as FileData."""
        pending = pending_uploads(data)
        if not pending:
            return data
        files = [("files", (p.name, p.content, p.mime_type or "")) for p in pending]
        paths = await self.post_json("/upload", "uploading the file arguments", files=files)
        if not isinstance(paths, list) or len(paths) != len(pending):
            raise CallError("Bad response", f"unexpected upload response: {paths!r:.200}")
        uploaded = {id(p): str(path) for p, path in zip(pending, paths, strict=True)}
        return replace_uploads(data, uploaded)

    async def run(self, data: list[Any]) -> list[OutputValue]:
        if self.protocol is not None:
            return await self.protocol.run(self, data)
        return await self._run_simple(data)

    async def on_gradio_progress(self, progress_data: Any) -> None:
        if not isinstance(progress_data, list) or not progress_data:
            return
        # The outermost bar is the overall job; inner bars restart and would go backwards.
        bar = progress_data[0] if isinstance(progress_data[0], dict) else {}
        descs = [str(b["desc"]) for b in progress_data if isinstance(b, dict) and b.get("desc")]
        message = " / ".join(descs) or None
        index = _finite(bar.get("index"))
        fraction = _finite(bar.get("progress"))
        if index is not None:
            await self.tracker.numeric(index, _finite(bar.get("length")), message)
        elif fraction is not None:
            await self.tracker.numeric(fraction, 1.0, message)
        elif message:
            await self.tracker.message(message)

    async def events(
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
            self._pin(stream)
            if stream.status_code >= 400:
                raise _status_error(stream.status_code, what, await read_excerpt(stream))
            count = 0
            async for item in sse_events(stream, self.limits.event_bytes):
                count += 1
                if count > MAX_EVENTS:
                    raise CallError("Bad response", "the space sent too many events")
                yield item

    async def _run_simple(self, data: list[Any]) -> list[OutputValue]:
        name = urllib.parse.quote(self.endpoint.api_name, safe="")
        joined = await self.post_json(
            f"/call/{name}", f"calling {self.endpoint.api_name!r}", json={"data": data}
        )
        self.event_id = joined.get("event_id") if isinstance(joined, dict) else None
        if not isinstance(self.event_id, str):
            raise CallError("Bad response", f"call gave no event_id: {joined!r:.200}")
        # On /call the event id doubles as the session hash (for /cancel).
        self.session_hash = self.event_id
        url = f"{self.pinned_api}/call/{name}/{self.event_id}"
        async with contextlib.aclosing(self.events(url, None, "reading the result")) as events:
            async for event, raw in events:
                if event == "heartbeat":
                    continue
                try:
                    payload = self.loads(raw)
                except ValueError:
                    payload = raw
                if event == "error":
                    raise self.error(payload)
                if event == "generating":
                    await self.tracker.message(preview_message(self.outputs(payload)))
                elif event == "complete":
                    if payload is None:
                        raise CallError("Cancelled", "the job was cancelled on the space")
                    return self.outputs(payload)
        raise CallError("Connection closed", "the space closed the stream before the result")

    async def cancel_upstream(self) -> None:
        # The protocol knows whether its job started (an SSE job's event id, a Gradio 3
        # socket); /call has none: closing its stream cleans up the event.
        if self.protocol is not None:
            await self.protocol.cancel(self)

    async def post_quietly(self, path: str, body: Mapping[str, Any]) -> None:
        """A best-effort POST (a cancel) whose answer says nothing we need: never read,
        never raised, bounded by CANCEL_TIMEOUT."""
        request = self.client.build_request(
            "POST", self.pinned_api + path, json=body, headers=self.headers, timeout=CANCEL_TIMEOUT
        )
        with contextlib.suppress(httpx2.HTTPError):
            response = await self.client.send(request, stream=True)
            await response.aclose()


async def call_endpoint(
    client: httpx2.AsyncClient,
    space: SpaceApi,
    endpoint: Endpoint,
    arguments: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    on_progress: ProgressSink | None = None,
    limits: CallLimits = DEFAULT_CALL_LIMITS,
) -> CallOutcome:
    """Run `endpoint` of the space's API with `arguments` (by parameter name).

    Raises `ToolArgumentError` for arguments that cannot be sent (nothing is sent then);
    every upstream failure, including timeouts, is returned as `CallOutcome.error`. `space`
    is where the API answers and how it is spoken to, as discovery read it
    (`SpaceApi.of(url, schema)`); `limits` bounds the call (`CallLimits.from_settings`).
    The client should come from `new_http_client`, so that the egress policy applies.
    """
    started = time.perf_counter()
    data = call_data(endpoint, arguments, space.max_upload_bytes)
    tracker = ProgressTracker(on_progress)
    outcome = CallOutcome()
    try:
        queue = queue_protocol(space.protocol)
    except LookupError as exc:
        outcome.error = CallError("Unsupported", f"{exc}: this space cannot be called")
        return outcome
    call = Call(client, space, endpoint, headers, tracker, limits, queue)
    try:
        async with asyncio.timeout(limits.max_duration):
            outcome.outputs = await call.run(await call.upload(data))
        await tracker.done()
    except (CallError, ReadLimitError, TimeoutError, httpx2.HTTPError) as exc:
        if isinstance(exc, TimeoutError | httpx2.TimeoutException | ReadLimitError):
            await call.cancel_upstream()  # the job may still run on the space
        outcome.error = _call_error(exc, limits.max_duration)
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


def _call_error(exc: Exception, max_duration: float) -> CallError:
    """What went wrong with a call, in words, as its outcome's error."""
    if isinstance(exc, CallError):
        return CallError(exc.title, exc.message, exc.status)
    if isinstance(exc, TimeoutError):
        return CallError("Timeout", f"the call took longer than {max_duration:g}s")
    if isinstance(exc, httpx2.TimeoutException):
        return CallError("Timeout", f"the space did not answer in time ({exc!r:.100})")
    if isinstance(exc, ReadLimitError):
        return CallError("Bad response", str(exc))
    if isinstance(exc, EgressRefusedError):
        return CallError("Connection refused", str(exc))
    return CallError("Connection error", f"{type(exc).__name__}: {exc}"[:300])
