"""A family's first day (issue 18): forgotten passwords, weak passwords, verified email before
booking, addresses that follow the server, and the development mailbox."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from shortbreaks.accounts import password_resets
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.errors import ResetLinkInvalid
from shortbreaks.accounts.models import ApiToken, PasswordReset, User, WebSession
from shortbreaks.app import create_app
from shortbreaks.clock import FrozenClock
from shortbreaks.logs import redact
from shortbreaks.models import AuditEvent, OutboxMessage
from shortbreaks.security import password_problem, token_hash, verify_password
from shortbreaks.settings import Settings, load_settings
from tests.bookings.conftest import make_child, make_service, make_session
from tests.factories import NOW, PASSWORD, bearer, csrf, csrf_from, make_organisation, make_user, sign_in

NEW_PASSWORD = "otter lantern quietly marches"
COMMON = "This password is one of the most common passwords. Choose one that is harder to guess, for example 3 or 4 random words"
REPEATS = 'Repeats like "aaa" are easy to guess. Choose one that is harder to guess, for example 3 or 4 random words'


def guest(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Another browser on the same app (its own cookies)."""
    return httpx.AsyncClient(transport=client._transport, base_url="http://testserver")


async def ask_for_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await client.get("/forgot-password")
    return await client.post("/forgot-password", data={"email": email, "csrf_token": csrf_from(page.text)})


async def reset_link(email: str) -> str:
    """The path of the newest reset link emailed to ``email``."""
    message = await OutboxMessage.filter(to_email=email, subject="Reset your shortbreaks password").order_by("-created_at").first()
    assert message is not None
    line = next(line for line in message.body.splitlines() if "/reset-password/" in line)
    assert line.startswith("http://testserver/reset-password/")
    return line.removeprefix("http://testserver")


async def set_new_password(client: httpx.AsyncClient, path: str, password: str) -> httpx.Response:
    form = await client.get(path)
    return await client.post(path, data={"password": password, "csrf_token": csrf_from(form.text)})


# --- weak passwords ------------------------------------------------------------------------------


@pytest.mark.parametrize(("password", "message"), [("password12", COMMON), ("aaaaaaaaaa", REPEATS), ("short", None)])
async def test_registration_refuses_a_weak_password_and_says_why(client: httpx.AsyncClient, password: str, message: str | None) -> None:
    authority = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    token = await csrf(client, "/register")
    data = {"display_name": "Alex", "email": "alex@example.com", "password": password, "local_authority_id": str(authority.id)}
    response = await client.post("/register", data={**data, "csrf_token": token})

    assert response.status_code == 422
    expected = message or "Password must be 10 characters or more"
    assert f'<a href="#password">{expected.replace(chr(34), "&#34;")}</a>' in response.text
    assert 'aria-describedby="password-hint password-error"' in response.text
    assert await User.filter(email="alex@example.com").count() == 0


async def test_a_staff_invitation_refuses_a_common_password(client: httpx.AsyncClient) -> None:
    provider = await make_organisation(kind=OrganisationKind.CHARITY, name="Play Together")
    admin = await make_user(role=Role.PROVIDER_STAFF, organisation=provider, org_admin=True)
    await sign_in(client, admin)
    page = await client.get(f"/organisations/{provider.id}")
    await client.post(
        f"/organisations/{provider.id}/invitations",
        data={"email": "new.staff@example.com", "role": "provider_staff", "csrf_token": csrf_from(page.text)},
    )
    message = await OutboxMessage.get(to_email="new.staff@example.com")
    path = next(line for line in message.body.splitlines() if "/invitations/" in line).removeprefix("http://testserver")
    async with guest(client) as other:
        form = await other.get(path)
        refused = await other.post(path, data={"display_name": "New Staff", "password": "password12", "csrf_token": csrf_from(form.text)})
        assert refused.status_code == 422
        assert COMMON in refused.text
        assert await User.filter(email="new.staff@example.com").count() == 0
        accepted = await other.post(path, data={"display_name": "New Staff", "password": NEW_PASSWORD, "csrf_token": csrf_from(form.text)})
        assert accepted.status_code == 303


def test_a_password_made_of_the_persons_own_email_is_refused() -> None:
    assert password_problem("priyashah2024", user_inputs=("priyashah2024@example.com", "Priya Shah")) == (
        "This password contains your name or email address. Choose one that is harder to guess, for example 3 or 4 random words"
    )
    assert password_problem(NEW_PASSWORD, user_inputs=("priya@example.com", "Priya Shah")) is None


# --- forgotten passwords ---------------------------------------------------------------------------


