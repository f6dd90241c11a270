"""The bookings JSON API under /api/v1: families' children, bookings, waiting lists, allocations and
data; providers' registers and decisions; officers' allocations and waiting-list priorities (the
pages are in :mod:`bookings.pages`).

Endpoints are thin: find the record the caller may see (404 otherwise), call one service, show
the result.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bookings import permissions, queries, services
from bookings.models import WaitingListEntry
from bookings.payments.services import payment_hold
from bookings.presenters import (
    allocation_out,
    booking_out,
    bookings_out,
    child_out,
    entry_out,
    home_authority,
    staff_booking,
    staff_booking_out,
    staff_session,
)
from bookings.schemas import (
    AcceptOfferIn,
    AdjustIn,
    AllocationOut,
    AttendanceIn,
    BookingIn,
    BookingOut,
    CancelIn,
    CancelSessionIn,
    ChildIn,
    ChildOut,
    ConfirmIn,
    DeclineIn,
    GrantIn,
    PriorityIn,
    StaffBookingOut,
    WaitingEntryOut,
    WaitingListIn,
)
from shortbreaks.errors import NotFound, ValidationFailed
from shortbreaks.permissions import FAMILY, LA_OFFICER, PROVIDER_STAFF
from shortbreaks.routing import api
from shortbreaks.web import path_uuid, request_now, request_principal


def _json(model: Any, status_code: int = 200) -> JSONResponse:
    if isinstance(model, list):
        return JSONResponse([m.model_dump(mode="json") for m in model], status_code=status_code)
    return JSONResponse(model.model_dump(mode="json"), status_code=status_code)


# --- family API -------------------------------------------------------------------------------


async def list_children(request: Request) -> Response:
    """The family's children, with their care profiles."""
    children = await queries.list_children(request_principal(request).id)
    return _json([await child_out(c) for c in children])


async def create_child(request: Request, *, body: ChildIn) -> Response:
    """Add a child to the family's account."""
    principal = request_principal(request)
    child = await services.create_child(
        principal.user,
        local_authority_id=home_authority(principal),
        first_name=body.first_name,
        last_name=body.last_name,
        date_of_birth=body.date_of_birth,
        needs=[n.value for n in body.needs],
        care=body.care_profile.model_dump(),
        now=request_now(request),
    )
    return _json(await child_out(child), status_code=201)


async def get_child(request: Request) -> Response:
    child = await queries.get_family_child(request_principal(request).id, path_uuid(request, "child_id"))
    return _json(await child_out(child))


async def create_booking(request: Request, *, body: BookingIn) -> Response:
    """Book children onto a session, all or none (409 ``session_full`` when the places are gone; 403
    ``email_not_verified`` until the family has confirmed its email address)."""
    booking, places = await services.book_places(
        request_principal(request).user,
        session_id=body.session_id,
        child_ids=body.child_ids,
        funding=body.funding,
        now=request_now(request),
        payment_hold=payment_hold(request.app.state.settings),
    )
    return _json(booking_out(booking, places), status_code=201)


async def list_bookings(request: Request) -> Response:
    return _json(await bookings_out(await queries.list_family_bookings(request_principal(request).id)))


async def get_booking(request: Request) -> Response:
    booking = await queries.get_family_booking(request_principal(request).id, path_uuid(request, "booking_id"))
    return _json((await bookings_out([booking]))[0])


async def cancel_booking(request: Request, *, body: CancelIn) -> Response:
    """Cancel a booking: credited before the notice deadline, marked late after it."""
    principal = request_principal(request)
    booking = await queries.get_family_booking(principal.id, path_uuid(request, "booking_id"))
    await services.cancel_booking(booking, actor=principal.user, reason=body.reason, now=request_now(request))
    booking = await queries.get_family_booking(principal.id, booking.id)
    return _json((await bookings_out([booking]))[0])


async def join_waiting_list(request: Request, *, body: WaitingListIn) -> Response:
    """Join a full session's waiting list."""
    entries = await services.join_waiting_list(
        request_principal(request).user, session_id=path_uuid(request, "session_id"), child_ids=body.child_ids, now=request_now(request)
    )
    return _json([entry_out(e) for e in entries], status_code=201)


async def list_waiting_list(request: Request) -> Response:
    return _json([entry_out(e) for e in await queries.family_waiting_list(request_principal(request).id, include_closed=True)])


