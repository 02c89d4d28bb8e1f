"""The public API: exactly these names, each importable, and `import gradio_mcp` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import gradio_mcp
import gradio_mcp.dev

# Changing this set changes the public API: do it on purpose, with a CHANGELOG entry.
PUBLIC = {
    "CacheStats",
    "CallError",
    "CallLimits",
    "CallOutcome",
    "ConfigError",
    "Discovery",
    "EgressRefusedError",
    "Endpoint",
    "ErrorKind",
    "ErrorPhase",
    "FileRef",
    "GradioMCP",
    "GradioMCPError",
    "GradioSpace",
    "OutputValue",
    "Parameter",
    "ProgressUpdate",
    "Return",
    "Settings",
    "SpaceApi",
    "SpaceError",
    "SpaceMetadata",
    "SpaceSchema",
    "Timings",
    "ToolArgumentError",
    "ToolCatalog",
    "ToolRef",
    "UnknownNameError",
    "__version__",
    "build_catalog",
    "call_endpoint",
    "check_arguments",
    "create_app",
    "format_cache_metrics",
    "get_cache_stats",
    "get_gradio_space",
    "get_gradio_spaces",
    "new_http_client",
    "to_call_tool_result",
    "validate_arguments",
}
DEV = {
    "GradioAppProcess",
    "HubSpace",
    "LocalHub",
    "bundled_apps",
    "free_port",
    "run_demo",
    "start_apps",
    "stop_apps",
}


def test_the_exported_names_are_exactly_the_public_api() -> None:
    assert set(gradio_mcp.__all__) == PUBLIC
    assert set(gradio_mcp.dev.__all__) == DEV


def test_every_exported_name_resolves() -> None:
    for name in PUBLIC:
        assert getattr(gradio_mcp, name) is not None, name
    for name in DEV:
        assert getattr(gradio_mcp.dev, name) is not None, name
    assert set(dir(gradio_mcp)) >= PUBLIC


def test_every_exception_shares_one_base() -> None:
    for name in (
        "CallError",
        "ConfigError",
        "EgressRefusedError",
        "SpaceError",
        "ToolArgumentError",
        "UnknownNameError",
    ):
        assert issubclass(getattr(gradio_mcp, name), gradio_mcp.GradioMCPError), name


def test_version_has_one_source() -> None:
    from importlib.metadata import version

    assert version("gradio-mcp") == gradio_mcp.__version__


def _modules_after(statement: str) -> set[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_import_gradio_mcp_loads_no_server_gradio_or_demo() -> None:
    loaded = _modules_after("import gradio_mcp")
    heavy = {
        "gradio",
        "gradio_client",
        "uvicorn",
        "starlette",
        "mcp",
        "httpx",
        "httpx2",
        "jsonschema",
    }
    assert not {m.split(".")[0] for m in loaded} & heavy
    assert not any(m.startswith("gradio_mcp.dev") for m in loaded)


def test_the_gradio_caller_does_not_load_the_mcp_sdk() -> None:
    loaded = _modules_after("import gradio_mcp.gradio")
    assert not any(m == "mcp" or m.startswith("mcp.") for m in loaded)
    assert not any(m.startswith("gradio_mcp.serving") for m in loaded)


def test_the_command_line_loads_no_developer_tooling_until_the_demo() -> None:
    loaded = _modules_after("import gradio_mcp.cli")
    assert not any(m.startswith("gradio_mcp.dev") for m in loaded)


def test_examples_use_only_the_public_api() -> None:
    import ast
    from pathlib import Path

    allowed = {"gradio_mcp", "gradio_mcp.dev"}
    for path in (Path(__file__).resolve().parents[1] / "examples").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gradio_mcp"):
                assert node.module in allowed, f"{path.name}:{node.lineno} {node.module}"
                if node.module == "gradio_mcp":
                    assert {a.name for a in node.names} <= PUBLIC, f"{path.name}:{node.lineno}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("gradio_mcp"):
                        assert alias.name in allowed, f"{path.name}:{node.lineno}"
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "gradio_mcp"
            ):
                assert node.attr in PUBLIC, f"{path.name}:{node.lineno} gradio_mcp.{node.attr}"
