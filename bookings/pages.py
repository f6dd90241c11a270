"""Bookings pages: families (book, bookings, waiting lists, allocations, children, data), providers
(a session's bookings and register) and officers (a family's children, allocations and bookings).

Every journey works without JavaScript: forms post back and redirect with a flash message; a
refused change shows the GOV.UK error summary.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from bookings import permissions, presenters, queries, services
from bookings.enums import ACTIVE_STATUSES, Attendance, BookingStatus
from bookings.models import Allocation, Booking
from bookings.payments import queries as payment_queries
from bookings.payments.api import checkout_url_for
from bookings.payments.services import payment_hold
from providers import queries as provider_queries
from providers.enums import Need, ServiceKind
from shortbreaks.accounts import queries as account_queries
from shortbreaks.accounts.auth import session_cookie_name
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.errors import DomainError, FieldError, NotFound
from shortbreaks.forms import form_values, read_form
from shortbreaks.money import Pounds
from shortbreaks.permissions import FAMILY, LA_OFFICER, PROVIDER_STAFF
from shortbreaks.routing import page
from shortbreaks.web import clear_cookie, error_summary, field_errors, path_uuid, redirect, render, request_principal

# How far ahead the provider's bookings page lists confirmed bookings, day by day.
UPCOMING_AHEAD = timedelta(days=14)


class BookForm(BaseModel):
    form_blank_messages: ClassVar[dict[str, str]] = {"child_ids": "Select which children you are booking"}

    child_ids: list[UUID]


class ChildForm(BaseModel):
    # A browser sends every field, and read_form turns a blank one into None: optional fields allow it.
    form_blank_messages: ClassVar[dict[str, str]] = {
        "first_name": "Enter your child's first name",
        "date_of_birth": "Enter your child's date of birth, like 2015-04-27",
    }

    first_name: str = Field(max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    date_of_birth: date
    needs: list[Need] = []
    communication: str | None = Field(default=None, max_length=5000)
    medical: str | None = Field(default=None, max_length=5000)
    dietary: str | None = Field(default=None, max_length=5000)
    behaviour_support: str | None = Field(default=None, max_length=5000)
    emergency_contact_name: str | None = Field(default=None, max_length=100)
    emergency_contact_phone: str | None = Field(default=None, max_length=30)


# What the child form's labels say, for messages that name the field.
CHILD_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "needs": "Needs",
    "communication": "Communication",
    "medical": "Medical needs and medication",
    "dietary": "Diet",
    "behaviour_support": "Behaviour support",
    "emergency_contact_name": "Emergency contact name",
    "emergency_contact_phone": "Emergency contact phone",
}


class ReasonForm(BaseModel):
    reason: str


class GrantForm(BaseModel):
    """An officer's allocation for a child; each field's title is its label, for error messages."""

    year: int = Field(title="Allowance year starting April")
    hours: int = Field(default=0, title="Hours")
    pounds: Pounds = Field(default=0, title="Amount in pounds")  # typed in pounds ("£200", "200.00"), read as pence
    reason: str = Field(default="", title="Reason")


# The kinds of break an allocation pays for, in a sentence's words ("day care away from home").
KIND_LABELS = {k.value: k.label.lower() for k in ServiceKind}


def _errors(exc: DomainError, field: str) -> list[FieldError]:
    return exc.errors or [FieldError(field, exc.message)]


def _page(request: Request, template: str, context: dict[str, Any], errors: list[FieldError] | None = None, status: int = 200) -> Response:
    errors = errors or []
    return render(
        request,
        template,
        {"errors": error_summary(errors), "field_errors": field_errors(errors), **context},
        status_code=422 if errors and status == 200 else status,
    )


# --- families -------------------------------------------------------------------------------


async def my_bookings(request: Request) -> Response:
    principal = request_principal(request)
    bookings = await presenters.bookings_out(await queries.list_family_bookings(principal.id))
    children = {c.id: c for c in await queries.list_children(principal.id)}
    waiting = await queries.family_waiting_list(principal.id)
    return _page(
        request,
        "bookings/my_bookings.html",
        {
            "bookings": bookings,
            "children": children,
            "waiting": waiting,
            "now": request.app.state.clock.now(),
            "active": ACTIVE_STATUSES,
            "receipts": await payment_queries.list_family_receipts(principal.id),
            "pending_refunds": await payment_queries.list_pending_refunds(principal.id),
        },
    )


async def booking_detail(request: Request) -> Response:
    principal = request_principal(request)
    booking = await queries.get_family_booking(principal.id, path_uuid(request, "booking_id"))
    out = (await presenters.bookings_out([booking]))[0]
    children = {c.id: c for c in await queries.list_children(principal.id)}
    payment = await payment_queries.find_booking_payment(booking.id)
    session = await provider_queries.get_session_for_booking(booking.session_id)
    context = {
        "booking": out,
        "session": session,
        "provider": session.service.provider,
        "children": children,
        "active": ACTIVE_STATUSES,
        "payment": payment,
        "allocation_use": presenters.allocation_use(booking, credited=await queries.booking_credited(booking.id)),
        "now": request.app.state.clock.now(),
    }
    return _page(request, "bookings/booking.html", context)


async def _after_booking(request: Request, booking: Booking) -> Response:
    """Confirmed or requested: the booking's page. Held: off to Stripe Checkout to pay."""
    if booking.status != BookingStatus.HELD:
        message = f"Booked: {booking.reference}"
        if booking.status == BookingStatus.REQUESTED:
            message = f"Booking requested: {booking.reference}. The provider will confirm it or tell you why not."
        return redirect(request, str(request.url_for("bookings:detail", booking_id=booking.id)), message=message)
    url = await checkout_url_for(request, booking)
    return RedirectResponse(url, status_code=303)


