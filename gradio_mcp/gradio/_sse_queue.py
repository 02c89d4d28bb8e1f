"""Gradio 4.0 to 6.x's queue over server-sent events, in each of its generations.

* `sse` (4.0 - 4.1x): `GET /queue/join?fn_index&session_hash` opens the job's own stream;
  its `send_data` message (with the job's `event_id`) asks for the data, sent by
  `POST /queue/data`; the messages after it carry no `event_id`.
* `sse_v1`, `sse_v2`, `sse_v2.1` (4.1x - 4.2x): `POST /queue/join` gives the `event_id`,
  `GET /queue/data?session_hash` streams the session's messages, each with its `event_id`.
  v2 sends a generator's values after the first as diffs, which are applied here as
  Gradio's own client does (`simple_format` is not understood yet).
* `sse_v3` (4.3x - 6.x): the same routes; `simple_format` asks for whole values.

Cancelling posts `/cancel` (and `/reset`, its 4.x form, on Gradio 4), best effort.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from gradio_mcp.errors import CallError
from gradio_mcp.gradio._call import Call, QueueProtocol
from gradio_mcp.gradio._errors import QUEUE_FULL_ADVICE
from gradio_mcp.gradio._outputs import OutputValue
from gradio_mcp.gradio._progress import estimation_message, preview_message
from gradio_mcp.gradio._protocols import gradio_major_minor


class _DiffsUnusable(Exception):
    """A streamed diff that does not apply to the value it should change."""


def apply_diff(value: Any, diff: Any) -> Any:
    """`value` changed by a Gradio diff (`[[action, path, new], ...]`), as Gradio's client
    applies it: replace, append (text or list), add and delete, at a path of keys and
    indexes. A copy: `value` is left as it was."""
    if not isinstance(diff, list):
        raise _DiffsUnusable("a diff is a list of edits")
    value = copy.deepcopy(value)
    for edit in diff:
        if not isinstance(edit, list) or len(edit) != 3 or not isinstance(edit[1], list):
            raise _DiffsUnusable("an edit is [action, path, value]")
        action, path, new = edit
        try:
            value = _apply_edit(value, path, action, new)
        except (LookupError, TypeError, ValueError) as exc:
            raise _DiffsUnusable(str(exc)) from None
    return value


def _apply_edit(target: Any, path: list[Any], action: Any, new: Any) -> Any:
    if not path:
        if action == "replace":
            return new
        if action == "append":
            return target + new
        raise ValueError(f"{action!r} needs a path")
    current = target
    for step in path[:-1]:
        current = current[step]
    last = path[-1]
    if action == "replace":
        current[last] = new
    elif action == "append":
        current[last] += new
    elif action == "add":
        if isinstance(current, list):
            current.insert(int(last), new)
        else:
            current[last] = new
    elif action == "delete":
        del current[int(last) if isinstance(current, list) else last]
    else:
        raise ValueError(f"unknown action {action!r}")
    return target


class _Messages:
    """What one job's queue messages mean for the call: progress, previews, the result."""

    def __init__(self, call: Call, *, diffs: bool) -> None:
        self.call = call
        self.diffs = diffs
        # The streamed values so far, to apply the next diffs to; None before the first
        # and once they stopped applying. Bounded like one event: past it, previews stop.
        self.values: list[Any] | None = None
        self.values_bytes = 0

    async def on(self, msg: dict[str, Any], size: int) -> list[OutputValue] | None:
        """The call's outputs once `msg` completes it, else None."""
        call, kind = self.call, msg.get("msg")
        if kind == "estimation":
            await call.tracker.message(estimation_message(msg))
        elif kind == "progress":
            await call.on_gradio_progress(msg.get("progress_data"))
        elif kind == "log":
            level = str(msg.get("level") or "info").lower()
            await call.tracker.message(f"{level}: {msg.get('log')}")
        elif kind == "process_generating":
            output = msg.get("output")
            if isinstance(output, dict) and "data" in output:
                data = self._streamed(output["data"], size)
                if data is not None:
                    await call.tracker.message(preview_message(call.outputs(data)))
        elif kind == "process_completed":
            output = msg.get("output")
            if not msg.get("success"):
                raise call.error(output, msg.get("title"))
            if not isinstance(output, dict) or "data" not in output:
                raise CallError("Cancelled", "the job was cancelled on the space")
            return call.outputs(output["data"])
        return None

    def _streamed(self, data: Any, size: int) -> Any:
        """A streamed step's whole values: as sent, or (sse_v2) its diffs applied to the
        values so far. None when they cannot be known (a diff that did not apply)."""
        if not self.diffs:
            return data
        if self.values is None:
            if not isinstance(data, list) or self.values_bytes < 0:
                return None
            self.values, self.values_bytes = list(data), size
            return data
        self.values_bytes += size
        if not isinstance(data, list) or self.values_bytes > self.call.limits.event_bytes:
            self.values, self.values_bytes = None, -1
            return None
        try:
            self.values = [
                apply_diff(self.values[i], diff) if i < len(self.values) else diff
                for i, diff in enumerate(data)
            ]
        except _DiffsUnusable:
            self.values, self.values_bytes = None, -1
            return None
        return self.values


