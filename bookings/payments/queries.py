"""Named reads for payments: a booking's payment, a family's receipts, a session's takings, an authority's ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.expressions import Subquery
from tortoise.functions import Count, Sum

from bookings.models import BookingChild
from bookings.payments.enums import LedgerKind, PaymentStatus, RefundReason, RefundStatus
from bookings.payments.models import LedgerEntry, Payment, Refund
from providers.enums import FundingRoute
from providers.models import Session


@dataclass
class RefundView:
    amount_pence: int
    reason: RefundReason
    status: RefundStatus
    requested_at: datetime


@dataclass
class PaymentView:
    id: UUID
    status: PaymentStatus
    amount_pence: int
    amount_received_pence: int
    refunded_pence: int
    hold_expires_at: datetime
    paid_at: datetime | None
    needs_review: bool
    refunds: list[RefundView] = field(default_factory=list)


async def find_booking_payment(booking_id: UUID) -> PaymentView | None:
    """A booking's payment and its refunds, oldest first; ``None`` when the family paid nothing online."""
    payment = await Payment.get_or_none(booking_id=booking_id)
    if payment is None:
        return None
    refunds = await Refund.filter(payment_id=payment.id).order_by("requested_at", "id")
    return PaymentView(
        id=payment.id,
        status=PaymentStatus(payment.status),
        amount_pence=payment.amount_pence,
        amount_received_pence=payment.amount_received_pence,
        refunded_pence=payment.refunded_pence,
        hold_expires_at=payment.hold_expires_at,
        paid_at=payment.paid_at,
        needs_review=payment.needs_review,
        refunds=[RefundView(r.amount_pence, RefundReason(r.reason), RefundStatus(r.status), r.requested_at) for r in refunds],
    )


LEDGER_FIELDS = (
    "occurred_at",
    "kind",
    "amount_pence",
    "stripe_object_id",
    "payment_id",
    "refund_id",
    "payment__needs_review",
    "payment__booking__reference",
    "payment__booking__starts_at",
    "payment__booking__service__name",
    "payment__booking__service__provider__name",
)


async def list_family_receipts(family_id: UUID) -> list[dict[str, Any]]:
    """Money that moved for a family's bookings (payments and refunds), newest first."""
    return list(await LedgerEntry.filter(payment__family_id=family_id).order_by("-occurred_at", "id").values(*LEDGER_FIELDS))


async def list_pending_refunds(family_id: UUID) -> list[dict[str, Any]]:
    """Refunds not yet through, so families see money on its way."""
    return list(
        await Refund.filter(payment__family_id=family_id, status__in=[RefundStatus.QUEUED, RefundStatus.PENDING, RefundStatus.ATTENTION])
        .order_by("-requested_at")
        .values("amount_pence", "status", "reason", "requested_at", "payment__booking__reference")
    )


async def list_session_payments(session_id: UUID) -> list[dict[str, Any]]:
    """Each paid (or once held) booking on a session with what was asked, received and refunded."""
    rows = (
        await Payment.filter(booking__session_id=session_id)
        .order_by("created_at", "id")
        .values(
            "status",
            "amount_pence",
            "amount_received_pence",
            "refunded_pence",
            "paid_at",
            "needs_review",
            "booking__reference",
            "booking__status",
        )
    )
    return [dict(row, status=PaymentStatus(row["status"])) for row in rows]


async def session_totals(session_id: UUID) -> dict[str, int]:
    """Received and refunded in pence across a session's bookings, summed by the database."""
    rows = (
        await LedgerEntry.filter(payment__booking__session_id=session_id)
        .annotate(total=Sum("amount_pence"), lines=Count("id"))
        .group_by("kind")
        .values("kind", "total", "lines")
    )
    totals = {LedgerKind.PAYMENT.value: 0, LedgerKind.REFUND.value: 0}
    for row in rows:
        totals[str(row["kind"])] = int(row["total"] or 0)
    return {"received": totals[LedgerKind.PAYMENT.value], "refunded": -totals[LedgerKind.REFUND.value]}


async def list_authority_ledger(authority_ids: list[UUID]) -> list[dict[str, Any]]:
    """Every payment and refund for bookings of children whose home authority is one of ``authority_ids``."""
    if not authority_ids:
        return []
    bookings = BookingChild.filter(child__local_authority_id__in=authority_ids).values("booking_id")
    return list(
        await LedgerEntry.filter(payment__booking_id__in=Subquery(bookings))
        # Same moment: the payment before its refunds ('payment' < 'refund').
        .order_by("occurred_at", "payment_id", "kind", "id")
        .values(*LEDGER_FIELDS)
    )


def may_need_payment(session: Session) -> bool:
    """Whether booking this session can ask the family to pay online (a child without an allocation)."""
    service = session.service
    return service.price_pence > 0 and FundingRoute.FAMILY_PAYS in service.funding_routes