async def confirm_cancel_page(request: Request) -> Response:
    """Ask "are you sure?" before a booking is cancelled, saying whether it would be a late cancellation."""
    principal = request_principal(request)
    booking = await queries.get_family_booking(principal.id, path_uuid(request, "booking_id"))
    if booking.status not in ACTIVE_STATUSES:
        return redirect(request, str(request.url_for("bookings:detail", booking_id=booking.id)), message="This booking cannot be cancelled")
    out = (await presenters.bookings_out([booking]))[0]
    late = request.app.state.clock.now() > out.cancellation_deadline
    return _page(request, "bookings/cancel.html", {"booking": out, "late": late})


async def cancel_booking_page(request: Request) -> Response:
    principal = request_principal(request)
    booking = await queries.get_family_booking(principal.id, path_uuid(request, "booking_id"))
    try:
        await services.cancel_booking(booking, actor=principal.user, now=request.app.state.clock.now())
    except DomainError as exc:
        return redirect(request, str(request.url_for("bookings:detail", booking_id=booking.id)), error=exc.message)
    message = "Your booking has been cancelled"
    if booking.late_cancellation:
        message += ". It was less than the notice period before the session, so it counts as a late cancellation."
    return redirect(request, str(request.url_for("bookings:mine")), message=message)


async def _book_context(request: Request) -> dict[str, Any]:
    principal = request_principal(request)
    session = await provider_queries.get_session_for_booking(path_uuid(request, "session_id"))
    hold = payment_hold(request.app.state.settings)
    choices = await presenters.booking_choices(principal.id, session, online_payment=hold is not None)
    authority_id = permissions.home_authority_id(principal)
    return {
        "session": session,
        "provider": session.service.provider,
        "children": [o.child for o in choices.options],
        "choices": choices,
        "council": await Organisation.get_or_none(id=authority_id) if authority_id else None,
        "values": {},
        "hold": hold,
    }


async def book_page(request: Request) -> Response:
    return _page(request, "bookings/book.html", await _book_context(request))


