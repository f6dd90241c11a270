"""Payments pages: the family's 'pay' step (off to Stripe Checkout), what families paid for a
session (for its provider), and the authority's payments and refunds as CSV (for its officers).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bookings import permissions, presenters, queries
from bookings.enums import BookingStatus
from bookings.payments import exporters
from bookings.payments import queries as payment_queries
from bookings.payments.api import checkout_url_for
from shortbreaks.errors import DomainError
from shortbreaks.permissions import FAMILY, LA_OFFICER, PROVIDER_STAFF
from shortbreaks.routing import page
from shortbreaks.web import path_uuid, redirect, render, request_principal


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
        return redirect(request, str(target), error=exc.message)
    return RedirectResponse(url, status_code=303)


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
    page("/bookings/{booking_id:uuid}/pay", pay_page, name="payments:pay", permission=FAMILY, methods=["POST"]),
    page("/provider/sessions/{session_id:uuid}/payments", session_payments_page, name="payments:session", permission=PROVIDER_STAFF),
    page("/authority/payments.csv", authority_payments_csv, name="payments:authority_csv", permission=LA_OFFICER),
]
