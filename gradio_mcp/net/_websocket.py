"""A websocket client connection under the same rules as the HTTP client: Gradio 3's queue.

The connection is opened by the very network backend of the `new_http_client` it is given,
so the egress policy (checked on the resolved address, DNS rebinding included) and the TLS
settings are those of every other upstream request; no proxy from the environment is used.
The websocket protocol itself is the `websockets` package's sans-I/O core (handshake
checks, framing, masking, UTF-8 checks, answering pings, the closing handshake), driven
over that stream here, so there is no second way out of the process to keep in step.

Bounds: a message is at most `max_message_bytes` (checked from its header, before its
payload is read, and across fragments); everything received at most `max_total_bytes`
(control frames and fragments too); the handshake's headers and body are capped by
`websockets`; no compression extension is offered, so nothing can inflate behind the cap;
every read waits at most `read_timeout`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import httpcore2
import httpx2
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from gradio_mcp.errors import GradioMCPError
from gradio_mcp.net._client import USER_AGENT, connection_rules
from gradio_mcp.net._egress import EgressBackend, EgressPolicy
from gradio_mcp.net._limits import ReadLimitError

READ_CHUNK = 64 * 1024
CLOSE_TIMEOUT = 2.0
# Headers the handshake sets itself; a caller's copy would break it.
_HANDSHAKE_HEADERS = frozenset(
    {"host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"}
)


class WebSocketError(httpx2.TransportError, GradioMCPError):
    """The websocket could not be opened, or broke; an `httpx2.TransportError`, so code
    that handles a failed HTTP exchange handles this one too, and like every exception of
    the package a `GradioMCPError`. `status` is the HTTP status of a refused handshake."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class WebSocketClosed(WebSocketError):
    """The other side closed the connection (cleanly or not)."""


class WebSocket:
    """One open client websocket; text messages in and out. Open with `connect_websocket`."""

    def __init__(
        self,
        stream: httpcore2.AsyncNetworkStream,
        protocol: ClientProtocol,
        read_timeout: float,
        max_total_bytes: int | None = None,
    ) -> None:
        self._stream = stream
        self._protocol = protocol
        self._read_timeout = read_timeout
        self._max_total = max_total_bytes
        self._fragments: list[bytes] = []
        self._fragment_kind: Opcode | None = None
        self._messages: deque[str | bytes] = deque()
        self.bytes_received = 0
        self.response_headers: Mapping[str, str] = {}  # of the handshake's answer

    async def _flush(self) -> None:
        try:
            for chunk in self._protocol.data_to_send():
                if chunk:
                    await self._stream.write(chunk, timeout=self._read_timeout)
        except httpcore2.WriteTimeout:
            raise httpx2.WriteTimeout(f"could not write in {self._read_timeout:g} s") from None
        except (httpcore2.NetworkError, OSError) as exc:
            raise WebSocketClosed(f"the connection broke: {exc}") from None

    async def _read_more(self, timeout: float | None) -> None:
        try:
            data = await self._stream.read(READ_CHUNK, timeout=timeout)
        except httpcore2.ReadTimeout:
            raise httpx2.ReadTimeout(f"no message in {timeout:g} s") from None
        except (httpcore2.NetworkError, OSError) as exc:
            raise WebSocketClosed(f"the connection broke: {exc}") from None
        self.bytes_received += len(data)
        if self._max_total is not None and self.bytes_received > self._max_total:
            # Counted on every read, so pings or fragments that never make a message count.
            raise ReadLimitError(
                f"the space sent more than {self._max_total} bytes on one websocket", self._setting
            )
        if data:
            self._protocol.receive_data(data)
        else:
            self._protocol.receive_eof()
        await self._flush()  # pongs and the closing handshake's answer

    def _take_frames(self) -> None:
        for event in self._protocol.events_received():
            if isinstance(event, Frame):
                self._on_frame(event)

    def _on_frame(self, frame: Frame) -> None:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            self._fragment_kind, self._fragments = frame.opcode, [bytes(frame.data)]
        elif frame.opcode is Opcode.CONT and self._fragment_kind is not None:
            self._fragments.append(bytes(frame.data))
        else:
            return  # ping, pong, close: the protocol answers them itself
        if frame.fin:
            payload = b"".join(self._fragments)
            text = self._fragment_kind is Opcode.TEXT
            # The protocol checked the UTF-8 already (an invalid text fails the connection).
            self._messages.append(payload.decode() if text else payload)
            self._fragments, self._fragment_kind = [], None

    def _raise_if_broken(self) -> None:
        error = self._protocol.parser_exc
        if error is None:
            if self._protocol.state is State.CLOSED or self._protocol.close_rcvd is not None:
                raise WebSocketClosed(f"the space closed the websocket ({self._close_reason()})")
            return
        if type(error).__name__ == "PayloadTooBig":
            raise ReadLimitError(f"a websocket message is too large: {error}", self._setting)
        raise WebSocketClosed(f"the websocket broke: {error}")

    _setting = "GRADIO_MCP_MAX_EVENT_BYTES"

    def _close_reason(self) -> str:
        received = self._protocol.close_rcvd
        if received is None:
            return "no close frame"
        return f"code {received.code}" + (f": {received.reason[:200]}" if received.reason else "")

    def _closed(self) -> bool:
        # A method, so that the type checker does not pin the state between reads.
        return self._protocol.state is State.CLOSED

    async def receive(self, timeout: float | None = None) -> str | bytes:
        """The next message; `httpx2.ReadTimeout` after `timeout` (default: the read
        timeout) of silence, `WebSocketClosed` once the connection is closed or broken,
        `ReadLimitError` for a message over the cap."""
        wait = self._read_timeout if timeout is None else timeout
        while not self._messages:
            self._raise_if_broken()
            await self._read_more(wait)
            self._take_frames()
        return self._messages.popleft()

    async def send(self, text: str) -> None:
        if self._protocol.state is not State.OPEN:
            raise WebSocketClosed("the websocket is not open")
        self._protocol.send_text(text.encode())
        await self._flush()

    async def aclose(self) -> None:
        """Close as a browser does (code 1000), waiting briefly for the answer; then the
        connection is dropped whatever happened."""
        try:
            if self._protocol.state is State.OPEN:
                self._protocol.send_close(1000)
                await self._flush()
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    while not self._closed():
                        await self._read_more(CLOSE_TIMEOUT)
                        self._take_frames()
        except (TimeoutError, httpx2.HTTPError, httpcore2.NetworkError, OSError):
            pass  # the answer does not matter: the connection goes now
        finally:
            await self._stream.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.shield(self.aclose())