async def test_a_reset_link_sets_a_new_password_once_and_revokes_every_session_and_token(client: httpx.AsyncClient) -> None:
    user = await make_user(role=Role.FAMILY, email="carer@example.com")
    headers = await bearer(user)
    async with guest(client) as signed_in:
        await sign_in(signed_in, user)
        assert (await signed_in.get("/account")).status_code == 200

        response = await ask_for_reset(client, "Carer@Example.com")
        assert response.status_code == 303
        assert response.headers["location"] == "/forgot-password/sent"
        path = await reset_link("carer@example.com")
        reset = await PasswordReset.get(user_id=user.id)
        assert reset.token_hash == token_hash(path.removeprefix("/reset-password/"))
        assert reset.expires_at - reset.created_at == timedelta(minutes=30)

        done = await set_new_password(client, path, NEW_PASSWORD)
        assert done.status_code == 303
        assert done.headers["location"] == "/sign-in"
        # The old session and the API token stop working.
        assert (await signed_in.get("/account")).status_code == 303
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert await WebSession.filter(user_id=user.id, revoked_at=None).count() == 0
    assert await ApiToken.filter(user_id=user.id, revoked_at=None).count() == 0
    assert verify_password((await User.get(id=user.id)).password_hash, NEW_PASSWORD)
    assert await sign_in(client, user, NEW_PASSWORD)

    # Used twice: a clear page, nothing changed.
    async with guest(client) as other:
        again = await other.get(path)
        assert again.status_code == 400
        assert "This link to reset your password is not valid. It may have been used already or have expired" in again.text
        assert "Nothing has been changed" in again.text
        token = csrf_from((await other.get("/forgot-password")).text)
        replay = await other.post(path, data={"password": "another quite long passphrase", "csrf_token": token})
        assert replay.status_code == 400
    assert verify_password((await User.get(id=user.id)).password_hash, NEW_PASSWORD)
    actions = await AuditEvent.filter(record_id=str(user.id), action__startswith="core.").order_by("id").values_list("action", flat=True)
    assert [a for a in actions if "password" in a] == ["core.password_reset.requested", "core.user.password_reset"]


async def test_an_unknown_address_gets_the_same_answer_and_no_email(client: httpx.AsyncClient) -> None:
    await make_user(email="known@example.com")
    known = await ask_for_reset(client, "known@example.com")
    unknown = await ask_for_reset(client, "nobody@example.com")

    answers = [(r.status_code, r.headers["location"]) for r in (known, unknown)]
    assert answers == [(303, "/forgot-password/sent"), (303, "/forgot-password/sent")]
    sent = await client.get("/forgot-password/sent")
    assert "If there is an account for that email address, we have sent it a link to reset the password." in sent.text
    assert await OutboxMessage.filter(to_email="nobody@example.com").count() == 0
    assert await OutboxMessage.filter(to_email="known@example.com").count() == 1
    assert await AuditEvent.filter(action="core.password_reset.requested_unknown").count() == 1


