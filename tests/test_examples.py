"""The examples a reader copies from: the library host program runs offline and does what it
says; the deployment and client configurations are well formed and agree with the code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradio_mcp.config import Settings, documented_variables

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
HOST_PROGRAM_TIMEOUT = 120.0  # seconds: a Gradio app boots in about 5-10 s


def _clean_env() -> dict[str, str]:
    """The caller's environment without settings that would point the example elsewhere."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GRADIO_", "HF_")) and k != "HUGGING_FACE_HUB_TOKEN"
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.slow
def test_host_program_lists_endpoints_and_calls_a_tool_offline() -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "host_program.py")],
        cwd=REPO,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=HOST_PROGRAM_TIMEOUT,
        start_new_session=True,
    )
    out = completed.stdout
    assert completed.returncode == 0, f"exit {completed.returncode}\n{out}\n{completed.stderr}"
    # Discovery: the space, both endpoints with their MCP names, and the parameters.
    assert "space demo/streaming at http://127.0.0.1:" in out
    assert "endpoint /count_up  (MCP tool name streaming__count_up)" in out
    assert "endpoint /echo  (MCP tool name streaming__echo)" in out
    for parameter in ("- n: integer = 5", "- delay: number", "- prefix: string", "- message:"):
        assert parameter in out, parameter
    # Validation happens before the call and names the problem.
    assert re.search(r"rejected before sending: .*not_a_parameter", out)
    # Progress with real totals, in order, then the streamed result.
    steps = [float(m) for m in re.findall(r"progress ([\d.]+)/5 counting", out)]
    assert [int(step) for step in steps] == [0, 1, 2, 3, 4], out
    assert steps == sorted(set(steps)), "progress must only go up"
    assert "progress 5/5" in out
    result = out.split("result (ok,", 1)
    assert len(result) == 2, out
    assert "count: 1 2 3 4 5" in result[1]


def _env_file_variables() -> dict[str, str]:
    """NAME=value lines of the deployment env file, commented-out ones included."""
    found: dict[str, str] = {}
    for line in (EXAMPLES / "deploy" / "gradio-mcp.env").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_deploy_env_file_names_only_real_settings_and_parses() -> None:
    known = set(documented_variables()) | {"HF_TOKEN"}
    found = _env_file_variables()
    assert set(found) <= known, f"unknown variables: {set(found) - known}"
    # Every setting a deployment touches is there, the proxy caveat included.
    for name in (
        "GRADIO_MCP_HOST",
        "GRADIO_MCP_PORT",
        "GRADIO_MCP_SPACES",
        "GRADIO_MCP_ALLOWED_HOSTS",
        "HF_TOKEN",
        "GRADIO_DISCOVERY_CONCURRENCY",
        "GRADIO_SCHEMA_TIMEOUT",
        "GRADIO_MCP_LOG_FORMAT",
    ):
        assert name in found, name
    text = (EXAMPLES / "deploy" / "gradio-mcp.env").read_text()
    proxy_note = next(p for p in text.split("\n\n") if "GRADIO_MCP_ALLOWED_HOSTS=" in p)
    assert "public hostname" in proxy_note and "proxy" in proxy_note
    # The uncommented values are accepted by Settings as they stand.
    active = {
        m.group(1): m.group(2)
        for line in text.splitlines()
        if (m := re.match(r"^([A-Z][A-Z0-9_]+)=(.*)$", line.strip()))
    }
    settings = Settings.from_env(active)
    assert settings.host == active["GRADIO_MCP_HOST"]


def test_systemd_unit_runs_serve_with_the_env_file() -> None:
    unit = (EXAMPLES / "deploy" / "gradio-mcp.service").read_text()
    assert re.search(r"^ExecStart=\S*gradio-mcp serve\s*$", unit, re.M)
    assert re.search(r"^EnvironmentFile=\S*gradio-mcp\.env$", unit, re.M)
    for directive in ("User=", "Restart=", "NoNewPrivileges=true", "ProtectSystem=strict"):
        assert re.search(rf"^{directive}", unit, re.M), directive


