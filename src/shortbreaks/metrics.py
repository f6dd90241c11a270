"""Prometheus metrics. Served at ``/metrics`` to loopback callers, or to anyone with ``METRICS_TOKEN``.

Each process keeps its own registry; with several uvicorn workers, scrape each (or set
``PROMETHEUS_MULTIPROC_DIR`` as prometheus-client documents).
"""

from __future__ import annotations

import hmac
import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shortbreaks.errors import NotFound

REQUEST_LATENCY = Histogram(
    "shortbreaks_request_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
BOOKINGS = Counter("shortbreaks_bookings_total", "Booking attempts by outcome", ["outcome"])
JOB_FAILURES = Counter("shortbreaks_job_failures_total", "Jobs that raised (retries included)", ["job"])
JOBS_RUN = Counter("shortbreaks_jobs_total", "Jobs run", ["job"])
QUEUE_DEPTH = Gauge("shortbreaks_queue_depth", "Jobs waiting in the arq queue (read at scrape time)")

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class MetricsMiddleware:
    """Time every HTTP request, labelled by its route's path template (never the raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = scope.get("route_path") or "unmatched"
            REQUEST_LATENCY.labels(scope["method"], template, str(status)).observe(time.perf_counter() - start)


def may_read_metrics(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token is not None:
        header = request.headers.get("authorization", "")
        return hmac.compare_digest(header, f"Bearer {token.get_secret_value()}")
    return request.client is not None and request.client.host in LOOPBACK


async def metrics(request: Request) -> Response:
    """Prometheus metrics for this process (loopback or ``METRICS_TOKEN`` only; 404 otherwise)."""
    if not may_read_metrics(request):
        raise NotFound()
    redis = request.app.state.redis
    if redis is not None:
        try:
            QUEUE_DEPTH.set(await redis.zcard("arq:queue"))
        except Exception:  # Redis down: the gauge keeps its last value; /readyz reports the outage
            QUEUE_DEPTH.set(float("nan"))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
