from __future__ import annotations

import httpx


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client: httpx.AsyncClient, app) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    expected = {"database": "ok"} | ({"redis": "ok"} if app.state.redis is not None else {})
    assert response.json() == {"status": "ok", "checks": expected}


async def test_home_page_renders(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "Short breaks for disabled children" in response.text