async def book(request: Request) -> Response:
    context = await _book_context(request)
    form, errors, values = await read_form(request, BookForm, list_fields=("child_ids",), labels={"child_ids": "Children"})
    context["values"] = values
    if form is not None and not form.child_ids:
        errors = [FieldError("child_ids", "Select which children you are booking")]
    if form is not None and not errors:
        principal = request_principal(request)
        action = (await form_values(request)).get("action")
        try:
            if action == "waiting_list":
                await services.join_waiting_list(
                    principal.user, session_id=context["session"].id, child_ids=form.child_ids, now=request.app.state.clock.now()
                )
                return redirect(request, str(request.url_for("bookings:mine")), message="You have joined the waiting list")
            booking = await services.create_booking(
                principal.user,
                session_id=context["session"].id,
                child_ids=form.child_ids,
                now=request.app.state.clock.now(),
                payment_hold=context["hold"],
            )
            return await _after_booking(request, booking)
        except DomainError as exc:
            errors = _errors(exc, "child_ids")
            context["full"] = exc.code == "session_full"
            choices = context["choices"]
            if not choices.bookable:
                # No child can be booked here, so there is no form: the summary links to what the page says instead.
                target = "how-to-book" if choices.stuck else "already-booked"
                errors = [FieldError(target if e.field == "child_ids" else e.field, e.message) for e in errors]
    return _page(request, "bookings/book.html", context, errors)


async def accept_offer_page(request: Request) -> Response:
    principal = request_principal(request)
    entry = await queries.get_family_waiting_entry(principal.id, path_uuid(request, "entry_id"))
    try:
        booking = await services.accept_offer(
            entry, family=principal.user, now=request.app.state.clock.now(), payment_hold=payment_hold(request.app.state.settings)
        )
        return await _after_booking(request, booking)
    except DomainError as exc:
        return redirect(request, str(request.url_for("bookings:mine")), error=exc.message)


async def leave_waiting_list_page(request: Request) -> Response:
    principal = request_principal(request)
    entry = await queries.get_family_waiting_entry(principal.id, path_uuid(request, "entry_id"))
    try:
        await services.leave_waiting_list(entry, family=principal.user, now=request.app.state.clock.now())
    except DomainError as exc:
        return redirect(request, str(request.url_for("bookings:mine")), error=exc.message)
    return redirect(request, str(request.url_for("bookings:mine")), message="You have left the waiting list")


async def allocations_page(request: Request) -> Response:
    principal = request_principal(request)
    children = {c.id: c for c in await queries.list_children(principal.id)}
    allocations = []
    for allocation, entries in await queries.family_allocations(principal.id):
        lines = presenters.ledger_lines(entries)
        allocations.append((allocation, lines, presenters.held_amounts(lines)))
    return _page(request, "bookings/allocations.html", {"allocations": allocations, "children": children, "kind_labels": KIND_LABELS})


async def children_page(request: Request) -> Response:
    children = await queries.list_children(request_principal(request).id)
    return _page(request, "bookings/children.html", {"children": children, "needs": list(Need), "values": {}})


def _care(form: ChildForm) -> dict[str, str]:
    care = form.model_dump(include=set(services.CARE_FIELDS))
    return {k: v or "" for k, v in care.items()}


async def add_child(request: Request) -> Response:
    principal = request_principal(request)
    form, errors, values = await read_form(request, ChildForm, list_fields=("needs",), labels=CHILD_LABELS)
    if form is not None:
        try:
            await services.create_child(
                principal.user,
                local_authority_id=presenters.home_authority(principal),
                first_name=form.first_name,
                last_name=form.last_name or "",
                date_of_birth=form.date_of_birth,
                needs=[n.value for n in form.needs],
                care=_care(form),
                now=request.app.state.clock.now(),
            )
        except DomainError as exc:
            errors = _errors(exc, "first_name")
        else:
            return redirect(request, str(request.url_for("bookings:children")), message=f"{form.first_name} has been added")
    children = await queries.list_children(principal.id)
    return _page(request, "bookings/children.html", {"children": children, "needs": list(Need), "values": values}, errors)


