"""Payments use cases: Stripe Checkout for held bookings, webhook events, hold expiry, refunds.

The flow. ``bookings.services.create_booking`` holds the place and opens a pending
:class:`Payment`; :func:`start_checkout` asks Stripe for a Checkout Session (idempotency key
``checkout:{booking_id}:{attempt}``) and returns its URL. Stripe's webhook is verified and stored
once (:func:`receive_event`), then a job calls :func:`process_event`, which re-reads the object
from Stripe (an event is a prompt, not proof) and acts:

- a paid Checkout Session → :func:`record_checkout_paid`: the payment is recorded once in the
  ledger and the booking confirmed; if the hold had already run out, the place is taken again
  when still free, and otherwise the money is refunded in full and the family told;
- an expired Checkout Session, or the hold running out (:func:`expire_hold`) → the place is
  released and offered to the waiting list (bookings' own freeing logic);
- a refund changing at Stripe → :func:`sync_refunds` records its state (and the ledger line once
  it succeeds).

Each effect runs in one transaction that also marks the event processed, so an event delivered
five times acts once; bookings only move forward, so events arriving out of order are harmless.
Stripe is never called inside a transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bookings import notifications
from bookings import services as booking_services
from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.payments import records
from bookings.payments.enums import (
    STRIPE_REFUND_STATUSES,
    UNPAID_STATUSES,
    EventStatus,
    LedgerKind,
    PaymentStatus,
    RefundReason,
    RefundStatus,
)
from bookings.payments.errors import PaymentGatewayError, PaymentNotDue, PaymentNotStarted, PaymentPermanentError
from bookings.payments.gateway import CheckoutSession, StripeGateway, StripeRefund, WebhookEvent
from bookings.payments.models import LedgerEntry, Payment, Refund, StripeEvent
from providers.models import Service
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.models import OutboxMessage
from shortbreaks.settings import Settings

log = logging.getLogger("bookings.payments")

CHECKOUT_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired"})
REFUND_EVENTS = frozenset({"charge.refunded", "refund.created", "refund.updated", "refund.failed"})
HANDLED_EVENTS = CHECKOUT_EVENTS | REFUND_EVENTS
# Stripe lets a Checkout Session expire 30 minutes after creation at the soonest.
STRIPE_MIN_SESSION = timedelta(minutes=31)
RELEASED_UNPAID = "The payment was not made in time, so the place has been released."
RELEASED_NOT_STARTED = "We could not start the payment, so the place has been released. Nothing was charged."


def payment_hold(settings: Settings) -> timedelta | None:
    """How long a place is held while the family pays; ``None`` when online payment is not set up."""
    return timedelta(minutes=settings.hold_minutes) if settings.stripe_secret_key else None


# --- checkout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutUrls:
    success: str
    cancel: str


async def start_checkout(booking: Booking, *, gateway: StripeGateway, urls: CheckoutUrls, now: datetime) -> str:
    """Open Stripe Checkout for a held booking and return its URL (the open one again if there is one).

    Each new session is a new ``attempt`` with its own idempotency key
    (``checkout:{booking_id}:{attempt}``), so the library's retries return the same session. If
    Stripe fails or times out, the hold is released, nothing has been charged, and
    ``PaymentNotStarted`` (503) tells the family to try again.
    """
    payment = await Payment.get_or_none(booking_id=booking.id)
    if payment is None or booking.status != BookingStatus.HELD or payment.status not in UNPAID_STATUSES:
        raise PaymentNotDue("This booking is not waiting for a payment")
    if payment.hold_expires_at <= now:
        raise PaymentNotDue("The time to pay for this booking has run out")
    if payment.status == PaymentStatus.OPEN and payment.checkout_url:
        return payment.checkout_url
    attempt = payment.attempt + 1
    claimed = await Payment.filter(id=payment.id, status=PaymentStatus.PENDING, attempt=payment.attempt).update(attempt=attempt)
    if not claimed:
        raise PaymentNotDue("This payment is already being started; refresh the page")
    service = await Service.get(id=booking.service_id)
    family = await User.get(id=booking.family_id)
    try:
        session = await gateway.create_checkout_session(
            booking_id=str(booking.id),
            reference=booking.reference,
            description=f"{service.name}, {notifications.when(booking.starts_at)} (booking {booking.reference})",
            amount_pence=payment.amount_pence,
            quantity=1,
            customer_email=family.email,
            success_url=urls.success,
            cancel_url=urls.cancel,
            expires_at=max(payment.hold_expires_at, now + STRIPE_MIN_SESSION),
            idempotency_key=f"checkout:{booking.id}:{attempt}",
        )
    except PaymentGatewayError as exc:
        log.warning("checkout for booking %s not started: %s", booking.id, exc)
        await _release(payment, to=PaymentStatus.FAILED, reason=RELEASED_NOT_STARTED, now=now)
        raise PaymentNotStarted() from exc
    async with in_transaction() as conn:
        opened = (
            await Payment.filter(id=payment.id, status=PaymentStatus.PENDING)
            .using_db(conn)
            .update(status=PaymentStatus.OPEN, checkout_session_id=session.id, checkout_url=session.url)
        )
        if opened:
            await audit.record(
                "payments.checkout.opened",
                actor=family,
                record_type="payment",
                record_id=payment.id,
                now=now,
                after={
                    "booking_id": booking.id,
                    "checkout_session_id": session.id,
                    "attempt": attempt,
                    "amount_pence": payment.amount_pence,
                },
                using_db=conn,
            )
    if not opened:
        # The hold ran out while Stripe answered: make sure the session cannot be paid.
        await _expire_at_stripe(gateway, session.id)
        raise PaymentNotDue("The time to pay for this booking has run out")
    return session.url


async def _expire_at_stripe(gateway: StripeGateway, session_id: str) -> CheckoutSession | None:
    try:
        return await gateway.expire_checkout_session(session_id)
    except PaymentGatewayError as exc:
        log.info("checkout session %s not expired at Stripe: %s", session_id, exc)
        return None


async def _release(payment: Payment, *, to: PaymentStatus, reason: str, now: datetime, event_id: str | None = None) -> bool:
    """Close an unpaid payment and release its held booking; ``False`` if it was no longer unpaid."""
    messages: list[OutboxMessage | None] = []
    async with in_transaction() as conn:
        if event_id is not None and not await _claim_event(event_id, now=now, conn=conn):
            return False
        closed = await Payment.filter(id=payment.id, status__in=list(UNPAID_STATUSES)).using_db(conn).update(status=to)
        if not closed:
            return False
        booking = await Booking.get(id=payment.booking_id, using_db=conn)
        messages = await booking_services.release_hold(booking, reason=reason, now=now, conn=conn)
        await audit.record(
            f"payments.payment.{to.value}",
            actor=None,
            record_type="payment",
            record_id=payment.id,
            now=now,
            after={"booking_id": booking.id, "status": to},
            using_db=conn,
        )
    await mail.deliver_committed(messages)
    return True


# --- hold expiry ------------------------------------------------------------------------------


async def expire_hold(payment_id: UUID, *, gateway: StripeGateway | None, now: datetime) -> bool:
    """Release a held booking whose time to pay has run out; safe to run twice.

    Stripe is asked first: a session already paid is recorded as paid instead, and an open one
    is expired so it can no longer be paid. If Stripe cannot be reached the place is released
    anyway; a payment that still arrives is handled as a late payment.
    """
    payment = await Payment.get_or_none(id=payment_id)
    if payment is None or payment.status not in UNPAID_STATUSES or payment.hold_expires_at > now:
        return False
    if payment.checkout_session_id and gateway is not None:
        session: CheckoutSession | None = None
        try:
            session = await gateway.retrieve_checkout_session(payment.checkout_session_id)
            if session.status == "open":
                session = await _expire_at_stripe(gateway, session.id) or await gateway.retrieve_checkout_session(session.id)
        except PaymentGatewayError as exc:
            log.warning("hold for payment %s released without asking Stripe: %s", payment.id, exc)
        if session is not None and session.payment_status == "paid":
            await record_checkout_paid(session, now=now)
            return False
    return await _release(payment, to=PaymentStatus.EXPIRED, reason=RELEASED_UNPAID, now=now)


async def expire_overdue_holds(*, gateway: StripeGateway | None, now: datetime) -> int:
    """Expire every hold past its time (the sweep)."""
    ids = cast(
        "list[UUID]",
        await Payment.filter(status__in=list(UNPAID_STATUSES), hold_expires_at__lte=now)
        .order_by("hold_expires_at")
        .values_list("id", flat=True),
    )
    count = 0
    for payment_id in ids:
        if await expire_hold(payment_id, gateway=gateway, now=now):
            count += 1
    return count


# --- webhooks ---------------------------------------------------------------------------------


async def receive_event(event: WebhookEvent, *, now: datetime) -> bool:
    """Store a verified webhook event once; ``True`` when a job should process it.

    Unknown event types are acknowledged and not stored. A redelivered event is not stored
    again; it is processed again only if its first processing has not finished.
    """
    if event.type not in HANDLED_EVENTS:
        return False
    # The object to re-read: the Checkout Session, the Refund, or (for a charge) its PaymentIntent.
    object_id = (event.payment_intent or "") if event.type == "charge.refunded" else event.object_id
    try:
        async with in_transaction() as conn:
            await StripeEvent.create(id=event.id, type=event.type, object_id=object_id, received_at=now, using_db=conn)
    except IntegrityError:
        stored = await StripeEvent.get_or_none(id=event.id)
        return stored is not None and stored.status == EventStatus.RECEIVED
    return True


async def _claim_event(event_id: str, *, now: datetime, conn: BaseDBAsyncClient) -> bool:
    """Mark the event processed inside the effect's transaction; ``False`` if it already was."""
    claimed = (
        await StripeEvent.filter(id=event_id, status=EventStatus.RECEIVED)
        .using_db(conn)
        .update(status=EventStatus.PROCESSED, processed_at=now, attempts=F("attempts") + 1)
    )
    return bool(claimed)


