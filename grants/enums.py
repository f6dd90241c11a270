"""Vocabularies for grants: statuses, budget categories, revenue or capital."""

from __future__ import annotations

from enum import StrEnum


class AwardStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class BudgetCategory(StrEnum):
    STAFFING = "staffing"
    ACTIVITIES = "activities"
    TRANSPORT = "transport"
    EQUIPMENT = "equipment"
    PREMISES = "premises"
    TRAINING = "training"
    EVALUATION = "evaluation"
    MANAGEMENT = "management"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CostKind(StrEnum):
    REVENUE = "revenue"
    CAPITAL = "capital"


class ReturnStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    QUERIED = "queried"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# A grantee may change the lines of a return in these states.
EDITABLE_RETURN_STATUSES = frozenset({ReturnStatus.DRAFT, ReturnStatus.QUERIED})
# A funder may decide a return in these states.
DECIDABLE_RETURN_STATUSES = frozenset({ReturnStatus.SUBMITTED, ReturnStatus.RESUBMITTED})
# Spend that has been claimed but not yet decided.
PENDING_RETURN_STATUSES = frozenset({ReturnStatus.SUBMITTED, ReturnStatus.RESUBMITTED, ReturnStatus.QUERIED})
