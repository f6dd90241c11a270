"""Reading an agreed package for the family's and the officer's pages: its current period, what was agreed
for it, and the child's attended and booked time in it.

The current period is the week (Monday to Sunday), calendar month, or package year (from
``starts_on``, anniversary to anniversary) holding today, by the amount in force today, cut to the
package's dates. What was agreed for the period is each day's share of the amount in force that
day (an amount a week gives a seventh of itself a day, a month's a share by the month's days), so
a period cut short by the package's dates, or with a change part way, is agreed pro rata.

"Used" is the child's places marked attended that start in the period; "booked" its active places
(requested, held or confirmed) that start in the period from now on. Minutes are the booked
session's; pounds are what the child's allocation paid for each place. This reads one child's
rows only: the database computation for every child at once is :mod:`entitlements.shortfall`'s.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from tortoise.functions import Sum

from bookings.enums import Attendance
from bookings.models import BookingChild
from entitlements.enums import PackagePeriod
from entitlements.models import AgreedPackage, PackageAmount
from shortbreaks.clock import LONDON


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def period_of(per: PackagePeriod, day: date, *, package_start: date) -> tuple[date, date]:
    """The whole week, month or package year holding ``day``: (first day, last day)."""
    if per == PackagePeriod.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if per == PackagePeriod.MONTH:
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    years = max(day.year - package_start.year, 0)
    start = _add_years(package_start, years)
    if start > day:
        years -= 1
        start = _add_years(package_start, years)
    return start, _add_years(package_start, years + 1) - timedelta(days=1)


def _in_force(amounts: list[PackageAmount], day: date) -> PackageAmount | None:
    found = None
    for amount in amounts:
        if amount.effective_from <= day:
            found = amount
    return found


@dataclass(frozen=True)
class Period:
    """A package's current period and what was agreed for it, and the child's time and money in it."""

    starts_on: date
    ends_on: date
    per: PackagePeriod
    # Cut short by the package's start or end (so agreed pro rata).
    partial: bool
    agreed_minutes: int | None
    agreed_pence: int | None
    used_minutes: int
    booked_minutes: int
    used_pence: int
    booked_pence: int

    @property
    def left_minutes(self) -> int | None:
        return None if self.agreed_minutes is None else max(self.agreed_minutes - self.used_minutes - self.booked_minutes, 0)

    @property
    def left_pence(self) -> int | None:
        return None if self.agreed_pence is None else max(self.agreed_pence - self.used_pence - self.booked_pence, 0)


def agreed_for(package: AgreedPackage, amounts: list[PackageAmount], first: date, last: date) -> tuple[int | None, int | None]:
    """Minutes and pence agreed from ``first`` to ``last`` (inside the package): each day's share of the amount then in force."""
    minutes = pence = Fraction(0)
    has_minutes = has_pence = False
    day = first
    while day <= last:
        amount = _in_force(amounts, day)
        if amount is not None:
            start, end = period_of(amount.per, day, package_start=package.starts_on)
            days = (end - start).days + 1
            if amount.minutes is not None:
                minutes += Fraction(amount.minutes, days)
                has_minutes = True
            if amount.pence is not None:
                pence += Fraction(amount.pence, days)
                has_pence = True
        day += timedelta(days=1)
    return (round(minutes) if has_minutes else None), (round(pence) if has_pence else None)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


async def _sums(child_id: object, **filters: object) -> tuple[int, int]:
    rows = (
        await BookingChild.filter(child_id=child_id, **filters)
        .annotate(minutes=Sum("booking__minutes"), pence=Sum("debited_pence"))
        .group_by("child_id")
        .values("minutes", "pence")
    )
    if not rows:
        return 0, 0
    return int(rows[0]["minutes"] or 0), int(rows[0]["pence"] or 0)


async def current_period(package: AgreedPackage, amounts: list[PackageAmount], *, now: datetime) -> Period | None:
    """The package's period holding today (London), or ``None`` when today is outside the package."""
    today = now.astimezone(LONDON).date()
    if not package.starts_on <= today <= package.ends_on:
        return None
    amounts = sorted(amounts, key=lambda a: a.effective_from)
    amount = _in_force(amounts, today)
    if amount is None:
        return None
    whole_start, whole_end = period_of(amount.per, today, package_start=package.starts_on)
    first, last = max(whole_start, package.starts_on), min(whole_end, package.ends_on)
    agreed_minutes, agreed_pence = agreed_for(package, amounts, first, last)
    window = {"starts_at__gte": _utc_midnight(first), "starts_at__lt": _utc_midnight(last + timedelta(days=1))}
    used = await _sums(package.child_id, attendance=Attendance.ATTENDED, **window)
    booked_from = max(now, window["starts_at__gte"])
    booked = await _sums(package.child_id, active=True, starts_at__gte=booked_from, starts_at__lt=window["starts_at__lt"])
    return Period(
        starts_on=first,
        ends_on=last,
        per=amount.per,
        partial=(first, last) != (whole_start, whole_end),
        agreed_minutes=agreed_minutes,
        agreed_pence=agreed_pence,
        used_minutes=used[0],
        booked_minutes=booked[0],
        used_pence=used[1],
        booked_pence=booked[1],
    )
