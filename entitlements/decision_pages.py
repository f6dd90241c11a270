"""Pages for deciding applications: the officers' queue and application page, the family's answer to a
request for more information and request for a review, and the decision letter.

Officers' pages are declared for local-authority officers (403 for anyone else); an application of
another council answers 404. The family's pages are declared for families and answer 404 for an
application that is not theirs. The letter is for the family who applied and the council's
officers (404 for anyone else). A decision refused by a rule (already decided: 409; a missing
amount or reason: 422) shows the page again with the GOV.UK error summary.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from bookings.models import Allocation
from entitlements import decision_queries, decisions, permissions, queries
from entitlements.decision_schemas import (
    ApproveForm,
    AssignForm,
    InfoReplyForm,
    InfoRequestForm,
    QueueQuery,
    QueueStatus,
    RefuseForm,
    ReviewDecision,
    ReviewDecisionForm,
    ReviewerForm,
    ReviewRequestForm,
)
from entitlements.enums import ApplicationStatus, RefusalReason, ReviewStatus
from entitlements.models import Application, ApplicationEvent, Evidence, Review, Tier
from shortbreaks.accounts.models import User
from shortbreaks.errors import DomainError, FieldError
from shortbreaks.forms import read_form, read_query
from shortbreaks.money import pence_as_pounds_input
from shortbreaks.permissions import FAMILY, LA_OFFICER, SIGNED_IN
from shortbreaks.routing import page
from shortbreaks.web import error_summary, field_errors, path_uuid, redirect, render, request_now, request_principal

# --- officers: the queue -----------------------------------------------------------------------------


async def queue_page(request: Request) -> Response:
    principal = request_principal(request)
    query = read_query(request, QueueQuery, labels={"status": "Status", "tier": "Tier", "assigned": "Assigned to"})
    rows = await decision_queries.list_queue(
        principal,
        status=query.status.value,
        tier_code=query.tier,
        assigned=query.assigned.value if query.assigned else None,
        overdue=query.overdue,
        now=request_now(request),
    )
    # Each tier code once, named as in the newest version of the statement that has it.
    codes: dict[str, str] = {}
    authorities = permissions.officer_authority_ids(principal)
    for tier in await Tier.filter(statement__council__local_authority_id__in=authorities).order_by("-statement__number"):
        codes.setdefault(tier.code, tier.name)
    return render(
        request,
        "entitlements/decide/queue.html",
        {
            "rows": rows,
            "query": query,
            "statuses": [(s.value, s.label) for s in QueueStatus],
            "tiers": sorted(codes.items(), key=lambda t: t[1]),
        },
    )


async def assign_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await decision_queries.get_application_for_officer(principal, path_uuid(request, "application_id"))
    form, _errors, _values = await read_form(request, AssignForm)
    raw = form.assigned_to if form else ""
    target = request.url_for("entitlements:officer_application", application_id=application.id).path
    if (await request.form()).get("back") == "queue":
        target = request.url_for("entitlements:officer_queue").path
    try:
        assignee = principal.id if raw == "me" else (UUID(raw) if raw else None)
    except ValueError:
        return await officer_application_page(request, errors=[FieldError("assigned_to", "Choose an officer of the council")])
    try:
        await decisions.assign(application, assignee_id=assignee, actor=principal, now=request_now(request))
    except DomainError as exc:
        if exc.status_code not in (409, 422):
            raise
        return await officer_application_page(request, errors=_errors_of(exc, "assigned_to"), status_code=exc.status_code)
    return redirect(
        request, str(target), message=f"{application.reference} assigned" if assignee else f"{application.reference} unassigned"
    )


# --- officers: one application --------------------------------------------------------------------------


def _errors_of(exc: DomainError, field: str) -> list[FieldError]:
    renamed = {"minutes": "hours", "pence": "pounds"}
    return [FieldError(renamed.get(e.field, e.field), e.message) for e in exc.errors] or [FieldError(field, exc.message)]


async def _officer_context(request: Request, application: Application) -> dict[str, Any]:
    council = application.council
    events = await ApplicationEvent.filter(application_id=application.id).select_related("actor").order_by("at", "created_at")
    reviews = await Review.filter(application_id=application.id).order_by("requested_at")
    officers = await decision_queries.list_council_officers(council.local_authority_id)
    review = next((r for r in reviews if r.status == ReviewStatus.OPEN), None)
    people = {u.id: u for u in officers}
    if application.decided_by_id and application.decided_by_id not in people:
        decided_by = await User.get_or_none(id=application.decided_by_id)
        if decided_by:
            people[decided_by.id] = decided_by
    default = decisions.default_amount(application.tier)
    return {
        "application": application,
        "council": council,
        "tier": application.tier,
        "child": application.child,
        "clock": decision_queries.decision_clock(application, council, now=request_now(request)),
        "answers": presented_answers(application),
        "evidence": await Evidence.filter(application_id=application.id).order_by("created_at"),
        "events": events,
        "reviews": reviews,
        "review": review,
        "officers": officers,
        "reviewers": [o for o in officers if review is None or o.id != review.original_officer_id],
        "people": people,
        "decidable": application.status in decision_queries.DECIDABLE,
        "can_ask": application.status == ApplicationStatus.SUBMITTED,
        "default_hours": default.minutes // 60 if default.minutes else None,
        "default_pounds": pence_as_pounds_input(default.pence) if default.pence else "",
        "refusal_reasons": [(r.value, r.label) for r in RefusalReason],
        "decided": application.status in decision_queries.DECIDED,
    }


def presented_answers(application: Application) -> list[tuple[str, str]]:
    """The family's answers as (question, answer) lines. Keys are rule names or council question ids;
    H1's form owns their labels, so a key is shown tidied when no label was stored with it."""
    rows = []
    for key, value in (application.answers or {}).items():
        if isinstance(value, dict):
            label = str(value.get("label") or key)
            shown = value.get("answer", value.get("value", ""))
        else:
            label, shown = key.replace("_", " ").capitalize(), value
        if isinstance(shown, list):
            shown = ", ".join(str(v) for v in shown)
        elif isinstance(shown, bool):
            shown = "Yes" if shown else "No"
        rows.append((label, "" if shown is None else str(shown)))
    return rows


