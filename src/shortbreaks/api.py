"""The core's machine-read endpoints: health, readiness, metrics and the OpenAPI document."""

from __future__ import annotations

import asyncio
import logging
from importlib.metadata import version

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shortbreaks import db
from shortbreaks.metrics import metrics
from shortbreaks.openapi import build_openapi
from shortbreaks.permissions import PUBLIC
from shortbreaks.routing import endpoint

log = logging.getLogger("shortbreaks.health")

READY_TIMEOUT_S = 2.0


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


async def healthz(request: Request) -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database and, when configured, Redis answer; 503 naming the one that failed otherwise."""
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(db.ping(), timeout=READY_TIMEOUT_S)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready; the reason is logged, not shown
        log.warning("readiness: database failed: %s", type(exc).__name__)
        checks["database"] = "unavailable"
    redis = request.app.state.redis
    if redis is not None:
        try:
            await asyncio.wait_for(redis.ping(), timeout=READY_TIMEOUT_S)
            checks["redis"] = "ok"
        except Exception as exc:  # as above
            log.warning("readiness: redis failed: %s", type(exc).__name__)
            checks["redis"] = "unavailable"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"}
    )


async def openapi_document(request: Request) -> Response:
    """The OpenAPI 3.1 description of the JSON API."""
    state = request.app.state
    if not hasattr(state, "openapi"):
        state.openapi = build_openapi(list(request.app.routes), title="shortbreaks API", version=version("shortbreaks"))
    return JSONResponse(state.openapi)


routes = [
    endpoint("/healthz", healthz, name="healthz", permission=PUBLIC, response=Health, summary="Liveness", in_openapi=True, tags=["health"]),
    endpoint("/readyz", readyz, name="readyz", permission=PUBLIC, response=Health, summary="Readiness", in_openapi=True, tags=["health"]),
    endpoint("/api/openapi.json", openapi_document, name="openapi", permission=PUBLIC),
    # Public at the route level; the endpoint answers 404 unless the caller is on loopback or has METRICS_TOKEN.
    endpoint("/metrics", metrics, name="metrics", permission=PUBLIC),
]
