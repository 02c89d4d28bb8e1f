"""The `gradio-mcp` command: serve, stdio, discover, demo, server-json."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from gradio_mcp._log import get_logger
from gradio_mcp._version import __version__
from gradio_mcp.config import Settings, removed_variables
from gradio_mcp.errors import ConfigError
from gradio_mcp.ops import configure_logging

# Flags that override a setting: (flag, Settings field, help). The environment variable
# named in the help text is read when the flag is absent.
_COMMON_FLAGS = (
    ("--spaces", "spaces", "comma list of space ids to serve"),
    ("--log-level", "log_level", "debug, info, warning or error"),
    ("--log-format", "log_format", "console or json"),
)
_SERVE_FLAGS = (
    ("--host", "host", "address to bind (loopback by default)"),
    ("--port", "port", "port to listen on"),
)
WORKER_HEALTHCHECK_SECONDS = 30
_REGISTRY_FLAGS = (
    ("--url", "public_url", "the deployment's public origin, e.g. https://mcp.example.com"),
    ("--name", "server_name", "reverse-DNS server name, e.g. com.example/spaces"),
)
_WORKERS_FLAG = (
    "--workers",
    "workers",
    "worker processes on the port; they share a cache only through Redis",
)


def _env_name(field_name: str) -> str:
    return str(next(f.metadata["env"] for f in fields(Settings) if f.name == field_name))


def _add_flags(parser: argparse.ArgumentParser, flags: Sequence[tuple[str, str, str]]) -> None:
    """The flags that override settings, kept on the command for `_settings`."""
    for flag, field_name, text in flags:
        parser.add_argument(flag, dest=field_name, help=f"{text} [env {_env_name(field_name)}]")
    parser.set_defaults(flags=flags)


def _flag_variables(
    args: argparse.Namespace, flags: Sequence[tuple[str, str, str]]
) -> dict[str, str]:
    """The variables the given flags stand for, with the flags' values."""
    return {
        _env_name(field_name): str(getattr(args, field_name))
        for _flag, field_name, _text in flags
        if getattr(args, field_name, None) is not None
    }


def _settings(args: argparse.Namespace, flags: Sequence[tuple[str, str, str]]) -> Settings:
    """Settings from the environment, with any given flag taking its variable's place. A bad
    value that came from a flag is reported under the flag's name, as the user typed it."""
    given = _flag_variables(args, flags)
    try:
        return Settings.from_env({**os.environ, **given})
    except ConfigError as exc:
        message = str(exc)
        for flag, field_name, _text in flags:
            variable = _env_name(field_name)
            if variable in given and message.startswith(f"{variable}="):
                raise ConfigError(f"{flag} {message[len(variable) + 1 :]}") from None
        raise


def check_port_free(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (None when it can), found before anything
    starts: a busy port must not cost the demo's half minute of app starts, nor follow a
    "serving at" line. The probe binds as uvicorn will (SO_REUSEADDR) and closes at once."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        return f"cannot use the address {host!r}: {exc.strerror or exc}"
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return (
                f"cannot listen on {host}:{port}: {reason.lower()}."
                " Choose another port with --port (or GRADIO_MCP_PORT)."
            )
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradio-mcp",
        description="Serve Hugging Face Gradio Spaces as MCP tools.",
        epilog="Every setting is also read from its environment variable"
        " (docs/configuration.md lists them all).",
    )
    parser.add_argument("--version", action="version", version=f"gradio-mcp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve",
        help="serve MCP over stateless streamable HTTP at /mcp",
        description="Serve MCP at http://HOST:PORT/mcp, the dashboard at /metrics, JSON at"
        " /api/metrics, Prometheus text at /metrics/prometheus and /healthz. Callers add spaces"
        " with ?gradio=owner/a,owner/b and send their token as Authorization: Bearer.",
    )
    _add_flags(serve, (*_SERVE_FLAGS, _WORKERS_FLAG, *_COMMON_FLAGS))

    stdio = commands.add_parser(
        "stdio",
        help="serve MCP over stdin/stdout (for desktop hosts)",
        description="Serve MCP on stdin/stdout. The spaces come from --spaces or"
        " GRADIO_MCP_SPACES; the token is the one huggingface_hub finds (HF_TOKEN or login).",
    )
    _add_flags(stdio, _COMMON_FLAGS)

    discover = commands.add_parser(
        "discover",
        help="discover spaces and print their status, tools and timings",
        description="Discover the given spaces once and print a table (or JSON).",
    )
    discover.add_argument("ids", nargs="+", metavar="ID", help="space id, owner/name")
    discover.add_argument("--json", action="store_true", help="print JSON instead of a table")
    discover.add_argument(
        "--token", help="HF token for private spaces [default: the one huggingface_hub finds]"
    )
    _add_flags(discover, _COMMON_FLAGS[1:])

    server_json = commands.add_parser(
        "server-json",
        help="print the MCP Registry entry (server.json) of a deployment",
        description="Print the server.json to publish to the MCP Registry: the PyPI package"
        " run over stdio, and the deployment's /mcp as a remote (a {host} template without"
        " --url or GRADIO_MCP_PUBLIC_URL). See docs/registry.md.",
    )
    _add_flags(server_json, _REGISTRY_FLAGS)

    demo = commands.add_parser(
        "demo",
        help="run bundled Gradio apps behind a local Hub emulator and serve them",
        description="Start the bundled example Gradio apps and a local Hub emulator on"
        " loopback, then serve them over MCP. Needs the 'demo' extra (gradio). Ctrl-C stops"
        " everything.",
    )
    _add_flags(demo, (*_SERVE_FLAGS, _COMMON_FLAGS[1]))
    return parser