async def _finish_event(event_id: str, *, now: datetime, status: EventStatus = EventStatus.PROCESSED, error: str = "") -> None:
    await StripeEvent.filter(id=event_id, status=EventStatus.RECEIVED).update(status=status, processed_at=now, last_error=error[:300])


async def process_event(event_id: str, *, gateway: StripeGateway, now: datetime) -> None:
    """Act on one stored event after re-reading its object from Stripe; safe to run twice.

    Raises ``PaymentRetryableError`` when Stripe cannot be reached (the job retries).
    """
    event = await StripeEvent.get_or_none(id=event_id)
    if event is None or event.status != EventStatus.RECEIVED:
        return
    if event.type in CHECKOUT_EVENTS:
        try:
            session = await gateway.retrieve_checkout_session(event.object_id)
        except PaymentPermanentError as exc:
            await _finish_event(event_id, now=now, status=EventStatus.IGNORED, error=str(exc))
            return
        if session.payment_status == "paid":
            await record_checkout_paid(session, now=now, event_id=event_id)
        elif session.status == "expired":
            await record_checkout_expired(session, now=now, event_id=event_id)
        else:
            # Completed but not yet paid (a delayed payment method): its own event will follow.
            await _finish_event(event_id, now=now)
        return
    if event.object_id.startswith("re_"):
        try:
            refunds = [await gateway.retrieve_refund(event.object_id)]
        except PaymentPermanentError as exc:
            await _finish_event(event_id, now=now, status=EventStatus.IGNORED, error=str(exc))
            return
        payment_intent = refunds[0].payment_intent
    else:
        payment_intent = event.object_id
        refunds = await gateway.list_refunds(payment_intent) if payment_intent else []
    await sync_refunds(payment_intent, refunds, now=now, event_id=event_id)


