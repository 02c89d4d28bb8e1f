"""Sign-in on the HTTP app (in process, LocalHub as the Hub): the protected-resource metadata,
and with GRADIO_MCP_REQUIRE_AUTH the 401s the MCP authorization spec asks for, the Hub's
verdict remembered, and a 503 rather than a guess when the Hub cannot be asked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

import httpx2
import pytest
from starlette.testclient import TestClient

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import free_port
from gradio_mcp.discovery import Discovery
from gradio_mcp.serving import GradioMCP
from gradio_mcp.transports import build_http_app
from tests.mock_http import MockHTTP
from tests.raw_mcp import INITIALIZE, MCP_HEADERS
from tests.upstream import HUB

TOKEN = "hf_alice_token"
BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub() as hub:
        hub.add_user("alice", TOKEN)
        yield hub


def app_client(**settings: Any) -> TestClient:
    return TestClient(build_http_app(GradioMCP(Settings(**settings))), base_url=BASE)


def challenge(header: str) -> dict[str, str]:
    scheme, _, parameters = header.partition(" ")
    assert scheme == "Bearer"
    return parse_keqv_list(parse_http_list(parameters))


def initialize(client: TestClient, token: str | None = None) -> Any:
    headers = dict(MCP_HEADERS)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/mcp", json=INITIALIZE, headers=headers)


def test_the_metadata_names_the_hub_and_is_always_published(hub: LocalHub) -> None:
    with app_client(hf_endpoint=hub.url) as client:
        for_mcp = client.get("/.well-known/oauth-protected-resource/mcp")
        for_origin = client.get("/.well-known/oauth-protected-resource")
        anonymous = initialize(client)
    assert for_mcp.status_code == 200
    assert for_mcp.json() == {
        "resource": f"{BASE}/mcp",
        "authorization_servers": [hub.url],
        "bearer_methods_supported": ["header"],
        "resource_name": "Gradio Spaces (gradio-mcp)",
        "scopes_supported": ["openid", "profile", "read-repos", "inference-api"],
    }
    assert for_mcp.headers["access-control-allow-origin"] == "*"
    assert for_origin.json()["resource"] == BASE
    # Without GRADIO_MCP_REQUIRE_AUTH, anonymous use is as it always was.
    assert anonymous.status_code == 200


def test_a_configured_public_url_is_what_the_metadata_names(hub: LocalHub) -> None:
    public = "https://mcp.example.com"
    with app_client(hf_endpoint=hub.url, public_url=public, require_auth=True) as client:
        document = client.get("/.well-known/oauth-protected-resource/mcp").json()
        refused = initialize(client)
    assert document["resource"] == f"{public}/mcp"
    header = refused.headers["www-authenticate"]
    assert challenge(header)["resource_metadata"] == (
        f"{public}/.well-known/oauth-protected-resource/mcp"
    )


def test_without_a_token_the_answer_is_401_with_the_metadata_address(hub: LocalHub) -> None:
    hub.reset_counters()
    with app_client(hf_endpoint=hub.url, require_auth=True) as client:
        refused = client.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        health = client.get("/healthz")
        preflight = client.options("/mcp", headers={"Origin": "http://localhost:6274"})
        metadata = client.get("/.well-known/oauth-protected-resource/mcp")
    assert refused.status_code == 401
    parameters = challenge(refused.headers["www-authenticate"])
    assert parameters == {
        "resource_metadata": f"{BASE}/.well-known/oauth-protected-resource/mcp",
        "scope": "openid profile read-repos inference-api",
    }
    assert "result" not in refused.text
    # What a client needs to find out how to sign in stays open.
    assert health.status_code == 200 and metadata.status_code == 200
    assert preflight.status_code != 401  # a CORS preflight carries no credentials
    assert hub.accounts.whoami_requests == 0


def test_a_token_the_hub_rejects_is_refused_and_a_good_one_is_let_in(hub: LocalHub) -> None:
    hub.reset_counters()
    with app_client(hf_endpoint=hub.url, require_auth=True) as client:
        rejected = initialize(client, "hf_not_a_real_token")
        accepted = [initialize(client, TOKEN) for _ in range(3)]
    assert rejected.status_code == 401
    parameters = challenge(rejected.headers["www-authenticate"])
    assert parameters["error"] == "invalid_token"
    assert parameters["resource_metadata"].endswith("/.well-known/oauth-protected-resource/mcp")
    for response in accepted:
        assert response.status_code == 200
        assert '"protocolVersion"' in response.text
    # One question to the Hub per token, not one per request.
    assert hub.accounts.whoami_requests == 2


def test_when_the_hub_cannot_be_asked_the_answer_is_503_not_a_guess() -> None:
    dead_hub = f"http://127.0.0.1:{free_port()}"
    with app_client(hf_endpoint=dead_hub, require_auth=True) as client:
        response = initialize(client, TOKEN)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert TOKEN not in response.text


@pytest.mark.parametrize(
    "answer",
    [
        httpx2.Response(200, html="<html><body>Please sign in to the network</body></html>"),
        httpx2.Response(200, json={"error": "Invalid credentials in Authorization header"}),
        httpx2.Response(200, json=[]),
    ],
    ids=["html page", "error object", "empty list"],
)
def test_a_200_that_is_not_a_user_is_503_never_in(answer: httpx2.Response) -> None:
    http_mock = MockHTTP()  # the Hub, answering 200 with something that is not a user
    http_mock.add_callback(lambda _request: answer)
    settings = Settings(hf_endpoint=HUB, require_auth=True)
    discovery = Discovery(settings, client=http_mock.client())
    app = build_http_app(GradioMCP(settings, discovery=discovery))
    with TestClient(app, base_url=BASE) as client:
        response = initialize(client, TOKEN)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert "protocolVersion" not in response.text


def test_a_hub_401_to_a_later_request_revokes_the_kept_verdict_at_once(hub: LocalHub) -> None:
    revoked = "hf_alice_revoked_mid_session"
    hub.add_user("alice", revoked)
    list_tools = {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {revoked}"}
    try:
        with app_client(hf_endpoint=hub.url, require_auth=True, auth_cache_ttl_ms=60000) as client:
            assert initialize(client, revoked).status_code == 200
            hub.revoked_tokens.add(revoked)  # revoked on the Hub: every request gets 401
            del hub.accounts.tokens[revoked]
            # Within the cache TTL nothing has told the server yet (docs/security.md).
            assert initialize(client, revoked).status_code == 200
            # The Hub answers this listing's metadata request 401...
            client.post("/mcp?gradio=acme/anything", json=list_tools, headers=headers)
            # ...and the token is refused from then on, long before the TTL ends.
            refused = initialize(client, revoked)
    finally:
        hub.revoked_tokens.discard(revoked)
    assert refused.status_code == 401
    assert challenge(refused.headers["www-authenticate"])["error"] == "invalid_token"