async def accept_offer(request: Request, *, body: AcceptOfferIn) -> Response:
    """Accept a waiting-list offer before it expires (409 ``offer_expired`` after)."""
    principal = request_principal(request)
    entry = await queries.get_family_waiting_entry(principal.id, path_uuid(request, "entry_id"))
    booking = await services.accept_offer(
        entry, family=principal.user, funding=body.funding, now=request_now(request), payment_hold=payment_hold(request.app.state.settings)
    )
    booking = await queries.get_family_booking(principal.id, booking.id)
    return _json((await bookings_out([booking]))[0], status_code=201)


async def leave_waiting_list(request: Request) -> Response:
    principal = request_principal(request)
    entry = await queries.get_family_waiting_entry(principal.id, path_uuid(request, "entry_id"))
    await services.leave_waiting_list(entry, family=principal.user, now=request_now(request))
    return Response(status_code=204)


async def list_allocations(request: Request) -> Response:
    """The family's allocations with their balances and ledgers."""
    return _json([allocation_out(a, entries) for a, entries in await queries.family_allocations(request_principal(request).id)])


async def export_data(request: Request) -> Response:
    """Everything held about the family, as JSON."""
    data = await queries.export_family_data(request_principal(request).user)
    return JSONResponse(data, headers={"Content-Disposition": 'attachment; filename="my-short-breaks-data.json"'})


async def erase_account(request: Request) -> Response:
    """Erase the family's personal data and close the account."""
    await services.erase_family(request_principal(request).user, now=request_now(request))
    return Response(status_code=204)


# --- provider API -----------------------------------------------------------------------------


async def staff_session_bookings(request: Request) -> Response:
    """Bookings on one of the provider's sessions (the register)."""
    session = await staff_session(request_principal(request), path_uuid(request, "session_id"))
    return _json([await staff_booking_out(b) for b in await queries.list_session_bookings(session.id)])


async def staff_get_booking(request: Request) -> Response:
    return _json(await staff_booking_out(await staff_booking(request_principal(request), path_uuid(request, "booking_id"))))


async def staff_confirm(request: Request, *, body: ConfirmIn) -> Response:
    principal = request_principal(request)
    booking = await staff_booking(principal, path_uuid(request, "booking_id"))
    await services.confirm_booking(booking, actor=principal.user, override_age=body.override_age, now=request_now(request))
    return _json(await staff_booking_out(booking))


async def staff_decline(request: Request, *, body: DeclineIn) -> Response:
    principal = request_principal(request)
    booking = await staff_booking(principal, path_uuid(request, "booking_id"))
    await services.decline_booking(booking, actor=principal.user, reason=body.reason, now=request_now(request))
    return _json(await staff_booking_out(booking))


async def staff_attendance(request: Request, *, body: AttendanceIn) -> Response:
    principal = request_principal(request)
    booking = await staff_booking(principal, path_uuid(request, "booking_id"))
    await services.record_attendance(booking, actor=principal.user, attendance=body.attendance, now=request_now(request))
    return _json(await staff_booking_out(booking))


async def staff_cancel_session(request: Request, *, body: CancelSessionIn) -> Response:
    """Cancel a whole session: bookings cancelled and credited, families told, waiting list cleared."""
    principal = request_principal(request)
    session = await staff_session(principal, path_uuid(request, "session_id"))
    cancelled = await services.cancel_session(session.id, actor=principal.user, reason=body.reason, now=request_now(request))
    return JSONResponse({"session_id": str(session.id), "bookings_cancelled": cancelled})


# --- officer API ------------------------------------------------------------------------------


async def officer_grant(request: Request, *, body: GrantIn) -> Response:
    """Grant a child in the officer's authority an allocation for a financial year."""
    principal = request_principal(request)
    child = await queries.children_in_authorities(permissions.officer_authority_ids(principal), path_uuid(request, "child_id"))
    allocation = await services.grant_allocation(
        child, actor=principal.user, year=body.year, minutes=body.minutes, pence=body.pence, reason=body.reason, now=request_now(request)
    )
    entries = await queries.ledger_entries([allocation.id])
    return _json(allocation_out(allocation, entries), status_code=201)


