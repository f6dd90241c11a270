"""Holds running out, late payments racing them (both orders), and refunds on cancellation."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bookings import services
from bookings.enums import BookingStatus, WaitingStatus
from bookings.models import Booking
from bookings.payments.enums import LedgerKind, PaymentStatus, RefundReason, RefundStatus
from bookings.payments.models import LedgerEntry, Payment, Refund
from providers.models import Session
from shortbreaks import jobs
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import FrozenClock
from shortbreaks.models import OutboxMessage
from shortbreaks.settings import Settings
from tests.bookings.conftest import make_child, make_family, make_staff
from tests.payments.conftest import PRICE, RunJobs, hold_booking, make_paying_family, open_checkout, paid_session, post_event
from tests.payments.fake_stripe import FakeStripe

HOLD = timedelta(minutes=30)


async def expire_holds(run_jobs: RunJobs) -> None:
    await jobs.enqueue("expire_payment_holds", _job_id=None)
    await run_jobs()


async def _pay(client: httpx.AsyncClient, fake: FakeStripe, session_id: str, run_jobs: RunJobs) -> None:
    await post_event(client, fake, fake.pay(session_id))
    await run_jobs()


async def places_taken(booking: Booking) -> int:
    return (await Session.get(id=booking.session_id)).places_taken  # type: ignore[attr-defined]


async def test_the_hold_running_out_releases_the_place_to_the_waiting_list_and_closes_checkout(
    authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock, capacity=1), now=clock.now())
    session_id = await open_checkout(settings, booking, now=clock.now())
    other = await make_family(authority)
    [entry] = await services.join_waiting_list(
        other,
        session_id=booking.session_id,  # type: ignore[attr-defined]
        child_ids=[(await make_child(other)).id],
        now=clock.now(),
    )

    clock.advance(HOLD - timedelta(seconds=1))
    await expire_holds(run_jobs)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.HELD

    clock.advance(timedelta(seconds=1))
    await expire_holds(run_jobs)

    assert (await Booking.get(id=booking.id)).status == BookingStatus.RELEASED
    assert (await Payment.get(booking_id=booking.id)).status == PaymentStatus.EXPIRED
    assert fake_stripe.sessions[session_id]["status"] == "expired"  # it can no longer be paid
    await entry.refresh_from_db()
    assert entry.status == WaitingStatus.OFFERED
    subjects = sorted(m.subject for m in await OutboxMessage.all())
    service_name = (await booking.service).name
    assert subjects == [f"A place is free: {service_name}", f"Place released: {service_name}"]


async def test_a_late_payment_after_the_place_went_to_someone_else_is_refunded_and_the_family_told(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock, capacity=1), now=clock.now())
    session_id = await open_checkout(settings, booking, now=clock.now())
    other = await make_family(authority)
    await services.join_waiting_list(
        other,
        session_id=booking.session_id,  # type: ignore[attr-defined]
        child_ids=[(await make_child(other)).id],
        now=clock.now(),
    )
    fake_stripe.hang_next(4, seconds=1.0)  # Stripe is unreachable when the hold runs out: released anyway
    clock.advance(HOLD)
    await expire_holds(run_jobs)
    assert (await Booking.get(id=booking.id)).status == BookingStatus.RELEASED

    await _pay(client, fake_stripe, session_id, run_jobs)  # the family paid on the still-open page

    assert (await Booking.get(id=booking.id)).status == BookingStatus.RELEASED
    payment = await Payment.get(booking_id=booking.id)
    assert (payment.status, payment.amount_received_pence, payment.refunded_pence) == (PaymentStatus.PAID, PRICE, PRICE)
    [refund] = await Refund.all()
    assert (refund.reason, refund.status, refund.amount_pence) == (RefundReason.LATE_PAYMENT, RefundStatus.SUCCEEDED, PRICE)
    [stripe_refund] = fake_stripe.refunds.values()
    assert (stripe_refund["amount"], stripe_refund["payment_intent"]) == (PRICE, payment.payment_intent_id)
    assert fake_stripe.calls("POST", "/v1/refunds")[0][2] == f"refund:{refund.id}"
    assert sorted((e.kind, e.amount_pence) for e in await LedgerEntry.all()) == [(LedgerKind.PAYMENT, PRICE), (LedgerKind.REFUND, -PRICE)]
    told = await OutboxMessage.get(subject=f"Payment refunded: {(await booking.service).name}")
    assert told.to_email == family.user.email
    assert "We are refunding the full amount" in told.body


async def test_a_late_payment_while_the_place_is_still_free_confirms_the_booking(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock, capacity=1), now=clock.now())
    session_id = await open_checkout(settings, booking, now=clock.now())
    fake_stripe.fail_next(4)
    clock.advance(HOLD)
    await expire_holds(run_jobs)
    assert await places_taken(booking) == 0

    await _pay(client, fake_stripe, session_id, run_jobs)

    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert await places_taken(booking) == 1
    assert await Refund.all().count() == 0


async def test_a_payment_before_the_hold_runs_out_is_not_undone_by_the_expiry_job(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock, capacity=1), now=clock.now())
    session_id = await open_checkout(settings, booking, now=clock.now())
    await _pay(client, fake_stripe, session_id, run_jobs)

    clock.advance(HOLD + timedelta(minutes=5))
    await expire_holds(run_jobs)

    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert await places_taken(booking) == 1


async def test_the_expiry_job_finds_a_payment_whose_webhook_has_not_arrived_and_confirms_it(
    authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock, capacity=1), now=clock.now())
    session_id = await open_checkout(settings, booking, now=clock.now())
    fake_stripe.pay(session_id)  # paid at Stripe; the webhook is still on its way

    clock.advance(HOLD)
    await expire_holds(run_jobs)

    assert (await Booking.get(id=booking.id)).status == BookingStatus.CONFIRMED
    assert await LedgerEntry.all().count() == 1


async def _paid_booking(
    client: httpx.AsyncClient,
    authority: Organisation,
    clock: FrozenClock,
    settings: Settings,
    fake: FakeStripe,
    run_jobs: RunJobs,
    **session_kwargs: int,
) -> Booking:
    family = await make_paying_family(authority)
    booking = await hold_booking(family, await paid_session(clock, **session_kwargs), now=clock.now())
    await _pay(client, fake, await open_checkout(settings, booking, now=clock.now()), run_jobs)
    return await Booking.get(id=booking.id)


async def test_cancelling_in_time_refunds_in_full(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking = await _paid_booking(client, authority, clock, settings, fake_stripe, run_jobs)
    family = await booking.family

    await services.cancel_booking(booking, actor=family, now=clock.now())
    await run_jobs()

    [refund] = await Refund.all()
    assert (refund.amount_pence, refund.reason, refund.status) == (PRICE, RefundReason.CANCELLED, RefundStatus.SUCCEEDED)
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [PRICE]
    assert sorted(e.amount_pence for e in await LedgerEntry.all()) == [-PRICE, PRICE]
    cancelled = await OutboxMessage.get(subject=f"Booking cancelled: {(await booking.service).name}")
    assert "We are refunding £25.00 to the card you paid with." in cancelled.body


async def test_a_late_cancellation_follows_the_services_refund_policy(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    half = await _paid_booking(client, authority, clock, settings, fake_stripe, run_jobs, refund_percent=50, days=1)
    nothing = await _paid_booking(client, authority, clock, settings, fake_stripe, run_jobs, days=1)

    await services.cancel_booking(half, actor=await half.family, now=clock.now())
    await services.cancel_booking(nothing, actor=await nothing.family, now=clock.now())
    await run_jobs()

    assert [(r.amount_pence, r.reason) for r in await Refund.all()] == [(PRICE // 2, RefundReason.CANCELLED_LATE)]
    assert (await Payment.get(booking_id=half.id)).refunded_pence == PRICE // 2
    assert (await Payment.get(booking_id=nothing.id)).refunded_pence == 0


async def test_a_provider_cancelling_the_session_refunds_everyone_in_full(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    first = await _paid_booking(client, authority, clock, settings, fake_stripe, run_jobs)
    session = await Session.get(id=first.session_id).prefetch_related("service__provider")  # type: ignore[attr-defined]
    second_family = await make_paying_family(authority)
    second = await hold_booking(second_family, session, now=clock.now())
    await _pay(client, fake_stripe, await open_checkout(settings, second, now=clock.now()), run_jobs)
    staff = await make_staff(await session.service.provider.organisation)

    await services.cancel_session(session.id, actor=staff, reason="Staff illness", now=clock.now())
    await run_jobs()

    refunds = await Refund.all()
    assert (
        sorted((r.amount_pence, r.reason, r.status) for r in refunds)
        == [(PRICE, RefundReason.SESSION_CANCELLED, RefundStatus.SUCCEEDED)] * 2
    )
    assert sorted(r["amount"] for r in fake_stripe.refunds.values()) == [PRICE, PRICE]
    assert sum(e.amount_pence for e in await LedgerEntry.all()) == 0


async def test_a_refund_pending_at_stripe_is_recorded_when_its_webhook_says_it_succeeded(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking = await _paid_booking(client, authority, clock, settings, fake_stripe, run_jobs)
    fake_stripe.refund_status = "pending"
    await services.cancel_booking(booking, actor=await booking.family, now=clock.now())
    await run_jobs()
    [refund] = await Refund.all()
    assert refund.status == RefundStatus.PENDING
    assert await LedgerEntry.filter(kind=LedgerKind.REFUND).count() == 0

    [stripe_refund] = fake_stripe.refunds.values()
    stripe_refund["status"] = "succeeded"
    event = fake_stripe.event("refund.updated", stripe_refund)
    for _ in range(3):
        await post_event(client, fake_stripe, event)
        await run_jobs()

    await refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert [e.amount_pence for e in await LedgerEntry.filter(kind=LedgerKind.REFUND)] == [-PRICE]


async def test_a_refund_made_in_stripes_dashboard_is_recorded_from_charge_refunded(
    client: httpx.AsyncClient, authority: Organisation, clock: FrozenClock, settings: Settings, fake_stripe: FakeStripe, run_jobs: RunJobs
) -> None:
    booking = await _paid_booking(client, authority, clock, settings, fake_stripe, run_jobs)
    payment = await Payment.get(booking_id=booking.id)
    fake_stripe.refunds["re_test_dashboard"] = {
        "id": "re_test_dashboard",
        "object": "refund",
        "amount": 1000,
        "currency": "gbp",
        "payment_intent": payment.payment_intent_id,
        "status": "succeeded",
        "metadata": {},
    }
    charge = {"id": "ch_test_1", "object": "charge", "payment_intent": payment.payment_intent_id, "amount_refunded": 1000}

    await post_event(client, fake_stripe, fake_stripe.event("charge.refunded", charge))
    await run_jobs()

    [refund] = await Refund.all()
    assert (refund.amount_pence, refund.reason, refund.status) == (1000, RefundReason.STRIPE, RefundStatus.SUCCEEDED)
    assert (await Payment.get(id=payment.id)).refunded_pence == 1000
