"""A family's first day on the booking pages (issue 18, items 1, 7 and 12): what they can do for a
session, the booking's page as a confirmation, already-booked children, declined bookings,
the allocation's history in date order, and a booking waiting for the provider held, not spent."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from bookings import services
from bookings.models import Allocation, Booking
from providers.enums import BookingMode, FundingRoute, to_mask
from providers.models import Provider, Service
from shortbreaks.accounts.enums import OrganisationKind, Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.accounts.services import OrganisationContact, set_organisation_contact
from shortbreaks.clock import FrozenClock, utc
from tests.bookings.conftest import NOW, grant, make_child, make_service, make_session
from tests.factories import csrf, make_organisation, make_user, sign_in


def text(response: httpx.Response) -> str:
    """The page's words, tags and extra spaces out, so assertions read as the page does."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


async def paid_service(*, mode: BookingMode = BookingMode.INSTANT) -> Service:
    service = await make_service(mode=mode, price=1500)
    await Service.filter(id=service.id).update(funding_mask=to_mask([FundingRoute.COUNCIL_ALLOCATION, FundingRoute.FAMILY_PAYS]))
    await Provider.filter(id=service.provider_id).update(
        contact_phone="0121 496 0001",
        contact_email="hello@sunshine.example.org",
        website="https://sunshine.example.org",
        address="1 High St",
    )
    return await Service.get(id=service.id)