def _stream_failure(msg: dict[str, Any]) -> CallError | None:
    """The error a message ends the stream with, whoever's job it names."""
    kind = msg.get("msg")
    if kind in ("unexpected_error", "server_stopped"):
        return CallError("Space error", str(msg.get("message") or "the space stopped"))
    if kind == "close_stream":
        return CallError("Connection closed", "the space ended the stream early")
    if kind == "queue_full":
        return CallError("Queue full", QUEUE_FULL_ADVICE, 503)
    return None


async def _queue_messages(
    call: Call, url: str, params: Mapping[str, str], what: str
) -> AsyncGenerator[tuple[dict[str, Any], int], None]:
    """The JSON messages of one queue stream, with their sizes (anything else is skipped);
    a message that fails the stream is raised."""
    async with contextlib.aclosing(call.events(url, params, what)) as events:
        async for _, raw in events:
            try:
                msg = call.loads(raw)
            except ValueError:
                continue
            if not isinstance(msg, dict):
                continue
            failure = _stream_failure(msg)
            if failure is not None:
                raise failure
            yield msg, len(raw)


def _closed() -> CallError:
    return CallError("Connection closed", "the space closed the stream before the result")


class _SseQueues:
    """What every generation shares: uploads to `{prefix}/upload`, and cancelling."""

    runs_by_name = False  # the queue needs the fn_index: without it, the call goes to /call

    async def upload(self, call: Call, data: list[Any]) -> list[Any]:
        return await call.upload_files(data)

    async def cancel(self, call: Call) -> None:
        """Ask the space to stop the job: `/cancel`, and on Gradio 4 also `/reset` (which is
        what stops a generator there before 4.4x, and does nothing after). Nothing before the
        space gave the job its event id: there is no job to stop yet."""
        if call.event_id is None:
            return
        body = {
            "session_hash": call.session_hash,
            "fn_index": call.endpoint.fn_index,
            "event_id": call.event_id,
        }
        numbers = gradio_major_minor(call.space.gradio_version)
        await call.post_quietly("/cancel", body)
        if numbers is not None and numbers[0] == 4:
            await call.post_quietly("/reset", body)


class SseQueue(_SseQueues):
    """sse_v1 and later: join by POST, then read the session's stream."""

    def __init__(self, *, diffs: bool, simple_format: bool) -> None:
        self.diffs = diffs
        self.simple_format = simple_format

    async def run(self, call: Call, data: list[Any]) -> list[OutputValue]:
        body: dict[str, Any] = {
            "data": data,
            "fn_index": call.endpoint.fn_index,
            "session_hash": call.session_hash,
            "event_data": None,
            "trigger_id": None,
        }
        if self.simple_format:
            body["simple_format"] = True  # whole values on every yield, not diffs
        joined = await call.post_json(
            "/queue/join", f"joining the queue for {call.endpoint.api_name!r}", json=body
        )
        call.event_id = joined.get("event_id") if isinstance(joined, dict) else None
        if not isinstance(call.event_id, str):
            raise CallError("Bad response", f"queue/join gave no event_id: {joined!r:.200}")
        messages = _Messages(call, diffs=self.diffs)
        url, params = f"{call.pinned_api}/queue/data", {"session_hash": call.session_hash}
        stream = _queue_messages(call, url, params, "reading the queue")
        async with contextlib.aclosing(stream):
            async for msg, size in stream:
                if msg.get("event_id") != call.event_id:
                    continue  # heartbeats, or another event of this session
                result = await messages.on(msg, size)
                if result is not None:
                    return result
        raise _closed()


class SseV0Queue(_SseQueues):
    """sse (Gradio 4.0 - 4.1x): the job's own stream asks for its data."""

    async def run(self, call: Call, data: list[Any]) -> list[OutputValue]:
        params = {"fn_index": str(call.endpoint.fn_index), "session_hash": call.session_hash}
        messages = _Messages(call, diffs=False)
        what = f"joining the queue for {call.endpoint.api_name!r}"
        stream = _queue_messages(call, f"{call.pinned_api}/queue/join", params, what)
        async with contextlib.aclosing(stream):
            async for msg, size in stream:
                if msg.get("msg") == "send_data":
                    await self._send_data(call, msg, data)
                    continue
                # This stream is this job's alone: its messages carry no event_id.
                result = await messages.on(msg, size)
                if result is not None:
                    return result
        raise _closed()

    @staticmethod
    async def _send_data(call: Call, msg: dict[str, Any], data: list[Any]) -> None:
        event_id = msg.get("event_id")
        if not isinstance(event_id, str):
            raise CallError("Bad response", "the queue asked for data with no event_id")
        call.event_id = event_id
        body = {
            "data": data,
            "event_data": None,
            "fn_index": call.endpoint.fn_index,
            "session_hash": call.session_hash,
            "event_id": event_id,
        }
        what = f"sending the data for {call.endpoint.api_name!r}"
        await call.post_json("/queue/data", what, json=body)


PROTOCOLS: dict[str, QueueProtocol] = {
    "sse": SseV0Queue(),
    "sse_v1": SseQueue(diffs=False, simple_format=False),
    "sse_v2": SseQueue(diffs=True, simple_format=False),
    "sse_v2.1": SseQueue(diffs=True, simple_format=False),
    "sse_v3": SseQueue(diffs=False, simple_format=True),
}
