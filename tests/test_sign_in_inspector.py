"""The MCP Inspector CLI against a server that requires sign-in: it reads the protected-resource
metadata, signs the user in with the (emulated) Hub over OAuth and lists the tools; a token
the Hub rejects gets it nowhere; a valid token in a header works as it always did.

The Inspector opens the Hub's authorization page in a browser: here the "browser" is a small
script (`$BROWSER`) that follows the page's redirect back to the Inspector's own callback, as
a user who approves at once would.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import free_port
from tests.stack import ServerProcess, running_server
from tests.test_conformance import inspector, report, require_node_tools

pytestmark = pytest.mark.slow

TOKEN = "hf_inspector_token"
DYNAMIC = ["search_spaces", "describe_space", "call_space"]
BROWSER = """\
import sys, urllib.request
with open(sys.argv[0] + ".log", "a") as log:
    log.write(sys.argv[1] + "\\n")
    with urllib.request.urlopen(sys.argv[1], timeout=60) as answer:
        log.write(f"{answer.status} {answer.url}\\n")
"""
# What would make the launcher's xdg-open pick a desktop environment instead of $BROWSER.
_DESKTOP = (
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XDG_CURRENT_DESKTOP",
    "KDE_FULL_SESSION",
    "DESKTOP_SESSION",
)


@pytest.fixture(scope="module")
def hub_and_server() -> Iterator[tuple[LocalHub, ServerProcess]]:
    require_node_tools()
    with LocalHub() as hub:
        hub.add_user("alice", TOKEN)
        hub.add_space("owner/inspected", title="Inspected space", likes=3)
        env = {"GRADIO_MCP_REQUIRE_AUTH": "true", "GRADIO_MCP_DYNAMIC": "true"}
        with running_server(hub, [], env) as server:
            yield hub, server


def browser_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    script = tmp_path / "browser.py"
    script.write_text(f"#!{sys.executable}\n{BROWSER}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    env = {key: "" for key in _DESKTOP if key in os.environ}
    env.update(BROWSER=str(script), MCP_AUTO_OPEN_ENABLED="true", HOME=str(tmp_path))
    env["MCP_INSPECTOR_SECRET_STORE"] = "memory"
    return env, Path(f"{script}.log")


def test_the_inspector_signs_in_with_the_hub_and_lists_the_tools(
    hub_and_server: tuple[LocalHub, ServerProcess], tmp_path: Path
) -> None:
    hub, server = hub_and_server
    hub.accounts.signed_in = "alice"
    issued = len(hub.accounts.issued)
    env, log = browser_env(tmp_path)
    callback = f"http://127.0.0.1:{free_port()}/oauth/callback"
    listed = inspector(
        server.mcp_url(),
        "--method",
        "tools/list",
        "--callback-url",
        callback,
        cwd=tmp_path,
        extra_env=env,
    )
    assert listed.returncode == 0, report(listed)
    assert [tool["name"] for tool in json.loads(listed.stdout)["tools"]] == DYNAMIC
    # It went where the metadata sent it: the Hub, for this resource and these scopes.
    opened = log.read_text().splitlines()
    authorize = urlsplit(opened[0])
    assert f"{authorize.scheme}://{authorize.netloc}" == hub.url
    asked = parse_qs(authorize.query)
    assert asked["resource"] == [server.mcp_url()]
    assert asked["scope"] == ["openid profile read-repos inference-api"]
    assert opened[1].startswith(f"200 {callback}?code=")
    assert len(hub.accounts.issued) == issued + 1
    assert hub.accounts.user_of(hub.accounts.issued[-1]) == "alice"


def test_a_token_the_hub_rejects_gets_the_inspector_nowhere(
    hub_and_server: tuple[LocalHub, ServerProcess], tmp_path: Path
) -> None:
    _hub, server = hub_and_server
    refused = inspector(
        server.mcp_url(),
        "--method",
        "tools/list",
        "--header",
        "Authorization: Bearer hf_made_up",
        cwd=tmp_path,
    )
    assert refused.returncode != 0, report(refused)
    assert "auth_required" in refused.stdout + refused.stderr
    assert "search_spaces" not in refused.stdout


def test_the_on_demand_tools_are_portable_for_strict_clients(
    hub_and_server: tuple[LocalHub, ServerProcess], tmp_path: Path
) -> None:
    _hub, server = hub_and_server
    listed = inspector(
        server.mcp_url(),
        "--method",
        "tools/list",
        "--strict",
        "--header",
        f"Authorization: Bearer {TOKEN}",
        cwd=tmp_path,
    )
    assert listed.returncode == 0, report(listed)
    assert [tool["name"] for tool in json.loads(listed.stdout)["tools"]] == DYNAMIC


def test_a_valid_token_in_a_header_works_as_before(
    hub_and_server: tuple[LocalHub, ServerProcess], tmp_path: Path
) -> None:
    _hub, server = hub_and_server
    called = inspector(
        server.mcp_url(),
        "--method",
        "tools/call",
        "--tool-name",
        "search_spaces",
        "--tool-arg",
        "query=inspected",
        "--header",
        f"Authorization: Bearer {TOKEN}",
        cwd=tmp_path,
    )
    assert called.returncode == 0, report(called)
    result = json.loads(called.stdout)
    assert result["isError"] is False
    assert [s["id"] for s in result["structuredContent"]["spaces"]] == ["owner/inspected"]