async def officer_adjust(request: Request, *, body: AdjustIn) -> Response:
    principal = request_principal(request)
    allocation = await queries.allocation_in_authorities(permissions.officer_authority_ids(principal), path_uuid(request, "allocation_id"))
    allocation = await services.adjust_allocation(
        allocation, actor=principal.user, minutes=body.minutes, pence=body.pence, reason=body.reason, now=request_now(request)
    )
    entries = await queries.ledger_entries([allocation.id])
    return _json(allocation_out(allocation, entries))


async def officer_family_bookings(request: Request) -> Response:
    """A family's bookings, for an officer of its authority."""
    principal = request_principal(request)
    family = await queries.family_in_authorities(permissions.officer_authority_ids(principal), path_uuid(request, "family_id"))
    return _json(await bookings_out(await queries.list_family_bookings(family.id)))


async def officer_family_children(request: Request) -> Response:
    """A family's children (without care profiles), for an officer of its authority."""
    principal = request_principal(request)
    family = await queries.family_in_authorities(permissions.officer_authority_ids(principal), path_uuid(request, "family_id"))
    return _json([await child_out(c, with_care=False) for c in await queries.list_children(family.id)])


async def officer_priority(request: Request, *, body: PriorityIn) -> Response:
    principal = request_principal(request)
    entry = await WaitingListEntry.filter(
        id=path_uuid(request, "entry_id"), child__local_authority_id__in=permissions.officer_authority_ids(principal)
    ).first()
    if entry is None:
        raise NotFound("Waiting-list entry not found")
    await services.set_waiting_priority(entry, actor=principal.user, priority=body.priority, now=request_now(request))
    return _json(entry_out(entry))


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(field, "Enter a real date") from None