def test_nginx_block_is_sse_friendly_and_keeps_metrics_internal() -> None:
    conf = (EXAMPLES / "deploy" / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    mcp = re.search(r"location /mcp \{(.*?)\n    \}", conf, re.S)
    assert mcp, "no location /mcp block"
    body = mcp.group(1)
    for directive in (
        "proxy_buffering off;",
        "proxy_cache off;",
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For",
        "proxy_set_header X-Forwarded-Proto",
    ):
        assert directive in body, directive
    timeout = re.search(r"proxy_read_timeout (\d+)s;", body)
    assert timeout and int(timeout.group(1)) >= 900  # a tool call may run 15 minutes
    metrics = re.search(r"location /metrics \{(.*?)\n    \}", conf, re.S)
    assert metrics and "deny all;" in metrics.group(1) and "allow " in metrics.group(1)


def test_client_configs_parse_and_point_at_the_server() -> None:
    clients = EXAMPLES / "clients"
    claude = json.loads((clients / "claude_desktop_config.json").read_text())["mcpServers"]
    stdio = next(s for s in claude.values() if s.get("args", [None])[-1] == "stdio")
    assert stdio["command"].endswith("gradio-mcp")
    assert {"GRADIO_MCP_SPACES", "HF_TOKEN"} <= set(stdio["env"])
    remote = next(s for s in claude.values() if "mcp-remote" in s.get("args", []))
    assert any("/mcp?gradio=" in arg for arg in remote["args"])
    cursor = json.loads((clients / "cursor_mcp.json").read_text())["mcpServers"]
    assert all("/mcp?gradio=" in s["url"] for s in cursor.values())
    vscode = json.loads((clients / "vscode_mcp.json").read_text())["servers"]
    (server,) = vscode.values()
    assert server["type"] == "http"
    assert server["url"].startswith("http://127.0.0.1:8000/mcp?gradio=")
    assert server["headers"]["Authorization"].startswith("Bearer ")
    inspector = (clients / "inspector.sh").read_text()
    assert "--method tools/list" in inspector and "--method tools/call" in inspector
    assert subprocess.run(["bash", "-n", str(clients / "inspector.sh")]).returncode == 0


def test_examples_readme_indexes_every_example() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    for path in sorted(EXAMPLES.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.name != "README.md":
            relative = path.relative_to(EXAMPLES)
            if relative.parts[0] == "gradio_apps":
                relative = Path("gradio_apps")
            assert str(relative) in readme, f"examples/README.md does not mention {relative}"


def test_fleet_compose_runs_replicas_on_redis_behind_the_proxy() -> None:
    import yaml

    fleet = EXAMPLES / "deploy" / "fleet"
    compose = yaml.safe_load((fleet / "compose.yaml").read_text())
    services = compose["services"]
    assert {"redis", "replica-1", "replica-2", "proxy"} <= set(services)
    known = set(documented_variables())
    for name in ("replica-1", "replica-2"):
        env = services[name]["environment"]
        assert set(env) <= known, set(env) - known  # only real settings
        assert env["GRADIO_MCP_REDIS_URL"].startswith("redis://redis:")
        assert "GRADIO_MCP_REDIS_SECRET" in env and "/readyz" in str(services[name]["healthcheck"])
    assert "volatile-lru" in services["redis"]["command"]
    conf = (fleet / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    assert "server replica-1:8000" in conf and "server replica-2:8000" in conf
    mcp = re.search(r"location /mcp \{(.*?)\n    \}", conf, re.S)
    assert mcp and "proxy_buffering off;" in mcp.group(1)
    assert "proxy_next_upstream error;" in mcp.group(1)  # a started call is never resent
    dockerfile = (fleet / "Dockerfile").read_text()
    assert 'CMD ["gradio-mcp", "serve"]' in dockerfile and "USER gradio-mcp" in dockerfile
