"""The documentation matches the code: every variable, its default, and nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gradio_mcp.cli import main
from gradio_mcp.config import REMOVED_VARIABLES, ConfigError, Settings, documented_variables

ROOT = Path(__file__).resolve().parents[1]


def _documented_table() -> dict[str, str]:
    text = (ROOT / "docs" / "configuration.md").read_text()
    table = text.split("<!-- settings-table")[1].split("<!-- /settings-table -->")[0]
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]*) \|", table, flags=re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value) if value else "(empty)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if value != "" else "(empty)"


def test_every_variable_is_documented_with_its_default() -> None:
    documented = _documented_table()
    in_code = {name: _as_text(v["default"]) for name, v in documented_variables().items()}
    assert documented == in_code


def test_every_removed_variable_is_documented_with_what_holds_now() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    section = text.split("## Removed in 0.2")[1].split("\n## ")[0]
    assert dict(re.findall(r"^\| `([A-Z0-9_]+)` \| (.*) \|$", section, re.MULTILINE)) == (
        REMOVED_VARIABLES
    )


def test_the_package_reads_no_variable_outside_settings() -> None:
    """Direct environment reads would bypass validation and the documentation."""
    offenders = []
    for path in (ROOT / "gradio_mcp").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"os\.environ\.get\(|os\.getenv\(|os\.environ\[", line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


def test_every_documented_variable_is_also_in_the_deployment_example() -> None:
    env_file = ROOT / "examples" / "deploy" / "gradio-mcp.env"
    text = env_file.read_text()
    missing = [name for name in documented_variables() if name not in text]
    assert missing == []


def test_bad_values_name_the_variable() -> None:
    with pytest.raises(ConfigError, match="GRADIO_DISCOVERY_CONCURRENCY='0'"):
        Settings.from_env({"GRADIO_DISCOVERY_CONCURRENCY": "0"})
    with pytest.raises(ConfigError, match="GRADIO_MCP_WAKE_ON_CALL='maybe'"):
        Settings.from_env({"GRADIO_MCP_WAKE_ON_CALL": "maybe"})
    with pytest.raises(ConfigError, match=r"HF_ENDPOINT='hub\.local'"):
        Settings.from_env({"HF_ENDPOINT": "hub.local"})


def test_cli_refuses_a_bad_setting_with_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRADIO_SCHEMA_TIMEOUT", "soon")
    assert main(["discover", "a/b"]) == 2
    assert "GRADIO_SCHEMA_TIMEOUT='soon': not a whole number of ms" in capsys.readouterr().err


def test_a_removed_variable_still_set_is_named_once_at_start_and_not_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not set(REMOVED_VARIABLES) & set(documented_variables())
    stale = Settings.from_env({"GRADIO_MCP_STALE_WHILE_REVALIDATE": "false"})
    assert stale.stale_while_revalidate  # kept for library use, never read from a variable
    # Out of the range the variable once allowed: it would have stopped the server.
    monkeypatch.setenv("GRADIO_MCP_MAX_JSON_DEPTH", "5000")
    monkeypatch.setenv("GRADIO_MCP_TASK_POLL_INTERVAL", "250")
    monkeypatch.setenv("GRADIO_MCP_CACHE_FILE", "off")
    assert main(["discover", "--log-format", "json", "not-an-id"]) == 1  # ran: an invalid id
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    removed = [line for line in lines if line["event"] == "setting_removed"]
    assert [(line["level"], line["variable"]) for line in removed] == [
        ("warning", "GRADIO_MCP_MAX_JSON_DEPTH"),
        ("warning", "GRADIO_MCP_TASK_POLL_INTERVAL"),
    ]
    assert removed[0]["message"] == (
        "GRADIO_MCP_MAX_JSON_DEPTH was removed in 0.2 and is ignored:"
        " upstream JSON may nest 64 levels deep"
    )
    assert removed[1]["message"].endswith("clients are asked to poll a task every 1000 ms")


def test_help_names_each_flags_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for name in (
        "GRADIO_MCP_HOST",
        "GRADIO_MCP_PORT",
        "GRADIO_MCP_SPACES",
        "GRADIO_MCP_LOG_FORMAT",
        "GRADIO_MCP_WORKERS",
    ):
        assert name in out


def test_settings_built_in_code_are_checked_too() -> None:
    with pytest.raises(ConfigError, match="discovery_concurrency=0"):
        Settings(discovery_concurrency=0)
    with pytest.raises(ConfigError, match="hf_endpoint='not a url'"):
        Settings(hf_endpoint="not a url")
