"""AdmissionMiddleware: no more requests work at once than the limit, the rest wait in order."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from shortbreaks.db import admission_limit
from shortbreaks.middleware import AdmissionMiddleware
from tests.waiting import wait_until


class Arrivals:
    """Notes each request as it reaches the next middleware: AdmissionMiddleware takes its place in
    the queue (or a slot) before it first yields, so a request noted here is in line."""

    def __init__(self, app: ASGIApp, *, seen: list[str]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append(scope["query_string"].decode())
        await self.app(scope, receive, send)


async def test_requests_beyond_the_limit_wait_their_turn_in_order() -> None:
    working: list[str] = []
    started: list[str] = []
    most = 0
    release = asyncio.Event()
    arrived: list[str] = []

    async def work(request: Request) -> PlainTextResponse:
        nonlocal most
        name = request.query_params["n"]
        started.append(name)
        working.append(name)
        most = max(most, len(working))
        await release.wait()
        working.remove(name)
        return PlainTextResponse(name)

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/work", work), Route("/healthz", health)],
        middleware=[Middleware(Arrivals, seen=arrived), Middleware(AdmissionMiddleware, limit=2)],
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        calls = []
        for n in range(6):
            calls.append(asyncio.create_task(client.get("/work", params={"n": str(n)})))
            # Arrive in this order: the next request leaves only once this one is in line.
            await wait_until(lambda: len(arrived) == len(calls), timeout=5, what=f"request {n} to reach the limiter")
        await wait_until(lambda: started == ["0", "1"], timeout=5, what="the first two requests to start work")
        assert (await client.get("/healthz")).text == "ok"  # health checks do not queue
        release.set()
        answers = await asyncio.gather(*calls)
    assert [a.text for a in answers] == [str(n) for n in range(6)]
    assert started == [str(n) for n in range(6)]  # first come, first served
    assert most == 2


async def test_a_slot_is_free_once_the_response_starts_and_after_a_failure() -> None:
    responding = asyncio.Event()
    reading = asyncio.Event()

    async def slow_body(scope: dict, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        responding.set()
        await reading.wait()  # a client slow to read the rest
        await send({"type": "http.response.body", "body": b"done"})  # type: ignore[operator]

    async def broken(scope: dict, receive: object, send: object) -> None:
        raise RuntimeError("boom")

    async def route(scope: dict, receive: object, send: object) -> None:
        await (broken if scope["path"] == "/broken" else slow_body)(scope, receive, send)

    middleware = AdmissionMiddleware(route, limit=1)  # type: ignore[arg-type]
    slow = asyncio.create_task(middleware({"type": "http", "path": "/feed"}, None, _ignore))  # type: ignore[arg-type]
    await asyncio.wait_for(responding.wait(), timeout=5)
    assert not middleware.slots.locked()  # the slow reader no longer holds the only slot
    with pytest.raises(RuntimeError):
        await middleware({"type": "http", "path": "/broken"}, None, _ignore)  # type: ignore[arg-type]
    assert not middleware.slots.locked()
    reading.set()
    await slow


async def _ignore(message: object) -> None:
    return None


def test_the_limit_is_the_postgres_pool_less_one() -> None:
    assert admission_limit("postgres://u@h:5432/db") == 9
    assert admission_limit("postgres://u@h:5432/db?maxsize=4") == 3
    assert admission_limit("postgres://u@h:5432/db?maxsize=1") == 1
    assert admission_limit("sqlite://var/db.sqlite3") is None


def test_production_opens_the_whole_pool_at_start_up() -> None:
    from shortbreaks.db import _connection

    production = _connection("postgres://u@h:5432/db?maxsize=6", production=True)
    assert isinstance(production, dict) and production["credentials"]["minsize"] == production["credentials"]["maxsize"] == "6"
    chosen = _connection("postgres://u@h:5432/db?minsize=2", production=True)
    assert isinstance(chosen, dict) and chosen["credentials"]["minsize"] == "2"
    development = _connection("postgres://u@h:5432/db")
    assert isinstance(development, dict) and "minsize" not in development["credentials"]
