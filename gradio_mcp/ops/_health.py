"""Readiness: `GET /readyz` says whether this process should receive traffic, and how what
it depends on is doing.

Each `ReadinessCheck` is named and says whether it is required. A required check that fails
makes `/readyz` answer 503; one that is not required is reported and nothing more. Redis is
such a check: a help, never a condition (without it every request is still served from the
local cache and the upstream), so a Redis outage must never take a fleet out of rotation.
More checks (per-space readiness, say) are added to the list the HTTP app builds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gradio_mcp.net import RedisConnection

# A probe that takes longer than this is reported as failed (readiness must answer quickly).
CHECK_TIMEOUT = 2.0


@dataclass(frozen=True)
class ReadinessCheck:
    """`probe()` returns details with an `ok` boolean; `required` says whether a failure
    makes the process not ready."""

    name: str
    probe: Callable[[], Awaitable[dict[str, Any]]]
    required: bool = True


async def _run(check: ReadinessCheck, timeout: float) -> dict[str, Any]:
    try:
        async with asyncio.timeout(timeout):
            details = dict(await check.probe())
    except Exception as exc:  # a broken probe is a failed check, never a failed endpoint
        details = {"ok": False, "error": type(exc).__name__}
    details["ok"] = bool(details.get("ok"))
    details["required"] = check.required
    return details


async def readiness(
    checks: Sequence[ReadinessCheck], timeout: float = CHECK_TIMEOUT
) -> dict[str, Any]:
    """`{"ready": bool, "checks": {name: details}}`, every check run concurrently."""
    results = await asyncio.gather(*(_run(check, timeout) for check in checks))
    ready = all(r["ok"] for r in results if r["required"])
    return {"ready": ready, "checks": {c.name: r for c, r in zip(checks, results, strict=True)}}


def redis_check(connection: RedisConnection) -> ReadinessCheck:
    """Redis's state (a probe when it is due), reported but never required."""

    async def probe() -> dict[str, Any]:
        ok = await connection.ping()
        return {"ok": ok, **connection.status()}

    return ReadinessCheck("redis", probe, required=False)


def readiness_route(checks: Sequence[ReadinessCheck]) -> Route:
    """`GET /readyz`: 200 when ready, 503 when a required check failed; details as JSON."""

    async def readyz(_request: Request) -> Response:
        report = await readiness(checks)
        return JSONResponse(
            report,
            status_code=200 if report["ready"] else 503,
            headers={"Cache-Control": "no-store"},
        )

    return Route("/readyz", readyz, methods=["GET"], name="readyz")
