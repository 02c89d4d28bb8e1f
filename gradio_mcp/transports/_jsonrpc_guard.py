"""What reaches `POST /mcp` is one JSON-RPC message of bounded size, or gets a JSON-RPC error.

The SDK answers an oversized body with a plain-text 413 (clients show "Server returned an
error response"), a body that is JSON but not a message with a long validation dump under
-32602 (Invalid params), and takes `"id": null` for a notification. JSON-RPC 2.0 says:
-32700 Parse error for what is not JSON, -32600 Invalid Request for what is not a request
object; MCP adds that a request id is a string or a number, never null. Here each gets one
short line with its code, before the SDK sees the body (which it is then handed unchanged).
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


def _error(status: int, code: int, message: str, request_id: Any = None) -> JSONResponse:
    body = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status)


def check_message(body: bytes) -> JSONResponse | None:
    """The error answering `body`, or None when it is one well-formed JSON-RPC message."""
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):
        return _error(400, PARSE_ERROR, "Parse error: the body is not JSON")
    if not isinstance(message, dict):
        return _error(
            400,
            INVALID_REQUEST,
            "Invalid Request: the body must be one JSON-RPC object (batches are not supported)",
        )
    request_id = message.get("id")
    shown_id = request_id if isinstance(request_id, (str, int)) else None
    if message.get("jsonrpc") != "2.0":
        return _error(400, INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"', shown_id)
    if "method" not in message:
        if "id" in message and ("result" in message or "error" in message):
            return None  # a client's answer to a server request
        return _error(400, INVALID_REQUEST, 'Invalid Request: no "method"', shown_id)
    if not isinstance(message["method"], str):
        return _error(400, INVALID_REQUEST, 'Invalid Request: "method" must be a string', shown_id)
    if "id" in message and (isinstance(request_id, bool) or not isinstance(request_id, (str, int))):
        return _error(
            400, INVALID_REQUEST, 'Invalid Request: "id" must be a string or a number, not null'
        )
    params = message.get("params")
    if params is not None and not isinstance(params, dict):
        return _error(400, INVALID_PARAMS, 'Invalid params: "params" must be an object', shown_id)
    return None


class JsonRpcGuard:
    """Checks the size and shape of each `POST /mcp` body (see the module's docstring)."""

    def __init__(
        self, app: ASGIApp, *, path: str = "/mcp", max_bytes: int = DEFAULT_MAX_REQUEST_BODY_SIZE
    ) -> None:
        self.app = app
        self.path = path
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        too_large = _error(
            413,
            INVALID_REQUEST,
            f"Request too large: a message may be at most {self.max_bytes // 1024} KiB",
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await too_large(scope, receive, send)
            return
        body = bytearray()
        while True:  # bounded: reading stops at max_bytes
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        error = check_message(bytes(body))
        if error is not None:
            await error(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