async def officer_application_page(
    request: Request, *, errors: list[FieldError] | None = None, values: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    principal = request_principal(request)
    application = await decision_queries.get_application_for_officer(principal, path_uuid(request, "application_id"))
    context = await _officer_context(request, application)
    shown = {"hours": context["default_hours"], "pounds": context["default_pounds"], "assigned_to": application.assigned_to_id}
    shown.update(values or {})
    context.update(values=shown, errors=error_summary(errors or []), field_errors=field_errors(errors or []))
    return render(request, "entitlements/decide/application.html", context, status_code=status_code)


async def officer_application_view(request: Request) -> Response:
    return await officer_application_page(request)


async def _decide(request: Request, form_model: type, act: Any, done: str, default_field: str) -> Response:
    """Read a decision form, call the service, and show the page again with the errors or go back to it."""
    principal = request_principal(request)
    application = await decision_queries.get_application_for_officer(principal, path_uuid(request, "application_id"))
    form, errors, values = await read_form(request, form_model)
    if form is not None:
        try:
            await act(application, form, principal)
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            return await officer_application_page(
                request, errors=_errors_of(exc, default_field), values=values, status_code=exc.status_code
            )
        url = request.url_for("entitlements:officer_application", application_id=application.id).path
        return redirect(request, str(url), message=done)
    return await officer_application_page(request, errors=errors, values=values, status_code=422)


async def request_info_page(request: Request) -> Response:
    now = request_now(request)

    async def act(application: Application, form: InfoRequestForm, principal: Any) -> None:
        await decisions.request_information(application, request_text=form.info_request, actor=principal, now=now)

    return await _decide(request, InfoRequestForm, act, "The family has been asked for more information", "info_request")


async def approve_page(request: Request) -> Response:
    now = request_now(request)

    async def act(application: Application, form: ApproveForm, principal: Any) -> None:
        minutes = form.hours * 60 if form.hours is not None else None
        await decisions.approve(application, minutes=minutes, pence=form.pounds, reason=form.reason, actor=principal, now=now)

    return await _decide(request, ApproveForm, act, "Application approved: the allocation has been given and the family told", "hours")


async def refuse_page(request: Request) -> Response:
    now = request_now(request)

    async def act(application: Application, form: RefuseForm, principal: Any) -> None:
        await decisions.refuse(application, reason=form.refusal_reason, explanation=form.explanation, actor=principal, now=now)

    return await _decide(request, RefuseForm, act, "Application refused: the family has been told", "explanation")


async def assign_reviewer_page(request: Request) -> Response:
    now = request_now(request)

    async def act(application: Application, form: ReviewerForm, principal: Any) -> None:
        review = await decision_queries.open_review(application)
        if review is None:
            raise decisions.NotDecidable("There is no review waiting for this application")
        await decisions.assign_reviewer(review, reviewer_id=form.reviewer_id, actor=principal, now=now)

    return await _decide(request, ReviewerForm, act, "Review assigned", "reviewer_id")


async def decide_review_page(request: Request) -> Response:
    now = request_now(request)

    async def act(application: Application, form: ReviewDecisionForm, principal: Any) -> None:
        review = await decision_queries.open_review(application)
        if review is None:
            raise decisions.NotDecidable("There is no review waiting for this application")
        await decisions.decide_review(
            review,
            change=form.decision == ReviewDecision.CHANGE,
            outcome=form.outcome,
            minutes=form.review_hours * 60 if form.review_hours is not None else None,
            pence=form.review_pounds,
            actor=principal,
            now=now,
        )

    return await _decide(request, ReviewDecisionForm, act, "Review decided: the family has been told", "outcome")


# --- the family: more information and reviews ------------------------------------------------------------


def _family_page(
    request: Request, template: str, application: Application, *, errors: list[FieldError], values: dict[str, Any], status_code: int = 200
) -> Response:
    return render(
        request,
        template,
        {"application": application, "values": values, "errors": error_summary(errors), "field_errors": field_errors(errors)},
        status_code=status_code,
    )


async def more_info_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await decision_queries.get_application_for_family(principal, path_uuid(request, "application_id"))
    return _family_page(request, "entitlements/decide/more_info.html", application, errors=[], values={})


async def send_more_info_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await decision_queries.get_application_for_family(principal, path_uuid(request, "application_id"))
    form, errors, values = await read_form(request, InfoReplyForm)
    if form is not None:
        try:
            await decisions.send_information(application, reply=form.reply, actor=principal, now=request_now(request))
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            errors, status = _errors_of(exc, "reply"), exc.status_code
        else:
            return redirect(
                request,
                str(request.url_for("entitlements:more_info", application_id=application.id).path),
                message="Your answer has been sent to the council",
            )
    else:
        status = 422
    return _family_page(request, "entitlements/decide/more_info.html", application, errors=errors, values=values, status_code=status)


async def review_request_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await decision_queries.get_application_for_family(principal, path_uuid(request, "application_id"))
    return await _review_form(request, application, errors=[], values={})


async def _review_form(
    request: Request, application: Application, *, errors: list[FieldError], values: dict[str, Any], status_code: int = 200
) -> Response:
    reviews = await Review.filter(application_id=application.id).order_by("requested_at")
    return render(
        request,
        "entitlements/decide/review_request.html",
        {
            "application": application,
            "reviews": reviews,
            "open_review": next((r for r in reviews if r.status == ReviewStatus.OPEN), None),
            "decided": application.status in decision_queries.DECIDED,
            "values": values,
            "errors": error_summary(errors),
            "field_errors": field_errors(errors),
        },
        status_code=status_code,
    )


async def send_review_request_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await decision_queries.get_application_for_family(principal, path_uuid(request, "application_id"))
    form, errors, values = await read_form(request, ReviewRequestForm)
    if form is not None:
        try:
            await decisions.request_review(application, grounds=form.grounds, actor=principal, now=request_now(request))
        except DomainError as exc:
            if exc.status_code not in (409, 422):
                raise
            return await _review_form(request, application, errors=_errors_of(exc, "grounds"), values=values, status_code=exc.status_code)
        url = request.url_for("entitlements:request_review", application_id=application.id).path
        return redirect(request, str(url), message="Your request for a review has been sent")
    return await _review_form(request, application, errors=errors, values=values, status_code=422)


# --- the decision letter ----------------------------------------------------------------------------------


async def letter_page(request: Request) -> Response:
    principal = request_principal(request)
    application = await decision_queries.get_application_for_reader(principal, path_uuid(request, "application_id"))
    reviews = await Review.filter(application_id=application.id).exclude(status=ReviewStatus.OPEN).order_by("decided_at")
    council = application.council
    statement = await queries.find_published(council)
    allowance_year = None
    if application.allocation_id:
        allocation = await Allocation.get_or_none(id=application.allocation_id)
        if allocation is not None:
            allowance_year = (allocation.starts_on, allocation.ends_on)
    return render(
        request,
        "entitlements/decide/letter.html",
        {
            "application": application,
            "council": council,
            "child": application.child,
            "tier": application.tier,
            "statement": statement,
            "reviews": reviews,
            "last_review": reviews[-1] if reviews else None,
            "allowance_year": allowance_year,
            "amount": decisions.amount_text(application.approved_minutes, application.approved_pence),
            "decided": application.status in decision_queries.DECIDED,
            "is_officer": application.family_id != principal.id,
        },
    )


OFFICER = "/authority/applications"
APP = OFFICER + "/{application_id:uuid}"
FAMILY_APP = "/applications/{application_id:uuid}"

routes = [
    page(OFFICER, queue_page, name="entitlements:officer_queue", permission=LA_OFFICER),
    page(APP, officer_application_view, name="entitlements:officer_application", permission=LA_OFFICER),
    page(APP + "/assign", assign_page, name="entitlements:officer_assign", permission=LA_OFFICER, methods=["POST"]),
    page(APP + "/more-info", request_info_page, name="entitlements:officer_request_info", permission=LA_OFFICER, methods=["POST"]),
    page(APP + "/approve", approve_page, name="entitlements:officer_approve", permission=LA_OFFICER, methods=["POST"]),
    page(APP + "/refuse", refuse_page, name="entitlements:officer_refuse", permission=LA_OFFICER, methods=["POST"]),
    page(APP + "/review/assign", assign_reviewer_page, name="entitlements:officer_review_assign", permission=LA_OFFICER, methods=["POST"]),
    page(APP + "/review/decide", decide_review_page, name="entitlements:officer_review_decide", permission=LA_OFFICER, methods=["POST"]),
    page(FAMILY_APP + "/more-info", more_info_page, name="entitlements:more_info", permission=FAMILY),
    page(FAMILY_APP + "/more-info", send_more_info_page, name="entitlements:more_info_send", permission=FAMILY, methods=["POST"]),
    page(FAMILY_APP + "/review", review_request_page, name="entitlements:request_review", permission=FAMILY),
    page(FAMILY_APP + "/review", send_review_request_page, name="entitlements:request_review_send", permission=FAMILY, methods=["POST"]),
    page(FAMILY_APP + "/letter", letter_page, name="entitlements:letter", permission=SIGNED_IN),
]
