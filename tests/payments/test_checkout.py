"""Held bookings and Stripe Checkout: what the family pays, what Stripe is asked, and what happens when Stripe fails."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bookings import services
from bookings.enums import BookingStatus, FundingSource
from bookings.models import Booking, BookingChild
from bookings.payments.enums import PaymentStatus
from bookings.payments.errors import OnlinePaymentUnavailable
from bookings.payments.models import Payment
from providers.models import Session
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock
from shortbreaks.models import OutboxMessage
from shortbreaks.settings import Settings
from tests.bookings.conftest import grant, make_child
from tests.factories import csrf, make_user, sign_in
from tests.payments.conftest import PRICE, hold_booking, make_paying_family, open_checkout, paid_session
from tests.payments.fake_stripe import FakeStripe


async def places_taken(session: Session) -> int:
    return (await Session.get(id=session.id)).places_taken


async def test_a_child_without_an_allocation_is_held_while_the_family_pays(authority: Organisation, clock: FrozenClock) -> None:
    family = await make_paying_family(authority)
    session = await paid_session(clock)
    booking = await hold_booking(family, session, now=clock.now())

    assert booking.status == BookingStatus.HELD
    assert await places_taken(session) == 1
    payment = await Payment.get(booking_id=booking.id)
    assert (payment.status, payment.amount_pence, payment.currency) == (PaymentStatus.PENDING, PRICE, "gbp")
    assert payment.hold_expires_at == clock.now() + timedelta(minutes=30)
    assert (await BookingChild.get(booking_id=booking.id)).funding_source == FundingSource.FAMILY
    assert await OutboxMessage.all().count() == 0  # no email until the payment arrives


async def test_a_child_whose_allocation_covers_it_books_without_paying(authority: Organisation, clock: FrozenClock) -> None:
    family = await make_paying_family(authority)
    await grant(family.child, pence=10_000)
    session = await paid_session(clock)
    booking = await hold_booking(family, session, now=clock.now())
    assert booking.status == BookingStatus.CONFIRMED
    assert await Payment.filter(booking_id=booking.id).count() == 0


async def test_checkout_asks_stripe_for_the_price_in_pence_with_the_booking_and_an_idempotency_key(
    authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe
) -> None:
    family = await make_paying_family(authority)
    session = await paid_session(clock)
    booking = await hold_booking(family, session, now=clock.now())

    session_id = await open_checkout(settings, booking, now=clock.now())

    sent = fake_stripe.sessions[session_id]
    item = sent["line_items_sent"][0]
    assert (sent["amount_total"], sent["currency"], sent["mode"]) == (PRICE, "gbp", "payment")
    assert item["price_data"]["product_data"]["name"].startswith(session.service.name)  # type: ignore[attr-defined]
    assert booking.reference in item["price_data"]["product_data"]["name"]
    assert sent["metadata"] == {"booking_id": str(booking.id), "reference": booking.reference}
    assert sent["customer_email"] == family.user.email
    assert fake_stripe.calls("POST", "/v1/checkout/sessions") == [("POST", "/v1/checkout/sessions", f"checkout:{booking.id}:1")]
    payment = await Payment.get(booking_id=booking.id)
    assert (payment.status, payment.attempt, payment.checkout_url) == (PaymentStatus.OPEN, 1, f"{fake_stripe.url}/pay/{session_id}")

    # Asking again (the family pressed 'Pay' twice) reuses the open session.
    assert await open_checkout(settings, booking, now=clock.now()) == session_id
    assert len(fake_stripe.sessions) == 1


async def test_booking_on_the_page_sends_the_family_to_stripe_checkout(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, fake_stripe: FakeStripe
) -> None:
    user = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(user)
    session = await paid_session(clock)
    await sign_in(client, user)
    page = await client.get(f"/sessions/{session.id}/book")
    assert "pay £25.00 online when you book. We hold the place for 30 minutes while you pay." in page.text
    token = await csrf(client, f"/sessions/{session.id}/book")

    booked = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(child.id), "action": "book"})

    booking = await Booking.get(family_id=user.id)
    (session_id,) = fake_stripe.sessions
    assert (booked.status_code, booked.headers["location"]) == (303, f"{fake_stripe.url}/pay/{session_id}")
    sent = fake_stripe.sessions[session_id]
    assert sent["success_url"] == f"http://testserver/bookings/{booking.id}?payment=done"
    assert sent["cancel_url"] == f"http://testserver/bookings/{booking.id}?payment=cancelled"
    detail = await client.get(f"/bookings/{booking.id}?payment=cancelled")
    assert "Your place is held until" in detail.text and "Pay £25.00" in detail.text
    again = await client.post(f"/bookings/{booking.id}/pay", data={"csrf_token": token})
    assert (again.status_code, again.headers["location"]) == (303, f"{fake_stripe.url}/pay/{session_id}")


async def test_stripe_answering_500_once_is_retried_with_the_same_key_and_makes_one_session(
    authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe
) -> None:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock), now=clock.now())
    fake_stripe.fail_next(1)

    await open_checkout(settings, booking, now=clock.now())

    keys = [key for _m, _p, key in fake_stripe.calls("POST", "/v1/checkout/sessions")]
    assert keys == [f"checkout:{booking.id}:1", f"checkout:{booking.id}:1"]
    assert len(fake_stripe.sessions) == 1


@pytest.mark.parametrize("failure", ["500", "timeout"])
async def test_stripe_failing_on_create_shows_a_clear_message_releases_the_hold_and_charges_nothing_twice(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, fake_stripe: FakeStripe, failure: str
) -> None:
    user = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(user)
    session = await paid_session(clock, capacity=1)
    await sign_in(client, user)
    token = await csrf(client, f"/sessions/{session.id}/book")
    if failure == "500":
        fake_stripe.fail_next(2)
    else:
        fake_stripe.hang_next(2, seconds=1.5)

    refused = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(child.id), "action": "book"})

    assert refused.status_code == 422
    assert "We could not reach our payment provider, so your place has not been kept and nothing has been charged." in refused.text
    first = await Booking.get(family_id=user.id)
    assert first.status == BookingStatus.RELEASED
    assert (await Payment.get(booking_id=first.id)).status == PaymentStatus.FAILED
    assert await places_taken(session) == 0
    keys = {key for _m, _p, key in fake_stripe.calls("POST", "/v1/checkout/sessions")}
    assert keys == {f"checkout:{first.id}:1"}  # the library's retry reused our key

    # Trying again books afresh: one new session for the new booking, nothing for the old one twice.
    again = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(child.id), "action": "book"})
    assert again.status_code == 303
    second = await Booking.get(family_id=user.id, status=BookingStatus.HELD)
    assert await places_taken(session) == 1
    by_booking = [s["metadata"]["booking_id"] for s in fake_stripe.sessions.values()]
    assert by_booking.count(str(second.id)) == 1
    assert by_booking.count(str(first.id)) <= 1  # a hung request may have created it once, never twice


@pytest.mark.parametrize("stripe_configured", [False])
async def test_without_stripe_a_paid_service_says_contact_the_provider_and_cannot_be_booked_online(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, stripe_configured: bool
) -> None:
    user = await make_user(role=Role.FAMILY, organisation=authority)
    child = await make_child(user)
    session = await paid_session(clock)
    await sign_in(client, user)
    page = await client.get(f"/sessions/{session.id}/book")
    assert "and this service cannot take payment online, so you cannot book" in page.text
    assert 'id="how-to-book"' in page.text  # the council's and the provider's contact details follow
    token = await csrf(client, f"/sessions/{session.id}/book")

    refused = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(child.id), "action": "book"})

    assert refused.status_code == 422
    assert "Online payment is not available for this service; contact the provider to book." in refused.text
    assert await Booking.all().count() == 0
    assert await places_taken(session) == 0
    with pytest.raises(OnlinePaymentUnavailable):
        await services.create_booking(user, session_id=session.id, child_ids=[child.id], now=clock.now())
    await grant(child, pence=10_000)
    covered = await client.post(f"/sessions/{session.id}/book", data={"csrf_token": token, "child_ids": str(child.id), "action": "book"})
    assert covered.status_code == 303
    assert (await Booking.get(family_id=user.id)).status == BookingStatus.CONFIRMED
