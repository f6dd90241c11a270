"""Applications in the JSON API: a family starts one, answers its questions, sends evidence, submits, reads.

Declared for the family role (403 for anyone else); another family's child or application answers
404. Starting for a child and tier that already has an open application returns that one (200,
not 201); submitting an application already sent returns it unchanged (200), so a retried call
is harmless. Evidence is ``multipart/form-data`` with one ``file``, refused (422) when it is not
a PDF, JPEG or PNG by its content, or over ``EVIDENCE_MAX_BYTES``, before it is read whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from bookings.models import Child
from entitlements import applications, queries, uploads
from entitlements.application_pages import file_response
from entitlements.enums import ApplicationEventKind, ApplicationStatus
from entitlements.models import Application, Tier
from entitlements.storage import storage_from_settings
from shortbreaks.permissions import FAMILY, SIGNED_IN
from shortbreaks.routing import api
from shortbreaks.web import path_uuid, request_now, request_principal

TAGS = ["applications"]
BASE = "/api/v1/applications"


class ApplicationIn(BaseModel):
    council: str = Field(max_length=60, description="The council's web address part, as in /councils/{slug}/short-breaks")
    tier_code: str = Field(max_length=40, description="The code of a targeted or specialist tier of the published statement")
    child_id: UUID = Field(description="One of your children (GET /api/v1/children)")


class AnswerIn(BaseModel):
    value: str | list[str] | int | None = Field(
        description=(
            "The answer: text, the value of an option, yes/no/not_sure, a date as YYYY-MM-DD, a postcode, "
            "an age in years, or a list of need codes (an empty list: no needs); null clears the answer"
        )
    )


class QuestionOut(BaseModel):
    key: str
    kind: str
    question: str
    hint: str
    required: bool
    options: list[str]
    answer: Any = None
    shown: str = ""


class FamilyEvidenceOut(BaseModel):
    id: UUID
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime
    url: str


class FamilyEventOut(BaseModel):
    kind: ApplicationEventKind
    label: str
    detail: str
    at: datetime


class ApplicationOut(BaseModel):
    id: UUID
    reference: str
    council: str
    council_name: str
    tier_code: str
    tier_name: str
    child_id: UUID
    child_first_name: str
    status: ApplicationStatus
    status_label: str
    created_at: datetime
    submitted_at: datetime | None
    questions: list[QuestionOut]
    evidence: list[FamilyEvidenceOut]
    history: list[FamilyEventOut]


class ApplicationSummary(BaseModel):
    id: UUID
    reference: str
    council: str
    tier_code: str
    tier_name: str
    child_id: UUID
    child_first_name: str
    status: ApplicationStatus
    status_label: str
    created_at: datetime
    submitted_at: datetime | None


class ApplicationList(BaseModel):
    applications: list[ApplicationSummary]


def _json(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


async def application_out(request: Request, application: Application) -> ApplicationOut:
    full = await Application.get(id=application.id).select_related("tier", "child", "council__local_authority")
    questions = await applications.form_for(full)
    answers = full.answers or {}
    evidence = await applications.list_evidence(full)
    shared = await applications.shared_history(full)
    return ApplicationOut(
        id=full.id,
        reference=full.reference,
        council=full.council.slug,
        council_name=full.council.local_authority.name,
        tier_code=full.tier_code,
        tier_name=full.tier.name,
        child_id=full.child_id,
        child_first_name=full.child.first_name,
        status=full.status,
        status_label=full.status.label,
        created_at=full.created_at,
        submitted_at=full.submitted_at,
        questions=[
            QuestionOut(
                key=q.key,
                kind=q.kind,
                question=q.title,
                hint=q.hint,
                required=q.required,
                options=[value for value, _ in q.choices],
                answer=answers.get(q.key),
                shown=applications.show_answer(q, answers.get(q.key)),
            )
            for q in questions
        ],
        evidence=[
            FamilyEvidenceOut(
                id=e.id,
                filename=e.filename,
                content_type=e.content_type,
                size_bytes=e.size_bytes,
                created_at=e.created_at,
                url=str(request.url_for("api:application_evidence", application_id=full.id, evidence_id=e.id).path),
            )
            for e in evidence
        ],
        history=[FamilyEventOut(kind=e.kind, label=e.kind.label, detail=e.detail, at=e.at) for e in shared],
    )


async def create_application_api(request: Request, *, body: ApplicationIn) -> Response:
    """Start an application for one of your children (or get the open one it already has)."""
    principal = request_principal(request)
    council = await queries.get_council(body.council)
    tier: Tier = await applications.applicable_tier(council, body.tier_code)
    child: Child = await applications.own_child(principal, body.child_id)
    application, created = await applications.start_application(principal, council, tier, child, now=request_now(request))
    return _json(await application_out(request, application), status_code=201 if created else 200)


async def list_applications_api(request: Request) -> Response:
    found = await applications.list_for_family(request_principal(request))
    return _json(
        ApplicationList(
            applications=[
                ApplicationSummary(
                    id=a.id,
                    reference=a.reference,
                    council=a.council.slug,
                    tier_code=a.tier_code,
                    tier_name=a.tier.name,
                    child_id=a.child_id,
                    child_first_name=a.child.first_name,
                    status=a.status,
                    status_label=a.status.label,
                    created_at=a.created_at,
                    submitted_at=a.submitted_at,
                )
                for a in found
            ]
        )
    )


async def _mine(request: Request) -> Application:
    return await applications.get_for_family(request_principal(request), path_uuid(request, "application_id"))


async def application_api(request: Request) -> Response:
    """An application: its questions and answers, evidence and history."""
    return _json(await application_out(request, await _mine(request)))


async def answer_api(request: Request, *, body: AnswerIn) -> Response:
    """Save one answer of a draft (null clears it)."""
    application = await _mine(request)
    value: Any = body.value
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    saved = await applications.save_answer(
        request_principal(request), application, request.path_params["key"], value, now=request_now(request)
    )
    return _json(await application_out(request, saved))


async def submit_api(request: Request) -> Response:
    """Send the application to the council; sending it again returns it unchanged."""
    application = await _mine(request)
    link = str(request.app.state.settings.base_url) + str(request.url_for("entitlements:application", application_id=application.id).path)
    sent, _now_sent = await applications.submit_application(request_principal(request), application, now=request_now(request), link=link)
    return _json(await application_out(request, sent))


async def withdraw_api(request: Request) -> Response:
    """Withdraw a draft or an application not decided yet."""
    application = await _mine(request)
    withdrawn = await applications.withdraw_application(request_principal(request), application, now=request_now(request))
    return _json(await application_out(request, withdrawn))


async def upload_api(request: Request) -> Response:
    """Add a PDF, JPEG or PNG file (multipart/form-data, field ``file``)."""
    application = await _mine(request)
    settings = request.app.state.settings
    form = await uploads.read_form(request, limit=settings.evidence_max_bytes)
    try:
        upload = await uploads.take_file(form, limit=settings.evidence_max_bytes)
        await applications.add_evidence(
            request_principal(request), application, upload, storage=storage_from_settings(settings), now=request_now(request)
        )
    finally:
        await uploads.close_form(form)
    return _json(await application_out(request, application), status_code=201)


async def evidence_api(request: Request) -> Response:
    """Download an evidence file (its family, or an officer of the application's council)."""
    evidence = await applications.get_evidence(
        request_principal(request), path_uuid(request, "application_id"), path_uuid(request, "evidence_id")
    )
    return await file_response(request, evidence)


ONE = BASE + "/{application_id:uuid}"

routes = [
    api(
        BASE,
        create_application_api,
        name="api:application_create",
        permission=FAMILY,
        methods=["POST"],
        body=ApplicationIn,
        response=ApplicationOut,
        status_code=201,
        errors=[403, 404, 409, 422],
        summary="Start an application for a child (200 with the open one if it exists)",
        description="422 ``outside_tier`` names the tier rule the child's record is outside of; 403 until the email is confirmed.",
        tags=TAGS,
    ),
    api(
        BASE,
        list_applications_api,
        name="api:applications",
        permission=FAMILY,
        response=ApplicationList,
        summary="Your applications",
        tags=TAGS,
    ),
    api(ONE, application_api, name="api:application", permission=FAMILY, response=ApplicationOut, errors=[404], tags=TAGS),
    api(
        ONE + "/answers/{key}",
        answer_api,
        name="api:application_answer",
        permission=FAMILY,
        methods=["PUT"],
        body=AnswerIn,
        response=ApplicationOut,
        errors=[404, 409, 422],
        tags=TAGS,
    ),
    api(
        ONE + "/submit",
        submit_api,
        name="api:application_submit",
        permission=FAMILY,
        methods=["POST"],
        response=ApplicationOut,
        errors=[404, 422],
        summary="Send the application (again: returned unchanged)",
        description="422 lists each required question not answered (``errors[].field`` is the question's key).",
        tags=TAGS,
    ),
    api(
        ONE + "/withdraw",
        withdraw_api,
        name="api:application_withdraw",
        permission=FAMILY,
        methods=["POST"],
        response=ApplicationOut,
        errors=[404, 409],
        tags=TAGS,
    ),
    api(
        ONE + "/evidence",
        upload_api,
        name="api:application_evidence_upload",
        permission=FAMILY,
        methods=["POST"],
        response=ApplicationOut,
        status_code=201,
        errors=[404, 409, 422],
        upload_field="file",
        summary="Add an evidence file (PDF, JPEG or PNG)",
        description="Refused (422 ``file_too_large``, ``file_type``, ``empty_file``) before it is read whole; nothing is stored then.",
        tags=TAGS,
    ),
    api(
        ONE + "/evidence/{evidence_id:uuid}",
        evidence_api,
        name="api:application_evidence",
        permission=SIGNED_IN,
        content_type="application/octet-stream",
        errors=[404],
        summary="Download an evidence file",
        tags=TAGS,
    ),
]
