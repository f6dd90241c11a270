"""Staff sign in with a TOTP second factor; families may opt in."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pyotp
from starlette.applications import Starlette

from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import RecoveryCode, User
from shortbreaks.clock import FrozenClock
from shortbreaks.models import AuditEvent
from tests.factories import PASSWORD, csrf_from, make_user, sign_in


async def _password_step(client: httpx.AsyncClient, user: User) -> httpx.Response:
    page = await client.get("/sign-in")
    return await client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})


def _code(secret: str, clock: FrozenClock, steps_ahead: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * steps_ahead)))


async def _enrol(client: httpx.AsyncClient, user: User, clock: FrozenClock) -> tuple[str, list[str]]:
    form = await client.get("/account/two-factor")
    secret = (await User.get(id=user.id)).totp_secret
    assert secret is not None
    done = await client.post("/account/two-factor", data={"code": _code(secret, clock), "csrf_token": csrf_from(form.text)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    return secret, codes


async def test_staff_must_enrol_before_they_can_see_anything(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    officer = await make_user(role=Role.LA_OFFICER)
    response = await _password_step(client, officer)
    assert response.headers["location"] == "/account/two-factor?next=%2F"
    assert (await client.get("/authority/families")).status_code == 303, "not signed in until enrolled"
    enrol_page = await client.get("/account/two-factor")
    assert 'src="data:image/svg+xml' in enrol_page.text
    _secret, codes = await _enrol(client, officer, clock)
    assert len(codes) == 10
    assert (await client.get("/authority/families")).status_code == 200
    assert await RecoveryCode.filter(user_id=officer.id, used_at=None).count() == 10
    stored = {r.code_hash for r in await RecoveryCode.filter(user_id=officer.id)}
    assert stored.isdisjoint(codes), "only hashes are stored"


async def test_an_enrolled_user_needs_a_fresh_code_at_each_sign_in(app: Starlette, client: httpx.AsyncClient, clock: FrozenClock) -> None:
    funder = await make_user(role=Role.FUNDER)
    await _password_step(client, funder)
    secret, _codes = await _enrol(client, funder, clock)
    first_code = _code(secret, clock)
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    response = await _password_step(other, funder)
    assert response.headers["location"] == "/sign-in/two-factor?next=%2F"
    form = await other.get("/sign-in/two-factor")
    replay = await other.post("/sign-in/two-factor", data={"code": first_code, "csrf_token": csrf_from(form.text)})
    assert replay.status_code == 401, "a code already used cannot be used again"
    clock.advance(timedelta(seconds=30))
    ok = await other.post("/sign-in/two-factor", data={"code": _code(secret, clock), "csrf_token": csrf_from(form.text)})
    assert ok.status_code == 303
    assert (await other.get("/account")).status_code == 200
    await other.aclose()


async def test_a_recovery_code_works_once(app: Starlette, client: httpx.AsyncClient, clock: FrozenClock) -> None:
    grantee = await make_user(role=Role.GRANTEE)
    await _password_step(client, grantee)
    _secret, codes = await _enrol(client, grantee, clock)
    for expected in (303, 401):
        browser = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        await _password_step(browser, grantee)
        form = await browser.get("/sign-in/two-factor")
        response = await browser.post("/sign-in/two-factor", data={"code": codes[0], "csrf_token": csrf_from(form.text)})
        assert response.status_code == expected
        await browser.aclose()


async def test_five_wrong_codes_end_the_half_signed_in_session(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    staff = await make_user(role=Role.PROVIDER_STAFF)
    await sign_in(client, staff)  # enrols
    client.cookies.clear()
    await _password_step(client, staff)
    form = await client.get("/sign-in/two-factor")
    statuses = [
        (await client.post("/sign-in/two-factor", data={"code": "000000", "csrf_token": csrf_from(form.text)})).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 303]
    assert (await client.get("/sign-in/two-factor")).headers["location"] == "/sign-in"
    assert await AuditEvent.filter(action="core.signin.second_factor_failed").count() == 5


async def test_families_sign_in_with_a_password_and_may_opt_in(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    family = await make_user(role=Role.FAMILY)
    response = await _password_step(client, family)
    assert response.headers["location"] == "/"
    assert (await client.get("/account")).status_code == 200
    await _enrol(client, family, clock)
    client.cookies.clear()
    clock.advance(timedelta(minutes=1))
    response = await _password_step(client, family)
    assert response.headers["location"] == "/sign-in/two-factor?next=%2F"


async def test_staff_sessions_have_a_shorter_idle_timeout(client: httpx.AsyncClient, clock: FrozenClock, app: Starlette) -> None:
    staff = await make_user(role=Role.PROVIDER_STAFF)
    await sign_in(client, staff)
    assert (await client.get("/account")).status_code == 200
    clock.advance(timedelta(minutes=app.state.settings.staff_session_idle_minutes + 1))
    assert app.state.settings.staff_session_idle_minutes < app.state.settings.session_idle_minutes
    assert (await client.get("/account")).status_code == 303


async def test_staff_api_tokens_need_the_second_factor(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    officer = await make_user(role=Role.LA_OFFICER)
    refused = await client.post("/api/v1/auth/tokens", json={"email": officer.email, "password": PASSWORD})
    assert refused.status_code == 403
    await _password_step(client, officer)
    secret, _ = await _enrol(client, officer, clock)
    without = await client.post("/api/v1/auth/tokens", json={"email": officer.email, "password": PASSWORD})
    assert without.status_code == 401
    clock.advance(timedelta(seconds=30))
    created = await client.post(
        "/api/v1/auth/tokens", json={"email": officer.email, "password": PASSWORD, "totp_code": _code(secret, clock)}
    )
    assert created.status_code == 201
