"""Payments endpoints: Stripe's webhook, the family's 'pay' step, providers' takings, officers' CSV.

The webhook reads the raw body, verifies the signature with the ``stripe`` library, stores the
event once and answers at once; a job does the work (``process_stripe_event``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bookings import permissions, presenters, queries
from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.payments import exporters, services
from bookings.payments import queries as payment_queries
from bookings.payments.errors import OnlinePaymentUnavailable
from bookings.payments.gateway import is_configured, open_gateway, verify_webhook
from shortbreaks import jobs
from shortbreaks.errors import DomainError
from shortbreaks.permissions import FAMILY, LA_OFFICER, PROVIDER_STAFF, PUBLIC
from shortbreaks.routing import api, endpoint, page, read_body
from shortbreaks.web import path_uuid, redirect, render, request_principal

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


async def pay_page(request: Request) -> Response:
    """The family's 'Pay now' on a held booking: off to Stripe Checkout."""
    principal = request_principal(request)
    booking = await queries.get_family_booking(principal.id, path_uuid(request, "booking_id"))
    try:
        url = await checkout_url_for(request, booking)
    except DomainError as exc:
        target = (
            request.url_for("bookings:mine")
            if exc.code == "payment_not_started"
            else request.url_for("bookings:detail", booking_id=booking.id)
        )
        return redirect(request, str(target), message=exc.message)
    return RedirectResponse(url, status_code=303)


async def api_checkout(request: Request) -> Response:
    """Open (or reopen) Stripe Checkout for a held booking; send the family to ``checkout_url``."""
    principal = request_principal(request)
    booking = await queries.get_family_booking(principal.id, path_uuid(request, "booking_id"))
    url = await checkout_url_for(request, booking)
    return JSONResponse(CheckoutOut(booking_id=booking.id, checkout_url=url).model_dump(mode="json"), status_code=201)


async def session_payments_page(request: Request) -> Response:
    """What families paid (and were refunded) for one session, for its provider."""
    session = await presenters.staff_session(request_principal(request), path_uuid(request, "session_id"))
    context: dict[str, Any] = {
        "session": session,
        "payments": await payment_queries.list_session_payments(session.id),
        "totals": await payment_queries.session_totals(session.id),
        "statuses": BookingStatus,
    }
    return render(request, "payments/session_payments.html", context)


async def authority_payments_csv(request: Request) -> Response:
    """The officer's authority's payments and refunds as CSV, for reconciliation."""
    rows = await payment_queries.list_authority_ledger(permissions.officer_authority_ids(request_principal(request)))
    return Response(
        exporters.ledger_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="payments.csv"', "Cache-Control": "no-store"},
    )


routes = [
    endpoint("/webhooks/stripe", stripe_webhook, name="payments:stripe_webhook", permission=PUBLIC, methods=["POST"]),
    page("/bookings/{booking_id:uuid}/pay", pay_page, name="payments:pay", permission=FAMILY, methods=["POST"]),
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
    page("/provider/sessions/{session_id:uuid}/payments", session_payments_page, name="payments:session", permission=PROVIDER_STAFF),
    page("/authority/payments.csv", authority_payments_csv, name="payments:authority_csv", permission=LA_OFFICER),
]
