"""Agreed against delivered: every child's agreed package, its period so far, and the shortfall.

One SQL statement (:mod:`entitlements.shortfall_queries`) computes every figure for every package
of a council active on a day, so the nightly job and the reports never loop over children in
Python; :func:`child_shortfalls` runs the same statement for one child (for pages).

**The period.** The package's current period is that of the amount in force on ``day`` (the
:class:`~entitlements.models.PackageAmount` with the latest ``effective_from`` on or before it):
the week Monday to Sunday, the calendar month, or the package year (from one anniversary of
``starts_on`` to the day before the next; a package that starts on 29 February has its
anniversary on 28 February in other years). It is clipped to the package's dates: it runs from
``period_starts`` (the later of the period's first day and ``starts_on``) to ``period_ends`` (the
earlier of the period's last day and ``ends_on``). The period **so far** is ``period_starts`` to
``day``, both included.

**Agreed so far (the pro-rata rule).** Each day of the period so far counts the amount in force
that day divided by the length of that amount's kind of period: 7 for a week, the number of days
in the calendar month that contains ``day`` for a month, and the number of days in the package
year that contains ``day`` (365 or 366) for a year. So the agreed amount so far is
``Σ amountᵢ × daysᵢ / lengthᵢ`` over the amounts in force during the period so far, where
``daysᵢ`` is how many days of the period so far amount *i* was in force; it is rounded to the
nearest whole minute (or penny), halves up. Minutes and pence are counted separately: a part
in minutes adds to the minutes agreed, a part in pence to the pence. Examples: 180 minutes a week,
on the Wednesday of a full week: 180 × 3 / 7 = 77.14 → 77 minutes; 600 minutes a month on 10 June:
600 × 10 / 30 = 200; a package that started on the Thursday of this week, on the Saturday:
180 × 3 / 7 → 77 (the days before it started are not counted); 120 minutes a week until
Wednesday, then 240: 120 × 2 / 7 + 240 × 3 / 7 (on the Friday) = 137.14 → 137.

**Delivered.** A place counts in the period by its session's local date (``Session.local_date``,
the London date it starts on), for the child's places on any booking:

- *attended*: places marked attended, from ``period_starts`` to ``day``;
- *missed*: places marked no-show, from ``period_starts`` to ``day``;
- *booked*: live places (held or confirmed bookings; their attendance not yet recorded) from
  ``day`` to ``period_ends`` — a session later today is booked until its attendance is recorded;
- *unrecorded*: live places before ``day`` whose attendance the provider has not recorded;
- *cancelled by the provider* and *declined by the provider*: places on bookings the provider
  cancelled or declined, anywhere in the period;
- *waiting*: live places on bookings still waiting for the provider's answer (requested) and
  waiting-list entries waiting or offered, anywhere in the period (for a waiting-list entry in
  pence, the service's price).

Minutes are the booking's length (``Booking.minutes``; for a waiting-list entry, its session's);
pence are what the place took from an allocation (``BookingChild.debited_pence``).

**Shortfall** = agreed so far − (attended + booked), never below zero; **percent behind** is the
shortfall as a whole percentage of agreed so far (rounded down; 0 when nothing is agreed yet).
A child with two packages has a row for each, and the same places count towards both.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from entitlements import shortfall_queries
from entitlements.enums import PackagePeriod
from shortbreaks import sql


@dataclass(frozen=True)
class Figures:
    """One measure (minutes, or pence) of a package's period so far."""

    agreed: int
    attended: int
    booked: int
    unrecorded: int
    missed: int
    cancelled_by_provider: int
    declined: int
    waiting: int
    shortfall: int
    percent_behind: int

    @property
    def delivered(self) -> int:
        """Attended and booked: what counts against the agreed amount."""
        return self.attended + self.booked