def _default_rules() -> tuple[httpcore2.AsyncNetworkBackend, ssl.SSLContext]:
    # A client from elsewhere: public addresses only, the strictest policy there is.
    backend = EgressBackend(EgressPolicy(), inner=httpcore2.AnyIOBackend())
    return backend, httpx2.create_ssl_context(trust_env=True)


async def connect_websocket(
    client: httpx2.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 60.0,
    max_message_bytes: int,
    max_total_bytes: int | None = None,
) -> WebSocket:
    """Open a websocket to `url` (ws:// or wss://) through `client`'s network rules.

    `client` should come from `new_http_client`; any other client gets the default egress
    policy (public addresses only). Raises `EgressRefusedError` where the policy refuses the
    address, `WebSocketError` (with the HTTP status) for a refused handshake,
    `httpx2.ConnectTimeout` when the connection or handshake takes longer than
    `connect_timeout`. Reads raise `ReadLimitError` once more than `max_total_bytes` came
    in all (frames of every kind counted)."""
    try:
        uri = parse_uri(url)
    except InvalidURI as exc:
        raise WebSocketError(f"not a websocket URL: {exc}") from None
    backend, ssl_context = connection_rules(client) or _default_rules()
    protocol = ClientProtocol(uri, max_size=max_message_bytes)
    request = protocol.connect()
    request.headers["User-Agent"] = USER_AGENT
    for name, value in (headers or {}).items():
        if name.lower() not in _HANDSHAKE_HEADERS:
            request.headers[name] = value
    try:
        async with asyncio.timeout(connect_timeout):
            stream = await backend.connect_tcp(uri.host, uri.port, timeout=connect_timeout)
            try:
                if uri.secure:
                    stream = await stream.start_tls(ssl_context, uri.host, connect_timeout)
                socket = WebSocket(stream, protocol, read_timeout, max_total_bytes)
                protocol.send_request(request)
                await socket._flush()
                response = None
                while response is None:
                    await socket._read_more(connect_timeout)
                    for event in protocol.events_received():
                        if isinstance(event, Response):
                            response = event
                        elif isinstance(event, Frame):
                            socket._on_frame(event)
                    if response is None and protocol.state is not State.CONNECTING:
                        break
            except BaseException:
                await stream.aclose()
                raise
    except TimeoutError:
        raise httpx2.ConnectTimeout(f"the websocket handshake with {uri.host} timed out") from None
    except (httpcore2.ConnectTimeout, httpx2.ReadTimeout):
        raise httpx2.ConnectTimeout(f"the websocket handshake with {uri.host} timed out") from None
    except (httpcore2.ConnectError, OSError) as exc:
        # (The egress policy's refusal is an httpx2 error already, and passes as it is.)
        raise httpx2.ConnectError(f"cannot connect to {uri.host}: {exc}") from None
    error = protocol.handshake_exc
    if response is None or error is not None:
        await stream.aclose()
        status = error.response.status_code if isinstance(error, InvalidStatus) else None
        if isinstance(error, InvalidStatus):
            reason = f"the space answered HTTP {status}"
        elif isinstance(error, InvalidHandshake):
            reason = f"invalid handshake: {error}"
        else:
            reason = "the space closed the connection during the handshake"
        raise WebSocketError(f"websocket to {uri.host}{uri.path} refused: {reason}", status)
    socket.response_headers = {k.lower(): v for k, v in response.headers.raw_items()}
    return socket
