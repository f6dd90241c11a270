"""The small rules of booking: references, allowance years, who may book what, lengths, ages, notice and opening times.

Pure functions of their arguments (no database), shared by the use cases and the pages.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from bookings.errors import SessionNotBookable
from bookings.models import Allocation, Child
from providers.enums import FundingRoute, ServiceKind, SessionStatus
from providers.models import Service, Session
from shortbreaks.clock import LONDON

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """``SB-7K3Q-9M``: 30^6 possibilities; the unique constraint catches the rare clash."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(6)]
    return f"SB-{''.join(chars[:4])}-{''.join(chars[4:])}"


def financial_year(day: date) -> int:
    """The April–March year a date falls in: 2026 for 1 April 2026 to 31 March 2027."""
    return day.year if day.month >= 4 else day.year - 1


def holds(allocation: Allocation, day: date) -> bool:
    """Whether ``day`` (a session's London date) falls in the allocation's allowance year."""
    return allocation.starts_on <= day <= allocation.ends_on


def covers(allocation: Allocation, service: Service) -> bool:
    """Whether the allocation pays for the service: its ``service_kinds`` (copied from the
    statement tier it was approved under) list the service's kind, or are empty (an officer's
    grant by hand, which pays for any service)."""
    return not allocation.service_kinds or str(service.kind) in allocation.service_kinds


def pick_allocation(allocations: list[Allocation], session: Session) -> Allocation | None:
    """The child's allocation that pays for ``session``: one whose allowance year holds the
    session's London date. When two overlap (an officer's April-to-March grant beside a council's
    February-to-January approval), one that covers the service first, then the latest to start."""
    day = session.local_date
    held = [a for a in allocations if holds(a, day)]
    if not held:
        return None
    return max(held, key=lambda a: (covers(a, session.service), a.starts_on))


# The funding routes that let any family book: the family pays, or a grant pays the place.
OPEN_ROUTES = frozenset({FundingRoute.FAMILY_PAYS, FundingRoute.GRANT_FUNDED})


def needs_allocation(service: Service) -> bool:
    """Whether the service is bookable only with a council short breaks allocation.

    Derived from the service's "Paid for by" routes (set by the provider or council in the
    service form and API), so no new setting can disagree with them: a service paid for only
    by a council allocation (with or without direct payments) is a targeted or specialist one,
    and a child needs an allocation that covers it. A service the family can pay for, or whose
    places a grant funds, or that lists no route at all, is open to every family (universal).
    """
    routes = set(service.funding_routes)
    return FundingRoute.COUNCIL_ALLOCATION in routes and not routes & OPEN_ROUTES


def kind_label(service: Service) -> str:
    """ "Activity or club": the service's kind in a family's words."""
    try:
        return ServiceKind(service.kind).label
    except ValueError:
        return str(service.kind)


def period_text(starts_on: date, ends_on: date) -> str:
    """ "1 February 2027 to 31 January 2028": an allowance year in words."""
    return f"{starts_on.day} {starts_on:%B %Y} to {ends_on.day} {ends_on:%B %Y}"


def session_minutes(starts_at: datetime, ends_at: datetime) -> int:
    """Length in UTC minutes: a London night across the March change is 23 hours."""
    return int((ends_at - starts_at).total_seconds() // 60)


def age_on(date_of_birth: date, day: date) -> int:
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def cancellation_deadline(starts_at: datetime, notice_hours: int) -> datetime:
    """The last moment a family may cancel and get its allocation back.

    Counted on the London wall clock, because that is what families are told ("48 hours' notice"
    for a Sunday 10am session means by Friday 10am), including across the clock changes.
    """
    local = starts_at.astimezone(LONDON).replace(tzinfo=None) - timedelta(hours=notice_hours)
    return local.replace(tzinfo=LONDON).astimezone(UTC)


def opens_at(session: Session) -> datetime:
    return session.starts_at - timedelta(days=session.service.booking_window_days)


def check_bookable(session: Session, *, now: datetime) -> None:
    if session.status == SessionStatus.CANCELLED:
        raise SessionNotBookable("This session has been cancelled", code="session_cancelled")
    if session.starts_at <= now:
        raise SessionNotBookable("This session has already started", code="session_past")
    if session.blocked or opens_at(session) > now:
        raise SessionNotBookable("This session is not open for booking yet", code="session_not_open")


def outside_age_range(child: Child, session: Session) -> bool:
    if child.date_of_birth is None:
        return False
    age = age_on(child.date_of_birth, session.local_date)
    return not (session.service.min_age <= age <= session.service.max_age)
