"""The one error mapping: a database that dropped out is a 503 with Retry-After, page or problem."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from tortoise.exceptions import DBConnectionError

from shortbreaks import core_routes
from shortbreaks.db import is_connection_error


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
async def test_connection_errors_become_503_with_retry_after(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    assert is_connection_error(error)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(core_routes, "render", fail)
    page = await client.get("/")
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert page.headers["content-type"].startswith("text/html")
    assert "Sorry, there is a problem with the service" in page.text

    monkeypatch.setattr(core_routes, "build_openapi", fail)
    api = await client.get("/api/openapi.json")
    assert (api.status_code, api.headers["content-type"]) == (503, "application/problem+json")
    assert api.json()["code"] == "service_unavailable"
    assert int(api.headers["Retry-After"]) > 0


async def test_other_os_errors_stay_a_500(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise FileNotFoundError("template")

    monkeypatch.setattr(core_routes, "render", fail)
    response = await client.get("/")
    assert response.status_code == 500