async def mark_event_for_attention(event_id: str, *, error: str, now: datetime) -> None:
    """Give up on an event after repeated Stripe failures; it shows as needing attention."""
    await _finish_event(event_id, now=now, status=EventStatus.ATTENTION, error=error)
    log.error("stripe event %s needs attention: %s", event_id, error)


# --- paid and expired sessions ----------------------------------------------------------------


async def _find_payment(session: CheckoutSession, conn: BaseDBAsyncClient | None = None) -> Payment | None:
    payment = await Payment.filter(checkout_session_id=session.id).using_db(conn).first()
    if payment is None and session.booking_id:
        # Stripe created the session but its answer never reached us (a timeout): match by booking.
        try:
            payment = await Payment.filter(booking_id=UUID(session.booking_id)).using_db(conn).first()
        except ValueError:
            return None
    return payment


async def _lock_payment(payment_id: UUID, conn: BaseDBAsyncClient) -> Payment:
    """The payment row, locked for the rest of the transaction (PostgreSQL; SQLite serialises anyway)."""
    return await Payment.filter(id=payment_id).using_db(conn).select_for_update().get()


async def record_checkout_paid(session: CheckoutSession, *, now: datetime, event_id: str | None = None) -> None:
    """Record a paid Checkout Session once, and give the family its place.

    One transaction: the event is marked processed, the payment recorded (and flagged for review
    if Stripe's amount or currency is not what we asked), one ledger line written, and the booking
    confirmed. A booking whose hold had run out gets its place back if it is still free;
    otherwise (the place went to someone else, or the booking was cancelled) the payment is
    refunded in full and the family told.
    """
    payment = await _find_payment(session)
    if payment is None:
        log.warning("paid checkout session %s matches no payment", session.id)
        if event_id:
            await _finish_event(event_id, now=now, status=EventStatus.IGNORED, error="no matching payment")
        return
    messages: list[OutboxMessage | None] = []
    refund_ids: list[UUID] = []
    async with in_transaction() as conn:
        if event_id is not None and not await _claim_event(event_id, now=now, conn=conn):
            return
        payment = await _lock_payment(payment.id, conn)
        if payment.status == PaymentStatus.PAID:
            return
        problems = []
        if session.amount_total != payment.amount_pence:
            problems.append(f"Stripe reported {session.amount_total} pence paid, we asked for {payment.amount_pence}")
        if session.currency.lower() != payment.currency:
            problems.append(f"Stripe reported the currency {session.currency!r}")
        before = payment.status
        await (
            Payment.filter(id=payment.id)
            .using_db(conn)
            .update(
                status=PaymentStatus.PAID,
                paid_at=now,
                checkout_session_id=session.id,
                payment_intent_id=session.payment_intent,
                amount_received_pence=session.amount_total,
                needs_review=bool(problems),
                review_reason="; ".join(problems)[:300],
            )
        )
        await LedgerEntry.create(
            payment_id=payment.id,
            kind=LedgerKind.PAYMENT,
            amount_pence=session.amount_total,
            stripe_object_id=session.id,
            occurred_at=now,
            using_db=conn,
        )
        await audit.record(
            "payments.payment.received",
            actor=None,
            record_type="payment",
            record_id=payment.id,
            now=now,
            before={"status": before},
            after={"status": PaymentStatus.PAID, "amount_pence": session.amount_total, "needs_review": bool(problems)},
            using_db=conn,
        )
        if problems:
            log.error("payment %s needs review: %s", payment.id, "; ".join(problems))
        booking = await Booking.get(id=payment.booking_id, using_db=conn)
        if booking.status == BookingStatus.RELEASED:
            await booking_services.reclaim_released(booking, now=now, conn=conn)
        if booking.status == BookingStatus.HELD:
            messages += await booking_services.mark_paid(booking, now=now, conn=conn)
        else:
            refund_ids = await records.queue_refund(
                booking.id, percent=100, reason=RefundReason.LATE_PAYMENT, actor=None, now=now, conn=conn
            )
            messages.append(await _late_payment_email(booking, session.amount_total, now=now, conn=conn))
    await mail.deliver_committed(messages)
    await records.send_refunds_later(refund_ids)


