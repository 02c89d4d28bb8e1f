"""Sign-in for remote deployments: OAuth protected-resource metadata naming the Hub, and with
`GRADIO_MCP_REQUIRE_AUTH=true`, a 401 for any `/mcp` request without a token the Hub accepts.

The metadata (RFC 9728) is published at `/.well-known/oauth-protected-resource/mcp` for the
`/mcp` endpoint (the path-suffixed form MCP clients try first) and at
`/.well-known/oauth-protected-resource` for the server's origin (their fallback). Both name
the Hub (`HF_ENDPOINT`) as the authorization server, so a client signs its user in with
Hugging Face and sends us the Hub token it gets. It is always published; only the 401s
depend on the setting, so that without it anonymous use stays as it was.

A refusal follows the MCP authorization spec: `401` with `WWW-Authenticate: Bearer
resource_metadata="<that URL>"` (plus `error="invalid_token"` when a token was sent and the
Hub rejected it). A token is checked against the Hub's `whoami` and the verdict kept briefly
by fingerprint (`discovery.HubTokens`); when the Hub cannot be asked, `503` and
`Retry-After`, never a guess.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gradio_mcp._log import get_logger
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery, HubTokens
from gradio_mcp.errors import HubError

log = get_logger("gradio_mcp.server")

MCP_PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource"
RETRY_AFTER_SECONDS = 5
# Public metadata: any web client may read it.
_OPEN = {"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=300"}


def public_origin(connection: HTTPConnection, settings: Settings) -> str:
    """The origin clients reach us at: `GRADIO_MCP_PUBLIC_URL`, else this request's own."""
    if settings.public_url:
        return settings.public_url
    return str(connection.base_url).rstrip("/")


def metadata_url(connection: HTTPConnection, settings: Settings) -> str:
    return f"{public_origin(connection, settings)}{METADATA_PATH}{MCP_PATH}"


def resource_metadata(resource: str, settings: Settings) -> dict[str, object]:
    document: dict[str, object] = {
        "resource": resource,
        "authorization_servers": [settings.hf_endpoint.rstrip("/")],
        "bearer_methods_supported": ["header"],
        "resource_name": "Gradio Spaces (gradio-mcp)",
    }
    if settings.auth_scopes:
        document["scopes_supported"] = list(settings.auth_scopes)
    return document


def protected_resource_routes(settings: Settings) -> list[Route]:
    """The two metadata documents: for `/mcp`, and for the origin as a whole."""

    async def for_mcp(request: Request) -> Response:
        resource = public_origin(request, settings) + MCP_PATH
        return JSONResponse(resource_metadata(resource, settings), headers=_OPEN)

    async def for_origin(request: Request) -> Response:
        resource = public_origin(request, settings)
        return JSONResponse(resource_metadata(resource, settings), headers=_OPEN)

    return [Route(METADATA_PATH + MCP_PATH, for_mcp), Route(METADATA_PATH, for_origin)]


class RequireSignIn:
    """ASGI middleware: `/mcp` answers only requests whose token the Hub accepts."""

    def __init__(self, app: ASGIApp, settings: Settings, tokens: HubTokens) -> None:
        self.app = app
        self.settings = settings
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A CORS preflight carries no credentials by design: it is not a request to answer.
        if scope["type"] != "http" or scope["path"] != MCP_PATH or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        refusal = await self._refusal(connection)
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    async def _refusal(self, connection: HTTPConnection) -> Response | None:
        """None to let the request in, else the answer that keeps it out."""
        header = connection.headers.get("authorization", "")
        token = (header[7:].strip() or None) if header.lower().startswith("bearer ") else None
        challenge: list[tuple[str, str]] = []
        if token is not None:
            try:
                verdict = await self.tokens.check(token)
            except HubError as exc:
                log.warning("token_check_failed", error=str(exc))
                return JSONResponse(
                    {
                        "error": "temporarily_unavailable",
                        "error_description": "the Hub cannot check tokens right now",
                    },
                    status_code=503,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            if verdict.accepted:
                return None
            log.info("token_rejected")
            challenge += [
                ("error", "invalid_token"),
                ("error_description", "The Hub did not accept this token"),
            ]
        challenge.append(("resource_metadata", metadata_url(connection, self.settings)))
        if self.settings.auth_scopes:
            challenge.append(("scope", " ".join(self.settings.auth_scopes)))
        described = challenge[1][1] if token is not None else "Sign in with a Hugging Face token"
        return JSONResponse(
            {"error": "invalid_token" if token else "unauthorized", "error_description": described},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer " + ", ".join(f'{k}="{v}"' for k, v in challenge)},
        )


def with_sign_in(app: ASGIApp, settings: Settings, discovery: Discovery) -> ASGIApp:
    """`app` behind `RequireSignIn` when the settings require a token; else `app` itself."""
    if not settings.require_auth:
        return app
    return RequireSignIn(app, settings, HubTokens(discovery))
