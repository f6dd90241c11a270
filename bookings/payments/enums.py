"""Vocabularies for payments: a booking's payment, its refunds, the ledger and Stripe's events."""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    """pending (held, no checkout yet) → open (at Stripe Checkout) → paid; or expired / failed / cancelled."""

    PENDING = "pending"
    OPEN = "open"
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return PAYMENT_STATUS_LABELS[self]


PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: "Waiting for payment",
    PaymentStatus.OPEN: "Waiting for payment",
    PaymentStatus.PAID: "Paid",
    PaymentStatus.EXPIRED: "Not paid in time",
    PaymentStatus.FAILED: "Payment could not start",
    PaymentStatus.CANCELLED: "Cancelled before payment",
}
UNPAID_STATUSES = frozenset({PaymentStatus.PENDING, PaymentStatus.OPEN})


class RefundStatus(StrEnum):
    """queued (ours, not yet at Stripe) → pending → succeeded; or failed / canceled (Stripe's), attention (we gave up)."""

    QUEUED = "queued"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    ATTENTION = "attention"

    @property
    def label(self) -> str:
        return REFUND_STATUS_LABELS[self]


REFUND_STATUS_LABELS = {
    RefundStatus.QUEUED: "Refund on its way",
    RefundStatus.PENDING: "Refund on its way",
    RefundStatus.REQUIRES_ACTION: "Refund needs action: contact us",
    RefundStatus.SUCCEEDED: "Refunded",
    RefundStatus.FAILED: "Refund failed: we will contact you",
    RefundStatus.CANCELED: "Refund cancelled",
    RefundStatus.ATTENTION: "Refund delayed: we are looking into it",
}
# Stripe's own refund statuses, which a re-read refund may have.
STRIPE_REFUND_STATUSES = frozenset(
    {RefundStatus.PENDING, RefundStatus.REQUIRES_ACTION, RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED}
)


class RefundReason(StrEnum):
    CANCELLED = "cancelled"
    CANCELLED_LATE = "cancelled_late"
    SESSION_CANCELLED = "session_cancelled"
    DECLINED = "declined"
    LATE_PAYMENT = "late_payment"
    STRIPE = "stripe"

    @property
    def label(self) -> str:
        return REFUND_REASON_LABELS[self]


REFUND_REASON_LABELS = {
    RefundReason.CANCELLED: "You cancelled in time",
    RefundReason.CANCELLED_LATE: "Late cancellation (the service's policy)",
    RefundReason.SESSION_CANCELLED: "The provider cancelled the session",
    RefundReason.DECLINED: "The provider declined the booking",
    RefundReason.LATE_PAYMENT: "Payment arrived after the place had gone",
    RefundReason.STRIPE: "Refunded by the provider",
}


class LedgerKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class EventStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"
    ATTENTION = "attention"