async def test_a_family_without_an_allocation_is_told_how_to_get_one_and_how_to_reach_the_provider(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    await set_organisation_contact(
        authority,
        OrganisationContact("0121 496 0100", "short.breaks@birmingham.example.org", "https://birmingham.example.org/short-breaks"),
        actor=None,
        now=NOW,
    )
    family = await make_user(role=Role.FAMILY, organisation=authority)
    await make_child(family, first_name="Maya")
    session = await make_session(await paid_service())
    await sign_in(client, family)

    page = await client.get(f"/sessions/{session.id}/book")

    assert page.status_code == 200
    words = text(page)
    assert (
        "Maya : Maya has no short breaks allocation for Saturday 20 June 2026, and this service cannot take payment online,"
        " so you cannot book Maya online yet." in words
    )
    assert "How to book Maya Ask Birmingham City Council for a short breaks allowance" in words
    assert "Phone 0121 496 0100 Email short.breaks@birmingham.example.org Website https://birmingham.example.org/short-breaks" in words
    assert "Or contact Provider" in words
    assert 'href="tel:01214960001"' in page.text
    assert "Which children are you booking?" not in words  # nobody to book: no form
    assert "Online payment is not available" not in words


async def test_a_child_with_an_allocation_sees_its_cost_and_balance_and_no_payment_warning(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Aarav")
    await grant(child, minutes=10 * 60)
    session = await make_session(await paid_service(), starts_at=NOW + timedelta(days=10))  # Saturday 20 June 2026
    await sign_in(client, family)

    page = await client.get(f"/sessions/{session.id}/book")

    words = text(page)
    assert "Date Saturday 20 June 2026 Time 10:30am to 1:30pm Where 1 High St, B1 1AA Price £15.00 a session" in words
    assert "Aarav : use Aarav's allocation. This session costs 3.0 hours of it, leaving 7.0 hours." in words
    assert "How to book" not in words and "payment" not in words.lower()


async def test_the_booking_page_is_the_confirmation_with_weekday_costs_and_a_calendar_link(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Aarav")
    await grant(child, minutes=10 * 60)
    session = await make_session(await paid_service(), starts_at=NOW + timedelta(days=10))
    await sign_in(client, family)
    token = await csrf(client, f"/sessions/{session.id}/book")

    booked = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(child.id), "action": "book"})

    assert booked.status_code == 303
    booking = await Booking.get(family_id=family.id)
    page = await client.get(booked.headers["location"])
    words = text(page)
    assert "Date Saturday 20 June 2026 Time 10:30am to 1:30pm" in words
    assert "Price £15.00 a place Allocation pays Aarav's allocation: 3.0 hours, used You pay Nothing" in words
    assert "Cancel without losing allocation by Thursday 18 June 2026 at 10:30am" in words
    link = f'href="/bookings/{booking.id}/calendar.ics"'
    assert link in page.text
    ics = await client.get(f"/bookings/{booking.id}/calendar.ics")
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text


async def test_a_child_already_booked_is_not_offered_again_and_a_second_booking_names_them(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    aarav = await make_child(family, first_name="Aarav")
    anika = await make_child(family, first_name="Anika")
    session = await make_session(await make_service(), capacity=5)
    await services.create_booking(family, session_id=session.id, child_ids=[aarav.id], now=clock.now())
    await sign_in(client, family)

    page = await client.get(f"/sessions/{session.id}/book")
    assert "Aarav is already booked on this session." in text(page)
    assert f'value="{aarav.id}"' not in page.text and f'value="{anika.id}"' in page.text

    token = await csrf(client, f"/sessions/{session.id}/book")
    again = await client.post(
        f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": [str(aarav.id), str(anika.id)], "action": "book"}
    )
    assert again.status_code == 422
    assert '<a href="#child_ids">Aarav is already booked on this session</a>' in html.unescape(again.text)
    assert await Booking.filter(family_id=family.id).count() == 1


async def test_a_declined_booking_offers_no_cancel_without_losing_allocation(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Aarav")
    await grant(child, minutes=10 * 60)
    service = await make_service(mode=BookingMode.APPROVAL)
    session = await make_session(service)
    booking = await services.create_booking(family, session_id=session.id, child_ids=[child.id], now=clock.now())
    staff = await make_user(role=Role.PROVIDER_STAFF, organisation=await make_organisation(kind=OrganisationKind.CHARITY))
    await sign_in(client, family)

    requested = text(await client.get(f"/bookings/{booking.id}"))
    assert "Aarav's allocation: 3.0 hours, held until the provider confirms (given back if they decline)" in requested
    assert "Cancel without losing allocation by" in requested

    await services.decline_booking(booking, actor=staff, reason="Full that day", now=clock.now())
    declined = text(await client.get(f"/bookings/{booking.id}"))
    assert "Status Declined" in declined
    assert "Aarav's allocation: 3.0 hours, given back" in declined
    assert "Cancel without losing allocation" not in declined
    assert "Cancel this booking" not in declined


async def test_allocation_history_is_in_date_order_and_a_request_is_held_not_spent(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock
) -> None:
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Aarav")
    allocation = await grant(child, minutes=10 * 60)  # granted on 1 June 2026
    confirmed = await make_session(await make_service(), starts_at=NOW + timedelta(days=3))
    waiting = await make_session(await make_service(mode=BookingMode.APPROVAL), starts_at=NOW + timedelta(days=5))
    # An adjustment recorded at the very moment of the grant still comes after it.
    await services.adjust_allocation(allocation, actor=family, minutes=60, pence=0, reason="Extra hour", now=utc(2026, 6, 1, 9))
    first = await services.create_booking(family, session_id=confirmed.id, child_ids=[child.id], now=clock.now())
    clock.advance(timedelta(hours=1))
    second = await services.create_booking(family, session_id=waiting.id, child_ids=[child.id], now=clock.now())
    await sign_in(client, family)

    words = text(await client.get("/allocations"))

    assert "Left: 5.0 hours, and 3.0 hours held for a booking waiting for the provider" in words
    rows = re.findall(r"(\d+ \w+ 2026) (Grant|Spent|Held|Adjustment)", words)
    assert rows == [
        ("1 June 2026", "Grant"),
        ("1 June 2026", "Adjustment"),
        ("10 June 2026", "Spent"),
        ("10 June 2026", "Held"),
    ]
    assert f"Spent: {first.reference}" in words
    assert f"Held: {second.reference}, waiting for the provider to confirm" in words


async def test_an_officer_grants_pounds_as_typed_and_a_bad_amount_is_named_on_the_childs_form(
    client: httpx.AsyncClient, authority: Organisation
) -> None:
    officer = await make_user(role=Role.LA_OFFICER, organisation=authority)
    family = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(family, first_name="Aarav")
    await sign_in(client, officer)
    token = await csrf(client, f"/authority/families/{family.id}")
    url = f"/authority/families/{family.id}/children/{child.id}/allocations"

    refused = await client.post(url, data={"csrf_token": token, "year": "2026", "pounds": "£-3", "reason": "Annual review"})

    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert f'<a href="#pounds-{child.id}">The amount cannot be less than £0</a>' in page
    assert 'value="£-3"' in page and 'value="Annual review"' in page
    granted = await client.post(url, data={"csrf_token": token, "year": "2026", "pounds": "£200.50", "reason": "Annual review"})
    assert granted.status_code == 303
    assert (await Allocation.get(child_id=child.id)).balance_pence == 20_050