async def _child_values(child: Any) -> dict[str, Any]:
    profile = await queries.get_care_profile(child.id)
    values: dict[str, Any] = {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else "",
        "needs": list(child.needs),
    }
    values |= {key: getattr(profile, key, "") for key in services.CARE_FIELDS}
    return values


async def edit_child_page(request: Request) -> Response:
    child = await queries.get_family_child(request_principal(request).id, path_uuid(request, "child_id"))
    context = {"child": child, "needs": list(Need), "values": await _child_values(child)}
    return _page(request, "bookings/child_edit.html", context)


async def update_child_page(request: Request) -> Response:
    principal = request_principal(request)
    child = await queries.get_family_child(principal.id, path_uuid(request, "child_id"))
    form, errors, values = await read_form(request, ChildForm, list_fields=("needs",), labels=CHILD_LABELS)
    if form is not None:
        try:
            await services.update_child(
                child,
                actor=principal.user,
                first_name=form.first_name,
                last_name=form.last_name or "",
                date_of_birth=form.date_of_birth,
                needs=[n.value for n in form.needs],
                care=_care(form),
                now=request.app.state.clock.now(),
            )
        except DomainError as exc:
            errors = _errors(exc, "first_name")
        else:
            return redirect(request, str(request.url_for("bookings:children")), message=f"{form.first_name}'s details have been saved")
    return _page(request, "bookings/child_edit.html", {"child": child, "needs": list(Need), "values": values}, errors)


async def confirm_remove_child_page(request: Request) -> Response:
    """Ask before a child is taken off the account (WCAG 2.2 SC 3.3.4: it cannot be undone)."""
    child = await queries.get_family_child(request_principal(request).id, path_uuid(request, "child_id"))
    upcoming = await queries.list_child_upcoming_bookings(child.id, now=request.app.state.clock.now())
    return _page(request, "bookings/child_remove.html", {"child": child, "upcoming": upcoming})


async def remove_child_page(request: Request) -> Response:
    principal = request_principal(request)
    child = await queries.get_family_child(principal.id, path_uuid(request, "child_id"))
    name = child.first_name
    try:
        left = await services.remove_child(child, actor=principal.user, now=request.app.state.clock.now())
    except DomainError as exc:
        # The summary links to the first of those bookings, where the family can cancel it.
        upcoming = await queries.list_child_upcoming_bookings(child.id, now=request.app.state.clock.now())
        errors = [FieldError("upcoming-bookings" if upcoming else "remove", exc.message)]
        return _page(request, "bookings/child_remove.html", {"child": child, "upcoming": upcoming}, errors, status=exc.status_code)
    message = f"{name} has been removed from your account"
    if left:
        message += f" and taken off {left} waiting list{'' if left == 1 else 's'}"
    return redirect(request, str(request.url_for("bookings:children")), message=message)


async def my_data_page(request: Request) -> Response:
    return _page(request, "bookings/my_data.html", {})


async def download_data_page(request: Request) -> Response:
    data = await queries.export_family_data(request_principal(request).user)
    return JSONResponse(
        data, headers={"Content-Disposition": 'attachment; filename="my-short-breaks-data.json"', "Cache-Control": "no-store"}
    )


async def erase_page(request: Request) -> Response:
    principal = request_principal(request)
    try:
        await services.erase_family(principal.user, now=request.app.state.clock.now())
    except DomainError as exc:
        return _page(request, "bookings/my_data.html", {}, _errors(exc, "erase"))
    response = redirect(request, "/", message="Your account and your children's details have been deleted")
    clear_cookie(response, request, session_cookie_name(request))
    return response


# --- providers ------------------------------------------------------------------------------


