"""The operator's own tools: the example Prometheus alert rules pass `promtool check rules`
and their unit tests (`promtool test rules`), a broken rule fails them, and the Grafana
dashboard loads, its queries parse, and every metric it or the rules name is one a live
`gradio-mcp serve` exposes.

Needs promtool: `apt-get install -y --no-install-recommends prometheus` (Debian;
scripts/test.sh does it). Without it these tests fail, on purpose.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from gradio_mcp.dev.hub_emulator import LocalHub
from tests.redis_server import RedisServer
from tests.stack import REPO, ServerProcess

OBSERVABILITY = REPO / "examples" / "observability"
# Metric names in PromQL (recording rules' names have a colon; `up` is Prometheus's own).
METRIC = re.compile(r"\b(gradio_mcp_[a-z0-9_]+|process_[a-z0-9_]+)\b")


def promtool(*args: str, cwd: Path = OBSERVABILITY) -> subprocess.CompletedProcess[str]:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is needed to check the alert rules: install it with"
            " `apt-get install -y --no-install-recommends prometheus` (Debian)",
            pytrace=False,
        )
    return subprocess.run(
        [path, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def rule_expressions() -> list[str]:
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    return loaded


def dashboard_expressions() -> list[str]:
    return [target["expr"] for panel in dashboard()["panels"] for target in panel["targets"]]


def test_the_alert_rules_pass_promtools_checks_and_their_unit_tests() -> None:
    checked = promtool("check", "rules", "alerts.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout
    tested = promtool("test", "rules", "alerts.test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    config = promtool("check", "config", "prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr


def test_every_alert_the_issue_asks_for_has_a_unit_test() -> None:
    rules = yaml.safe_load((OBSERVABILITY / "alerts.yml").read_text())
    alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert {
        "GradioMCPSpaceDown",
        "GradioMCPCacheHitRateFalling",
        "GradioMCPToolCallsSlow",
        "GradioMCPDiscoverySlow",
        "GradioMCPRedisDown",
        "GradioMCPTasksFailing",
    } <= alerts
    tests = yaml.safe_load((OBSERVABILITY / "alerts.test.yml").read_text())["tests"]
    tested = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alerts <= tested, alerts - tested  # each one is seen firing


def test_a_broken_rule_fails_its_unit_test(tmp_path: Path) -> None:
    for name in ("alerts.yml", "alerts.test.yml"):
        shutil.copy(OBSERVABILITY / name, tmp_path / name)
    rules = tmp_path / "alerts.yml"
    # "Down on every replica" becomes "down on any": the space up on one replica would fire.
    text = rules.read_text()
    assert "max by (space) (gradio_mcp_space_up) == 0" in text
    rules.write_text(
        text.replace("max by (space) (gradio_mcp_space_up)", "min by (space) (gradio_mcp_space_up)")
    )
    tested = promtool("test", "rules", "alerts.test.yml", cwd=tmp_path)
    assert tested.returncode != 0
    assert "GradioMCPSpaceDown" in tested.stdout + tested.stderr


def test_the_grafana_dashboard_loads_and_its_queries_parse(tmp_path: Path) -> None:
    board = dashboard()
    assert board["uid"] and board["title"] == "gradio-mcp"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)) and len(ids) >= 10
    variables = {v["name"] for v in board["templating"]["list"]}
    for panel in board["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["refId"] and target["expr"], panel["title"]
            used = set(re.findall(r"\$(\w+)", target["expr"])) - {"__rate_interval"}
            assert used <= variables, (panel["title"], used - variables)
    # PromQL syntax, checked by Prometheus's own parser: each query as a recording rule.
    queries = [
        expr.replace("$__rate_interval", "5m").replace("$instance", ".*")
        for expr in dashboard_expressions()
    ]
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query{i}", "expr": q} for i, q in enumerate(queries)
                ],
            }
        ]
    }
    (tmp_path / "queries.yml").write_text(yaml.safe_dump(rules))
    checked = promtool("check", "rules", "queries.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.slow
def test_every_metric_named_exists_in_a_live_scrape(redis_server: RedisServer) -> None:
    redis_server.start()
    with LocalHub() as hub:
        server = ServerProcess.start(hub, [], {"GRADIO_MCP_REDIS_URL": redis_server.url})
        try:
            scrape = httpx2.get(f"{server.url}/metrics/prometheus", timeout=30).text
        finally:
            server.stop()
    exposed: set[str] = set()
    for line in scrape.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            exposed.add(name)
            if kind == "counter":
                exposed.add(f"{name.removesuffix('_total')}_total")
            if kind == "histogram":
                exposed.update(f"{name}_{suffix}" for suffix in ("bucket", "sum", "count"))
        elif line and not line.startswith("#"):
            exposed.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    assert "gradio_mcp_redis_up" in exposed  # Redis is configured: its figures are there
    named = {
        "the alert rules": {m for e in rule_expressions() for m in METRIC.findall(e)},
        "the Grafana dashboard": {m for e in dashboard_expressions() for m in METRIC.findall(e)},
    }
    for where, metrics in named.items():
        assert metrics, where
        assert metrics <= exposed, (where, sorted(metrics - exposed))
