"""Payments models: a held booking's payment, its refunds, the money ledger and Stripe's events.

- ``Payment``: one per booking that needs the family to pay (a unique booking), amounts in pence.
  ``refunded_pence`` reserves money as refunds are queued; a CHECK keeps it within what Stripe
  reported received, so refunds can never exceed the payment.
- ``Refund``: one refund of (part of) a payment, sent to Stripe with the idempotency key
  ``refund:{id}``.
- ``LedgerEntry``: money that actually moved, once per Stripe object (unique ``stripe_object_id``):
  + for a paid Checkout Session, - for a succeeded refund. Receipts and the CSV export read it.
- ``StripeEvent``: each webhook event id stored once; its ``processed_at`` is set in the same
  transaction as the event's effect, so a redelivered or re-run event changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from bookings.payments.enums import EventStatus, LedgerKind, PaymentStatus, RefundReason, RefundStatus
from shortbreaks.models import TimestampedModel

if TYPE_CHECKING:
    from bookings.models import Booking
    from shortbreaks.accounts.models import User


class Payment(TimestampedModel):
    """What a family owes for a held booking, and what Stripe says it paid."""

    id = fields.UUIDField(primary_key=True)
    booking: fields.OneToOneRelation[Booking] = fields.OneToOneField("bookings.Booking", related_name="payment", on_delete=fields.RESTRICT)
    booking_id: UUID
    family: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="payments", on_delete=fields.RESTRICT)
    family_id: UUID
    status = fields.CharEnumField(PaymentStatus, max_length=12, default=PaymentStatus.PENDING)
    amount_pence = fields.IntField()
    currency = fields.CharField(max_length=3, default="gbp")
    attempt = fields.SmallIntField(default=0)
    hold_expires_at = fields.DatetimeField()
    checkout_session_id = fields.CharField(max_length=255, null=True, unique=True)
    checkout_url = fields.TextField(default="")
    payment_intent_id = fields.CharField(max_length=255, null=True)
    amount_received_pence = fields.IntField(default=0)
    refunded_pence = fields.IntField(default=0)
    paid_at = fields.DatetimeField(null=True)
    needs_review = fields.BooleanField(default=False)
    review_reason = fields.CharField(max_length=300, default="")

    class Meta:
        table = "payments_payment"
        indexes = [("status", "hold_expires_at"), ("family_id", "created_at")]
        constraints = [
            CheckConstraint(check="amount_pence > 0", name="payments_payment_amount_positive"),
            CheckConstraint(
                check="refunded_pence >= 0 AND refunded_pence <= amount_received_pence", name="payments_payment_refunds_within_received"
            ),
        ]


class Refund(TimestampedModel):
    """A refund of (part of) a payment, queued in the transaction that made it due."""

    id = fields.UUIDField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "payments.Payment", related_name="refunds", on_delete=fields.RESTRICT
    )
    payment_id: UUID
    amount_pence = fields.IntField()
    reason = fields.CharEnumField(RefundReason, max_length=20)
    status = fields.CharEnumField(RefundStatus, max_length=16, default=RefundStatus.QUEUED)
    stripe_refund_id = fields.CharField(max_length=255, null=True, unique=True)
    attempts = fields.SmallIntField(default=0)
    last_error = fields.CharField(max_length=300, default="")
    requested_at = fields.DatetimeField()
    succeeded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payments_refund"
        indexes = [("status", "requested_at")]
        constraints = [CheckConstraint(check="amount_pence > 0", name="payments_refund_amount_positive")]


class LedgerEntry(Model):
    """Money that moved at Stripe: + a payment, - a refund, once per Stripe object."""

    id = fields.UUIDField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "payments.Payment", related_name="ledger_entries", on_delete=fields.RESTRICT
    )
    payment_id: UUID
    refund: fields.ForeignKeyNullableRelation[Refund] = fields.ForeignKeyField(
        "payments.Refund", related_name="ledger_entries", null=True, on_delete=fields.RESTRICT
    )
    refund_id: UUID | None
    kind = fields.CharEnumField(LedgerKind, max_length=10)
    amount_pence = fields.IntField()
    stripe_object_id = fields.CharField(max_length=255, unique=True)
    occurred_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payments_ledgerentry"
        indexes = [("payment_id", "occurred_at"), ("occurred_at",)]


class StripeEvent(Model):
    """A Stripe webhook event, stored once by its id."""

    id = fields.CharField(max_length=255, primary_key=True)
    type = fields.CharField(max_length=100)
    object_id = fields.CharField(max_length=255, default="")
    status = fields.CharEnumField(EventStatus, max_length=10, default=EventStatus.RECEIVED)
    attempts = fields.SmallIntField(default=0)
    last_error = fields.CharField(max_length=300, default="")
    received_at = fields.DatetimeField()
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payments_stripeevent"
        indexes = [("status", "received_at")]
