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


async def test_readyz_names_redis_when_it_is_down(settings, clock) -> None:
    import socket

    from shortbreaks.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port}/0"})
    application = create_app(down, clock=clock, run_cron=False)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await c.get("/readyz")
            home = await c.get("/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}}
    assert home.status_code == 200, "pages keep working while Redis is down"
