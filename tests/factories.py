"""Plain async factories with explicit defaults."""

from __future__ import annotations

import itertools
import re

import httpx
import pyotp

from shortbreaks.accounts import services
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation, User
from shortbreaks.clock import utc

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
NOW = utc(2026, 6, 10, 9, 30)


async def make_organisation(
    *,
    kind: OrganisationKind = OrganisationKind.LOCAL_AUTHORITY,
    name: str | None = None,
    identifier: str | None = None,
    region: str = "West Midlands",
) -> Organisation:
    n = next(_counter)
    if identifier is None:
        identifier = {
            OrganisationKind.LOCAL_AUTHORITY: f"GB-LAE-{chr(65 + n % 26)}{chr(65 + (n // 26) % 26)}{chr(65 + (n // 676) % 26)}",
            OrganisationKind.FUNDER: f"GB-GOR-D{n}",
        }.get(kind, f"GB-CHC-{1_100_000 + n}")
    return await services.ensure_organisation(identifier=identifier, name=name or f"Organisation {n}", kind=kind, region=region, now=NOW)


async def make_user(
    *,
    role: Role | None = None,
    organisation: Organisation | None = None,
    email: str | None = None,
    name: str | None = None,
    admin: bool = False,
    org_admin: bool = False,
) -> User:
    n = next(_counter)
    user = await services.ensure_user(
        email=email or f"user{n}@example.com", password=PASSWORD, display_name=name or f"User {n}", now=NOW, is_site_admin=admin
    )
    if role is not None:
        if organisation is None:
            kind = {
                Role.FAMILY: OrganisationKind.LOCAL_AUTHORITY,
                Role.LA_OFFICER: OrganisationKind.LOCAL_AUTHORITY,
                Role.PROVIDER_STAFF: OrganisationKind.CHARITY,
                Role.GRANTEE: OrganisationKind.CHARITY,
                Role.FUNDER: OrganisationKind.FUNDER,
            }[role]
            organisation = await make_organisation(kind=kind)
        await services.ensure_membership(user, organisation, role, is_org_admin=org_admin)
    return user


async def bearer(user: User) -> dict[str, str]:
    token, _ = await services.create_api_token(user, now=NOW)
    return {"Authorization": f"Bearer {token}"}


_CSRF = re.compile(r'name="csrf_token" value="([A-Za-z0-9_-]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _totp_code(client: httpx.AsyncClient, secret: str, last_step: int | None) -> str:
    """A code valid at the app's (frozen) clock that has not been used yet: now, or the next step."""
    now = client._transport.app.state.clock.now()  # type: ignore[attr-defined]  # the ASGI transport's app
    step = int(now.timestamp()) // 30
    if last_step is not None and last_step >= step:
        step = last_step + 1
    return str(pyotp.TOTP(secret).at(step * 30))


async def sign_in(client: httpx.AsyncClient, user: User, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the real forms; staff enrol (or use) a TOTP second factor on the way."""
    page = await client.get("/sign-in")
    response = await client.post("/sign-in", data={"email": user.email, "password": password, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    if location.startswith("/account/two-factor"):
        form = await client.get(location)
        fresh = await User.get(id=user.id)
        assert fresh.totp_secret
        done = await client.post(
            "/account/two-factor",
            data={"code": _totp_code(client, fresh.totp_secret, None), "csrf_token": csrf_from(form.text), "next": "/"},
        )
        assert done.status_code == 200, done.text
        return response
    if location.startswith("/sign-in/two-factor"):
        form = await client.get(location)
        fresh = await User.get(id=user.id)
        assert fresh.totp_secret
        done = await client.post(
            "/sign-in/two-factor",
            data={"code": _totp_code(client, fresh.totp_secret, fresh.totp_last_step), "csrf_token": csrf_from(form.text)},
        )
        assert done.status_code == 303, done.text
        return done
    return response


async def csrf(client: httpx.AsyncClient, path: str = "/") -> str:
    return csrf_from((await client.get(path)).text)