def _http_app(settings: Settings) -> Any:
    import huggingface_hub

    from gradio_mcp.serving import GradioMCP
    from gradio_mcp.transports import build_http_app

    return build_http_app(GradioMCP(settings, server_token=huggingface_hub.get_token()))


def worker_app() -> Any:
    """One worker's ASGI app, for `serve --workers N`: each worker is a fresh interpreter that
    reads its settings from the environment (the parent put its flags there) and sets up its
    own logging."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    return _http_app(settings)


def _serve(settings: Settings, flag_variables: dict[str, str]) -> None:
    from gradio_mcp.transports import run_server, run_workers, server_options

    workers = settings.workers
    _notice(
        settings,
        "serving",
        f"gradio-mcp {__version__}: MCP at http://{settings.host}:{settings.port}/mcp,"
        f" dashboard at http://{settings.host}:{settings.port}/metrics"
        + (f", {workers} workers" if workers > 1 else ""),
        warning=False,
    )
    if workers > 1 and not settings.redis_url:
        _notice(
            settings,
            "workers_without_redis",
            f"gradio-mcp: the {workers} workers each keep their own cache; set"
            " GRADIO_MCP_REDIS_URL for them to share one.",
        )
    loopback = settings.host in ("127.0.0.1", "localhost", "::1")
    if not loopback and not settings.allowed_hosts:
        _notice(
            settings,
            "loopback_hosts_only",
            "gradio-mcp: only loopback Host headers are accepted on /mcp; set"
            " GRADIO_MCP_ALLOWED_HOSTS to the name clients use to reach this server.",
        )
    options = server_options(settings)
    if workers == 1:
        run_server(_http_app(settings), **options)
        return
    # Workers are new interpreters: what the flags said must reach them through the
    # environment they inherit.
    os.environ.update(flag_variables)
    # A worker still importing on a busy machine is slow, not hung: five seconds (the
    # default) would have it killed and restarted over and over.
    options["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_SECONDS
    run_workers("gradio_mcp.cli:worker_app", workers, **options)


def _notice(settings: Settings, event: str, text: str, *, warning: bool = True) -> None:
    """A line for the operator: plain text, or a JSON log event when JSON logs are chosen."""
    if settings.log_format == "json":
        log = get_logger("gradio_mcp.cli")
        (log.warning if warning else log.info)(event, message=text)
    else:
        print(text, file=sys.stderr)


def _discover(args: argparse.Namespace, settings: Settings) -> int:
    import huggingface_hub

    from gradio_mcp.discovery import Discovery
    from gradio_mcp.gradio import protocol_problem

    token = args.token or huggingface_hub.get_token()

    async def run() -> list[Any]:
        async with Discovery(settings, protocol_check=protocol_problem) as discovery:
            return await discovery.get_spaces(args.ids, token, include_runtime=True)

    results = asyncio.run(run())
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, default=str))
    else:
        print(f"{'SPACE':40} {'STATUS':14} {'TOOLS':>5} {'META ms':>8} {'SCHEMA ms':>9}  DETAIL")
        # The detail is wrapped, never cut: an error's last words are often its fix
        # (GRADIO_MCP_ALLOWED_NETWORKS=...). Continuation lines stay in the DETAIL column,
        # or, on a terminal too narrow for one, the detail goes under its row.
        columns = shutil.get_terminal_size((160, 24)).columns
        column = 40 + 1 + 14 + 1 + 5 + 1 + 8 + 1 + 9 + 2
        indent = column if columns - column >= 30 else 4
        width = max(columns - indent, 30)
        for r in results:
            status = "ok" if r.ok else r.error.kind.value if r.error else "?"
            detail = r.error.message if r.error else ", ".join(e.api_name for e in r.endpoints)
            lines = textwrap.wrap(detail, width, break_on_hyphens=False)
            first = lines.pop(0) if lines and indent == column else ""
            print(
                f"{r.id[:40]:40} {status:14} {len(r.endpoints):>5} {r.timings.metadata_ms:>8.1f}"
                f" {r.timings.schema_ms:>9.1f}  {first}".rstrip()
            )
            for line in lines:
                print(" " * indent + line)
    return 0 if all(r.ok for r in results) else 1


def _exit_cleanly(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args, args.flags)
    except ConfigError as exc:
        print(f"gradio-mcp: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command in ("serve", "demo"):
        busy = check_port_free(settings.host, settings.port)
        if busy is not None:
            print(f"gradio-mcp: {busy}", file=sys.stderr)
            return 1
    if args.command == "server-json":
        from gradio_mcp.transports import registry_entry

        print(json.dumps(registry_entry(settings), indent=2, ensure_ascii=False))
        return 0
    configure_logging(settings.log_level, settings.log_format)
    for name, now in removed_variables().items():  # once, here: workers do not repeat it
        text = f"{name} was removed in 0.2 and is ignored: {now}"
        get_logger("gradio_mcp.cli").warning("setting_removed", variable=name, message=text)
    if args.command in ("serve", "demo"):
        # A SIGTERM is a request to stop, not a failure: uvicorn shuts down gracefully and
        # then raises the signal again, which without this would end us with status -15.
        signal.signal(signal.SIGTERM, _exit_cleanly)
    if args.command == "serve":
        _serve(settings, _flag_variables(args, args.flags))
        return 0
    if args.command == "stdio":
        from gradio_mcp.transports import serve_stdio

        asyncio.run(serve_stdio(settings))
        return 0
    if args.command == "discover":
        return _discover(args, settings)
    from gradio_mcp.dev import run_demo

    return int(run_demo(settings))


if __name__ == "__main__":
    sys.exit(main())
