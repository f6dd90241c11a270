"""The one error mapping: a database that dropped out is a 503 with Retry-After, page or problem.

The app is the one ``create_app`` builds; each test adds a page and an API endpoint of its own
that fail the way a real endpoint fails when the database goes away (our code is not patched).
"""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from tortoise.exceptions import DBConnectionError

from shortbreaks.db import is_connection_error
from shortbreaks.permissions import PUBLIC
from shortbreaks.routing import api, page


def add_failing_routes(app: Starlette, error: BaseException) -> None:
    """``/test/failing`` (a page) and ``/api/v1/test/failing`` (the API) raise ``error``."""

    async def failing(request: Request) -> Response:
        raise error

    app.router.routes.extend(
        [
            page("/test/failing", failing, name="test:failing_page", permission=PUBLIC),
            api("/api/v1/test/failing", failing, name="test:failing_api", permission=PUBLIC),
        ]
    )


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        ConnectionRefusedError(111, "Connect call failed"),
        DBConnectionError("can't connect"),
    ],
)
async def test_connection_errors_become_503_with_retry_after(app: Starlette, client: httpx.AsyncClient, error: Exception) -> None:
    assert is_connection_error(error)
    add_failing_routes(app, error)

    page_response = await client.get("/test/failing")
    assert page_response.status_code == 503
    assert int(page_response.headers["Retry-After"]) > 0
    assert page_response.headers["content-type"].startswith("text/html")
    assert "Sorry, there is a problem with the service" in page_response.text

    api_response = await client.get("/api/v1/test/failing")
    assert (api_response.status_code, api_response.headers["content-type"]) == (503, "application/problem+json")
    assert api_response.json()["code"] == "service_unavailable"
    assert int(api_response.headers["Retry-After"]) > 0


async def test_other_os_errors_stay_a_500(app: Starlette, client: httpx.AsyncClient) -> None:
    add_failing_routes(app, FileNotFoundError("template"))
    response = await client.get("/test/failing")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
