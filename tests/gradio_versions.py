"""Real apps on every Gradio version we support, for the version matrix.

Each old version runs in its own virtualenv, made by `scripts/gradio-venvs.sh` under
`${GRADIO_MCP_VENVS_DIR:-~/.cache/gradio-mcp/venvs}/gradio-<version>`; "current" is the
Gradio of the interpreter running the tests (6.x). The same app (tests/apps/versions_app.py)
runs on each, on loopback, behind the LocalHub like any space; that version's own
gradio_client (tests/apps/versions_reference.py, run with the venv's interpreter) says what a
call should give.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import REPO, SpaceSpec, Stack, running_stack

CURRENT = "current"
VERSIONS = ("3.50.2", "4.0.2", "4.19.2", "4.44.1", "5.50.0", CURRENT)
APP = REPO / "tests" / "apps" / "versions_app.py"
REFERENCE = REPO / "tests" / "apps" / "versions_reference.py"
READY_TIMEOUT = 180.0
REFERENCE_TIMEOUT = 300.0


def venvs_dir() -> Path:
    configured = os.environ.get("GRADIO_MCP_VENVS_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "gradio-mcp" / "venvs"


def python_for(version: str) -> str:
    """The interpreter of `version`'s virtualenv; a clear failure when it was never built."""
    if version == CURRENT:
        return sys.executable
    venv = venvs_dir() / f"gradio-{version}"
    if not (venv / ".complete").exists():
        raise RuntimeError(
            f"no finished virtualenv for Gradio {version} at {venv}: run scripts/gradio-venvs.sh"
        )
    return str(venv / "bin" / "python")


def slug(version: str) -> str:
    """The version as a space name: `v4-19-2`, `current`."""
    return version if version == CURRENT else "v" + version.replace(".", "-")


def space_id(version: str) -> str:
    return f"versions/{slug(version)}"


def start_app(version: str, journal: Path) -> GradioAppProcess:
    """The versions app on `version`, on a free loopback port; its `count` steps are written
    to `journal`. Ready when `/config` answers (the one route every version has)."""
    return GradioAppProcess.start(
        APP,
        name=f"gradio-{slug(version)}",
        env={"VERSIONS_APP_JOURNAL": str(journal)},
        python=python_for(version),
        ready_path="/config",
        ready_timeout=READY_TIMEOUT,
    )


@contextlib.contextmanager
def running_versions(
    versions: Sequence[str], journal: Path
) -> Iterator[tuple[dict[str, GradioAppProcess], Stack]]:
    """The app on each version (started in parallel), each a space on a LocalHub, and
    `gradio-mcp serve` serving them all."""
    apps: dict[str, GradioAppProcess] = {}
    try:
        with ThreadPoolExecutor(max_workers=len(versions)) as pool:
            started = {v: pool.submit(start_app, v, journal) for v in versions}
            for version, future in started.items():
                apps[slug(version)] = future.result()
        specs = [SpaceSpec(space_id(v), slug(v), f"Gradio {v}", "🧪") for v in versions]
        with running_stack(apps, specs) as stack:
            yield apps, stack
    finally:
        for app in apps.values():
            app.stop()


def reference_results(
    version: str, url: str, calls: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """What `version`'s own gradio_client gets for each call, straight from the app."""
    done = subprocess.run(
        [python_for(version), str(REFERENCE), url],
        input=json.dumps(list(calls)),
        capture_output=True,
        text=True,
        timeout=REFERENCE_TIMEOUT,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1"},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"gradio_client of Gradio {version} failed:\n{done.stderr[-2000:]}")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results
