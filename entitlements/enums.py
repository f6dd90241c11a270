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