async def test_a_reset_link_after_30_minutes_is_refused_and_changes_nothing(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    user = await make_user(email="late@example.com")
    await ask_for_reset(client, user.email)
    path = await reset_link(user.email)
    form = await client.get(path)
    clock.advance(timedelta(minutes=30))

    late = await client.post(path, data={"password": NEW_PASSWORD, "csrf_token": csrf_from(form.text)})
    assert late.status_code == 400
    assert "may have been used already or have expired" in late.text
    assert (await client.get(path)).status_code == 400
    assert verify_password((await User.get(id=user.id)).password_hash, PASSWORD)


async def test_a_made_up_reset_link_gets_the_clear_page_not_an_error(client: httpx.AsyncClient) -> None:
    for path in ("/reset-password/not-a-token", "/reset-password/" + "A" * 43):
        response = await client.get(path)
        assert response.status_code == 400
        assert "Ask for a new link" in response.text


async def test_a_weak_new_password_is_refused_and_the_link_still_works(client: httpx.AsyncClient) -> None:
    user = await make_user(email="weak@example.com")
    await ask_for_reset(client, user.email)
    path = await reset_link(user.email)
    refused = await set_new_password(client, path, "password12")
    assert refused.status_code == 422
    assert COMMON in refused.text
    assert 'aria-describedby="password-hint password-error"' in refused.text
    assert (await set_new_password(client, path, NEW_PASSWORD)).status_code == 303


async def test_reset_requests_are_throttled_like_sign_in_for_known_and_unknown_addresses(client: httpx.AsyncClient) -> None:
    await make_user(email="often@example.com")
    for email in ("often@example.com", "never@example.com"):
        statuses = [(await ask_for_reset(client, email)).status_code for _ in range(6)]
        assert statuses == [303, 303, 303, 303, 303, 429]
    last = await ask_for_reset(client, "often@example.com")
    assert "Too many requests to reset a password. Wait a few minutes and try again" in last.text
    assert int(last.headers["retry-after"]) > 0
    assert await OutboxMessage.filter(to_email="often@example.com").count() == 5
    assert await AuditEvent.filter(action="core.password_reset.throttled").count() == 3


async def test_staff_still_need_their_second_factor_after_a_reset(client: httpx.AsyncClient) -> None:
    staff = await make_user(role=Role.PROVIDER_STAFF, email="staff@example.com")
    await sign_in(client, staff)  # enrols the second factor
    assert (await User.get(id=staff.id)).totp_enabled_at is not None
    async with guest(client) as other:
        await ask_for_reset(other, staff.email)
        assert (await set_new_password(other, await reset_link(staff.email), NEW_PASSWORD)).status_code == 303
        page = await other.get("/sign-in")
        response = await other.post("/sign-in", data={"email": staff.email, "password": NEW_PASSWORD, "csrf_token": csrf_from(page.text)})
        assert response.status_code == 303
        assert response.headers["location"].startswith("/sign-in/two-factor")
        assert (await other.get("/account")).status_code == 303
    assert (await User.get(id=staff.id)).totp_enabled_at is not None


@pytest.mark.postgres
async def test_the_same_reset_link_used_at_once_by_several_requests_sets_the_password_once() -> None:
    user = await make_user(email="race@example.com")
    await password_resets.request_password_reset(user.email, ip="203.0.113.1", now=NOW, base_url="http://testserver")
    token = (await reset_link(user.email)).removeprefix("/reset-password/")
    passwords = [f"{word} lantern quietly marches" for word in ("otter", "badger", "heron", "stoat", "vole", "finch")]

    async def reset(password: str) -> str:
        try:
            await password_resets.reset_password(token, password=password, now=NOW)
        except ResetLinkInvalid:
            return "refused"
        return password

    results = await asyncio.gather(*(reset(p) for p in passwords))
    winners = [r for r in results if r != "refused"]
    assert len(winners) == 1
    assert verify_password((await User.get(id=user.id)).password_hash, winners[0])
    assert await AuditEvent.filter(action="core.user.password_reset").count() == 1


def test_reset_links_are_redacted_in_logs() -> None:
    assert redact("GET /reset-password/abcdefghijklmnop HTTP/1.1") == "GET /reset-password/[redacted] HTTP/1.1"


async def test_the_sign_in_page_links_to_the_forgotten_password_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/sign-in")
    assert '<a class="govuk-link" href="/forgot-password">Forgotten your password?</a>' in page.text


# --- a verified email address before booking -------------------------------------------------------


async def test_a_family_books_only_once_its_email_address_is_confirmed(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    authority = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY, name="Leeds City Council")
    token = await csrf(client, "/register")
    data = {"display_name": "Alex Parent", "email": "alex@example.com", "password": NEW_PASSWORD, "local_authority_id": str(authority.id)}
    assert (await client.post("/register", data={**data, "csrf_token": token})).status_code == 303
    family = await User.get(email="alex@example.com")
    assert family.email_verified_at is None
    await sign_in(client, family, NEW_PASSWORD)
    child = await make_child(family)
    session = await make_session(await make_service(authority=authority, price=0))

    book_page = await client.get(f"/sessions/{session.id}/book")
    assert "Confirm your email address" in book_page.text
    refused = await client.post(f"/sessions/{session.id}/book", data={"child_ids": str(child.id), "csrf_token": csrf_from(book_page.text)})
    assert refused.status_code == 422
    assert "Confirm your email address before you book" in refused.text
    body = {"session_id": str(session.id), "child_ids": [str(child.id)]}
    api = await client.post("/api/v1/bookings", json=body, headers=await bearer(family))
    assert (api.status_code, api.json()["code"]) == (403, "email_not_verified")
    assert (await client.get("/api/v1/me", headers=await bearer(family))).json()["email_verified"] is False

    # A new link, from the booking page, and following it lets the family book.
    clock.advance(timedelta(minutes=5))
    back = f"/sessions/{session.id}/book"
    resent = await client.post("/account/verify-email", data={"next": back, "csrf_token": csrf_from(book_page.text)})
    assert resent.status_code == 303
    assert resent.headers["location"] == f"/sessions/{session.id}/book"
    messages = await OutboxMessage.filter(to_email="alex@example.com", subject="Confirm your email address").order_by("created_at")
    assert len(messages) == 2
    link = next(line for line in messages[-1].body.splitlines() if "/verify-email/" in line)
    assert (await client.get(link.removeprefix("http://testserver"))).status_code == 303
    page = await client.get(f"/sessions/{session.id}/book")
    assert "Confirm your email address" not in page.text
    booked = await client.post(f"/sessions/{session.id}/book", data={"child_ids": str(child.id), "csrf_token": csrf_from(page.text)})
    assert booked.status_code == 303
    assert (await client.get("/api/v1/me", headers=await bearer(family))).json()["email_verified"] is True


async def test_new_verification_links_are_throttled_and_none_goes_to_a_confirmed_address(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    family = await make_user(role=Role.FAMILY, email="again@example.com")
    await User.filter(id=family.id).update(email_verified_at=None)
    await sign_in(client, family)
    token = await csrf(client, "/account")
    flashes = []
    for _ in range(6):
        clock.advance(timedelta(seconds=10))
        response = await client.post("/account/verify-email", data={"csrf_token": token})
        assert (response.status_code, response.headers["location"]) == (303, "/account")
        page = await client.get("/account")
        flashes.append(re.search(r"(We have sent a new link|You have asked for several links already)", page.text).group(1))
    assert flashes == ["We have sent a new link"] * 5 + ["You have asked for several links already"]
    assert await OutboxMessage.filter(to_email="again@example.com").count() == 5

    await User.filter(id=family.id).update(email_verified_at=NOW)
    clock.advance(timedelta(minutes=20))
    await client.post("/account/verify-email", data={"csrf_token": token})
    assert "Your email address is already confirmed" in (await client.get("/account")).text


# --- addresses follow the server -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "base_url"),
    [
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"HOST": "0.0.0.0", "PORT": "8101"}, "http://127.0.0.1:8101"),  # noqa: S104  # a setting, nothing listens
        ({"HOST": "::1", "PORT": "8101"}, "http://[::1]:8101"),
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8123", "BASE_URL": "https://shortbreaks.example/"}, "https://shortbreaks.example"),
    ],
)
def test_without_base_url_the_base_url_is_the_servers_address(tmp_path: Path, env: dict[str, str], base_url: str) -> None:
    assert load_settings({"SHORTBREAKS_VAR_DIR": str(tmp_path), **env}).base_url == base_url


