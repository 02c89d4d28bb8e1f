"""The watcher's routes: `GET /metrics` (dashboard), `/api/metrics` (JSON), its last hour
`/api/metrics/history` (JSON) and `/metrics/prometheus` (text exposition)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from gradio_mcp.ops._dashboard import render_dashboard
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.ops._prometheus import render_prometheus

_NO_STORE = {"Cache-Control": "no-store"}
# The dashboard is self-contained: it may talk only to its own origin, and loads nothing else.
_DASHBOARD_HEADERS = {
    **_NO_STORE,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def metrics_routes(metrics: Metrics) -> list[Route]:
    """The three routes over one server's `Metrics`."""

    # Async handlers on purpose: Starlette runs sync ones in a thread pool, and `Metrics` is
    # only safe on the event loop that records into it.
    async def dashboard(_request: Request) -> Response:
        metrics.history.sample_if_due()
        charted = await metrics.history.chart_samples()  # the fleet's, with Redis
        return HTMLResponse(render_dashboard(metrics, charted), headers=_DASHBOARD_HEADERS)

    async def api(_request: Request) -> Response:
        return JSONResponse(metrics.snapshot(), headers=_NO_STORE)

    async def history(_request: Request) -> Response:
        metrics.history.sample_if_due()
        samples = [sample.to_dict() for sample in metrics.history.samples]
        body = {"intervalSeconds": metrics.history.interval, "samples": samples}
        return JSONResponse(body, headers=_NO_STORE)

    async def prometheus(request: Request) -> Response:
        body, content_type = render_prometheus(metrics, request.headers.get("accept"))
        return Response(body, headers={**_NO_STORE, "Content-Type": content_type})

    return [
        Route("/metrics", dashboard, methods=["GET"], name="metrics_dashboard"),
        Route("/api/metrics", api, methods=["GET"], name="metrics_json"),
        Route("/api/metrics/history", history, methods=["GET"], name="metrics_history"),
        Route("/metrics/prometheus", prometheus, methods=["GET"], name="metrics_prometheus"),
    ]