async def _register_context(request: Request, session_id: UUID | None = None) -> dict[str, Any]:
    session = await presenters.staff_session(request_principal(request), session_id or path_uuid(request, "session_id"))
    bookings = [await presenters.staff_booking_out(b) for b in await queries.list_session_bookings(session.id)]
    return {
        "session": session,
        "bookings": bookings,
        "waiting": await presenters.waiting_list_out(session),
        "active": ACTIVE_STATUSES,
        "now": request.app.state.clock.now(),
    }


async def session_register(request: Request) -> Response:
    return _page(request, "bookings/register.html", await _register_context(request))


async def _provider_bookings_context(request: Request) -> dict[str, Any]:
    principal = request_principal(request)
    now = request.app.state.clock.now()
    organisation_ids = permissions.staff_organisation_ids(principal)
    waiting = await queries.list_requests_waiting(organisation_ids, site_admin=principal.is_site_admin)
    upcoming = await queries.list_upcoming_confirmed(
        organisation_ids, now=now, until=now + UPCOMING_AHEAD, site_admin=principal.is_site_admin
    )
    names = await queries.first_names_by_booking([b.id for b in upcoming])
    days: dict[date, list[dict[str, Any]]] = {}
    for b in upcoming:
        days.setdefault(b.starts_at.astimezone(LONDON).date(), []).append({"booking": b, "names": names.get(b.id, [])})
    return {"requests": await presenters.requests_out(waiting, now=now), "days": days, "now": now, "ahead_days": UPCOMING_AHEAD.days}


async def provider_bookings_page(request: Request) -> Response:
    return _page(request, "bookings/provider_bookings.html", await _provider_bookings_context(request))


def _decision_errors(exc: DomainError, booking: Booking, action: str) -> list[FieldError]:
    """A refused decision as errors linked to the booking's own controls (their ids carry the booking's id)."""
    if exc.code == "already_cancelled":
        verb = "confirm" if action == "confirm" else "decline"
        return [
            FieldError(f"booking-{booking.id}", f"The family cancelled {booking.reference} before you could {verb} it: nothing was changed")
        ]
    fields = {"reason": f"reason-{booking.id}", "override_age": f"override-{booking.id}"}
    if exc.errors:
        return [FieldError(fields.get(e.field, f"booking-{booking.id}"), e.message) for e in exc.errors]
    return [FieldError(f"booking-{booking.id}", f"{booking.reference}: {exc.message}")]


async def provider_booking_action(request: Request) -> Response:
    """Confirm, decline or record attendance; a refusal shows the error summary on the page the form was on."""
    principal = request_principal(request)
    booking = await presenters.staff_booking(principal, path_uuid(request, "booking_id"))
    values = await form_values(request)
    action = str(values.get("action") or "")
    from_list = values.get("return_to") == "bookings"
    now = request.app.state.clock.now()
    try:
        if action == "confirm":
            await services.confirm_booking(booking, actor=principal.user, override_age=values.get("override_age") == "yes", now=now)
            message = f"{booking.reference} confirmed"
        elif action == "decline":
            await services.decline_booking(booking, actor=principal.user, reason=str(values.get("reason") or ""), now=now)
            message = f"{booking.reference} declined"
        else:
            marks = {UUID(k.removeprefix("attendance-")): Attendance(v) for k, v in values.items() if k.startswith("attendance-") and v}
            await services.record_attendance(booking, actor=principal.user, attendance=marks, now=now)
            message = f"Attendance recorded for {booking.reference}"
    except ValueError:
        errors = [FieldError(f"booking-{booking.id}", "Choose attended or did not attend for each child")]
        return _page(request, "bookings/register.html", await _register_context(request, booking.session_id), errors, status=422)
    except DomainError as exc:
        errors = _decision_errors(exc, booking, action)
        if from_list:
            context = await _provider_bookings_context(request)
            template = "bookings/provider_bookings.html"
        else:
            context = await _register_context(request, booking.session_id)
            template = "bookings/register.html"
        context["values"] = {f"reason-{booking.id}": str(values.get("reason") or "")}
        status = exc.status_code if exc.status_code >= 400 else 422
        return _page(request, template, context, errors, status=status)
    if from_list:
        return redirect(request, str(request.url_for("bookings:provider_bookings")), message=message)
    return redirect(request, str(request.url_for("bookings:register", session_id=booking.session_id)), message=message)


