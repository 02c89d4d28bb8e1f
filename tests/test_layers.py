"""The package's layers: imports point down, no module imports itself round a loop, packages
meet only at their front doors, and the production layers never import the developer
tooling."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gradio_mcp"

# Lower numbers sit lower. A module may import its own layer and the layers below it; the
# two siblings on level 2 know nothing of each other. The CLI is the composition root: it
# loads the developer tooling only inside its `demo` command (checked below).
LAYERS = {
    "base": 0,  # _version, _log, config, errors, models
    "net": 1,
    "discovery": 2,
    "gradio": 2,
    "ops": 3,
    "catalog": 3,  # tools, prompts and results of a space: pure conversions, beside ops
    "serving": 4,  # the MCP handlers, as services
    "transports": 5,  # HTTP app, sign-in, stdio, workers: how the server is reached
    "dev": 6,
    "cli": 7,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "face"  # gradio_mcp/__init__.py hands on names from every layer
    if parts[1] in LAYERS:
        return parts[1]
    return "base"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(imported gradio_mcp module, line, at module level) for every import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = set()
    for node in tree.body:
        top_level.add(id(node))
        if isinstance(node, ast.If) and _is_type_checking(node):
            for inner in ast.walk(node):
                top_level.discard(id(inner))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            # `from gradio_mcp.discovery import default` may name a module.
            names += [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                if name.startswith("gradio_mcp") and _exists(name):
                    yield name, node.lineno, id(node) in top_level
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gradio_mcp"):
                    yield alias.name, node.lineno, id(node) in top_level


def _exists(module: str) -> bool:
    path = PACKAGE.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "demo_apps" not in p.parts)


def test_imports_point_down() -> None:
    wrong = []
    for path in _sources():
        module = _module_name(path)
        layer = _layer(module)
        if layer == "face":
            continue
        for imported, line, _ in _imports(path):
            target = _layer(imported)
            if target == "face":
                wrong.append(f"{module}:{line} imports the package face, not a layer")
            elif target != layer and LAYERS[target] >= LAYERS[layer]:
                wrong.append(f"{module}:{line} ({layer}) imports {imported} ({target})")
    assert wrong == []


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def test_packages_meet_only_at_their_front_doors() -> None:
    """A module may import another package's face (`gradio_mcp.discovery`), never the private
    modules behind it (`gradio_mcp.discovery._search`); the base modules (`_log`,
    `_version`, `_histogram`) are everybody's."""
    wrong = []
    for path in _sources():
        module = _module_name(path)
        own = _package(module, path)
        for imported, line, _ in _imports(path):
            parts = imported.split(".")
            private = next((i for i, p in enumerate(parts) if p.startswith("_")), None)
            if private is None or private < 2:
                continue
            owner = ".".join(parts[:private])
            if owner != own:
                wrong.append(f"{module}:{line} imports {'.'.join(parts[: private + 1])}")
    assert wrong == []


WEB_STACK = ("starlette", "uvicorn")


def test_only_the_transports_ops_routes_and_dev_tooling_import_the_web_stack() -> None:
    wrong = []
    for path in _sources():
        module = _module_name(path)
        if _layer(module) in ("transports", "dev") or module in (
            "gradio_mcp.ops._health",
            "gradio_mcp.ops._routes",
        ):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            wrong += [
                f"{module}:{node.lineno} imports {n}" for n in names if n.startswith(WEB_STACK)
            ]
    assert wrong == []


def test_production_layers_never_import_the_developer_tooling() -> None:
    wrong = [
        f"{_module_name(path)}:{line} imports {imported}"
        for path in _sources()
        if _layer(_module_name(path)) not in ("dev", "cli")
        for imported, line, _ in _imports(path)
        if imported.startswith("gradio_mcp.dev")
    ]
    assert wrong == []
    # The CLI reaches the demo only inside the `demo` command.
    cli = PACKAGE / "cli.py"
    assert all(
        not top for imported, _, top in _imports(cli) if imported.startswith("gradio_mcp.dev")
    )


def test_no_import_cycles_at_module_level() -> None:
    graph: dict[str, set[str]] = {}
    for path in _sources():
        module = _module_name(path)
        graph[module] = {
            imported for imported, _, top in _imports(path) if top and imported != module
        }
    visiting: list[str] = []
    done: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        if node in done:
            return
        if node in visiting:
            cycles.append([*visiting[visiting.index(node) :], node])
            return
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            # A package's face importing its own modules is how packages work, not a loop.
            if not node.startswith(target + ".") and not target.startswith(node + "."):
                visit(target)
        visiting.pop()
        done.add(node)

    for module in sorted(graph):
        visit(module)
    assert cycles == []


@pytest.mark.parametrize("layer", sorted(set(LAYERS) - {"base", "cli"}))
def test_each_layer_has_a_face_with_all(layer: str) -> None:
    face = PACKAGE / layer / "__init__.py"
    tree = ast.parse(face.read_text())
    assert ast.get_docstring(tree), f"{layer}/__init__.py says what the layer is"
    declared = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    ]
    assert declared, f"{layer}/__init__.py declares __all__"


# The one exception that cannot live in errors.py: it is also an httpx2 ConnectError, and the
# base modules import no HTTP client.
# httpx2 transport errors of our own: they stay in net, which errors.py does not import.
EXCEPTIONS_ELSEWHERE = {
    "gradio_mcp.net._egress.EgressRefusedError",
    "gradio_mcp.net._websocket.WebSocketError",
    "gradio_mcp.net._websocket.WebSocketClosed",
}


def test_the_exceptions_kept_in_net_are_the_packages_too() -> None:
    """Those that must stay beside the HTTP client still derive from GradioMCPError, so
    `except GradioMCPError` catches everything the package raises."""
    from gradio_mcp.errors import GradioMCPError

    for dotted in EXCEPTIONS_ELSEWHERE:
        module, _, name = dotted.rpartition(".")
        assert issubclass(getattr(importlib.import_module(module), name), GradioMCPError), dotted


def test_every_public_exception_lives_in_errors_py() -> None:
    """Exception classes (by name: *Error, *Broken, *Interrupted, or based on Exception) are
    defined in errors.py, where their tree is drawn; private control-flow signals
    (`_Name`) may stay with the code that raises and catches them."""
    elsewhere = []
    for path in _sources():
        module = _module_name(path)
        if module == "gradio_mcp.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                continue
            bases = [ast.unparse(base) for base in node.bases]
            looks_like = node.name.endswith(("Error", "Broken", "Interrupted")) or any(
                base.endswith(("Exception", "Error")) for base in bases
            )
            if looks_like and f"{module}.{node.name}" not in EXCEPTIONS_ELSEWHERE:
                elsewhere.append(f"{module}.{node.name}")
    assert elsewhere == []