async def _late_payment_email(booking: Booking, pence: int, *, now: datetime, conn: BaseDBAsyncClient) -> OutboxMessage | None:
    family = await User.filter(id=booking.family_id).using_db(conn).first()
    if family is None or not family.is_active:
        return None
    service = await Service.get(id=booking.service_id, using_db=conn)
    body = (
        f"Booking reference: {booking.reference}\n"
        f"Service: {service.name}\n"
        f"When: {notifications.when(booking.starts_at)}\n\n"
        f"Your payment of {notifications.money(pence)} reached us after your place had been released, and the place has\n"
        "gone to someone else. We are refunding the full amount to the card you paid with.\n"
    )
    return await mail.queue_email(
        to=family.email,
        subject=f"Payment refunded: {service.name}",
        body=body,
        dedupe_key=f"payment-late-refund:{booking.id}",
        now=now,
        using_db=conn,
    )


async def record_checkout_expired(session: CheckoutSession, *, now: datetime, event_id: str | None = None) -> None:
    """Stripe expired an unpaid session: release the held place (nothing happens once paid)."""
    payment = await _find_payment(session)
    if payment is None or payment.checkout_session_id not in (None, session.id):
        if event_id:
            await _finish_event(event_id, now=now, status=EventStatus.IGNORED, error="no matching payment")
        return
    if not await _release(payment, to=PaymentStatus.EXPIRED, reason=RELEASED_UNPAID, now=now, event_id=event_id) and event_id:
        await _finish_event(event_id, now=now)


