"""Hub accounts for LocalHub: users and their tokens, `whoami`, and a sign-in the way the Hub's
OAuth server runs it, so an MCP client can sign a user in end to end on loopback.

* `GET /api/whoami-v2` answers 200 with the user for a token it knows, 401 otherwise.
* `GET /.well-known/openid-configuration` describes the authorization server (the Hub
  publishes its OpenID configuration; a client that asks for RFC 8414 metadata first gets 404
  there and falls back to this one, as it must).
* `POST /oauth/register` registers a client (RFC 7591 dynamic registration).
* `GET /oauth/authorize` stands for the consent page: the user set as `signed_in` approves
  at once and is sent back to the client's redirect URI with a code; with nobody signed in,
  403.
* `POST /oauth/token` exchanges a code for a token (PKCE S256 checked, a code used once),
  and the new token is that user's from then on.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

TOKEN_LIFETIME = 8 * 3600  # seconds, the Hub's default for OAuth tokens
SCOPES = ("openid", "profile", "email", "read-repos", "write-repos", "inference-api")


def bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


@dataclass
class _Client:
    redirect_uris: tuple[str, ...]
    secret: str | None


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    user: str
    scope: str


@dataclass
class HubAccounts:
    """Users, tokens and OAuth state of one LocalHub."""

    tokens: dict[str, str] = field(default_factory=dict)  # token -> user name
    signed_in: str | None = None  # whoever approves /oauth/authorize
    whoami_requests: int = 0
    whoami_latency: float = 0.0  # seconds added to each whoami answer
    issued: list[str] = field(default_factory=list)  # tokens handed out by /oauth/token
    _clients: dict[str, _Client] = field(default_factory=dict)
    _grants: dict[str, _Grant] = field(default_factory=dict)

    def add_user(self, name: str, *tokens: str) -> None:
        for token in tokens:
            self.tokens[token] = name

    def user_of(self, token: str | None) -> str | None:
        return self.tokens.get(token) if token else None

    def routes(self) -> list[Route]:
        return [
            Route("/api/whoami-v2", self._whoami),
            Route("/.well-known/openid-configuration", self._configuration),
            Route("/oauth/register", self._register, methods=["POST"]),
            Route("/oauth/authorize", self._authorize),
            Route("/oauth/token", self._token, methods=["POST"]),
            Route("/oauth/jwks", self._keys),
        ]

    # ------------------------------------------------------------------ whoami

    async def _whoami(self, request: Request) -> Response:
        self.whoami_requests += 1
        if self.whoami_latency:
            await asyncio.sleep(self.whoami_latency)
        user = self.user_of(bearer(request.headers.get("authorization")))
        if user is None:
            return JSONResponse({"error": "Invalid credentials in Authorization header"}, 401)
        return JSONResponse({"type": "user", "name": user, "auth": {"type": "access_token"}})

    # ------------------------------------------------------------------ OAuth

    async def _configuration(self, request: Request) -> Response:
        issuer = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/oauth/authorize",
                "token_endpoint": f"{issuer}/oauth/token",
                "registration_endpoint": f"{issuer}/oauth/register",
                "userinfo_endpoint": f"{issuer}/oauth/userinfo",
                "jwks_uri": f"{issuer}/oauth/jwks",
                "scopes_supported": list(SCOPES),
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "none",
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, _request: Request) -> Response:
        # No ID tokens are ever signed here: MCP clients use only the access token.
        return JSONResponse({"keys": []})

    async def _register(self, request: Request) -> Response:
        try:
            metadata = await request.json()
        except ValueError:
            return _error(400, "invalid_client_metadata", "the body is not JSON")
        uris = metadata.get("redirect_uris") if isinstance(metadata, dict) else None
        if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
            return _error(400, "invalid_redirect_uri", "redirect_uris must list URLs")
        method = metadata.get("token_endpoint_auth_method") or "client_secret_basic"
        client_id = "client-" + secrets.token_hex(8)
        secret = None if method == "none" else secrets.token_urlsafe(24)
        self._clients[client_id] = _Client(tuple(uris), secret)
        answer: dict[str, Any] = {**metadata, "client_id": client_id}
        answer["token_endpoint_auth_method"] = method
        if secret is not None:
            answer["client_secret"] = secret
        return JSONResponse(answer, status_code=201)

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        client = self._clients.get(q.get("client_id", ""))
        redirect_uri = q.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            return _error(400, "invalid_request", "unknown client or redirect_uri")
        if q.get("response_type") != "code":
            return _error(400, "unsupported_response_type", "only code is supported")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return _error(400, "invalid_request", "PKCE with S256 is required")
        if self.signed_in is None:
            return _error(403, "access_denied", "nobody is signed in to approve")
        code = secrets.token_urlsafe(24)
        self._grants[code] = _Grant(
            q["client_id"], redirect_uri, q["code_challenge"], self.signed_in, q.get("scope", "")
        )
        answer = {"code": code}
        if "state" in q:
            answer["state"] = q["state"]
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)

    def _client_id(self, request: Request, form: Any) -> str | None:
        """The client that authenticated itself (its secret checked when it has one)."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            except ValueError:
                return None
        client = self._clients.get(client_id or "")
        if client is None or (client.secret is not None and secret != client.secret):
            return None
        return str(client_id)

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "only authorization_code")
        client_id = self._client_id(request, form)
        if client_id is None:
            return _error(401, "invalid_client", "unknown client or wrong secret")
        grant = self._grants.pop(str(form.get("code", "")), None)  # a code works once
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if (
            grant is None
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
            or not secrets.compare_digest(challenge, grant.challenge)
        ):
            return _error(400, "invalid_grant", "the code, redirect_uri or verifier is wrong")
        token = "hf_oauth_" + secrets.token_urlsafe(24)
        self.tokens[token] = grant.user
        self.issued.append(token)
        return JSONResponse(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": TOKEN_LIFETIME,
                "scope": grant.scope,
            }
        )
