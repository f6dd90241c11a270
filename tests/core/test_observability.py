"""Structured logs with request ids (carried into jobs), redaction, and Prometheus metrics."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette

from shortbreaks import jobs
from shortbreaks.audit import request_id_var
from shortbreaks.logs import JsonFormatter, RedactingFilter, redact

seen: list[str] = []


async def note_request_id(ctx: dict[str, Any]) -> None:
    seen.append(request_id_var.get())


def test_private_feed_tokens_and_link_tokens_are_redacted() -> None:
    line = "GET /feeds/f/Zx9_abcdefghijklmnopqrstuv.ics HTTP/1.1 then /verify-email/eyJhbGciOi.abc and /invitations/abcdefghijkl"
    assert redact(line) == "GET /feeds/f/[redacted].ics HTTP/1.1 then /verify-email/[redacted] and /invitations/[redacted]"


def test_json_log_lines_carry_the_request_id() -> None:
    record = logging.LogRecord("shortbreaks.test", logging.INFO, __file__, 1, "fetched %s", ("/feeds/p/abcdefghijklmnop.ics",), None)
    token = request_id_var.set("req-1234abcd")
    try:
        RedactingFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "fetched /feeds/p/[redacted].ics"
    assert line["request_id"] == "req-1234abcd"
    assert (line["level"], line["logger"]) == ("info", "shortbreaks.test")


async def test_the_request_id_is_carried_into_jobs(settings, clock) -> None:
    seen.clear()
    ctx = await jobs.build_context(settings, clock)
    queue = jobs.InProcessQueue(ctx, [note_request_id])
    previous = jobs.get_queue()
    jobs.set_queue(queue)
    token = request_id_var.set("req-fromweb1")
    try:
        await jobs.enqueue("note_request_id")
    finally:
        request_id_var.reset(token)
        await queue.drain()
        jobs.set_queue(previous)
        await jobs.close_context(ctx)
    assert seen == ["req-fromweb1"]


async def test_metrics_are_served_to_loopback_and_hidden_from_others(app: Starlette) -> None:
    local = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1234)), base_url="http://testserver")
    remote = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 1234)), base_url="http://testserver")
    await local.get("/healthz")
    response = await local.get("/metrics")
    assert response.status_code == 200
    assert 'shortbreaks_request_seconds_count{method="GET",route="/healthz",status="200"}' in response.text
    assert (await remote.get("/metrics")).status_code == 404
    await local.aclose()
    await remote.aclose()


async def test_metrics_need_the_token_when_one_is_set(app: Starlette) -> None:
    app.state.settings = app.state.settings.model_copy(update={"metrics_token": SecretStr("metrics-secret-123")})
    local = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1234)), base_url="http://testserver")
    assert (await local.get("/metrics")).status_code == 404
    assert (await local.get("/metrics", headers={"Authorization": "Bearer metrics-secret-123"})).status_code == 200
    await local.aclose()
