"""Errors the payments code raises.

Shown to people (:class:`shortbreaks.errors.DomainError`):

- ``OnlinePaymentUnavailable`` (409 ``payment_unavailable``): the booking needs a payment and
  online payment is not set up (no ``STRIPE_SECRET_KEY``): the family contacts the provider.
- ``PaymentNotStarted`` (503 ``payment_not_started``): Stripe did not answer or refused to open
  Checkout; the hold has been released and nothing was charged.
- ``PaymentNotDue`` (409 ``payment_not_due``): the booking is not waiting for a payment.
- ``WebhookRejected`` (400 ``webhook_rejected``): a webhook without a valid Stripe signature.

From the Stripe boundary (:mod:`bookings.payments.gateway`), never shown as they are:

- ``PaymentRetryableError``: timeouts, connection failures, 5xx, rate limits: try again later.
- ``PaymentPermanentError``: Stripe refused the request (4xx): trying again will not help.
"""

from __future__ import annotations

from shortbreaks.errors import BadRequest, Conflict, ServiceUnavailable


class OnlinePaymentUnavailable(Conflict):
    code = "payment_unavailable"
    title = "Online payment is not available"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "Online payment is not available for this service; contact the provider to book.")


class PaymentNotStarted(ServiceUnavailable):
    code = "payment_not_started"
    title = "We could not start the payment"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "We could not reach our payment provider, so your place has not been kept and nothing has been charged."
            " Try again in a few minutes."
        )


class PaymentNotDue(Conflict):
    code = "payment_not_due"
    title = "This booking is not waiting for a payment"


class WebhookRejected(BadRequest):
    code = "webhook_rejected"
    title = "The webhook signature is not valid"


class PaymentGatewayError(Exception):
    """A failure talking to Stripe."""


class PaymentRetryableError(PaymentGatewayError):
    """Stripe timed out, was unreachable, answered 5xx or asked us to slow down: try again later."""


class PaymentPermanentError(PaymentGatewayError):
    """Stripe refused the request: the same request will fail again."""
