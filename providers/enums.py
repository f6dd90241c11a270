"""Vocabularies for the provider directory.

Needs, funding routes and accessibility features are stored as bit masks (one bit per
member, in declaration order) so search can test "any of" and "all of" with integer
arithmetic on SQLite and PostgreSQL alike. **Append new members at the end only**: a
member's position is its bit.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def to_mask(members: Iterable[StrEnum]) -> int:
    """The bit mask of ``members`` (bit i is the i-th member of the enum)."""
    mask = 0
    for member in members:
        mask |= 1 << list(type(member)).index(member)
    return mask


def from_mask(enum: type[E], mask: int) -> list[E]:
    """The members whose bits are set in ``mask``, in declaration order."""
    return [member for i, member in enumerate(enum) if mask & (1 << i)]


class ProviderStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUSPENDED = "suspended"


class ServiceKind(StrEnum):
    DAY_CARE_AWAY = "day_care_away"
    DAY_CARE_HOME = "day_care_home"
    OVERNIGHT_AWAY = "overnight_away"
    OVERNIGHT_HOME = "overnight_home"
    ACTIVITY = "activity"
    HOLIDAY_SCHEME = "holiday_scheme"
    FAMILY_BASED = "family_based"

    @property
    def label(self) -> str:
        return SERVICE_KIND_LABELS[self]


SERVICE_KIND_LABELS = {
    ServiceKind.DAY_CARE_AWAY: "Day care away from home",
    ServiceKind.DAY_CARE_HOME: "Day care at home (sitting)",
    ServiceKind.OVERNIGHT_AWAY: "Overnight care away from home",
    ServiceKind.OVERNIGHT_HOME: "Overnight care at home",
    ServiceKind.ACTIVITY: "Activity or club",
    ServiceKind.HOLIDAY_SCHEME: "Holiday scheme",
    ServiceKind.FAMILY_BASED: "Family-based care",
}


class Need(StrEnum):
    """DfE SEN primary type of need codes."""

    SPLD = "SPLD"
    MLD = "MLD"
    SLD = "SLD"
    PMLD = "PMLD"
    SEMH = "SEMH"
    SLCN = "SLCN"
    HI = "HI"
    VI = "VI"
    MSI = "MSI"
    PD = "PD"
    ASD = "ASD"
    OTH = "OTH"

    @property
    def label(self) -> str:
        return NEED_LABELS[self]


NEED_LABELS = {
    Need.SPLD: "Specific learning difficulty",
    Need.MLD: "Moderate learning difficulty",
    Need.SLD: "Severe learning difficulty",
    Need.PMLD: "Profound and multiple learning difficulty",
    Need.SEMH: "Social, emotional and mental health",
    Need.SLCN: "Speech, language and communication needs",
    Need.HI: "Hearing impairment",
    Need.VI: "Vision impairment",
    Need.MSI: "Multi-sensory impairment",
    Need.PD: "Physical disability",
    Need.ASD: "Autistic spectrum disorder",
    Need.OTH: "Other difficulty or disability",
}


class StaffRatio(StrEnum):
    """Staff to children. ``group``: the session takes ``group_size`` children whatever the staff count."""

    ONE_TO_ONE = "1:1"
    ONE_TO_TWO = "1:2"
    ONE_TO_THREE = "1:3"
    ONE_TO_FOUR = "1:4"
    GROUP = "group"

    @property
    def children_per_staff(self) -> int | None:
        return {"1:1": 1, "1:2": 2, "1:3": 3, "1:4": 4}.get(self.value)


class FundingRoute(StrEnum):
    COUNCIL_ALLOCATION = "council_allocation"
    DIRECT_PAYMENT = "direct_payment"
    FAMILY_PAYS = "family_pays"
    GRANT_FUNDED = "grant_funded"

    @property
    def label(self) -> str:
        return FUNDING_LABELS[self]


FUNDING_LABELS = {
    FundingRoute.COUNCIL_ALLOCATION: "Council short breaks allocation",
    FundingRoute.DIRECT_PAYMENT: "Direct payment or personal budget",
    FundingRoute.FAMILY_PAYS: "Family pays",
    FundingRoute.GRANT_FUNDED: "Grant-funded place",
}


class AccessibilityFeature(StrEnum):
    STEP_FREE = "step_free"
    ACCESSIBLE_TOILET = "accessible_toilet"
    CHANGING_PLACES = "changing_places"
    HOIST = "hoist"
    SENSORY_ROOM = "sensory_room"
    QUIET_SPACE = "quiet_space"
    ACCESSIBLE_TRANSPORT = "accessible_transport"
    MAKATON_BSL = "makaton_bsl"

    @property
    def label(self) -> str:
        return ACCESSIBILITY_LABELS[self]


ACCESSIBILITY_LABELS = {
    AccessibilityFeature.STEP_FREE: "Step-free access",
    AccessibilityFeature.ACCESSIBLE_TOILET: "Accessible toilet",
    AccessibilityFeature.CHANGING_PLACES: "Changing Places toilet",
    AccessibilityFeature.HOIST: "Hoist",
    AccessibilityFeature.SENSORY_ROOM: "Sensory room",
    AccessibilityFeature.QUIET_SPACE: "Quiet space",
    AccessibilityFeature.ACCESSIBLE_TRANSPORT: "Accessible transport",
    AccessibilityFeature.MAKATON_BSL: "Staff trained in Makaton or BSL",
}


class BookingMode(StrEnum):
    INSTANT = "instant"
    APPROVAL = "approval"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
