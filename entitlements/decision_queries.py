"""Reading applications for deciding: the decision clock in working days, the application as an
officer, its family or a letter reader may see it (404 for anyone else), the council's officers,
and the officers' queue.

The clock counts working days in England (:mod:`entitlements.workdays`) from the day an application
was sent to its decision (or now), leaving out the days spent waiting for the family's information:
those already answered (``paused_working_days``) and the current pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from entitlements import applications, permissions, workdays
from entitlements.enums import ApplicationStatus, ReviewStatus
from entitlements.models import Application, CouncilProfile, Review
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.models import Membership, User
from shortbreaks.errors import NotFound
from shortbreaks.permissions import Principal

DECIDABLE = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.MORE_INFO})
DECIDED = frozenset({ApplicationStatus.APPROVED, ApplicationStatus.REFUSED})

# --- the decision clock ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionClock:
    """Working days waited (pauses for the family's information left out) against the council's target."""

    waited: int
    target: int
    paused: int
    is_paused: bool
    is_renewal: bool
    due_on: date
    overdue: bool


def decision_clock(application: Application, council: CouncilProfile, *, now: datetime) -> DecisionClock | None:
    """The application's clock, up to its decision or to ``now``; ``None`` before it is sent."""
    if application.submitted_at is None:
        return None
    end = workdays.london_day(application.decided_at or now)
    sent = workdays.london_day(application.submitted_at)
    paused = application.paused_working_days
    if application.paused_at is not None:
        paused += workdays.working_days_between(workdays.london_day(application.paused_at), end)
    waited = max(workdays.working_days_between(sent, end) - paused, 0)
    is_renewal = application.renewal_of_id is not None
    target = council.renewal_target_days if is_renewal else council.decision_target_days
    return DecisionClock(
        waited=waited,
        target=target,
        paused=paused,
        is_paused=application.paused_at is not None,
        is_renewal=is_renewal,
        due_on=workdays.add_working_days(sent, target + paused),
        overdue=application.status in DECIDABLE and waited > target,
    )


# --- reading, with the officer's council checked ------------------------------------------------------


async def get_application_for_officer(principal: Principal, application_id: UUID) -> Application:
    """An application (not a draft) of a council the officer works for, else :class:`NotFound`."""
    application = await Application.get_or_none(id=application_id).select_related("council__local_authority", "tier", "child", "family")
    if (
        application is None
        or application.status == ApplicationStatus.DRAFT
        or not permissions.is_officer_for(principal, application.council.local_authority_id)
    ):
        raise NotFound("There is no application with that reference")
    return application


async def get_application_for_reader(principal: Principal, application_id: UUID) -> Application:
    """An application (not a draft) its family or the council's officers may read (the letter), else :class:`NotFound`."""
    application = await applications.get_for_viewer(principal, application_id)
    if application.status == ApplicationStatus.DRAFT:
        raise NotFound("There is no application with that reference")
    return application


async def get_application_for_family(principal: Principal, application_id: UUID) -> Application:
    """The family's own application, once sent, else :class:`NotFound`."""
    application = await applications.get_for_family(principal, application_id)
    if application.status == ApplicationStatus.DRAFT:
        raise NotFound("There is no application with that reference")
    return application


async def list_council_officers(local_authority_id: UUID) -> list[User]:
    memberships = await Membership.filter(organisation_id=local_authority_id, role=Role.LA_OFFICER).select_related("user")
    users = {m.user.id: m.user for m in memberships if m.user.is_active}
    return sorted(users.values(), key=lambda u: (u.display_name or u.email).lower())


async def open_review(application: Application) -> Review | None:
    return await Review.get_or_none(application_id=application.id, status=ReviewStatus.OPEN)


# --- the queue -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    application: Application
    clock: DecisionClock | None
    open_review: bool


async def list_queue(
    principal: Principal,
    *,
    status: str = "open",
    tier_code: str | None = None,
    assigned: str | None = None,
    overdue: bool = False,
    now: datetime,
) -> list[QueueRow]:
    """The applications of the officer's councils, oldest first, filtered; each with its clock."""
    query = Application.filter(council__local_authority_id__in=permissions.officer_authority_ids(principal)).exclude(
        status=ApplicationStatus.DRAFT
    )
    reviewed = set(
        await Review.filter(
            status=ReviewStatus.OPEN, application__council__local_authority_id__in=permissions.officer_authority_ids(principal)
        ).values_list("application_id", flat=True)
    )
    if status == "open":
        query = query.filter(status__in=list(DECIDABLE))
    elif status == "review":
        query = query.filter(id__in=list(reviewed))
    elif status != "all":
        query = query.filter(status=status)
    if tier_code:
        query = query.filter(tier_code=tier_code)
    if assigned == "me":
        query = query.filter(assigned_to_id=principal.id)
    elif assigned == "unassigned":
        query = query.filter(assigned_to_id__isnull=True)
    applications = await query.select_related("council", "tier", "child", "assigned_to").order_by("submitted_at", "reference")
    rows = [QueueRow(a, decision_clock(a, a.council, now=now), a.id in reviewed) for a in applications]
    if overdue:
        rows = [r for r in rows if r.clock is not None and r.clock.overdue]
    return rows


async def count_undecided(principal: Principal) -> int:
    """Applications of the officer's councils still to decide (the navigation's count)."""
    return await Application.filter(
        council__local_authority_id__in=permissions.officer_authority_ids(principal), status__in=list(DECIDABLE)
    ).count()
