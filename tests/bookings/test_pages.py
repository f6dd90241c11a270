"""The bookings pages work without JavaScript: forms post, redirect and show what changed."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bookings import services
from bookings.enums import BookingStatus, WaitingStatus
from bookings.models import Allocation, Booking, Child, WaitingListEntry
from providers.enums import BookingMode
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock
from tests.bookings.conftest import make_child, make_service, make_session
from tests.factories import csrf, make_organisation, make_user, sign_in


async def test_a_family_adds_a_child_books_and_cancels_on_the_pages(client: httpx.AsyncClient, authority: Organisation) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    await sign_in(client, family)
    token = await csrf(client, "/children")
    added = await client.post(
        "/children",
        data={"csrf_token": token, "first_name": "Leo", "date_of_birth": "2016-02-03", "needs": ["PD"], "medical": "Hoist needed"},
    )
    assert added.status_code == 303
    child = await Child.get(family_id=family.id)
    assert (child.first_name, child.needs) == ("Leo", ["PD"])

    session = await make_session(await make_service(), capacity=1)
    page = await client.get(f"/sessions/{session.id}/book")
    assert page.status_code == 200 and "Leo" in page.text
    missing = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "action": "book"})
    assert missing.status_code == 422 and "Select which children you are booking" in missing.text
    booked = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(child.id), "action": "book"})
    assert booked.status_code == 303
    booking = await Booking.get(family_id=family.id)
    listing = await client.get("/bookings")
    assert booking.reference in listing.text
    detail = await client.get(booked.headers["location"])
    assert "Cancel this booking" in detail.text
    asked = await client.get(f"/bookings/{booking.id}/cancel")
    assert asked.status_code == 200 and "Are you sure you want to cancel this booking?" in asked.text
    assert "late cancellation" not in asked.text
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED  # asking changed nothing

    cancelled = await client.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED_BY_FAMILY
    download = await client.get("/my-data/download")
    assert download.json()["children"][0]["care_profile"]["medical"] == "Hoist needed"
    assert (await client.get("/allocations")).status_code == 200


async def test_a_full_session_offers_the_waiting_list_and_the_offer_is_accepted_on_the_page(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    other = await make_user(role=Role.FAMILY, organisation=authority)
    session = await make_session(await make_service(), capacity=1)
    mine, theirs = await make_child(family), await make_child(other)
    await sign_in(client, other)
    token = await csrf(client, "/bookings")
    await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(theirs.id), "action": "book"})
    await client.post("/sign-out", data={"csrf_token": token})

    await sign_in(client, family)
    token = await csrf(client, "/bookings")
    full = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(mine.id), "action": "book"})
    assert full.status_code == 422 and "Join the waiting list" in full.text
    joined = await client.post(
        f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(mine.id), "action": "waiting_list"}
    )
    assert joined.status_code == 303
    entry = await WaitingListEntry.get(child_id=mine.id)

    await services.cancel_booking(await Booking.get(family_id=other.id), actor=other, now=clock.now())
    page = await client.get("/bookings")
    assert "Accept the place" in page.text
    accepted = await client.post(f"/waiting-list/{entry.id}/accept", data={"csrf_token": token})
    assert accepted.status_code == 303
    assert (await WaitingListEntry.get(id=entry.id)).status == WaitingStatus.ACCEPTED
    assert (await Booking.get(family_id=family.id)).status == BookingStatus.CONFIRMED


async def test_provider_register_confirms_and_records_attendance(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    charity = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=charity)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Ivy", care={"dietary": "Gluten free"})
    session = await make_session(
        await make_service(organisation=charity, mode=BookingMode.APPROVAL), starts_at=clock.now() + timedelta(days=1)
    )
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=clock.now())
    await sign_in(client, staff)
    register = await client.get(f"/provider/sessions/{session.id}")
    assert "Ivy Shah" in register.text and "Gluten free" in register.text
    token = await csrf(client, f"/provider/sessions/{session.id}")
    confirmed = await client.post(f"/provider/bookings/{booking.id}", data={"csrf_token": token, "action": "confirm"})
    assert confirmed.status_code == 303
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED

    clock.advance(timedelta(days=1, hours=1))
    await sign_in(client, staff)  # the web session's idle timeout has passed
    token = await csrf(client, f"/provider/sessions/{session.id}")
    marked = await client.post(
        f"/provider/bookings/{booking.id}", data={"csrf_token": token, "action": "attendance", f"attendance-{child.id}": "attended"}
    )
    assert marked.status_code == 303
    assert (await Booking.get(id=booking.id)).status == BookingStatus.ATTENDED
    after = await client.get(f"/provider/sessions/{session.id}")
    assert "Ivy Shah" in after.text and "Gluten free" not in after.text


async def test_an_officer_grants_an_allocation_on_the_family_page(client: httpx.AsyncClient, authority: Organisation) -> None:
    officer = await make_user(role=Role.LA_OFFICER, organisation=authority)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family)
    await sign_in(client, officer)
    page = await client.get(f"/authority/families/{family.id}")
    assert page.status_code == 200
    token = await csrf(client, f"/authority/families/{family.id}")
    granted = await client.post(
        f"/authority/families/{family.id}/children/{child.id}/allocations",
        data={"csrf_token": token, "year": "2026", "hours": "78", "reason": "Annual review"},
    )
    assert granted.status_code == 303
    assert (await Allocation.get(child_id=child.id)).balance_minutes == 78 * 60
    elsewhere = await make_user(role=Role.FAMILY, organisation=await make_organisation())
    assert (await client.get(f"/authority/families/{elsewhere.id}")).status_code == 404


async def test_a_refused_rule_change_offers_to_cancel_the_booked_sessions_and_notify_families(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    from bookings.models import BookingChild
    from providers.models import AvailabilityRule, Session
    from shortbreaks.models import OutboxMessage
    from tests.bookings.conftest import grant
    from tests.factories import csrf_from
    from tests.providers.conftest import make_provider
    from tests.providers.conftest import make_rule as make_provider_rule
    from tests.providers.conftest import make_service as make_provider_service

    charity = await make_organisation(kind=OrganisationKind.CHARITY)
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=charity)
    provider = await make_provider(organisation=charity, local_authority=authority)
    service = await make_provider_service(provider, funding_routes=["council_allocation"])
    rule = await make_provider_rule(service)
    session = await Session.filter(service_id=service.id).order_by("starts_at").first()
    assert session is not None
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Noor")
    await grant(child, pence=10_000)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=clock.now())

    await sign_in(client, staff)
    manage = await client.get(f"/provider/services/{service.id}")
    refused = await client.post(f"/provider/rules/{rule.id}/delete", data={"csrf_token": csrf_from(manage.text)})
    assert refused.status_code == 409
    assert "Cancel these sessions and notify families" in refused.text
    assert f'name="session_id" value="{session.id}"' in refused.text

    cancelled = await client.post(
        "/provider/sessions/cancel",
        data={
            "csrf_token": csrf_from(refused.text),
            "session_id": str(session.id),
            "reason": "Staff training",
            "next": f"/provider/services/{service.id}",
        },
    )
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == f"/provider/services/{service.id}"
    assert (await Booking.get(id=booking.id)).status == BookingStatus.CANCELLED_BY_PROVIDER
    assert await BookingChild.filter(booking_id=booking.id).count() == 1
    assert await OutboxMessage.filter(to_email=family.email).count() == 2  # confirmation, then the cancellation

    page = await client.get(f"/provider/services/{service.id}")
    again = await client.post(f"/provider/rules/{rule.id}/delete", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 303
    assert not await AvailabilityRule.filter(id=rule.id).exists()


async def test_staff_cannot_cancel_another_providers_sessions(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    mine = await make_organisation(kind=OrganisationKind.CHARITY)
    theirs = await make_service(organisation=await make_organisation(kind=OrganisationKind.CHARITY))
    session = await make_session(theirs, starts_at=clock.now() + timedelta(days=3))
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=mine)
    await sign_in(client, staff)
    token = await csrf(client, "/account")
    response = await client.post("/provider/sessions/cancel", data={"csrf_token": token, "session_id": str(session.id), "reason": "x"})
    assert response.status_code == 404


async def test_cancelling_asks_first_and_warns_when_it_would_be_a_late_cancellation(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    session = await make_session(await make_service())
    booking = await services.create_booking(family, session_id=session.id, child_ids=[(await make_child(family)).id], now=clock.now())
    clock.set(session.starts_at - timedelta(hours=1))
    await sign_in(client, family)

    asked = await client.get(f"/bookings/{booking.id}/cancel")

    assert asked.status_code == 200
    assert "so this counts as a late cancellation" in asked.text
    assert "No, keep this booking" in asked.text


async def test_the_families_list_tells_families_with_the_same_name_apart_by_email_and_children(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    officer = await make_user(role=Role.LA_OFFICER, organisation=authority)
    first = await make_user(role=Role.FAMILY, organisation=authority, name="Jo Newparent", email="jo.one@example.com")
    second = await make_user(role=Role.FAMILY, organisation=authority, name="Jo Newparent", email="jo.two@example.com")
    await make_child(first, first_name="Ava")
    await make_child(first, first_name="Ben")
    await sign_in(client, officer)
    page = await client.get("/authority/families")
    assert page.status_code == 200
    rows = page.text.split('<tr class="govuk-table__row">')[2:]
    by_link = {row.split('href="')[1].split('"')[0]: row for row in rows}
    one, two = by_link[f"/authority/families/{first.id}"], by_link[f"/authority/families/{second.id}"]
    assert ('data-label="Email">jo.one<wbr>@example.com<' in one, 'data-label="Children">Ava Shah, Ben Shah<' in one) == (True, True)
    assert ('data-label="Email">jo.two<wbr>@example.com<' in two, 'data-label="Children">None yet<' in two) == (True, True)


async def test_the_allocation_form_starts_at_the_current_allowance_year(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    officer = await make_user(role=Role.LA_OFFICER, organisation=authority)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family)
    await sign_in(client, officer)
    page = await client.get(f"/authority/families/{family.id}")
    # TEST_NOW is 10 June 2026: the allowance year from April 2026.
    assert f'id="year-{child.id}" name="year" type="text" value="2026"' in page.text
    assert "For example, 2026 for April 2026 to March 2027" in page.text
    assert f'aria-describedby="year-{child.id}-hint"' in page.text
    clock.advance(timedelta(days=300))  # 6 April 2027
    await sign_in(client, officer)
    later = await client.get(f"/authority/families/{family.id}")
    assert f'id="year-{child.id}" name="year" type="text" value="2027"' in later.text