async def test_an_invitation_made_without_base_url_names_the_servers_port(settings: Settings, clock: FrozenClock) -> None:
    environ = {"SHORTBREAKS_ENV": "test", "SHORTBREAKS_VAR_DIR": str(settings.var_dir), "DATABASE_URL": settings.database_url}
    environ |= {"SECRET_KEY": settings.secret_key.get_secret_value(), "PORT": "8123"}
    app = create_app(load_settings(environ), clock=clock, run_cron=False)
    async with app.router.lifespan_context(app):
        provider = await make_organisation(kind=OrganisationKind.CHARITY)
        admin = await make_user(role=Role.PROVIDER_STAFF, organisation=provider, org_admin=True)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8123") as client:
            await sign_in(client, admin)
            page = await client.get(f"/organisations/{provider.id}")
            data = {"email": "port@example.com", "role": "provider_staff", "csrf_token": csrf_from(page.text)}
            assert (await client.post(f"/organisations/{provider.id}/invitations", data=data)).status_code == 303
        message = await OutboxMessage.get(to_email="port@example.com")
        assert re.search(r"^http://127\.0\.0\.1:8123/invitations/\S+$", message.body, re.MULTILINE)


# --- the development mailbox -----------------------------------------------------------------------


async def test_the_mailbox_shows_the_administrator_every_email_with_working_links(client: httpx.AsyncClient) -> None:
    await make_user(email="family@example.com")
    await ask_for_reset(client, "family@example.com")
    path = await reset_link("family@example.com")
    admin = await make_user(admin=True)
    async with guest(client) as other:
        await sign_in(other, admin)
        mailbox = await other.get("/admin/mailbox")
    assert mailbox.status_code == 200
    assert "Reset your shortbreaks password" in mailbox.text
    assert "family@example.com" in mailbox.text
    assert f'<a class="govuk-link" href="http://testserver{path}">http://testserver{path}</a>' in mailbox.text


async def test_the_mailbox_is_for_administrators_only(client: httpx.AsyncClient) -> None:
    await sign_in(client, await make_user(role=Role.FAMILY))
    assert (await client.get("/admin/mailbox")).status_code == 403


async def test_there_is_no_mailbox_in_production(settings: Settings, clock: FrozenClock, app: Starlette) -> None:
    production = settings.model_copy(update={"env": "production"})
    prod_app = create_app(production, clock=clock, run_cron=False)
    async with prod_app.router.lifespan_context(prod_app):
        admin = await make_user(admin=True)
        transport = httpx.ASGITransport(app=prod_app, client=("203.0.113.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await sign_in(client, admin)
            assert (await client.get("/admin/mailbox")).status_code == 404
            assert "Mailbox" not in (await client.get("/admin")).text
