"""Security headers on every kind of response, and what changes in production over https.

The kinds: a public page, a signed-in page, an error page, an API response, a problem
response, a static asset, an open-data feed and a redirect. ``RequestContextMiddleware``
(src/shortbreaks/middleware.py) sets them all in one place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from shortbreaks.accounts.auth import SECURE_SESSION_COOKIE, SESSION_COOKIE
from shortbreaks.app import create_app
from shortbreaks.clock import FrozenClock
from shortbreaks.security import hash_password
from shortbreaks.settings import Settings, load_settings
from tests.factories import PASSWORD, csrf_from
from tests.security.conftest import build_world

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "x-frame-options": "DENY",
}
PRODUCTION_KEY = "a-production-secret-key-that-is-long-enough-0123456789"


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.url}"
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.headers["x-request-id"]


async def test_every_kind_of_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await world.token("family")
    signed_in = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    signed_in.cookies.set(SESSION_COOKIE, await world.cookie("family"))
    responses = {
        "public page": await client.get("/"),
        "signed-in page": await signed_in.get("/bookings"),
        "error page": await client.get("/no-such-page"),
        "forbidden page": await signed_in.get("/admin"),
        "redirect to sign-in": await client.get("/bookings"),
        "api": await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}),
        "problem": await client.get("/api/v1/me"),
        "validation problem": await client.post("/api/v1/auth/tokens", json={}),
        "method not allowed": await client.put("/api/v1/services"),
        "static asset": await client.get("/assets/shortbreaks.css"),
        "open data feed": await client.get("/openreferral/services"),
        "openapi": await client.get("/api/openapi.json"),
        "health": await client.get("/healthz"),
    }
    await signed_in.aclose()
    statuses = {kind: r.status_code for kind, r in responses.items()}
    assert statuses == {
        "public page": 200,
        "signed-in page": 200,
        "error page": 404,
        "forbidden page": 403,
        "redirect to sign-in": 303,
        "api": 200,
        "problem": 401,
        "validation problem": 422,
        "method not allowed": 405,
        "static asset": 200,
        "open data feed": 200,
        "openapi": 200,
        "health": 200,
    }
    for response in responses.values():
        assert_security_headers(response)
        assert "strict-transport-security" not in response.headers  # plain http: no HSTS
    assert responses["problem"].headers["content-type"] == "application/problem+json"
    assert responses["open data feed"].headers["access-control-allow-origin"] == "*"
    assert responses["signed-in page"].headers["cache-control"] == "no-store"


def production_settings(settings: Settings, base_url: str) -> Settings:
    environ = {
        "SHORTBREAKS_ENV": "production",
        "SECRET_KEY": PRODUCTION_KEY,
        "BASE_URL": base_url,
        "DATABASE_URL": settings.database_url,
        "SHORTBREAKS_VAR_DIR": str(settings.var_dir),
    }
    return load_settings(environ)


@pytest.fixture
async def production(settings: Settings, clock: FrozenClock, app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The same database served as production over https (the ``app`` fixture keeps Tortoise open)."""
    https_app = create_app(production_settings(settings, "https://shortbreaks.example"), clock=clock, run_cron=False)
    https_app.state.redis = None
    transport = httpx.ASGITransport(app=https_app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://shortbreaks.example") as c:
        yield c


async def test_production_over_https_sends_hsts_and_only_secure_cookies(production: httpx.AsyncClient) -> None:
    world = await build_world()
    family = world.users["family"]
    family.password_hash = hash_password(PASSWORD)
    await family.save()
    page = await production.get("/sign-in")
    assert page.status_code == 200
    assert_security_headers(page)
    assert page.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    signed_in = await production.post("/sign-in", data={"email": family.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert signed_in.status_code == 303
    assert signed_in.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    cookies = [v for k, v in signed_in.headers.multi_items() + page.headers.multi_items() if k == "set-cookie"]
    names = sorted(cookie.split("=", 1)[0] for cookie in cookies)
    assert SECURE_SESSION_COOKIE in names
    for cookie in cookies:
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly"} <= attributes, cookie
        assert "samesite" in attributes, cookie
    account = await production.get("/account")
    signed_out = await production.post("/sign-out", data={"csrf_token": csrf_from(account.text)})
    assert signed_out.status_code == 303
    [deleted] = [v for k, v in signed_out.headers.multi_items() if k == "set-cookie" and v.startswith(SECURE_SESSION_COOKIE)]
    assert "Max-Age=0" in deleted and "Secure" in deleted  # else browsers ignore the deletion of a __Host- cookie
    api = await production.get("/api/v1/services")
    assert api.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


async def test_plain_http_sends_no_hsts_and_no_secure_only_cookie_name(client: httpx.AsyncClient) -> None:
    page = await client.get("/sign-in")
    assert "strict-transport-security" not in page.headers
    assert all(not v.startswith("__Host-") for k, v in page.headers.multi_items() if k == "set-cookie")
