"""The small rules of booking: references, financial years, lengths, ages, notice and opening times.

Pure functions of their arguments (no database), shared by the use cases and the pages.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from bookings.errors import SessionNotBookable
from bookings.models import Child
from providers.enums import SessionStatus
from providers.models import Session
from shortbreaks.clock import LONDON

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """``SB-7K3Q-9M``: 30^6 possibilities; the unique constraint catches the rare clash."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(6)]
    return f"SB-{''.join(chars[:4])}-{''.join(chars[4:])}"


def financial_year(day: date) -> int:
    """The April–March year a date falls in: 2026 for 1 April 2026 to 31 March 2027."""
    return day.year if day.month >= 4 else day.year - 1


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