# --- refunds ----------------------------------------------------------------------------------


async def send_refund(refund_id: UUID, *, gateway: StripeGateway, now: datetime) -> None:
    """Send a queued refund to Stripe (idempotency key ``refund:{id}``) and record its state; safe to run twice.

    Raises ``PaymentRetryableError`` for the job to retry; a refusal marks it for attention.
    """
    refund = await Refund.get_or_none(id=refund_id)
    if refund is None or refund.status != RefundStatus.QUEUED:
        return
    payment = await Payment.get(id=refund.payment_id)
    await Refund.filter(id=refund.id).update(attempts=F("attempts") + 1)
    if not payment.payment_intent_id:
        await mark_refund_for_attention(refund.id, error="the payment has no PaymentIntent", now=now)
        return
    try:
        stripe_refund = await gateway.create_refund(
            payment_intent=payment.payment_intent_id,
            amount_pence=refund.amount_pence,
            refund_id=str(refund.id),
            idempotency_key=f"refund:{refund.id}",
        )
    except PaymentPermanentError as exc:
        await mark_refund_for_attention(refund.id, error=str(exc), now=now)
        return
    await sync_refunds(payment.payment_intent_id, [stripe_refund], now=now)


async def mark_refund_for_attention(refund_id: UUID, *, error: str, now: datetime) -> None:
    """Stripe refused the refund or kept failing: staff must look at it (the family is owed money)."""
    async with in_transaction() as conn:
        updated = (
            await Refund.filter(id=refund_id, status=RefundStatus.QUEUED)
            .using_db(conn)
            .update(status=RefundStatus.ATTENTION, last_error=error[:300])
        )
        if updated:
            refund = await Refund.get(id=refund_id, using_db=conn)
            await (
                Payment.filter(id=refund.payment_id)
                .using_db(conn)
                .update(needs_review=True, review_reason=f"Refund {refund_id} failed: {error}"[:300])
            )
            await audit.record(
                "payments.refund.attention",
                actor=None,
                record_type="refund",
                record_id=refund_id,
                now=now,
                after={"error": error},
                using_db=conn,
            )
    log.error("refund %s needs attention: %s", refund_id, error)


async def sync_refunds(payment_intent: str | None, refunds: list[StripeRefund], *, now: datetime, event_id: str | None = None) -> None:
    """Record what Stripe says about a payment's refunds, once: each refund's status, and a ledger
    line when it succeeds. A refund made in Stripe's dashboard is recorded too.
    """
    payment = await Payment.get_or_none(payment_intent_id=payment_intent) if payment_intent else None
    if payment is None:
        if event_id:
            await _finish_event(event_id, now=now, status=EventStatus.IGNORED, error="no matching payment")
        return
    async with in_transaction() as conn:
        if event_id is not None and not await _claim_event(event_id, now=now, conn=conn):
            return
        payment = await _lock_payment(payment.id, conn)
        for stripe_refund in refunds:
            await _apply_refund(payment, stripe_refund, now=now, conn=conn)


