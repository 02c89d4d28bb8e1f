"""How gradio_mcp talks to other hosts: where connections may go (the egress policy), the
one HTTP client that enforces it (and discovery's document client, which keeps the same
rules), what an answer may cost (read limits), which hosts may see
a caller's credentials, and the process's connection to Redis."""

from typing import TYPE_CHECKING, Any

from gradio_mcp.net._client import USER_AGENT, new_http_client
from gradio_mcp.net._credentials import CredentialPolicy, fingerprint, token_fingerprint
from gradio_mcp.net._documents import (
    AiohttpDocuments,
    Answer,
    DocumentClient,
    HttpxDocuments,
    as_documents,
    new_document_client,
)
from gradio_mcp.net._egress import (
    EgressBackend,
    EgressPolicy,
    EgressRefusedError,
    Resolver,
    non_public_reason,
    system_resolver,
)
from gradio_mcp.net._limits import (
    DEFAULT_LIMITS,
    ReadLimitError,
    ReadLimits,
    clip_text,
    json_depth,
    loads_json,
    read_body,
    read_excerpt,
)
from gradio_mcp.net._redis import RedisConnection, RedisState

if TYPE_CHECKING:
    from gradio_mcp.net._websocket import (
        WebSocket,
        WebSocketClosed,
        WebSocketError,
        connect_websocket,
    )

__all__ = [
    "DEFAULT_LIMITS",
    "USER_AGENT",
    "AiohttpDocuments",
    "Answer",
    "CredentialPolicy",
    "DocumentClient",
    "EgressBackend",
    "EgressPolicy",
    "EgressRefusedError",
    "HttpxDocuments",
    "ReadLimitError",
    "ReadLimits",
    "RedisConnection",
    "RedisState",
    "Resolver",
    "WebSocket",
    "WebSocketClosed",
    "WebSocketError",
    "as_documents",
    "clip_text",
    "connect_websocket",
    "fingerprint",
    "json_depth",
    "loads_json",
    "new_document_client",
    "new_http_client",
    "non_public_reason",
    "read_body",
    "read_excerpt",
    "system_resolver",
    "token_fingerprint",
]

# The websocket client (Gradio 3's queue) loads `websockets` (~90 ms): only on first use.
_WEBSOCKET_NAMES = ("WebSocket", "WebSocketError", "WebSocketClosed", "connect_websocket")


def __getattr__(name: str) -> Any:
    if name in _WEBSOCKET_NAMES:
        from gradio_mcp.net import _websocket

        return getattr(_websocket, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
