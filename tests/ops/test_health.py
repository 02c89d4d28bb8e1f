"""Readiness: required checks decide, Redis is only reported, broken probes are failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from gradio_mcp.net import RedisConnection
from gradio_mcp.ops import ReadinessCheck, readiness, readiness_route, redis_check
from tests.redis_server import RedisServer

pytestmark = pytest.mark.anyio


async def ok() -> dict[str, Any]:
    return {"ok": True}


async def failing() -> dict[str, Any]:
    return {"ok": False, "why": "not yet"}


async def broken() -> dict[str, Any]:
    raise RuntimeError("probe bug")


async def hanging() -> dict[str, Any]:
    await asyncio.sleep(3600)
    return {"ok": True}


async def test_only_required_checks_decide() -> None:
    report = await readiness(
        [ReadinessCheck("a", ok), ReadinessCheck("b", failing, required=False)]
    )
    assert report["ready"] is True
    assert report["checks"]["b"] == {"ok": False, "why": "not yet", "required": False}
    report = await readiness([ReadinessCheck("a", ok), ReadinessCheck("c", failing)])
    assert report["ready"] is False


async def test_a_broken_or_hanging_probe_is_a_failed_check() -> None:
    report = await readiness(
        [ReadinessCheck("broken", broken), ReadinessCheck("hang", hanging)], timeout=0.05
    )
    assert report["ready"] is False
    assert report["checks"]["broken"]["error"] == "RuntimeError"
    assert report["checks"]["hang"]["error"] == "TimeoutError"


def test_redis_down_is_reported_and_the_process_stays_ready(
    redis_server: RedisServer, redis_url: str
) -> None:
    connection = RedisConnection(redis_url, timeout=1.0, retry_interval=0.0)
    app = Starlette(routes=[readiness_route([redis_check(connection)])])
    with TestClient(app) as client:
        up = client.get("/readyz")
        assert up.status_code == 200 and up.json()["checks"]["redis"]["state"] == "up"
        redis_server.stop()
        try:
            down = client.get("/readyz")
        finally:
            redis_server.start()
        assert down.status_code == 200 and down.json()["ready"] is True
        assert down.json()["checks"]["redis"]["state"] == "down"
        assert down.headers["cache-control"] == "no-store"
        back = client.get("/readyz")  # the check itself probes: Redis is noticed back
        assert back.json()["checks"]["redis"]["state"] == "up"