@dataclass(frozen=True)
class PackageShortfall:
    """A package's period so far on ``day``: its figures in minutes and in pence.

    ``in_minutes`` / ``in_pence`` say which the amount in force on ``day`` is in (hours, or
    pounds); the other measure's figures are still counted (a variation may have changed it).
    """

    package_id: UUID
    child_id: UUID
    officer_id: UUID | None
    day: date
    per: PackagePeriod
    period_starts: date
    period_ends: date
    days_so_far: int
    in_minutes: bool
    in_pence: bool
    minutes: Figures
    pence: Figures
    waiting_entries: int

    @property
    def main(self) -> Figures:
        """The figures in the unit of the amount in force: minutes when it is in hours, else pence."""
        return self.minutes if self.in_minutes else self.pence


def anniversary(starts_on: date, year: int) -> date:
    """``starts_on``'s anniversary in ``year`` (29 February falls on 28 February in other years)."""
    if starts_on.month == 2 and starts_on.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return starts_on.replace(year=year)


def package_year(starts_on: date, day: date) -> tuple[date, date]:
    """The package year (first and last day) of a package starting on ``starts_on`` that contains ``day``."""
    start = anniversary(starts_on, day.year)
    if start > day:
        start = anniversary(starts_on, day.year - 1)
    return start, anniversary(starts_on, start.year + 1) - timedelta(days=1)


@dataclass(frozen=True)
class Periods:
    """The parameters of the statement for ``day``: its week, its month, and the package year for
    every month and day a package can start on (366 rows, so the database joins on the month and
    day of ``starts_on`` instead of doing date arithmetic that differs between databases)."""

    day: date
    week: tuple[date, date]
    month: tuple[date, date]
    month_days: int
    years: dict[str, tuple[date, date]]  # "MM-DD" of starts_on → (first, last day of the package year)


def periods(day: date) -> Periods:
    month_days = calendar.monthrange(day.year, day.month)[1]
    monday = day - timedelta(days=day.weekday())
    years = {}
    for start in (date(2000, 1, 1) + timedelta(days=n) for n in range(366)):  # 2000 is a leap year: every month and day
        years[start.strftime("%m-%d")] = package_year(start, day)
    return Periods(
        day=day,
        week=(monday, monday + timedelta(days=6)),
        month=(day.replace(day=1), day.replace(day=month_days)),
        month_days=month_days,
        years=years,
    )


async def council_shortfalls(council_id: UUID, *, day: date) -> list[PackageShortfall]:
    """Every package of the council (``council_id``: its :class:`~entitlements.models.CouncilProfile`) active on
    ``day`` (``starts_on <= day <= ends_on``, with an amount in force), with its period so far: one statement for
    all children, by child and package. No access check: callers read for a council they may see."""
    return [_row(r, day) for r in await shortfall_queries.read(council_id, periods(day))]


async def child_shortfalls(council_id: UUID, child_id: UUID, *, day: date) -> list[PackageShortfall]:
    """The same for one child of the council (their packages active on ``day``)."""
    return [_row(r, day) for r in await shortfall_queries.read(council_id, periods(day), child_id=child_id)]


def _figures(row: dict[str, Any], unit: str) -> Figures:
    return Figures(**{name: int(row[f"{unit}_{name}"] or 0) for name in Figures.__dataclass_fields__})


def _row(row: dict[str, Any], day: date) -> PackageShortfall:
    return PackageShortfall(
        package_id=sql.uuid_value(row["package_id"]),
        child_id=sql.uuid_value(row["child_id"]),
        officer_id=None if row["officer_id"] is None else sql.uuid_value(row["officer_id"]),
        day=day,
        per=PackagePeriod(row["per"]),
        period_starts=_date(row["period_starts"]),
        period_ends=_date(row["period_ends"]),
        days_so_far=int(row["days_so_far"]),
        in_minutes=row["current_minutes"] is not None,
        in_pence=row["current_pence"] is not None,
        minutes=_figures(row, "minutes"),
        pence=_figures(row, "pence"),
        waiting_entries=int(row["waiting_entries"] or 0),
    )


def _date(value: Any) -> date:
    """A date column as read raw: asyncpg gives a ``date``, SQLite text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))
