"""Payments in the core's privacy registry."""

from __future__ import annotations

from bookings.payments.models import Payment
from shortbreaks.privacy import Erasure, PersonalData, register

register(
    PersonalData(
        Payment,
        family="family_id",
        export=(
            "id",
            "booking_id",
            "status",
            "amount_pence",
            "currency",
            "amount_received_pence",
            "refunded_pence",
            "paid_at",
            "created_at",
        ),
        erasure=Erasure.KEEP,
        why="a financial record kept for reconciliation and audit: amounts and Stripe ids, no names or card details",
    )
)