async def _apply_refund(payment: Payment, stripe_refund: StripeRefund, *, now: datetime, conn: BaseDBAsyncClient) -> None:
    refund = await Refund.filter(stripe_refund_id=stripe_refund.id).using_db(conn).first()
    if refund is None and stripe_refund.refund_id:
        try:
            refund = await Refund.filter(id=UUID(stripe_refund.refund_id), payment_id=payment.id).using_db(conn).first()
        except ValueError:
            refund = None
    if refund is None:
        refund = await _record_outside_refund(payment, stripe_refund, now=now, conn=conn)
        if refund is None:
            return
    status = RefundStatus(stripe_refund.status) if stripe_refund.status in STRIPE_REFUND_STATUSES else RefundStatus.PENDING
    if refund.status == RefundStatus.SUCCEEDED and status != RefundStatus.SUCCEEDED:
        return  # only forward: a stale re-read never undoes a refund
    if refund.status in (RefundStatus.FAILED, RefundStatus.CANCELED) and status != RefundStatus.SUCCEEDED:
        return
    changes: dict[str, object] = {"stripe_refund_id": stripe_refund.id, "status": status}
    if status == RefundStatus.SUCCEEDED and refund.succeeded_at is None:
        changes["succeeded_at"] = now
    await Refund.filter(id=refund.id).using_db(conn).update(**changes)
    if status != refund.status:
        await audit.record(
            "payments.refund.updated",
            actor=None,
            record_type="refund",
            record_id=refund.id,
            now=now,
            before={"status": refund.status},
            after={"status": status, "stripe_refund_id": stripe_refund.id},
            using_db=conn,
        )
    if status == RefundStatus.SUCCEEDED and not await LedgerEntry.filter(stripe_object_id=stripe_refund.id).using_db(conn).exists():
        await LedgerEntry.create(
            payment_id=payment.id,
            refund_id=refund.id,
            kind=LedgerKind.REFUND,
            amount_pence=-stripe_refund.amount,
            stripe_object_id=stripe_refund.id,
            occurred_at=now,
            using_db=conn,
        )
    if status in (RefundStatus.FAILED, RefundStatus.CANCELED) and refund.status not in (RefundStatus.FAILED, RefundStatus.CANCELED):
        # The money did not go back: free the reservation and ask a person to look.
        await (
            Payment.filter(id=payment.id)
            .using_db(conn)
            .update(
                refunded_pence=F("refunded_pence") - refund.amount_pence,
                needs_review=True,
                review_reason=f"Refund {refund.id} {status.value} at Stripe"[:300],
            )
        )


async def _record_outside_refund(payment: Payment, stripe_refund: StripeRefund, *, now: datetime, conn: BaseDBAsyncClient) -> Refund | None:
    """A refund made at Stripe directly (the dashboard): reserve and record it like our own."""
    if stripe_refund.status in (RefundStatus.FAILED, RefundStatus.CANCELED):
        return None
    reserved = (
        await Payment.filter(id=payment.id, refunded_pence__lte=payment.amount_received_pence - stripe_refund.amount)
        .using_db(conn)
        .update(refunded_pence=F("refunded_pence") + stripe_refund.amount)
    )
    if not reserved:
        await (
            Payment.filter(id=payment.id)
            .using_db(conn)
            .update(needs_review=True, review_reason=f"Stripe refund {stripe_refund.id} is more than is left to refund"[:300])
        )
        return None
    payment.refunded_pence += stripe_refund.amount
    return await Refund.create(
        payment_id=payment.id,
        amount_pence=stripe_refund.amount,
        reason=RefundReason.STRIPE,
        status=RefundStatus.PENDING,
        stripe_refund_id=stripe_refund.id,
        requested_at=now,
        using_db=conn,
    )
