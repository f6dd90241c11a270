"""What a violation of each named constraint the payments migrations create means
(``shortbreaks.constraints``).

The unique keys make a Stripe object, and a booking's payment, recorded once: a violation is a
concurrent request (or a redelivered webhook) that did the same thing a moment earlier. The
CHECKs back amounts the services compute, never what a person typed.
"""

from __future__ import annotations

from shortbreaks.constraints import Constraint
from shortbreaks.errors import Conflict


def _already_done() -> Exception:
    return Conflict("That was done a moment ago by another request; reload the page to see it")


def _amount_not_valid() -> Exception:
    return Conflict("That amount does not match what was paid", code="amount_not_valid")


CONSTRAINTS = [
    Constraint("payments_payment_booking_id_key", _already_done, table="payments_payment", columns=("booking_id",)),
    Constraint("payments_payment_checkout_session_id_key", _already_done, table="payments_payment", columns=("checkout_session_id",)),
    Constraint("payments_refund_stripe_refund_id_key", _already_done, table="payments_refund", columns=("stripe_refund_id",)),
    Constraint("payments_ledgerentry_stripe_object_id_key", _already_done, table="payments_ledgerentry", columns=("stripe_object_id",)),
    Constraint("payments_payment_amount_positive", _amount_not_valid),
    Constraint("payments_payment_refunds_within_received", _amount_not_valid),
    Constraint("payments_refund_amount_positive", _amount_not_valid),
]
