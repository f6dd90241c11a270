"""Officers' JSON API for deciding applications: the queue, one application, assigning, asking for
more information, approving, refusing, and reviews.

Declared for local-authority officers (403 for anyone else); an application of another council is
404. Deciding an application already decided (or withdrawn) is a 409 problem (``not_decidable``);
approving with no amount, or a different amount with no reason, is a 422 problem naming the field.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, TypeAdapter
from starlette.requests import Request
from starlette.responses import Response

from entitlements import decision_queries, decisions
from entitlements.decision_schemas import (
    ApplicationOfficerOut,
    ApproveIn,
    AssignIn,
    ClockOut,
    InfoRequestIn,
    OfficerEventOut,
    OfficerEvidenceOut,
    QueueItemOut,
    QueueQuery,
    RefuseIn,
    ReviewDecision,
    ReviewDecisionIn,
    ReviewerIn,
    ReviewOut,
)
from entitlements.models import Application, ApplicationEvent, Evidence, Review
from shortbreaks.errors import NotFound
from shortbreaks.permissions import LA_OFFICER
from shortbreaks.routing import DeclaredRoute, Endpoint, api
from shortbreaks.web import path_uuid, request_now, request_principal

TAGS = ["entitlements"]
BASE = "/api/v1/authority/applications"
ONE = BASE + "/{application_id:uuid}"


_QUEUE = TypeAdapter(list[QueueItemOut])


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _clock(clock: decision_queries.DecisionClock | None) -> ClockOut | None:
    if clock is None:
        return None
    return ClockOut(
        waited_working_days=clock.waited,
        target_working_days=clock.target,
        paused_working_days=clock.paused,
        paused=clock.is_paused,
        renewal=clock.is_renewal,
        due_on=clock.due_on,
        overdue=clock.overdue,
    )


def _item(row: decision_queries.QueueRow) -> QueueItemOut:
    a = row.application
    return QueueItemOut(
        id=a.id,
        reference=a.reference,
        child=a.child.name,
        tier_code=a.tier_code,
        tier_name=a.tier.name,
        status=a.status,
        submitted_at=a.submitted_at,
        assigned_to=a.assigned_to_id,
        clock=_clock(row.clock),
        open_review=row.open_review,
    )


async def _out(application: Application, *, now: datetime) -> ApplicationOfficerOut:
    application = await Application.get(id=application.id).select_related("council__local_authority", "tier", "child")
    reviews = await Review.filter(application_id=application.id).order_by("requested_at")
    events = await ApplicationEvent.filter(application_id=application.id).order_by("at", "created_at")
    evidence = await Evidence.filter(application_id=application.id).order_by("created_at")
    row = decision_queries.QueueRow(
        application, decision_queries.decision_clock(application, application.council, now=now), any(r.status == "open" for r in reviews)
    )
    return ApplicationOfficerOut(
        **_item(row).model_dump(),
        council=application.council.local_authority.name,
        answers=application.answers or {},
        info_request=application.info_request,
        decided_at=application.decided_at,
        decided_by=application.decided_by_id,
        approved_minutes=application.approved_minutes,
        approved_pence=application.approved_pence,
        decision_reason=application.decision_reason,
        refusal_reason=application.refusal_reason,
        allocation_id=application.allocation_id,
        evidence=[OfficerEvidenceOut(id=e.id, filename=e.filename, content_type=e.content_type, size_bytes=e.size_bytes) for e in evidence],
        events=[OfficerEventOut(kind=e.kind, at=e.at, actor_id=e.actor_id, detail=e.detail, shared=e.shared) for e in events],
        reviews=[
            ReviewOut(
                id=r.id,
                status=r.status,
                grounds=r.grounds,
                requested_at=r.requested_at,
                original_officer_id=r.original_officer_id,
                reviewer_id=r.reviewer_id,
                outcome=r.outcome,
                decided_at=r.decided_at,
            )
            for r in reviews
        ],
    )


async def _application(request: Request) -> Application:
    return await decision_queries.get_application_for_officer(request_principal(request), path_uuid(request, "application_id"))


async def queue_api(request: Request, *, query: QueueQuery) -> Response:
    """The officer's councils' applications, oldest first, filtered."""
    rows = await decision_queries.list_queue(
        request_principal(request),
        status=query.status.value,
        tier_code=query.tier,
        assigned=query.assigned.value if query.assigned else None,
        overdue=query.overdue,
        now=request_now(request),
    )
    return Response(_QUEUE.dump_json([_item(r) for r in rows]), media_type="application/json")


async def application_api(request: Request) -> Response:
    """One application: answers, evidence, history, reviews and its decision clock."""
    application = await _application(request)
    return _json(await _out(application, now=request_now(request)))


async def assign_api(request: Request, *, body: AssignIn) -> Response:
    application = await _application(request)
    now = request_now(request)
    await decisions.assign(application, assignee_id=body.assigned_to, actor=request_principal(request), now=now)
    return _json(await _out(application, now=now))


async def request_info_api(request: Request, *, body: InfoRequestIn) -> Response:
    application = await _application(request)
    now = request_now(request)
    await decisions.request_information(application, request_text=body.info_request, actor=request_principal(request), now=now)
    return _json(await _out(application, now=now))


async def approve_api(request: Request, *, body: ApproveIn) -> Response:
    application = await _application(request)
    now = request_now(request)
    await decisions.approve(
        application, minutes=body.minutes, pence=body.pence, reason=body.reason, actor=request_principal(request), now=now
    )
    return _json(await _out(application, now=now))


async def refuse_api(request: Request, *, body: RefuseIn) -> Response:
    application = await _application(request)
    now = request_now(request)
    await decisions.refuse(application, reason=body.refusal_reason, explanation=body.explanation, actor=request_principal(request), now=now)
    return _json(await _out(application, now=now))


async def _open_review(application: Application) -> Review:
    review = await decision_queries.open_review(application)
    if review is None:
        raise NotFound("There is no review waiting for this application")
    return review


async def assign_reviewer_api(request: Request, *, body: ReviewerIn) -> Response:
    application = await _application(request)
    now = request_now(request)
    review = await _open_review(application)
    await decisions.assign_reviewer(review, reviewer_id=body.reviewer_id, actor=request_principal(request), now=now)
    return _json(await _out(application, now=now))


async def decide_review_api(request: Request, *, body: ReviewDecisionIn) -> Response:
    application = await _application(request)
    now = request_now(request)
    review = await _open_review(application)
    await decisions.decide_review(
        review,
        change=body.decision == ReviewDecision.CHANGE,
        outcome=body.outcome,
        minutes=body.minutes,
        pence=body.pence,
        actor=request_principal(request),
        now=now,
    )
    return _json(await _out(application, now=now))


def _write(path: str, endpoint: Endpoint, name: str, body: type[BaseModel], summary: str, errors: list[int]) -> DeclaredRoute:
    return api(
        path,
        endpoint,
        name=name,
        permission=LA_OFFICER,
        methods=["POST"],
        body=body,
        response=ApplicationOfficerOut,
        errors=errors,
        summary=summary,
        tags=TAGS,
    )


routes = [
    api(
        BASE,
        queue_api,
        name="api:entitlements_queue",
        permission=LA_OFFICER,
        query=QueueQuery,
        response=list[QueueItemOut],
        errors=[403, 422],
        summary="The officer's councils' applications, oldest first, with filters",
        tags=TAGS,
    ),
    api(
        ONE,
        application_api,
        name="api:entitlements_application",
        permission=LA_OFFICER,
        response=ApplicationOfficerOut,
        errors=[403, 404],
        summary="One application: answers, evidence, history, reviews, decision clock",
        tags=TAGS,
    ),
    _write(ONE + "/assign", assign_api, "api:entitlements_assign", AssignIn, "Assign to an officer of the council", [403, 404, 422]),
    _write(
        ONE + "/more-info",
        request_info_api,
        "api:entitlements_request_info",
        InfoRequestIn,
        "Ask the family for more information (the clock pauses)",
        [403, 404, 409, 422],
    ),
    _write(
        ONE + "/approve",
        approve_api,
        "api:entitlements_approve",
        ApproveIn,
        "Approve: the allocation is written in the same transaction",
        [403, 404, 409, 422],
    ),
    _write(ONE + "/refuse", refuse_api, "api:entitlements_refuse", RefuseIn, "Refuse with a reason from the list", [403, 404, 409, 422]),
    _write(
        ONE + "/review/assign",
        assign_reviewer_api,
        "api:entitlements_review_assign",
        ReviewerIn,
        "Assign the open review to another officer",
        [403, 404, 409, 422],
    ),
    _write(
        ONE + "/review/decide",
        decide_review_api,
        "api:entitlements_review_decide",
        ReviewDecisionIn,
        "Uphold or change the decision under review",
        [403, 404, 409, 422],
    ),
]
