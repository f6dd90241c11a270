"""Pydantic models for deciding applications: the officers' and families' forms and the API's bodies and answers.

Amounts are minutes and integer pence in the API; the forms take whole hours and pounds.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from entitlements.enums import ApplicationEventKind, ApplicationStatus, RefusalReason, ReviewStatus
from entitlements.schemas import MAX_HOURS, MAX_PENCE
from shortbreaks.money import pounds_field

MAX_TEXT = 5000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


OptionalHours = Annotated[int | None, BeforeValidator(_blank_is_none)]
OptionalPounds = Annotated[int | None, BeforeValidator(_blank_is_none), pounds_field("the amount")]


# --- the queue's filters ----------------------------------------------------------------------------


class QueueStatus(StrEnum):
    """What the queue shows: the applications still to decide (the default), one status, or all."""

    OPEN = "open"
    SUBMITTED = "submitted"
    MORE_INFO = "more_info"
    REVIEW = "review"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    ALL = "all"

    @property
    def label(self) -> str:
        return {
            "open": "To decide",
            "submitted": "Waiting for a decision",
            "more_info": "Waiting for the family",
            "review": "Review asked for",
            "approved": "Approved",
            "refused": "Refused",
            "withdrawn": "Withdrawn",
            "all": "All",
        }[self.value]


class Assigned(StrEnum):
    ME = "me"
    UNASSIGNED = "unassigned"


class QueueQuery(FormModel):
    status: QueueStatus = Field(
        default=QueueStatus.OPEN, description="Which applications: open (to decide, the default), a status, review, or all"
    )
    tier: str | None = Field(default=None, max_length=40, description="A tier's code")
    assigned: Assigned | None = Field(default=None, description="me: assigned to the caller; unassigned: to nobody")
    overdue: bool = Field(default=False, description="Only those past the council's target")


# --- officers' forms ---------------------------------------------------------------------------------


class AssignForm(FormModel):
    assigned_to: str = ""


class InfoRequestForm(FormModel):
    info_request: str = Field(min_length=1, max_length=MAX_TEXT, title="What you need from the family")

    form_blank_messages: ClassVar[dict[str, str]] = {"info_request": "Enter what you need the family to tell you or send"}


class ApproveForm(FormModel):
    hours: OptionalHours = Field(default=None, ge=0, le=MAX_HOURS, title="Hours a year")
    pounds: OptionalPounds = Field(default=None, ge=0, le=MAX_PENCE, title="Amount a year")
    reason: str = Field(default="", max_length=MAX_TEXT, title="Reason for a different amount")


class RefuseForm(FormModel):
    refusal_reason: RefusalReason = Field(title="Reason")
    explanation: str = Field(min_length=1, max_length=MAX_TEXT, title="Explanation")

    form_blank_messages: ClassVar[dict[str, str]] = {
        "refusal_reason": "Select the reason for refusing",
        "explanation": "Explain the reason for refusing in your own words",
    }


class ReviewerForm(FormModel):
    reviewer_id: UUID = Field(title="Reviewer")

    form_blank_messages: ClassVar[dict[str, str]] = {"reviewer_id": "Choose the officer who will review the decision"}


class ReviewDecision(StrEnum):
    UPHOLD = "uphold"
    CHANGE = "change"


class ReviewDecisionForm(FormModel):
    decision: ReviewDecision = Field(title="Outcome")
    outcome: str = Field(min_length=1, max_length=MAX_TEXT, title="Reasons")
    review_hours: OptionalHours = Field(default=None, ge=0, le=MAX_HOURS, title="Hours a year")
    review_pounds: OptionalPounds = Field(default=None, ge=0, le=MAX_PENCE, title="Amount a year")

    form_blank_messages: ClassVar[dict[str, str]] = {
        "decision": "Select whether to keep or change the decision",
        "outcome": "Give the reasons for the review's outcome",
    }


# --- families' forms ---------------------------------------------------------------------------------


class InfoReplyForm(FormModel):
    reply: str = Field(min_length=1, max_length=MAX_TEXT, title="Your answer")

    form_blank_messages: ClassVar[dict[str, str]] = {"reply": "Enter your answer to the council's question"}


class ReviewRequestForm(FormModel):
    grounds: str = Field(min_length=1, max_length=MAX_TEXT, title="Why the decision should be looked at again")

    form_blank_messages: ClassVar[dict[str, str]] = {"grounds": "Say why you think the decision should be looked at again"}


# --- the API -------------------------------------------------------------------------------------------


class AssignIn(Strict):
    assigned_to: UUID | None = Field(description="An officer of the council, or null for nobody")


class InfoRequestIn(Strict):
    info_request: str = Field(min_length=1, max_length=MAX_TEXT)


class ApproveIn(Strict):
    minutes: int | None = Field(default=None, ge=0, le=MAX_HOURS * 60, description="Hours a year as minutes (give minutes, pence or both)")
    pence: int | None = Field(default=None, ge=0, le=MAX_PENCE)
    reason: str = Field(default="", max_length=MAX_TEXT, description="Required when the amount differs from the tier's allowance")


class RefuseIn(Strict):
    refusal_reason: RefusalReason
    explanation: str = Field(min_length=1, max_length=MAX_TEXT)


class ReviewerIn(Strict):
    reviewer_id: UUID


class ReviewDecisionIn(Strict):
    decision: ReviewDecision
    outcome: str = Field(min_length=1, max_length=MAX_TEXT)
    minutes: int | None = Field(default=None, ge=0, le=MAX_HOURS * 60, description="Changing: the allowance a year, as minutes")
    pence: int | None = Field(default=None, ge=0, le=MAX_PENCE, description="Changing: the allowance a year, in pence")


class ClockOut(BaseModel):
    waited_working_days: int
    target_working_days: int
    paused_working_days: int
    paused: bool
    renewal: bool
    due_on: date
    overdue: bool


class OfficerEventOut(BaseModel):
    kind: ApplicationEventKind
    at: datetime
    actor_id: UUID | None
    detail: str
    shared: bool


class OfficerEvidenceOut(BaseModel):
    id: UUID
    filename: str
    content_type: str
    size_bytes: int


class ReviewOut(BaseModel):
    id: UUID
    status: ReviewStatus
    grounds: str
    requested_at: datetime
    original_officer_id: UUID | None
    reviewer_id: UUID | None
    outcome: str
    decided_at: datetime | None


class QueueItemOut(BaseModel):
    id: UUID
    reference: str
    child: str
    tier_code: str
    tier_name: str
    status: ApplicationStatus
    submitted_at: datetime | None
    assigned_to: UUID | None
    clock: ClockOut | None
    open_review: bool


class ApplicationOfficerOut(QueueItemOut):
    council: str
    answers: dict[str, object]
    info_request: str
    decided_at: datetime | None
    decided_by: UUID | None
    approved_minutes: int | None
    approved_pence: int | None
    decision_reason: str
    refusal_reason: RefusalReason | None
    allocation_id: UUID | None
    evidence: list[OfficerEvidenceOut]
    events: list[OfficerEventOut]
    reviews: list[ReviewOut]