async def cancel_session_page(request: Request) -> Response:
    principal = request_principal(request)
    context = await _register_context(request)
    form, errors, _values = await read_form(request, ReasonForm)
    if form is not None:
        try:
            count = await services.cancel_session(
                context["session"].id, actor=principal.user, reason=form.reason, now=request.app.state.clock.now()
            )
        except DomainError as exc:
            errors = _errors(exc, "reason")
        else:
            return redirect(
                request,
                str(request.url_for("bookings:register", session_id=context["session"].id)),
                message=f"Session cancelled: {count} families told",
            )
    return _page(request, "bookings/register.html", context, errors)


# --- officers -------------------------------------------------------------------------------


async def officer_families_page(request: Request) -> Response:
    """The families registered with the officer's councils: each row says who it is (email) and which children, so two
    families with the same name can be told apart."""
    principal = request_principal(request)
    memberships = await account_queries.list_families_in(principal.organisation_ids(Role.LA_OFFICER))
    children = await queries.list_children_of([m.user_id for m in memberships])
    return render(request, "bookings/officer_families.html", {"memberships": memberships, "children": children})


async def _family_context(request: Request) -> dict[str, Any]:
    principal = request_principal(request)
    family = await queries.family_in_authorities(permissions.officer_authority_ids(principal), path_uuid(request, "family_id"))
    children = await queries.list_children(family.id)
    allocations = await Allocation.filter(child_id__in=[c.id for c in children]).order_by("-year")
    bookings = await presenters.bookings_out(await queries.list_family_bookings(family.id))
    # The allocation form starts at the allowance year the council is in today.
    current_year = services.financial_year(request.app.state.clock.now().astimezone(LONDON).date())
    return {
        "family": family,
        "children": {c.id: c for c in children},
        "allocations": allocations,
        "bookings": bookings,
        "values": {},
        "current_year": current_year,
        "kind_labels": KIND_LABELS,
    }


async def officer_family_page(request: Request) -> Response:
    return _page(request, "bookings/officer_family.html", await _family_context(request))


async def officer_grant_page(request: Request) -> Response:
    principal = request_principal(request)
    context = await _family_context(request)
    child = context["children"].get(path_uuid(request, "child_id"))
    if child is None:
        raise NotFound("Child not found")
    form, errors, values = await read_form(request, GrantForm)
    if form is not None:
        try:
            await services.grant_allocation(
                child,
                actor=principal.user,
                year=form.year,
                minutes=form.hours * 60,
                pence=form.pounds,
                reason=form.reason,
                now=request.app.state.clock.now(),
            )
        except DomainError as exc:
            errors = _errors(exc, "year")
        else:
            target = request.url_for("bookings:officer_family", family_id=context["family"].id)
            return redirect(request, str(target), message=f"Allocation granted to {child.first_name}")
    context["values"] = values
    # Each child has its own form: the summary links to this child's box ("pounds-<child id>").
    fields = {"pence": "pounds", "minutes": "hours"}
    errors = [FieldError(f"{fields.get(e.field, e.field)}-{child.id}", e.message) for e in errors]
    return _page(request, "bookings/officer_family.html", context, errors)


async def cancel_sessions_page(request: Request) -> Response:
    """Cancel several of the provider's sessions at once, telling families (offered when a change to
    when a service runs is refused because those sessions have bookings)."""
    principal = request_principal(request)
    values = await form_values(request)
    raw_ids = values.get("session_id") or []
    ids = raw_ids if isinstance(raw_ids, list) else [raw_ids]
    reason = str(values.get("reason") or "").strip()[:300] or "The provider has changed when this service runs"
    next_url = str(values.get("next") or "")
    if not next_url.startswith("/provider/") or "//" in next_url:
        next_url = "/provider"
    try:
        sessions = [await presenters.staff_session(principal, UUID(str(i))) for i in ids]
    except ValueError:
        raise NotFound("Session not found") from None
    cancelled = 0
    for session in sessions:
        cancelled += await services.cancel_session(session.id, actor=principal.user, reason=reason, now=request.app.state.clock.now())
    message = f"{len(sessions)} session(s) cancelled: {cancelled} booking(s) cancelled and the families told. You can now make your change."
    return redirect(request, next_url, message=message)


