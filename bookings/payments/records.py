"""Payment records written inside bookings' own transactions.

:mod:`bookings.services` calls these while it creates, cancels or declines a booking, so the
payment and its refunds commit (or roll back) with the booking. This module touches only the
payments tables and never calls Stripe: refunds are queued here and sent by a job after commit
(``send_refund``), which a sweep retries if the job is lost.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from bookings.models import Booking
from bookings.payments.enums import UNPAID_STATUSES, PaymentStatus, RefundReason
from bookings.payments.models import Payment, Refund
from shortbreaks import audit


async def open_payment(booking: Booking, *, amount_pence: int, hold: timedelta, now: datetime, conn: BaseDBAsyncClient) -> Payment:
    """The payment a held booking waits for; the place is held until ``now + hold``."""
    return await Payment.create(
        booking_id=booking.id,
        family_id=booking.family_id,
        amount_pence=amount_pence,
        hold_expires_at=now + hold,
        using_db=conn,
    )


async def close_unpaid(booking_id: UUID, *, status: PaymentStatus, conn: BaseDBAsyncClient) -> bool:
    """Mark a booking's unpaid payment expired, failed or cancelled; ``False`` if it was not unpaid."""
    updated = await Payment.filter(booking_id=booking_id, status__in=list(UNPAID_STATUSES)).using_db(conn).update(status=status)
    return bool(updated)


def refund_amount(paid_pence: int, percent: int) -> int:
    """``percent`` of what was paid, rounded down to whole pence (never more than paid)."""
    return min(paid_pence, paid_pence * max(0, min(100, percent)) // 100)


async def queue_refund(
    booking_id: UUID, *, percent: int, reason: RefundReason, actor: object | None, now: datetime, conn: BaseDBAsyncClient
) -> list[UUID]:
    """Queue a refund of ``percent`` of what is left of the booking's payment; returns the refund ids.

    The amount is reserved on the payment with a conditional UPDATE (a CHECK keeps refunds within
    what Stripe received), so two cancellations racing cannot refund twice. Send each refund
    after commit with the ``send_refund`` job.
    """
    payment = await Payment.filter(booking_id=booking_id, status=PaymentStatus.PAID).using_db(conn).first()
    if payment is None:
        return []
    left = payment.amount_received_pence - payment.refunded_pence
    amount = min(left, refund_amount(payment.amount_received_pence, percent))
    if amount <= 0:
        return []
    reserved = (
        await Payment.filter(id=payment.id, refunded_pence__lte=payment.amount_received_pence - amount)
        .using_db(conn)
        .update(refunded_pence=F("refunded_pence") + amount)
    )
    if not reserved:
        return []
    refund = await Refund.create(payment_id=payment.id, amount_pence=amount, reason=reason, requested_at=now, using_db=conn)
    await audit.record(
        "payments.refund.queued",
        actor=actor,
        record_type="refund",
        record_id=refund.id,
        now=now,
        after={"booking_id": booking_id, "payment_id": payment.id, "amount_pence": amount, "reason": reason, "percent": percent},
        using_db=conn,
    )
    return [refund.id]


async def send_refunds_later(refund_ids: list[UUID]) -> None:
    """After commit: enqueue ``send_refund`` for each queued refund (the sweep catches lost jobs)."""
    from shortbreaks import jobs

    for refund_id in refund_ids:
        try:
            await jobs.enqueue("send_refund", refund_id=str(refund_id), _job_id=f"send-refund:{refund_id}")
        except RuntimeError:
            # No job queue (the CLI): the refund stays queued for the sweep.
            continue


async def refunds_total(refund_ids: list[UUID], *, conn: BaseDBAsyncClient) -> int:
    """Pence across the given refunds (for the email that tells the family)."""
    amounts = cast("list[int]", await Refund.filter(id__in=refund_ids).using_db(conn).values_list("amount_pence", flat=True))
    return sum(int(a) for a in amounts)