TAGS = ["bookings"]
routes = [
    api(
        "/api/v1/children",
        list_children,
        name="api:children",
        permission=FAMILY,
        response=list[ChildOut],
        summary="List your children",
        tags=TAGS,
    ),
    api(
        "/api/v1/children",
        create_child,
        name="api:children_create",
        permission=FAMILY,
        methods=["POST"],
        body=ChildIn,
        response=ChildOut,
        status_code=201,
        summary="Add a child",
        tags=TAGS,
        errors=[422],
    ),
    api("/api/v1/children/{child_id:uuid}", get_child, name="api:child", permission=FAMILY, response=ChildOut, errors=[404], tags=TAGS),
    api(
        "/api/v1/bookings",
        create_booking,
        name="api:bookings_create",
        permission=FAMILY,
        methods=["POST"],
        body=BookingIn,
        response=BookingOut,
        status_code=201,
        summary="Book a session",
        tags=TAGS,
        errors=[404, 409, 422],
    ),
    api(
        "/api/v1/bookings",
        list_bookings,
        name="api:bookings",
        permission=FAMILY,
        response=list[BookingOut],
        summary="Your bookings",
        tags=TAGS,
    ),
    api(
        "/api/v1/bookings/{booking_id:uuid}",
        get_booking,
        name="api:booking",
        permission=FAMILY,
        response=BookingOut,
        errors=[404],
        tags=TAGS,
    ),
    api(
        "/api/v1/bookings/{booking_id:uuid}/cancel",
        cancel_booking,
        name="api:booking_cancel",
        permission=FAMILY,
        methods=["POST"],
        body=CancelIn,
        response=BookingOut,
        errors=[404, 409],
        summary="Cancel a booking",
        tags=TAGS,
    ),
    api(
        "/api/v1/sessions/{session_id:uuid}/waiting-list",
        join_waiting_list,
        name="api:waiting_list_join",
        permission=FAMILY,
        methods=["POST"],
        body=WaitingListIn,
        response=list[WaitingEntryOut],
        status_code=201,
        errors=[404, 409],
        tags=TAGS,
        summary="Join a session's waiting list",
    ),
    api("/api/v1/waiting-list", list_waiting_list, name="api:waiting_list", permission=FAMILY, response=list[WaitingEntryOut], tags=TAGS),
    api(
        "/api/v1/waiting-list/{entry_id:uuid}/accept",
        accept_offer,
        name="api:waiting_list_accept",
        permission=FAMILY,
        methods=["POST"],
        body=AcceptOfferIn,
        response=BookingOut,
        status_code=201,
        errors=[404, 409],
        tags=TAGS,
        summary="Accept a waiting-list offer",
    ),
    api(
        "/api/v1/waiting-list/{entry_id:uuid}/withdraw",
        leave_waiting_list,
        name="api:waiting_list_withdraw",
        permission=FAMILY,
        methods=["POST"],
        status_code=204,
        errors=[404, 409],
        tags=TAGS,
    ),
    api(
        "/api/v1/allocations",
        list_allocations,
        name="api:allocations",
        permission=FAMILY,
        response=list[AllocationOut],
        tags=TAGS,
        summary="Your children's allocations and their ledgers",
    ),
    api("/api/v1/my-data", export_data, name="api:my_data", permission=FAMILY, summary="Download all your data", tags=TAGS),
    api(
        "/api/v1/my-data/erase",
        erase_account,
        name="api:my_data_erase",
        permission=FAMILY,
        methods=["POST"],
        status_code=204,
        errors=[409],
        summary="Erase your account",
        tags=TAGS,
    ),
    api(
        "/api/v1/provider/sessions/{session_id:uuid}/bookings",
        staff_session_bookings,
        name="api:staff_session_bookings",
        permission=PROVIDER_STAFF,
        response=list[StaffBookingOut],
        errors=[404],
        tags=TAGS,
    ),
    api(
        "/api/v1/provider/sessions/{session_id:uuid}/cancel",
        staff_cancel_session,
        name="api:staff_session_cancel",
        permission=PROVIDER_STAFF,
        methods=["POST"],
        body=CancelSessionIn,
        errors=[404, 409],
        tags=TAGS,
    ),
    api(
        "/api/v1/provider/bookings/{booking_id:uuid}",
        staff_get_booking,
        name="api:staff_booking",
        permission=PROVIDER_STAFF,
        response=StaffBookingOut,
        errors=[404],
        tags=TAGS,
    ),
    api(
        "/api/v1/provider/bookings/{booking_id:uuid}/confirm",
        staff_confirm,
        name="api:staff_booking_confirm",
        permission=PROVIDER_STAFF,
        methods=["POST"],
        body=ConfirmIn,
        response=StaffBookingOut,
        errors=[404, 409, 422],
        tags=TAGS,
    ),
    api(
        "/api/v1/provider/bookings/{booking_id:uuid}/decline",
        staff_decline,
        name="api:staff_booking_decline",
        permission=PROVIDER_STAFF,
        methods=["POST"],
        body=DeclineIn,
        response=StaffBookingOut,
        errors=[404, 409],
        tags=TAGS,
    ),
    api(
        "/api/v1/provider/bookings/{booking_id:uuid}/attendance",
        staff_attendance,
        name="api:staff_booking_attendance",
        permission=PROVIDER_STAFF,
        methods=["POST"],
        body=AttendanceIn,
        response=StaffBookingOut,
        errors=[404, 409, 422],
        tags=TAGS,
    ),
    api(
        "/api/v1/authority/children/{child_id:uuid}/allocations",
        officer_grant,
        name="api:officer_grant",
        permission=LA_OFFICER,
        methods=["POST"],
        body=GrantIn,
        response=AllocationOut,
        status_code=201,
        errors=[404, 422],
        tags=TAGS,
    ),
    api(
        "/api/v1/authority/allocations/{allocation_id:uuid}/adjustments",
        officer_adjust,
        name="api:officer_adjust",
        permission=LA_OFFICER,
        methods=["POST"],
        body=AdjustIn,
        response=AllocationOut,
        errors=[404, 409, 422],
        tags=TAGS,
    ),
    api(
        "/api/v1/authority/families/{family_id:uuid}/bookings",
        officer_family_bookings,
        name="api:officer_family_bookings",
        permission=LA_OFFICER,
        response=list[BookingOut],
        errors=[404],
        tags=TAGS,
    ),
    api(
        "/api/v1/authority/families/{family_id:uuid}/children",
        officer_family_children,
        name="api:officer_family_children",
        permission=LA_OFFICER,
        response=list[ChildOut],
        errors=[404],
        tags=TAGS,
    ),
    api(
        "/api/v1/authority/waiting-list/{entry_id:uuid}/priority",
        officer_priority,
        name="api:officer_priority",
        permission=LA_OFFICER,
        methods=["POST"],
        body=PriorityIn,
        response=WaitingEntryOut,
        errors=[404, 422],
        tags=TAGS,
    ),
]