routes = [
    page("/provider/sessions/cancel", cancel_sessions_page, name="bookings:cancel_sessions", permission=PROVIDER_STAFF, methods=["POST"]),
    page("/bookings", my_bookings, name="bookings:mine", permission=FAMILY),
    page("/bookings/{booking_id:uuid}", booking_detail, name="bookings:detail", permission=FAMILY),
    page("/bookings/{booking_id:uuid}/cancel", confirm_cancel_page, name="bookings:confirm_cancel", permission=FAMILY),
    page("/bookings/{booking_id:uuid}/cancel", cancel_booking_page, name="bookings:cancel", permission=FAMILY, methods=["POST"]),
    page("/sessions/{session_id:uuid}/book", book_page, name="bookings:book", permission=FAMILY),
    page("/sessions/{session_id:uuid}/book", book, name="bookings:book_submit", permission=FAMILY, methods=["POST"]),
    page("/waiting-list/{entry_id:uuid}/accept", accept_offer_page, name="bookings:accept_offer", permission=FAMILY, methods=["POST"]),
    page(
        "/waiting-list/{entry_id:uuid}/leave",
        leave_waiting_list_page,
        name="bookings:leave_waiting_list",
        permission=FAMILY,
        methods=["POST"],
    ),
    page("/allocations", allocations_page, name="bookings:allocations", permission=FAMILY),
    page("/children", children_page, name="bookings:children", permission=FAMILY),
    page("/children", add_child, name="bookings:add_child", permission=FAMILY, methods=["POST"]),
    page("/children/{child_id:uuid}/edit", edit_child_page, name="bookings:edit_child", permission=FAMILY),
    page("/children/{child_id:uuid}/edit", update_child_page, name="bookings:update_child", permission=FAMILY, methods=["POST"]),
    page("/children/{child_id:uuid}/remove", confirm_remove_child_page, name="bookings:confirm_remove_child", permission=FAMILY),
    page("/children/{child_id:uuid}/remove", remove_child_page, name="bookings:remove_child", permission=FAMILY, methods=["POST"]),
    page("/my-data", my_data_page, name="bookings:my_data", permission=FAMILY),
    page("/my-data/download", download_data_page, name="bookings:download_data", permission=FAMILY),
    page("/my-data/erase", erase_page, name="bookings:erase", permission=FAMILY, methods=["POST"]),
    page("/provider/bookings", provider_bookings_page, name="bookings:provider_bookings", permission=PROVIDER_STAFF),
    page("/provider/sessions/{session_id:uuid}", session_register, name="bookings:register", permission=PROVIDER_STAFF),
    page(
        "/provider/sessions/{session_id:uuid}/cancel",
        cancel_session_page,
        name="bookings:cancel_session",
        permission=PROVIDER_STAFF,
        methods=["POST"],
    ),
    page(
        "/provider/bookings/{booking_id:uuid}",
        provider_booking_action,
        name="bookings:provider_action",
        permission=PROVIDER_STAFF,
        methods=["POST"],
    ),
    page("/authority/families", officer_families_page, name="bookings:officer_families", permission=LA_OFFICER),
    page("/authority/families/{family_id:uuid}", officer_family_page, name="bookings:officer_family", permission=LA_OFFICER),
    page(
        "/authority/families/{family_id:uuid}/children/{child_id:uuid}/allocations",
        officer_grant_page,
        name="bookings:officer_grant",
        permission=LA_OFFICER,
        methods=["POST"],
    ),
]
