"""Payments endpoints read by machines: Stripe's webhook and the API's checkout (the family's 'pay'
step, providers' takings and officers' CSV are in :mod:`bookings.payments.pages`).

The webhook reads the raw body, verifies the signature with the ``stripe`` library, stores the
event once and answers at once; a job does the work (``process_stripe_event``).
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bookings import queries
from bookings.models import Booking
from bookings.payments import services
from bookings.payments.errors import OnlinePaymentUnavailable
from bookings.payments.gateway import is_configured, open_gateway, verify_webhook
from shortbreaks import jobs
from shortbreaks.permissions import FAMILY, PUBLIC
from shortbreaks.routing import api, endpoint, read_body
from shortbreaks.web import path_uuid, request_principal

WEBHOOK_BODY_LIMIT = 512 * 1024


class CheckoutOut(BaseModel):
    booking_id: UUID
    checkout_url: str


async def checkout_url_for(request: Request, booking: Booking) -> str:
    """Open Stripe Checkout for a held booking (the bookings pages call this right after booking)."""
    settings = request.app.state.settings
    if not is_configured(settings):
        raise OnlinePaymentUnavailable()
    detail = str(request.url_for("bookings:detail", booking_id=booking.id))
    urls = services.CheckoutUrls(success=f"{detail}?payment=done", cancel=f"{detail}?payment=cancelled")
    async with open_gateway(settings) as gateway:
        return await services.start_checkout(booking, gateway=gateway, urls=urls, now=request.app.state.clock.now())


async def stripe_webhook(request: Request) -> Response:
    """Stripe's webhook: verify, store once, acknowledge; a job does the rest."""
    settings = request.app.state.settings
    payload = await read_body(request, limit=WEBHOOK_BODY_LIMIT)
    event = verify_webhook(payload, request.headers.get("stripe-signature"), settings)
    if await services.receive_event(event, now=request.app.state.clock.now()):
        await jobs.enqueue("process_stripe_event", event_id=event.id, _job_id=f"stripe-event:{event.id}")
    return JSONResponse({"received": True})


async def api_checkout(request: Request) -> Response:
    """Open (or reopen) Stripe Checkout for a held booking; send the family to ``checkout_url``."""
    principal = request_principal(request)
    booking = await queries.get_family_booking(principal.id, path_uuid(request, "booking_id"))
    url = await checkout_url_for(request, booking)
    return JSONResponse(CheckoutOut(booking_id=booking.id, checkout_url=url).model_dump(mode="json"), status_code=201)


routes = [
    endpoint("/webhooks/stripe", stripe_webhook, name="payments:stripe_webhook", permission=PUBLIC, methods=["POST"]),
    api(
        "/api/v1/bookings/{booking_id:uuid}/checkout",
        api_checkout,
        name="api:booking_checkout",
        permission=FAMILY,
        methods=["POST"],
        response=CheckoutOut,
        status_code=201,
        summary="Open Stripe Checkout for a booking held while the family pays",
        errors=[404, 409, 503],
        tags=["bookings"],
    ),
]
