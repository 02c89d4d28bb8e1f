"""The server card (draft SEP-2127, `experimental-ext-server-card`): what a client may learn
about this server before it connects, at `GET /mcp/server-card` (`<streamable-http-url>/
server-card`, the location the draft reserves).

It is built from the running configuration, never written by hand: name
(`GRADIO_MCP_SERVER_NAME`), version, the streamable HTTP endpoint and the protocol versions it
serves, the sign-in it asks for (`GRADIO_MCP_REQUIRE_AUTH`, with the OAuth metadata's address),
and the capabilities and extensions the MCP server object advertises. The card's own schema
closes every object but `_meta`, so the last two go there under our own namespace.

The card changes only with the configuration (and the Host it is reached by, when
`GRADIO_MCP_PUBLIC_URL` is not set): it is sent with a strong ETag, and a matching
`If-None-Match` gets `304 Not Modified`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from mcp.server import Server
from mcp_types.version import MODERN_PROTOCOL_VERSIONS, SUPPORTED_PROTOCOL_VERSIONS
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gradio_mcp._version import __version__
from gradio_mcp.config import Settings
from gradio_mcp.transports._sign_in import MCP_PATH, metadata_url, public_origin

CARD_PATH = MCP_PATH + "/server-card"
CARD_SCHEMA = "https://static.modelcontextprotocol.io/schemas/v2/server-card.schema.json"
MEDIA_TYPE = "application/mcp-server-card+json"
META_KEY = "io.github.gradio-mcp/server"
TITLE = "Gradio Spaces"
DESCRIPTION = "Hugging Face Gradio Spaces as MCP tools, with cached parallel discovery"
# Public metadata, the same for every caller; revalidated with its ETag.
MAX_AGE_SECONDS = 300


def authorization_header(settings: Settings) -> dict[str, Any]:
    """The `Authorization` header a remote takes: a Hub token, required with sign-in."""
    return {
        "name": "Authorization",
        "description": "A Hugging Face token (private spaces, ZeroGPU quota)"
        + ("; required" if settings.require_auth else "; optional"),
        "isRequired": settings.require_auth,
        "isSecret": True,
        "value": "Bearer {hf_token}",
        "variables": {
            "hf_token": {
                "description": "Hugging Face access token",
                "isRequired": settings.require_auth,
                "isSecret": True,
            }
        },
    }


def server_card(
    server: Server[Any], settings: Settings, origin: str, resource_metadata: str
) -> dict[str, Any]:
    """The card for a server reached at `origin` (no trailing slash)."""
    modern = MODERN_PROTOCOL_VERSIONS[-1]
    # Every protocol version the endpoint serves, newest first (both eras).
    versions = sorted({*SUPPORTED_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS}, reverse=True)
    capabilities = server.get_capabilities(protocol_version=modern).model_dump(
        by_alias=True, mode="json", exclude_none=True
    )
    authorization: dict[str, Any] = {
        "required": settings.require_auth,
        "resourceMetadata": resource_metadata,
        "authorizationServers": [settings.hf_endpoint.rstrip("/")],
        "scopes": list(settings.auth_scopes),
    }
    return {
        "$schema": CARD_SCHEMA,
        "name": settings.server_name,
        "version": __version__,
        "title": TITLE,
        "description": DESCRIPTION,
        "remotes": [
            {
                "type": "streamable-http",
                "url": origin + MCP_PATH,
                "headers": [authorization_header(settings)],
                "supportedProtocolVersions": versions,
            }
        ],
        "_meta": {
            META_KEY: {
                "capabilities": capabilities,
                "extensions": sorted(capabilities.get("extensions") or {}),
                "authorization": authorization,
            }
        },
    }


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or any listed tag equal to ours (weak comparison)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def server_card_routes(server: Server[Any], settings: Settings) -> list[Route]:
    """`GET /mcp/server-card`, or nothing when `GRADIO_MCP_SERVER_CARD` is off."""
    if not settings.server_card:
        return []

    async def card(request: Request) -> Response:
        document = server_card(
            server, settings, public_origin(request, settings), metadata_url(request, settings)
        )
        body = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={MAX_AGE_SECONDS}",
            "Access-Control-Allow-Origin": "*",
            "Vary": "Host",
        }
        if _matches(request.headers.get("if-none-match", ""), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=MEDIA_TYPE, headers=headers)

    return [Route(CARD_PATH, card, methods=["GET"])]
