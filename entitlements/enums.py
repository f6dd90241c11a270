"""Vocabularies for entitlements: statement statuses, tier kinds, what a checker answer can be."""

from __future__ import annotations

from enum import StrEnum


class StatementStatus(StrEnum):
    """A statement version is written as a draft, published, then superseded by the next published one."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "published": "Published", "superseded": "Replaced"}[self.value]


class TierKind(StrEnum):
    """The tiers most councils run: open to all, apply for an allowance, after a social care assessment."""

    UNIVERSAL = "universal"
    TARGETED = "targeted"
    SPECIALIST = "specialist"

    @property
    def label(self) -> str:
        return TIER_KIND_LABELS[self]

    @property
    def needs_application(self) -> bool:
        """A family has to apply (or be assessed) to get this tier, so the statement must say how."""
        return self is not TierKind.UNIVERSAL


TIER_KIND_LABELS = {
    TierKind.UNIVERSAL: "Universal: open to all",
    TierKind.TARGETED: "Targeted: apply for an allowance",
    TierKind.SPECIALIST: "Specialist: after a social care assessment",
}


class Answer(StrEnum):
    """A yes-or-no question's answer in the checker; "not sure" never rules a family out."""

    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"

    @property
    def label(self) -> str:
        return {"yes": "Yes", "no": "No", "not_sure": "I'm not sure"}[self.value]


class Outcome(StrEnum):
    """What the checker makes of one tier for one family's answers."""

    LIKELY = "likely"
    POSSIBLE = "possible"
    UNLIKELY = "unlikely"


class QuestionKind(StrEnum):
    """What a council's own application question asks for."""

    TEXT = "text"
    CHOICE = "choice"
    YES_NO = "yes_no"
    DATE = "date"

    @property
    def label(self) -> str:
        return {"text": "Text", "choice": "Choose one", "yes_no": "Yes or no", "date": "Date"}[self.value]


class ApplicationStatus(StrEnum):
    """An application's lifecycle: draft → submitted ⇄ more_info → approved | refused; a draft
    or an undecided application can be withdrawn by the family."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    MORE_INFO = "more_info"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return APPLICATION_STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Still to be decided (a child has at most one open application per tier)."""
        return self in OPEN_APPLICATION_STATUSES


OPEN_APPLICATION_STATUSES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.MORE_INFO})

APPLICATION_STATUS_LABELS = {
    ApplicationStatus.DRAFT: "Not sent yet",
    ApplicationStatus.SUBMITTED: "Waiting for a decision",
    ApplicationStatus.MORE_INFO: "The council needs more information",
    ApplicationStatus.APPROVED: "Approved",
    ApplicationStatus.REFUSED: "Refused",
    ApplicationStatus.WITHDRAWN: "Withdrawn",
}


class RefusalReason(StrEnum):
    """Why an application is refused: the officer picks one and explains it in their own words."""

    OUTSIDE_AREA = "outside_area"
    OUTSIDE_AGE = "outside_age"
    NEEDS_NOT_MET = "needs_not_met"
    NOT_ENOUGH_EVIDENCE = "not_enough_evidence"
    OTHER_SUPPORT = "other_support"
    NO_REPLY = "no_reply"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "outside_area": "The child does not live in the council's area",
            "outside_age": "The child is outside the tier's age range",
            "needs_not_met": "The child's needs do not meet the tier's criteria",
            "not_enough_evidence": "There was not enough evidence of the child's needs",
            "other_support": "The family's needs are better met by another service",
            "no_reply": "The family did not send the information asked for",
            "other": "Another reason",
        }[self.value]


class ApplicationEventKind(StrEnum):
    """One line of an application's history, shown to the family and the council."""

    STARTED = "started"
    SUBMITTED = "submitted"
    EVIDENCE_ADDED = "evidence_added"
    ASSIGNED = "assigned"
    MORE_INFO_REQUESTED = "more_info_requested"
    MORE_INFO_SENT = "more_info_sent"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_DECIDED = "review_decided"
    RENEWAL_INVITED = "renewal_invited"

    @property
    def label(self) -> str:
        return {
            "started": "Application started",
            "submitted": "Application sent",
            "evidence_added": "Evidence added",
            "assigned": "Assigned to an officer",
            "more_info_requested": "More information asked for",
            "more_info_sent": "More information sent",
            "approved": "Approved",
            "refused": "Refused",
            "withdrawn": "Withdrawn",
            "review_requested": "Review asked for",
            "review_decided": "Review decided",
            "renewal_invited": "Invited to renew",
        }[self.value]


class ReviewStatus(StrEnum):
    """A review of a decision, asked for by the family and decided by a different officer."""

    OPEN = "open"
    UPHELD = "upheld"
    CHANGED = "changed"

    @property
    def label(self) -> str:
        return {"open": "Waiting for a decision", "upheld": "Decision kept", "changed": "Decision changed"}[self.value]


class PackageSource(StrEnum):
    """Where a child's agreed short breaks come from."""

    TIER_DECISION = "tier_decision"
    EHC_PLAN_H1 = "ehc_plan_h1"
    EHC_PLAN_H2 = "ehc_plan_h2"
    CHILD_IN_NEED = "child_in_need"

    @property
    def label(self) -> str:
        return {
            "tier_decision": "A short breaks decision under the council's statement",
            "ehc_plan_h1": "The child's EHC plan, section H1 (breaks under the Chronically Sick and Disabled Persons Act 1970)",
            "ehc_plan_h2": "The child's EHC plan, section H2 (other social care, including overnight breaks)",
            "child_in_need": "A child in need plan after a social care assessment",
        }[self.value]


class PackagePeriod(StrEnum):
    """The period an agreed amount is for: hours or pounds a week, a month or a year."""

    WEEK = "week"
    MONTH = "month"
    YEAR = "year"

    @property
    def label(self) -> str:
        return {"week": "a week", "month": "a month", "year": "a year"}[self.value]


class ShortfallStatus(StrEnum):
    """A shortfall case: open with the child's officer, escalated to the council's manager, or closed."""

    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "Open", "escalated": "Escalated to a manager", "closed": "Closed"}[self.value]


class ShortfallTrigger(StrEnum):
    """Why the nightly job opened a case: too far behind this period, or weeks with nothing delivered."""

    BEHIND = "behind"
    IDLE = "idle"

    @property
    def label(self) -> str:
        return {"behind": "Behind the agreed amount", "idle": "Nothing delivered for weeks"}[self.value]


class ShortfallAction(StrEnum):
    """What an officer did about a shortfall."""

    ALTERNATIVE_OFFERED = "alternative_offered"
    DIRECT_PAYMENT = "direct_payment"
    NEW_PROVIDER = "new_provider"
    FAMILY_DECLINED = "family_declined"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "alternative_offered": "Offered an alternative break",
            "direct_payment": "Offered a direct payment",
            "new_provider": "Found a new provider",
            "family_declined": "The family declined",
            "other": "Something else",
        }[self.value]


class ShortfallEventKind(StrEnum):
    """One line of a shortfall case's history."""

    OPENED = "opened"
    FAMILY_TOLD = "family_told"
    OFFICER_TOLD = "officer_told"
    ESCALATED = "escalated"
    ACTION = "action"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "opened": "Case opened",
            "family_told": "Family told",
            "officer_told": "Officer told",
            "escalated": "Escalated to a manager",
            "action": "Action recorded",
            "closed": "Case closed",
        }[self.value]
