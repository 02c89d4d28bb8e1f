"""The Hub emulator's websocket proxy: a space's `/queue/join` on Gradio 3, passed through
to the real app as the Hub's proxy does, message for message, until either side closes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

# Headers that belong to one hop of the connection, never passed on.
_HOP_HEADERS = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-accept",
        "content-length",
    }
)
MAX_MESSAGE = 64 * 1024 * 1024


async def _to_app(client: WebSocket, app: ClientConnection) -> None:
    with contextlib.suppress(WebSocketDisconnect, ConnectionClosed):
        while True:
            message = await client.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await app.send(message["text"])
            elif message.get("bytes") is not None:
                await app.send(message["bytes"])


async def _to_client(app: ClientConnection, client: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect, ConnectionClosed, RuntimeError):
        async for message in app:
            if isinstance(message, str):
                await client.send_text(message)
            else:
                await client.send_bytes(message)


async def proxy_websocket(
    client: WebSocket,
    backend: str,
    path: str,
    headers: Mapping[str, str],
    extra_response_headers: Mapping[str, str] | None = None,
) -> None:
    """Connect to `backend` + `path` and relay both ways; a refused upstream handshake is
    refused downstream with the same status."""
    forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_HEADERS}
    query = client.url.query
    url = "ws" + backend.rstrip("/")[len("http") :] + path + (f"?{query}" if query else "")
    try:
        app = await connect(
            url, additional_headers=forwarded, max_size=MAX_MESSAGE, proxy=None, compression=None
        )
    except InvalidStatus as exc:
        await client.close(code=1008, reason=f"upstream answered {exc.response.status_code}")
        return
    except OSError:
        await client.close(code=1011, reason="upstream unreachable")
        return
    extra = [(k.lower().encode(), v.encode()) for k, v in (extra_response_headers or {}).items()]
    await client.accept(headers=extra or None)
    async with app:
        tasks = [
            asyncio.create_task(_to_app(client, app)),
            asyncio.create_task(_to_client(app, client)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await client.close()
