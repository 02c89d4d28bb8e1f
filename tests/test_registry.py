"""The MCP Registry entry: the repository's server.json and what `gradio-mcp server-json`
prints for a deployment are valid against the registry's own schema (2025-12-11, vendored with
its licence in tests/fixtures; no network), and say what the running server does."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gradio_mcp._version import __version__
from gradio_mcp.cli import main
from gradio_mcp.config import Settings
from gradio_mcp.transports._registry_entry import registry_entry

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = Path(__file__).parent / "fixtures" / "mcp-registry-2025-12-11"
SCHEMA_SHA256 = "3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    raw = (SCHEMA_DIR / "server.schema.json").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "the vendored schema changed"
    assert (SCHEMA_DIR / "LICENSE").read_text().startswith("MIT License")
    schema = json.loads(raw)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["server-json", *args]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def test_the_repository_server_json_is_valid_and_current(
    validator: jsonschema.protocols.Validator,
) -> None:
    document = json.loads((ROOT / "server.json").read_text())
    validator.validate(document)
    # It is the template the command prints: regenerate it with `gradio-mcp server-json`.
    assert document == registry_entry(Settings.from_env({}))
    assert document["version"] == __version__
    [package] = document["packages"]
    assert (package["registryType"], package["identifier"]) == ("pypi", "gradio-mcp")
    assert package["version"] == __version__ and package["transport"] == {"type": "stdio"}
    [remote] = document["remotes"]
    assert remote["url"] == "https://{host}/mcp" and remote["variables"]["host"]["isRequired"]


def test_a_deployment_gets_its_own_entry(
    validator: jsonschema.protocols.Validator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADIO_MCP_REQUIRE_AUTH", "true")
    document = printed(capsys, "--url", "https://mcp.example.com/", "--name", "com.example/spaces")
    validator.validate(document)
    assert document["name"] == "com.example/spaces"
    [remote] = document["remotes"]
    assert remote["url"] == "https://mcp.example.com/mcp" and "variables" not in remote
    assert remote["headers"][0]["name"] == "Authorization"
    assert remote["headers"][0]["isRequired"] is True  # sign-in is required there


def test_the_public_url_setting_is_the_default_deployment(
    validator: jsonschema.protocols.Validator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADIO_MCP_PUBLIC_URL", "http://127.0.0.1:8000")
    document = printed(capsys)
    validator.validate(document)
    assert document["remotes"][0]["url"] == "http://127.0.0.1:8000/mcp"


def test_the_schema_refuses_what_the_registry_would(
    validator: jsonschema.protocols.Validator,
) -> None:
    """The check bites: the registry's own rules, through the vendored schema."""
    good = registry_entry(Settings.from_env({}))
    for broken in (
        {k: v for k, v in good.items() if k != "name"},
        {**good, "name": "no-slash"},
        {**good, "description": "x" * 101},
        {**good, "remotes": [{"type": "carrier-pigeon", "url": "https://x/mcp"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_a_bad_url_is_a_configuration_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server-json", "--url", "mcp.example.com"]) == 2
    assert "--url 'mcp.example.com'" in capsys.readouterr().err  # the flag the user typed
