"""The one boundary with Stripe: the official ``stripe`` library's ``StripeClient``, async.

Everything the rest of the code needs from Stripe goes through :class:`StripeGateway`, which
returns small frozen records (not Stripe objects) and turns every Stripe failure into
:class:`PaymentRetryableError` (timeouts, connection errors, 5xx, 429, 409 idempotency
conflicts while a first request is in flight) or :class:`PaymentPermanentError` (the rest).

Every request that creates something carries our own idempotency key, so a retry — by the
library, by a job or by a person — returns the first result instead of charging twice. The
timeout is short and the library retries at most once: a request never waits long on Stripe.

``STRIPE_API_BASE`` points the client at another address (the tests' local fake).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import stripe

from bookings.payments.errors import PaymentPermanentError, PaymentRetryableError, WebhookRejected
from shortbreaks.settings import Settings

log = logging.getLogger("bookings.payments.gateway")

MAX_NETWORK_RETRIES = 1


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    amount_total: int
    currency: str
    payment_intent: str | None
    booking_id: str | None


@dataclass(frozen=True)
class StripeRefund:
    id: str
    status: str  # pending, requires_action, succeeded, failed, canceled
    amount: int
    payment_intent: str | None
    refund_id: str | None  # our Refund's id, from the metadata


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    object_id: str
    payment_intent: str | None = None


def _get(obj: Any, name: str) -> Any:
    try:
        return obj[name]
    except (KeyError, TypeError):
        return getattr(obj, name, None)


def _checkout(obj: Any) -> CheckoutSession:
    metadata = _get(obj, "metadata") or {}
    return CheckoutSession(
        id=str(_get(obj, "id")),
        url=str(_get(obj, "url") or ""),
        status=str(_get(obj, "status") or ""),
        payment_status=str(_get(obj, "payment_status") or ""),
        amount_total=int(_get(obj, "amount_total") or 0),
        currency=str(_get(obj, "currency") or ""),
        payment_intent=_id_of(_get(obj, "payment_intent")),
        booking_id=_get(metadata, "booking_id"),
    )


def _refund(obj: Any) -> StripeRefund:
    metadata = _get(obj, "metadata") or {}
    return StripeRefund(
        id=str(_get(obj, "id")),
        status=str(_get(obj, "status") or ""),
        amount=int(_get(obj, "amount") or 0),
        payment_intent=_id_of(_get(obj, "payment_intent")),
        refund_id=_get(metadata, "refund_id"),
    )


def _id_of(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(_get(value, "id"))


def _translate(exc: stripe.StripeError) -> Exception:
    status = exc.http_status or 0
    text = f"{type(exc).__name__} {status}: {exc.user_message or ''}".strip()[:300]
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or status >= 500 or status in (409, 429) or status == 0:
        return PaymentRetryableError(text)
    return PaymentPermanentError(text)


class StripeGateway:
    """Checkout Sessions, Refunds and Events through ``StripeClient``; open with :func:`open_gateway`."""

    def __init__(self, client: stripe.StripeClient, http_client: stripe.HTTPClient) -> None:
        self._client = client
        self._http = http_client

    async def _call(self, what: str, request: Any) -> Any:
        try:
            return await request
        except stripe.StripeError as exc:
            error = _translate(exc)
            log.warning("stripe %s failed: %s", what, error)
            raise error from exc

    async def create_checkout_session(
        self,
        *,
        booking_id: str,
        reference: str,
        description: str,
        amount_pence: int,
        quantity: int,
        customer_email: str,
        success_url: str,
        cancel_url: str,
        expires_at: datetime,
        idempotency_key: str,
    ) -> CheckoutSession:
        """A Checkout Session for ``quantity`` × ``amount_pence`` in GBP, tagged with the booking id."""
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": quantity,
                    "price_data": {"currency": "gbp", "unit_amount": amount_pence, "product_data": {"name": description}},
                }
            ],
            "customer_email": customer_email,
            "client_reference_id": booking_id,
            "metadata": {"booking_id": booking_id, "reference": reference},
            "payment_intent_data": {"metadata": {"booking_id": booking_id, "reference": reference}},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.astimezone(UTC).timestamp()),
        }
        session = await self._call(
            "checkout create",
            self._client.v1.checkout.sessions.create_async(params, {"idempotency_key": idempotency_key}),  # type: ignore[arg-type]  # stripe types its params as TypedDicts; ours is a plain dict
        )
        return _checkout(session)

    async def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        return _checkout(await self._call("checkout retrieve", self._client.v1.checkout.sessions.retrieve_async(session_id)))

    async def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        """Close an open session so it can no longer be paid (Stripe refuses once it is complete)."""
        return _checkout(await self._call("checkout expire", self._client.v1.checkout.sessions.expire_async(session_id)))

    async def create_refund(self, *, payment_intent: str, amount_pence: int, refund_id: str, idempotency_key: str) -> StripeRefund:
        params: dict[str, Any] = {"payment_intent": payment_intent, "amount": amount_pence, "metadata": {"refund_id": refund_id}}
        refund = await self._call(
            "refund create",
            self._client.v1.refunds.create_async(params, {"idempotency_key": idempotency_key}),  # type: ignore[arg-type]  # stripe types its params as TypedDicts; ours is a plain dict
        )
        return _refund(refund)

    async def retrieve_refund(self, stripe_refund_id: str) -> StripeRefund:
        return _refund(await self._call("refund retrieve", self._client.v1.refunds.retrieve_async(stripe_refund_id)))

    async def list_refunds(self, payment_intent: str) -> list[StripeRefund]:
        page = await self._call(
            "refund list",
            self._client.v1.refunds.list_async({"payment_intent": payment_intent, "limit": 100}),
        )
        return [_refund(r) for r in _get(page, "data") or []]

    async def aclose(self) -> None:
        await self._http.close_async()


def _event(event: Any) -> WebhookEvent:
    data = _get(event, "data")
    obj = _get(data, "object") if data is not None else None
    return WebhookEvent(
        id=str(_get(event, "id")),
        type=str(_get(event, "type")),
        object_id=str(_get(obj, "id") or "") if obj is not None else "",
        payment_intent=_id_of(_get(obj, "payment_intent")) if obj is not None else None,
    )


def verify_webhook(payload: bytes, signature: str | None, settings: Settings) -> WebhookEvent:
    """Check a webhook's ``Stripe-Signature`` against the raw body with the library's own
    verification (the endpoint secret, Stripe's default 300 s tolerance); the event it carries.
    """
    if not settings.stripe_webhook_secret:
        raise WebhookRejected("Stripe webhooks are not configured")
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", settings.stripe_webhook_secret.get_secret_value())
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookRejected("The Stripe signature is not valid") from exc
    return _event(event)


class _HttpxClient(stripe.HTTPClient):
    """Stripe's HTTP calls through our own ``httpx.AsyncClient``, written to stripe's public
    ``HTTPClient`` interface (``request_async``, ``sleep_async``, ``close_async``).

    Why not the library's ``stripe.HTTPXClient``: stripe 16 passes the encoded form to httpx as
    ``data=<str>``, which httpx deprecates (a ``DeprecationWarning`` on every POST, removal to
    come); here it goes as ``content``. Network failures become ``stripe.APIConnectionError``
    with ``should_retry``, as the library's clients raise them, so its retries still apply.
    """

    name = "httpx"

    def __init__(self, *, timeout: float) -> None:
        super().__init__()
        self._client = httpx.AsyncClient(timeout=timeout)

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            response = await self._client.request(method, url, headers=headers, content=post_data or None)
        except httpx.HTTPError as exc:
            raise stripe.APIConnectionError(f"Could not reach Stripe ({type(exc).__name__})", should_retry=True) from exc
        return response.content, response.status_code, response.headers

    async def sleep_async(self, secs: float) -> None:
        await asyncio.sleep(secs)

    async def close_async(self) -> None:
        await self._client.aclose()


def is_configured(settings: Settings) -> bool:
    """Online payment needs a Stripe secret key; without one, paid bookings are refused politely."""
    return bool(settings.stripe_secret_key)


@asynccontextmanager
async def open_gateway(settings: Settings) -> AsyncIterator[StripeGateway]:
    """A gateway for the span of one request or job (its HTTP client is bound to the running loop).

    ``settings.stripe_timeout_s`` (``STRIPE_TIMEOUT_S``) bounds each call to Stripe.
    """
    if not settings.stripe_secret_key:
        raise PaymentPermanentError("Stripe is not configured")
    http_client = _HttpxClient(timeout=settings.stripe_timeout_s)
    base_addresses: dict[str, str] = {"api": settings.stripe_api_base} if settings.stripe_api_base else {}
    client = stripe.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses=base_addresses,  # type: ignore[arg-type]  # stripe types it as its BaseAddresses TypedDict; ours is a plain dict
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=http_client,
    )
    gateway = StripeGateway(client, http_client)
    try:
        yield gateway
    finally:
        await gateway.aclose()
