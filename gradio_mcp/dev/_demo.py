"""`gradio-mcp demo`: the bundled example apps behind a local Hub emulator, served over MCP.

Everything runs on loopback and needs no network: the apps are real Gradio processes, the
Hub is `LocalHub`, and the server is the same one `gradio-mcp serve` runs.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from gradio_mcp.config import Settings

DEMO_TOKEN = "hf_demo_token"  # the one token the emulated Hub accepts for the private space
PRIVATE_APP = "file_tools"
# The Inspector the printed command runs, pinned: a bare `npx` on Node 20 picks 0.15, which
# rejects --header; 2.12.0 (the one scripts/node-tools.sh installs for the tests) needs
# Node >= 22.19, and the banner says so.
INSPECTOR_VERSION = "2.12.0"
INSPECTOR_NODE = "22.19"
TITLES = {
    "text_tools": ("Text tools", "🔤"),
    "image_gen": ("Image generator", "🎨"),
    "file_tools": ("File tools", "📁"),
    "streaming": ("Streaming counter", "⏱️"),
}


def client_configs(mcp_url: str, token: str) -> dict[str, Any]:
    """Ready-to-paste client configurations for the served URL."""
    header = {"Authorization": f"Bearer {token}"}
    return {
        "Claude Desktop (claude_desktop_config.json, through mcp-remote)": {
            "mcpServers": {
                "gradio": {
                    "command": "npx",
                    "args": [
                        "-y",
                        "mcp-remote",
                        mcp_url,
                        "--header",
                        f"Authorization:Bearer {token}",
                    ],
                }
            }
        },
        "Cursor (~/.cursor/mcp.json)": {
            "mcpServers": {"gradio": {"url": mcp_url, "headers": header}}
        },
        "VS Code (.vscode/mcp.json)": {
            "servers": {"gradio": {"type": "http", "url": mcp_url, "headers": header}}
        },
        f"MCP Inspector (needs Node >= {INSPECTOR_NODE}: check with node --version)": (
            f"npx -y @modelcontextprotocol/inspector@{INSPECTOR_VERSION} --cli {mcp_url}"
            f" --transport http --method tools/list --header 'Authorization: Bearer {token}'"
        ),
    }


def discover_command(hub_url: str, space_ids: Sequence[str], token: str) -> str:
    """A ready `gradio-mcp discover` line for the demo's own spaces: the settings that point
    it at the emulated Hub and let it reach the apps on loopback, and the private space's
    token."""
    return (
        f"HF_ENDPOINT={hub_url} GRADIO_MCP_ALLOWED_NETWORKS=127.0.0.1/32"
        f" gradio-mcp discover --token {token} " + " ".join(space_ids)
    )


def run_demo(settings: Settings) -> int:
    """Start apps, Hub and server; block until Ctrl-C (or SIGTERM); stop everything."""
    try:
        import gradio  # noqa: F401  (only to fail early with advice)
    except ImportError:
        print("gradio-mcp demo needs Gradio: pip install 'gradio-mcp[demo]'", file=sys.stderr)
        return 2
    import uvicorn

    from gradio_mcp.dev.hub_emulator import LocalHub
    from gradio_mcp.dev.launcher import start_apps, stop_apps
    from gradio_mcp.serving import GradioMCP
    from gradio_mcp.transports import build_http_app, server_options

    # SIGTERM takes the same orderly path as Ctrl-C, so no app process is left behind.
    signal.signal(signal.SIGTERM, _interrupt)
    print("Starting the example Gradio apps (about 10 s)...", file=sys.stderr, flush=True)
    apps = start_apps(ready_timeout=180)
    hub = LocalHub()
    try:
        hub.start()
        for name, app in apps.items():
            title, emoji = TITLES.get(name, (name, "🧩"))
            private = name == PRIVATE_APP
            hub.add_space(
                f"demo/{name.replace('_', '-')}",
                host=app.url,
                title=title,
                emoji=emoji,
                private=private,
                tokens=(DEMO_TOKEN,) if private else (),
            )
        served = dataclasses.replace(
            settings,
            hf_endpoint=hub.url,
            spaces=tuple(hub.spaces),
            trusted_hosts=(*settings.trusted_hosts, "127.0.0.1:*"),
            # The demo's apps are on loopback: allow exactly that address, nothing else.
            allowed_networks=(*settings.allowed_networks, "127.0.0.1/32"),
        )
        base = f"http://{served.host}:{served.port}"
        mcp_url = f"{base}/mcp"
        asgi_app = build_http_app(GradioMCP(served))
        server = uvicorn.Server(uvicorn.Config(asgi_app, **server_options(served)))
        # Say "ready" only once the port is really listening.
        announcer = threading.Thread(
            target=_announce_when_started, args=(server, _banner(base, mcp_url, hub)), daemon=True
        )
        announcer.start()
        server.run()
        if not server.started:
            print(f"gradio-mcp demo: could not listen on {base}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
        stop_apps(apps)
        print("gradio-mcp demo stopped.", file=sys.stderr, flush=True)
    return 0


def _announce_when_started(server: Any, banner: str) -> None:
    deadline = time.monotonic() + 60
    while not server.started and not server.should_exit and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        print(banner, flush=True)


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _banner(base: str, mcp_url: str, hub: Any) -> str:
    lines = [
        "",
        "gradio-mcp demo is ready.",
        f"  MCP endpoint : {mcp_url}",
        f"  On demand    : {mcp_url}?dynamic=true (search_spaces, describe_space, call_space)",
        f"  Dashboard    : {base}/metrics",
        f"  Metrics JSON : {base}/api/metrics",
        f"  Hub emulator : {hub.url}",
        "  Spaces       : " + ", ".join(hub.spaces),
        "  Discover     : " + discover_command(hub.url, list(hub.spaces), DEMO_TOKEN),
        f"  The private space demo/{PRIVATE_APP.replace('_', '-')} is listed only for callers"
        f" that send 'Authorization: Bearer {DEMO_TOKEN}'.",
        "",
        "Client configurations:",
    ]
    for label, config in client_configs(mcp_url, DEMO_TOKEN).items():
        text = (
            config if isinstance(config, str) else json.dumps(config, indent=2, ensure_ascii=False)
        )
        lines += [f"--- {label}", text]
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines)
