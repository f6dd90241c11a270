"""Stripe's webhook: signatures, each event once, jobs that re-read from Stripe, events out of order."""

from __future__ import annotations

import time

import httpx

from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.payments.enums import EventStatus, LedgerKind, PaymentStatus
from bookings.payments.models import LedgerEntry, Payment, StripeEvent
from providers.models import Session
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock
from shortbreaks.models import OutboxMessage
from shortbreaks.settings import Settings
from tests.payments.conftest import PRICE, RunJobs, hold_booking, make_paying_family, open_checkout, paid_session, post_event
from tests.payments.fake_stripe import FakeStripe


async def _held_and_open(authority: Organisation, clock: FrozenClock, settings: Settings, capacity: int = 5) -> tuple[Booking, str]:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock, capacity=capacity), now=clock.now())
    return booking, await open_checkout(settings, booking, now=clock.now())


async def test_a_bad_signature_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe
) -> None:
    booking, session_id = await _held_and_open(authority, clock, settings)
    event = fake_stripe.pay(session_id)

    forged = await post_event(client, fake_stripe, event, secret="whsec_not_the_real_one")
    body, headers = fake_stripe.signed(event)
    tampered = await client.post("/webhooks/stripe", content=body.replace(b'"paid"', b'"PAID"'), headers=headers)
    unsigned = await client.post("/webhooks/stripe", content=body, headers={"Content-Type": "application/json"})

    assert [r.status_code for r in (forged, tampered, unsigned)] == [400, 400, 400]
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["code"] == "webhook_rejected"
    assert await StripeEvent.all().count() == 0
    assert (await Booking.get(id=booking.id)).status == BookingStatus.HELD


async def test_a_stale_timestamp_is_refused(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe
) -> None:
    _booking, session_id = await _held_and_open(authority, clock, settings)
    stale = await post_event(client, fake_stripe, fake_stripe.pay(session_id), timestamp=int(time.time()) - 301)
    assert stale.status_code == 400
    assert await StripeEvent.all().count() == 0


async def test_the_same_event_delivered_five_times_confirms_once_emails_once_and_records_one_ledger_entry(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking, session_id = await _held_and_open(authority, clock, settings)
    event = fake_stripe.pay(session_id)

    for _ in range(5):
        response = await post_event(client, fake_stripe, event)
        assert (response.status_code, response.json()) == (200, {"received": True})
        await run_jobs()

    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    payment = await Payment.get(booking_id=booking.id)
    assert (payment.status, payment.amount_received_pence, payment.needs_review) == (PaymentStatus.PAID, PRICE, False)
    assert payment.payment_intent_id == fake_stripe.sessions[session_id]["payment_intent"]
    assert [(e.kind, e.amount_pence, e.stripe_object_id) for e in await LedgerEntry.all()] == [(LedgerKind.PAYMENT, PRICE, session_id)]
    assert [m.subject for m in await OutboxMessage.all()] == [f"Booking confirmed: {(await booking.service).name}"]
    stored = await StripeEvent.all()
    assert [(e.id, e.status) for e in stored] == [(event["id"], EventStatus.PROCESSED)]
    # Each job re-read the session from Stripe rather than trusting the event.
    assert len(fake_stripe.calls("GET", f"/v1/checkout/sessions/{session_id}")) >= 1


async def test_expired_arriving_after_completed_changes_nothing(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking, session_id = await _held_and_open(authority, clock, settings)
    completed = fake_stripe.pay(session_id)
    expired = fake_stripe.event("checkout.session.expired", dict(fake_stripe.sessions[session_id], status="expired"))

    await post_event(client, fake_stripe, completed)
    await run_jobs()
    await post_event(client, fake_stripe, expired)
    await run_jobs()

    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert (await Session.get(id=booking.session_id)).places_taken == 1  # type: ignore[attr-defined]
    assert await LedgerEntry.all().count() == 1
    assert {e.status for e in await StripeEvent.all()} == {EventStatus.PROCESSED}


async def test_expired_before_completed_is_out_of_order_and_harmless_too(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    """The expired event is delivered first, but Stripe now says the session is paid: the payment wins."""
    booking, session_id = await _held_and_open(authority, clock, settings)
    expired = fake_stripe.event("checkout.session.expired", dict(fake_stripe.sessions[session_id], status="expired"))
    completed = fake_stripe.pay(session_id)

    await post_event(client, fake_stripe, expired)
    await run_jobs()
    await post_event(client, fake_stripe, completed)
    await run_jobs()

    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert await LedgerEntry.all().count() == 1


async def test_checkout_expiring_at_stripe_releases_the_place_to_the_waiting_list(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    from bookings import services
    from bookings.enums import WaitingStatus
    from tests.bookings.conftest import make_child, make_family

    booking, session_id = await _held_and_open(authority, clock, settings, capacity=1)
    waiting_family = await make_family(authority)
    [entry] = await services.join_waiting_list(
        waiting_family,
        session_id=booking.session_id,  # type: ignore[attr-defined]
        child_ids=[(await make_child(waiting_family)).id],
        now=clock.now(),
    )

    await post_event(client, fake_stripe, fake_stripe.expire(session_id))
    await run_jobs()

    released = await Booking.get(id=booking.id)
    assert (released.status, released.reason) == (
        BookingStatus.RELEASED,
        "The payment was not made in time, so the place has been released.",
    )
    assert (await Payment.get(booking_id=booking.id)).status == PaymentStatus.EXPIRED
    await entry.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED
    assert (await Session.get(id=booking.session_id)).places_taken == 1  # type: ignore[attr-defined]  # held for the offer


async def test_unknown_event_types_are_acknowledged_and_ignored(client: httpx.AsyncClient, fake_stripe: FakeStripe) -> None:
    event = fake_stripe.event("customer.created", {"id": "cus_test_1", "object": "customer"})
    response = await post_event(client, fake_stripe, event)
    assert (response.status_code, response.json()) == (200, {"received": True})
    assert await StripeEvent.all().count() == 0


async def test_an_amount_stripe_reports_that_differs_from_what_we_asked_flags_the_payment_for_review(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking, session_id = await _held_and_open(authority, clock, settings)
    fake_stripe.amount_paid_override = PRICE - 1

    await post_event(client, fake_stripe, fake_stripe.pay(session_id))
    await run_jobs()

    payment = await Payment.get(booking_id=booking.id)
    assert (payment.needs_review, payment.amount_received_pence) == (True, PRICE - 1)
    assert payment.review_reason == f"Stripe reported {PRICE - 1} pence paid, we asked for {PRICE}"
    assert [e.amount_pence for e in await LedgerEntry.all()] == [PRICE - 1]


async def test_an_event_job_retries_while_stripe_is_down_and_acts_once_it_answers(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking, session_id = await _held_and_open(authority, clock, settings)
    event = fake_stripe.pay(session_id)
    fake_stripe.fail_next(2)  # the first job try (the library's own retry included) fails

    await post_event(client, fake_stripe, event)
    await run_jobs()

    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert len(fake_stripe.calls("GET", f"/v1/checkout/sessions/{session_id}")) == 3
