"""tools/call on a Gradio 3 space: the websocket queue, or `/run/predict` when the queue is off.

How it plugs in: `PROTOCOLS = {"ws": WebsocketQueue()}`, the protocol object the registry
(`gradio._protocols`) picks for a space whose `/config` names no `protocol` (Gradio 3, its
API at the root). `gradio._call.call_endpoint` runs it through the shared `Call` (arguments
checked before anything is sent, every upstream failure a `CallOutcome.error`, the job
stopped when the call is cancelled): `upload`, `run` and `cancel` here, with the call's
client, endpoint, headers, progress and limits.

The endpoint should come from discovery's Gradio 3 parser (`discovery._schema_v3`), which
sets `fn_index` and `queue` from /config and knows files by their serializer.

The exchange, as Gradio 3.50's own page and client speak it:

    connect ws(s)://host/queue/join
    <- {"msg": "send_hash"}         -> {"fn_index": N, "session_hash": H}
    <- {"msg": "estimation", "rank", "queue_size", "rank_eta"}   (while queued)
    <- {"msg": "send_data"}         -> {"data", "event_data", "fn_index", "session_hash"}
    <- {"msg": "process_starts"}
    <- {"msg": "progress", "progress_data": [...]} | {"msg": "log", ...}
    <- {"msg": "process_generating", "output": {"data": [...]}}   (each yield, full values)
    <- {"msg": "process_completed", "output": {"data": [...]} | {"error": ...}, "success"}
    <- {"msg": "queue_full"}        (instead, when the queue is full)

No message carries an event id: the socket is the job. Cancelling closes the socket (Gradio
then stops a generator at its next yield and drops a job still queued) and, as Gradio's
client does, posts `/reset` so the session's iterator starts afresh.

Files go in inline and come out as `data:` URIs or `/file=` paths: `_gradio3_values` turns
them into what Gradio 3 takes and what the rest of gradio_mcp reads. A job's files and its
`/reset` go to the replica that answered the websocket (`X-Proxied-Replica`).

Read caps: each message at most `GRADIO_MCP_MAX_EVENT_BYTES` and `MAX_JSON_DEPTH`,
at most `MAX_EVENTS` messages and `TOTAL_BYTES_FACTOR` times the message cap in all; every
read waits at most the read timeout (uvicorn pings every 20 s while a job runs quietly),
and the whole call at most `max_duration`.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
import weakref
from typing import Any

from gradio_mcp.errors import CallError
from gradio_mcp.gradio._call import CONNECT_TIMEOUT, MAX_EVENTS, Call, replica_of
from gradio_mcp.gradio._gradio3_values import encode_files, fetch_file, gradio3_outputs
from gradio_mcp.gradio._inputs import PendingUpload
from gradio_mcp.gradio._outputs import OutputValue
from gradio_mcp.gradio._progress import estimation_message, preview_message
from gradio_mcp.net import WebSocket, connect_websocket, loads_json

# All messages of one call together may cost this many times the cap on one message.
TOTAL_BYTES_FACTOR = 16
QUEUE_FULL = "The space's queue is full. Try again in a moment."


def _ws_url(base: str) -> str:
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :]
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :]
    raise ValueError(f"not an http(s) URL: {base!r}")


class _Gradio3Call:
    """State of one call, so cancelling knows what to stop; the shared `Call` holds the
    rest (client, endpoint, headers, limits, progress, and the replica that holds the job,
    from `X-Proxied-Replica` on the websocket's handshake)."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.client, self.endpoint, self.limits = call.client, call.endpoint, call.limits
        # A file fetched from a URL goes inline, in one message: at most a message's cap,
        # and at most the space's own cap on a file.
        self.upload_limit = call.limits.event_bytes
        if call.space.max_upload_bytes is not None:
            self.upload_limit = min(self.upload_limit, call.space.max_upload_bytes)
        self.socket: WebSocket | None = None
        self.joined = False

    def outputs(self, raw: Any) -> list[OutputValue]:
        return gradio3_outputs(self.endpoint, raw, self.call.pinned_api)

    async def encode_files(self, data: list[Any]) -> list[Any]:
        """`call_data`'s list with the files inline, URLs fetched (see `_FileEncoder`)."""
        call = self.call

        async def fetch(url: str) -> PendingUpload:
            return await fetch_file(self.client, url, call.base, call.headers, self.upload_limit)

        return await encode_files(self.endpoint, data, call.api, fetch)

    async def run(self, data: list[Any]) -> list[OutputValue]:
        if self.endpoint.fn_index is not None and self.endpoint.queue:
            return await self._run_queue(data)
        return await self._run_predict(data)

    async def _run_queue(self, data: list[Any]) -> list[OutputValue]:
        self.socket = await connect_websocket(
            self.client,
            _ws_url(self.call.api) + "/queue/join",
            headers=self.call.headers,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=self.call.read_timeout,
            max_message_bytes=self.limits.event_bytes,
            max_total_bytes=TOTAL_BYTES_FACTOR * self.limits.event_bytes,
        )
        self.call.replica = replica_of(self.socket.response_headers)
        async with self.socket as socket:
            for _ in range(MAX_EVENTS):
                result = await self._on_message(socket, await socket.receive(), data)
                if result is not None:
                    return result
        raise CallError("Bad response", "the space sent too many messages")

    async def _on_message(
        self, socket: WebSocket, raw: str | bytes, data: list[Any]
    ) -> list[OutputValue] | None:
        try:
            msg = loads_json(raw, self.limits.json_depth)
        except ValueError:
            return None  # not JSON: nothing Gradio sends, so nothing to act on
        if not isinstance(msg, dict):
            return None
        kind = msg.get("msg")
        session_hash, tracker = self.call.session_hash, self.call.tracker
        if kind == "send_hash":
            hello = {"fn_index": self.endpoint.fn_index, "session_hash": session_hash}
            await socket.send(json.dumps(hello))
        elif kind == "send_data":
            body = {
                "data": data,
                "event_data": None,
                "fn_index": self.endpoint.fn_index,
                "session_hash": session_hash,
            }
            await socket.send(json.dumps(body))
            self.joined = True
        elif kind == "queue_full":
            raise CallError("Queue full", QUEUE_FULL, 503)
        elif kind == "estimation":
            await tracker.message(estimation_message(msg))
        elif kind == "progress":
            await self.call.on_gradio_progress(msg.get("progress_data"))
        elif kind == "log":
            level = str(msg.get("level") or "info").lower()
            await tracker.message(f"{level}: {msg.get('log')}")
        elif kind == "process_generating":
            output = msg.get("output")
            if isinstance(output, dict) and isinstance(output.get("data"), list):
                await tracker.message(preview_message(self.outputs(output["data"])))
        elif kind == "process_completed":
            output = msg.get("output")
            if not msg.get("success"):
                raise self.call.error(output)
            if not isinstance(output, dict) or "data" not in output:
                raise CallError("Bad response", "the space's answer held no data")
            return self.outputs(output["data"])
        return None

    async def _run_predict(self, data: list[Any]) -> list[OutputValue]:
        """No queue: one POST, `/run/predict` by fn_index where /config gave it."""
        if self.endpoint.fn_index is not None:
            path = "/run/predict"
            body: dict[str, Any] = {
                "data": data,
                "fn_index": self.endpoint.fn_index,
                "session_hash": self.call.session_hash,
                "event_data": None,
            }
        else:
            path = "/api/" + urllib.parse.quote(self.endpoint.api_name, safe="")
            body = {"data": data}
        what = f"calling {self.endpoint.api_name!r}"
        answer = await self.call.post_json(path, what, error_json=True, json=body)
        if not isinstance(answer, dict) or "data" not in answer:
            raise self.call.error(answer)  # Gradio 3 answers a failed call 500 {"error": ...}
        return self.outputs(answer["data"])

    async def cancel_upstream(self) -> None:
        """Close the socket (Gradio stops the job) and reset the session's iterator."""
        socket, self.socket = self.socket, None
        if socket is not None:
            with contextlib.suppress(Exception):
                await socket.aclose()
        if not self.joined or self.endpoint.fn_index is None:
            return
        body = {"session_hash": self.call.session_hash, "fn_index": self.endpoint.fn_index}
        await self.call.post_quietly("/reset", body)


class WebsocketQueue:
    """Gradio 3's queue as a protocol object for a registry that owns the rest of the call
    (arguments, timeouts, error mapping): `upload` puts the files inline (no request),
    `run` runs the job over the websocket (or `/run/predict`), `cancel` stops it."""

    # Without an fn_index (no /config), Gradio 3's named route runs the call: not /call.
    runs_by_name = True

    def __init__(self) -> None:
        self._calls: weakref.WeakKeyDictionary[Any, _Gradio3Call] = weakref.WeakKeyDictionary()

    def _of(self, call: Call) -> _Gradio3Call:
        found = self._calls.get(call)
        if found is None:
            found = self._calls[call] = _Gradio3Call(call)
        return found

    async def upload(self, call: Call, data: list[Any]) -> list[Any]:
        return await self._of(call).encode_files(data)

    async def run(self, call: Call, data: list[Any]) -> list[OutputValue]:
        return await self._of(call).run(data)

    async def cancel(self, call: Call) -> None:
        found = self._calls.get(call)
        if found is not None:
            await found.cancel_upstream()


# The registry's entry: `gradio._protocols.PROTOCOL_MODULES["ws"]` names this module (`_websocket`).
PROTOCOLS: dict[str, WebsocketQueue] = {"ws": WebsocketQueue()}
