"""The server card at /mcp/server-card (draft SEP-2127): built from the running configuration,
consistent with what server/discover says once connected, revalidated with its ETag, and off
with GRADIO_MCP_SERVER_CARD=false."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from gradio_mcp._version import __version__
from gradio_mcp.config import ConfigError, Settings
from gradio_mcp.serving import GradioMCP
from gradio_mcp.transports import build_http_app

BASE = "http://127.0.0.1"
REGISTRY_SCHEMA = (
    Path(__file__).parents[1] / "fixtures" / "mcp-registry-2025-12-11" / "server.schema.json"
)
DISCOVER = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "server/discover",
    "params": {
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
        }
    },
}
MODERN = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2026-07-28",
    "Mcp-Method": "server/discover",
}


def app_client(**settings: Any) -> TestClient:
    return TestClient(build_http_app(GradioMCP(Settings(**settings))), base_url=BASE)


def card_meta(card: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = card["_meta"]["io.github.gradio-mcp/server"]
    return meta


def test_the_card_says_what_the_running_server_serves() -> None:
    with app_client(server_name="com.example/spaces") as client:
        answer = client.get("/mcp/server-card")
        discovered = client.post("/mcp", json=DISCOVER, headers=MODERN).json()["result"]
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/mcp-server-card+json"
    assert answer.headers["access-control-allow-origin"] == "*"
    card = answer.json()
    assert card["$schema"] == (
        "https://static.modelcontextprotocol.io/schemas/v2/server-card.schema.json"
    )
    assert (card["name"], card["version"]) == ("com.example/spaces", __version__)
    assert re.fullmatch(r"[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+", card["name"])
    assert 1 <= len(card["description"]) <= 100 and 1 <= len(card["title"]) <= 100
    [remote] = card["remotes"]
    assert remote["type"] == "streamable-http" and remote["url"] == f"{BASE}/mcp"
    # What server/discover says once connected: versions, identity, capabilities.
    assert set(discovered["supportedVersions"]) <= set(remote["supportedProtocolVersions"])
    assert "2025-11-25" in remote["supportedProtocolVersions"]
    assert discovered["_meta"]["io.modelcontextprotocol/serverInfo"]["version"] == card["version"]
    meta = card_meta(card)
    assert meta["capabilities"] == discovered["capabilities"]
    assert set(meta["capabilities"]) >= {"tools", "prompts"}
    # The tasks extension is on by default, so it is named; sign-in is off, so optional.
    assert meta["extensions"] == sorted(discovered["capabilities"].get("extensions", {}))
    assert "io.modelcontextprotocol/tasks" in meta["extensions"]
    assert meta["authorization"]["required"] is False
    assert remote["headers"][0]["name"] == "Authorization"
    assert remote["headers"][0]["isRequired"] is False and remote["headers"][0]["isSecret"]


def test_the_card_follows_the_configuration() -> None:
    public = "https://mcp.example.com"
    settings = {"public_url": public, "require_auth": True, "tasks": False}
    with app_client(**settings) as client:
        card = client.get("/mcp/server-card").json()
        refused = client.post("/mcp", json=DISCOVER, headers=MODERN)
    assert refused.status_code == 401  # the card stays readable; /mcp asks for sign-in
    assert card["remotes"][0]["url"] == f"{public}/mcp"
    assert card["remotes"][0]["headers"][0]["isRequired"] is True
    meta = card_meta(card)
    assert meta["authorization"] == {
        "required": True,
        "resourceMetadata": f"{public}/.well-known/oauth-protected-resource/mcp",
        "authorizationServers": ["https://huggingface.co"],
        "scopes": ["openid", "profile", "read-repos", "inference-api"],
    }
    assert meta["extensions"] == []  # tasks off: no extension is served
    assert "extensions" not in meta["capabilities"]


def test_the_card_is_revalidated_with_its_etag() -> None:
    with app_client() as client:
        first = client.get("/mcp/server-card")
        etag = first.headers["etag"]
        unchanged = client.get("/mcp/server-card", headers={"If-None-Match": etag})
        listed = client.get("/mcp/server-card", headers={"If-None-Match": f'"x", W/{etag}'})
        other = client.get("/mcp/server-card", headers={"If-None-Match": '"something-else"'})
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert "max-age" in first.headers["cache-control"]
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    assert listed.status_code == 304
    assert other.status_code == 200 and other.json() == first.json()
    # Another configuration, another card, another tag.
    with app_client(server_name="com.example/other") as client:
        changed = client.get("/mcp/server-card", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_the_card_is_a_registry_entry_subset() -> None:
    """A server card is a subset of the registry's server.json: the registry schema takes it."""
    schema = json.loads(REGISTRY_SCHEMA.read_text())
    with app_client(require_auth=True) as client:
        card = client.get("/mcp/server-card").json()
    jsonschema.validate(card, schema)


def test_the_card_can_be_turned_off() -> None:
    assert Settings.from_env({"GRADIO_MCP_SERVER_CARD": "false"}).server_card is False
    with app_client(server_card=False) as client:
        assert client.get("/mcp/server-card").status_code == 404


def test_a_bad_server_name_is_refused() -> None:
    for bad in ("spaces", "a/b/c", "com.example/sp aces"):
        with pytest.raises(ConfigError, match="GRADIO_MCP_SERVER_NAME"):
            Settings.from_env({"GRADIO_MCP_SERVER_NAME": bad})
