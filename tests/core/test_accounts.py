"""Accounts: sign-in, sessions, CSRF, throttling, tokens, roles."""

from __future__ import annotations

from datetime import timedelta

import httpx
from starlette.applications import Starlette

from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import User, WebSession
from shortbreaks.clock import FrozenClock, utc
from shortbreaks.models import AuditEvent
from shortbreaks.security import sign, signature, unsign
from tests.factories import PASSWORD, bearer, csrf, csrf_from, make_organisation, make_user, sign_in


async def test_sign_in_sets_an_httponly_lax_session_cookie_and_stores_only_its_hash(client: httpx.AsyncClient) -> None:
    user = await make_user(role=Role.FAMILY)
    response = await sign_in(client, user)
    cookie = response.headers["set-cookie"]
    assert "sb_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    value = client.cookies["sb_session"]
    sessions = await WebSession.filter(user_id=user.id)
    assert len(sessions) == 1
    assert sessions[0].id != value
    assert len(sessions[0].id) == 64


async def test_email_is_unique_case_insensitively(client: httpx.AsyncClient) -> None:
    authority = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    await make_user(email="parent@example.com")
    token = await csrf(client, "/register")
    response = await client.post(
        "/register",
        data={
            "display_name": "P",
            "email": "Parent@Example.COM",
            "password": "a long password",
            "local_authority_id": str(authority.id),
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "An account with this email address already exists" in response.text
    assert await User.filter(email="parent@example.com").count() == 1


async def test_sign_in_accepts_the_email_in_any_case(client: httpx.AsyncClient) -> None:
    await make_user(email="carer@example.com")
    token = await csrf(client, "/sign-in")
    response = await client.post("/sign-in", data={"email": " CARER@example.com ", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


async def test_passwords_are_stored_as_argon2id_hashes() -> None:
    user = await make_user()
    assert user.password_hash.startswith("$argon2id$")


async def test_a_signed_out_session_cookie_no_longer_works(client: httpx.AsyncClient) -> None:
    user = await make_user(role=Role.FAMILY)
    await sign_in(client, user)
    old_cookie = client.cookies["sb_session"]
    assert (await client.get("/account")).status_code == 200
    token = await csrf(client, "/account")
    response = await client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    client.cookies.clear()
    client.cookies.set("sb_session", old_cookie)
    replay = await client.get("/account")
    assert replay.status_code == 303
    assert replay.headers["location"] == "/sign-in?next=%2Faccount"


async def test_sessions_expire_after_the_idle_timeout(client: httpx.AsyncClient, clock: FrozenClock, app: Starlette) -> None:
    user = await make_user()
    await sign_in(client, user)
    clock.advance(timedelta(minutes=app.state.settings.session_idle_minutes - 1))
    assert (await client.get("/account")).status_code == 200
    clock.advance(timedelta(minutes=app.state.settings.session_idle_minutes - 1))
    assert (await client.get("/account")).status_code == 200, "activity keeps the session alive"
    clock.advance(timedelta(minutes=app.state.settings.session_idle_minutes))
    assert (await client.get("/account")).status_code == 303


async def test_sessions_end_at_the_absolute_timeout_even_when_active(client: httpx.AsyncClient, clock: FrozenClock, app: Starlette) -> None:
    user = await make_user()
    await sign_in(client, user)
    for _ in range(app.state.settings.session_absolute_hours * 2):
        clock.advance(timedelta(minutes=30))
        await client.get("/account")
    assert (await client.get("/account")).status_code == 303


async def test_changing_the_password_revokes_every_session_and_token(client: httpx.AsyncClient) -> None:
    user = await make_user()
    headers = await bearer(user)
    other = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    await sign_in(other, user)
    await sign_in(client, user)
    token = await csrf(client, "/account")
    response = await client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "a brand new password", "csrf_token": token}
    )
    assert response.status_code == 303
    assert (await other.get("/account")).status_code == 303
    assert (await client.get("/account")).status_code == 303
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    await other.aclose()


async def test_a_form_post_without_its_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    user = await make_user()
    await sign_in(client, user)
    response = await client.post("/account/password", data={"current_password": PASSWORD, "new_password": "another password 1"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.text
    refreshed = await User.get(id=user.id)
    assert refreshed.password_hash == user.password_hash


async def test_a_csrf_token_from_another_session_is_refused(client: httpx.AsyncClient) -> None:
    user = await make_user()
    anonymous_token = await csrf(client, "/sign-in")
    await sign_in(client, user)
    response = await client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "another password 1", "csrf_token": anonymous_token}
    )
    assert response.status_code == 400


async def test_sign_in_form_needs_its_csrf_token(client: httpx.AsyncClient) -> None:
    user = await make_user()
    response = await client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert await WebSession.all().count() == 0


async def test_ten_wrong_passwords_are_throttled_and_audited(client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = await csrf(client, "/sign-in")
    statuses = []
    for _ in range(10):
        response = await client.post("/sign-in", data={"email": user.email, "password": "wrong password", "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses == [401] * 5 + [429] * 5
    assert 1 <= int(response.headers["retry-after"]) <= 900
    # Even the right password is refused while throttled.
    right = await client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429
    assert await AuditEvent.filter(action="core.signin.failed").count() == 5
    assert await AuditEvent.filter(action="core.signin.throttled").count() == 6


async def test_throttling_lifts_after_the_window(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    user = await make_user()
    token = await csrf(client, "/sign-in")
    for _ in range(5):
        await client.post("/sign-in", data={"email": user.email, "password": "wrong password", "csrf_token": token})
    clock.advance(timedelta(minutes=16))
    response = await client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


async def test_throttling_is_per_address_too(client: httpx.AsyncClient) -> None:
    token = await csrf(client, "/sign-in")
    statuses = []
    for n in range(21):
        response = await client.post("/sign-in", data={"email": f"nobody{n}@example.com", "password": "x", "csrf_token": token})
        statuses.append(response.status_code)
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429


async def test_unknown_email_and_wrong_password_get_the_same_message(client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = await csrf(client, "/sign-in")
    unknown = await client.post("/sign-in", data={"email": "nobody@example.com", "password": PASSWORD, "csrf_token": token})
    wrong = await client.post("/sign-in", data={"email": user.email, "password": "wrong password", "csrf_token": token})
    assert unknown.status_code == wrong.status_code == 401
    message = "Enter a correct email address and password"
    assert message in unknown.text
    assert message in wrong.text
    assert unknown.text.replace("nobody@example.com", "EMAIL") == wrong.text.replace(user.email, "EMAIL")


async def test_an_inactive_user_cannot_sign_in(client: httpx.AsyncClient) -> None:
    user = await make_user()
    await User.filter(id=user.id).update(is_active=False)
    token = await csrf(client, "/sign-in")
    response = await client.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 401


async def test_sign_in_redirects_only_to_local_paths(client: httpx.AsyncClient) -> None:
    user = await make_user()
    token = await csrf(client, "/sign-in")
    response = await client.post(
        "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"}
    )
    assert response.headers["location"] == "/"


async def test_a_family_gets_403_from_an_officers_page_and_api_alike(client: httpx.AsyncClient) -> None:
    family = await make_user(role=Role.FAMILY)
    headers = await bearer(family)
    api = await client.get("/api/v1/authority/families", headers=headers)
    assert api.status_code == 403
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["code"] == "forbidden"
    await sign_in(client, family)
    page = await client.get("/authority/families")
    assert page.status_code == 403
    assert "You do not have permission to see this page" in page.text


async def test_an_officer_sees_only_families_of_their_own_authority(client: httpx.AsyncClient) -> None:
    home = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    elsewhere = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    officer = await make_user(role=Role.LA_OFFICER, organisation=home)
    ours = await make_user(role=Role.FAMILY, organisation=home, name="Our Family")
    await make_user(role=Role.FAMILY, organisation=elsewhere, name="Their Family")
    response = await client.get("/api/v1/authority/families", headers=await bearer(officer))
    assert response.status_code == 200
    assert [f["id"] for f in response.json()] == [str(ours.id)]


async def test_signed_out_api_calls_get_401_problem_with_www_authenticate(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"


async def test_api_token_round_trip_create_use_revoke(client: httpx.AsyncClient) -> None:
    user = await make_user(role=Role.FAMILY)
    created = await client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert created.status_code == 201
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert me.json()["memberships"][0]["role"] == "family"
    revoked = await client.delete("/api/v1/auth/tokens/current", headers=headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_api_tokens_are_stored_only_as_hashes(client: httpx.AsyncClient) -> None:
    from shortbreaks.accounts.models import ApiToken

    user = await make_user()
    created = await client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    token = created.json()["token"]
    row = await ApiToken.get(user_id=user.id)
    assert token not in (row.token_hash, row.prefix)
    assert row.prefix == token[:12]


async def test_token_creation_is_throttled_like_sign_in(client: httpx.AsyncClient) -> None:
    user = await make_user()
    statuses = [(await client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "nope"})).status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    last = await client.post("/api/v1/auth/tokens", json={"email": user.email, "password": "nope"})
    assert last.headers["content-type"] == "application/problem+json"
    assert int(last.headers["retry-after"]) > 0


async def _register_and_get_verification_path(client: httpx.AsyncClient, authority_id: str) -> str:
    from shortbreaks.models import OutboxMessage

    token = await csrf(client, "/register")
    response = await client.post(
        "/register",
        data={
            "display_name": "Alex Parent",
            "email": "alex@example.com",
            "password": "a long password",
            "local_authority_id": authority_id,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    message = await OutboxMessage.get(to_email="alex@example.com")
    link = next(line for line in message.body.splitlines() if "/verify-email/" in line)
    return link.removeprefix("http://testserver")


async def test_registration_creates_a_family_in_its_council_and_sends_a_verification_link(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    authority = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY, name="Leeds City Council")
    path = await _register_and_get_verification_path(client, str(authority.id))
    user = await User.get(email="alex@example.com")
    memberships = await user.memberships.all()
    assert [(m.role, m.organisation_id) for m in memberships] == [(Role.FAMILY, authority.id)]
    verified = await client.get(path)
    assert verified.status_code == 303
    assert (await User.get(id=user.id)).email_verified_at is not None


async def test_a_verification_link_works_for_three_days_and_not_after(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    authority = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    path = await _register_and_get_verification_path(client, str(authority.id))
    clock.advance(timedelta(days=3, seconds=1))
    assert (await client.get(path)).status_code == 400
    clock.advance(timedelta(seconds=-2))
    assert (await client.get(path)).status_code == 303


async def test_a_changed_verification_link_is_refused(client: httpx.AsyncClient) -> None:
    authority = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    path = await _register_and_get_verification_path(client, str(authority.id))
    payload, timestamp, mac = path.removeprefix("/verify-email/").split(".")
    forged = "/verify-email/" + ".".join([payload, timestamp, mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")])
    assert (await client.get(forged)).status_code == 400
    assert (await User.get(email="alex@example.com")).email_verified_at is None


def test_a_signed_value_is_read_back_only_for_its_purpose_with_its_key_within_its_lifetime() -> None:
    made_at = utc(2026, 3, 29, 0, 30)
    value = sign("key", "flash", "Saved", now=made_at)
    lifetime = timedelta(minutes=2)
    assert unsign("key", "flash", value, max_age=lifetime, now=made_at + lifetime) == "Saved"
    refused = [
        unsign("key", "flash", value, max_age=lifetime, now=made_at + lifetime + timedelta(seconds=1)),
        unsign("key", "verify-email", value, max_age=lifetime, now=made_at),
        unsign("other key", "flash", value, max_age=lifetime, now=made_at),
        unsign("key", "flash", value + "x", max_age=lifetime, now=made_at),
    ]
    assert refused == [None, None, None, None]


async def test_a_csrf_token_is_a_signature_of_the_session_not_the_session_itself(client: httpx.AsyncClient, app: Starlette) -> None:
    user = await make_user(role=Role.FAMILY)
    await sign_in(client, user)
    token = await csrf(client, "/account")
    session = await WebSession.get(user_id=user.id)
    assert token == signature(app.state.settings.secret_key.get_secret_value(), "csrf", "s:" + session.id)
    assert session.id not in token
    assert client.cookies["sb_session"] not in token


async def test_registration_errors_are_shown_in_an_error_summary(client: httpx.AsyncClient) -> None:
    token = await csrf(client, "/register")
    response = await client.post("/register", data={"display_name": "", "email": "not-an-email", "password": "short", "csrf_token": token})
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert 'href="#email"' in response.text
    assert 'href="#local_authority_id"' in response.text
    assert await User.all().count() == 0


async def test_an_organisation_admin_invites_staff_who_accept_and_sign_in(client: httpx.AsyncClient) -> None:
    from shortbreaks.models import OutboxMessage

    provider = await make_organisation(kind=OrganisationKind.CHARITY, name="Play Together")
    admin = await make_user(role=Role.PROVIDER_STAFF, organisation=provider, org_admin=True)
    await sign_in(client, admin)
    page = await client.get(f"/organisations/{provider.id}")
    response = await client.post(
        f"/organisations/{provider.id}/invitations",
        data={"email": "new.staff@example.com", "role": "provider_staff", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303
    message = await OutboxMessage.get(to_email="new.staff@example.com")
    path = next(line for line in message.body.splitlines() if "/invitations/" in line).removeprefix("http://testserver")
    guest = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    form = await guest.get(path)
    assert form.status_code == 200
    accepted = await guest.post(path, data={"display_name": "New Staff", "password": "a long password", "csrf_token": csrf_from(form.text)})
    assert accepted.status_code == 303
    user = await User.get(email="new.staff@example.com")
    assert [(m.role, m.organisation_id) for m in await user.memberships.all()] == [(Role.PROVIDER_STAFF, provider.id)]
    again = await guest.get(path)
    assert again.status_code == 400
    await guest.aclose()


async def test_staff_who_are_not_organisation_admins_cannot_invite(client: httpx.AsyncClient) -> None:
    provider = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=provider)
    await sign_in(client, staff)
    token = await csrf(client, "/account")
    response = await client.post(
        f"/organisations/{provider.id}/invitations", data={"email": "x@example.com", "role": "provider_staff", "csrf_token": token}
    )
    assert response.status_code == 403


async def test_another_organisations_page_is_not_found(client: httpx.AsyncClient) -> None:
    mine = await make_organisation(kind=OrganisationKind.CHARITY)
    theirs = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=mine, org_admin=True)
    await sign_in(client, staff)
    assert (await client.get(f"/organisations/{theirs.id}")).status_code == 404


async def test_an_officer_opens_a_family_from_the_families_page(client: httpx.AsyncClient) -> None:
    home = await make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)
    officer = await make_user(role=Role.LA_OFFICER, organisation=home)
    family = await make_user(role=Role.FAMILY, organisation=home, name="Linked Family")
    await sign_in(client, officer)
    page = await client.get("/authority/families")
    assert f'href="/authority/families/{family.id}">Linked Family</a>' in page.text
    assert (await client.get(f"/authority/families/{family.id}")).status_code == 200
