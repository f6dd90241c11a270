"""The shortfall statement: every active package's period so far, agreed against delivered, in one query.

Hand-written (through :mod:`shortbreaks.sql`) because the ORM cannot say it: a window function
over the package's amounts (each amount's end is the next one's start), the amount in force, the
pro-rata sum over the amounts and the grouped places of each package's child, all for every
child of a council at once. The rules it follows are in :mod:`entitlements.shortfall`.

One statement serves both databases. Where they differ (date parameters, the month and day of
a date, days between two dates, a session's length, a JSON parameter as rows) :class:`_Dialect`
holds the two spellings; the package years come in as a parameter (366 rows computed in Python
by :func:`entitlements.shortfall.periods`) rather than from date arithmetic in SQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import connections

from bookings.enums import Attendance, BookingStatus, WaitingStatus
from bookings.models import Booking, BookingChild, WaitingListEntry
from entitlements.enums import PackagePeriod
from entitlements.models import AgreedPackage, PackageAmount
from providers.models import Service, Session
from shortbreaks import sql

if TYPE_CHECKING:
    from entitlements.shortfall import Periods


@dataclass(frozen=True)
class _Dialect:
    date: Callable[[int], str]  # a date parameter
    integer: Callable[[int], str]  # an integer parameter
    month_day: Callable[[str], str]  # "MM-DD" of a date column
    days_between: Callable[[str, str], str]  # later − earlier, in days
    date_shift: Callable[[str, int], str]  # a date column moved by some days
    session_minutes: str  # the length of session ``s`` in whole minutes
    years: Callable[[int], str]  # the package years' JSON parameter as rows (md, starts, ends, days)


_POSTGRES = _Dialect(
    date=lambda n: f"${n}::date",
    integer=lambda n: f"${n}::bigint",
    month_day=lambda column: f"to_char({column}, 'MM-DD')",
    days_between=lambda later, earlier: f"(({later}) - ({earlier}))",
    date_shift=lambda column, days: f"({column} + {days:d})",
    session_minutes="(CAST(EXTRACT(EPOCH FROM (s.ends_at - s.starts_at)) AS bigint) / 60)",
    years=lambda n: (
        f"SELECT y.md, y.starts, y.ends, y.days"  # noqa: S608 — fixed text and a numbered placeholder
        f" FROM jsonb_to_recordset(${n}::jsonb) AS y(md text, starts date, ends date, days int)"
    ),
)

_SQLITE = _Dialect(
    date=lambda n: f"${n}",
    integer=lambda n: f"${n}",
    month_day=lambda column: f"substr({column}, 6, 5)",
    days_between=lambda later, earlier: f"CAST(round(julianday({later}) - julianday({earlier})) AS INTEGER)",
    date_shift=lambda column, days: f"date({column}, '{days:+d} days')",
    session_minutes="(CAST(round((julianday(s.ends_at) - julianday(s.starts_at)) * 86400) AS INTEGER) / 60)",
    years=lambda n: (
        f"SELECT json_extract(value, '$.md') AS md, json_extract(value, '$.starts') AS starts,"  # noqa: S608 — fixed text and a numbered placeholder
        f" json_extract(value, '$.ends') AS ends, json_extract(value, '$.days') AS days FROM json_each(${n})"
    ),
)

FIGURES = ("agreed", "attended", "booked", "unrecorded", "missed", "cancelled_by_provider", "declined", "waiting")


def _on_postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


def _statement(d: _Dialect, *, one_child: bool) -> str:
    """The statement; its parameters: $1 council, $2 day, $3 the day after, $4/$5 the week's first and
    last day, $6/$7 the month's, $8 the days in the month, $9 the package years, ($10 the child)."""
    day, after = d.date(2), d.date(3)
    month_days = d.integer(8)
    live = f"bc.active AND b.status IN ('{BookingStatus.HELD.value}', '{BookingStatus.CONFIRMED.value}')"
    requested = f"bc.active AND b.status = '{BookingStatus.REQUESTED.value}'"
    attended = f"bc.attendance = '{Attendance.ATTENDED.value}' AND s.local_date <= {day}"
    missed = f"bc.attendance = '{Attendance.NO_SHOW.value}' AND s.local_date <= {day}"
    place_sums = {
        "attended": attended,
        "missed": missed,
        "booked": f"{live} AND s.local_date >= {day}",
        "unrecorded": f"{live} AND s.local_date < {day}",
        "cancelled_by_provider": f"b.status = '{BookingStatus.CANCELLED_BY_PROVIDER.value}'",
        "declined": f"b.status = '{BookingStatus.DECLINED.value}'",
        "requested": requested,
    }
    sums = ", ".join(
        f"SUM(CASE WHEN {condition} THEN {value} ELSE 0 END) AS {unit}_{name}"
        for name, condition in place_sums.items()
        for unit, value in (("minutes", "b.minutes"), ("pence", "bc.debited_pence"))
    )
    waiting_statuses = ", ".join(f"'{s.value}'" for s in (WaitingStatus.WAITING, WaitingStatus.OFFERED))
    where = f"p.council_id = $1 AND p.starts_on <= {day} AND p.ends_on >= {day}" + (" AND p.child_id = $10" if one_child else "")
    package, amount = AgreedPackage._meta.db_table, PackageAmount._meta.db_table
    week, month = PackagePeriod.WEEK.value, PackagePeriod.MONTH.value
    totals = []
    for unit in ("minutes", "pence"):
        totals.append(f"(2 * COALESCE(g.{unit}_num, 0) + k.denominator) / (2 * k.denominator) AS {unit}_agreed")
        totals += [f"COALESCE(x.{unit}_{name}, 0) AS {unit}_{name}" for name in FIGURES[1:-1]]
        totals.append(f"COALESCE(x.{unit}_requested, 0) + COALESCE(w.{unit}_waiting, 0) AS {unit}_waiting")
    shortfalls = ", ".join(
        f"CASE WHEN t.{u}_agreed > t.{u}_attended + t.{u}_booked"
        f" THEN t.{u}_agreed - t.{u}_attended - t.{u}_booked ELSE 0 END AS {u}_shortfall"
        for u in ("minutes", "pence")
    )
    percents = ", ".join(
        f"CASE WHEN u.{x}_agreed > 0 THEN u.{x}_shortfall * 100 / u.{x}_agreed ELSE 0 END AS {x}_percent_behind"
        for x in ("minutes", "pence")
    )
    # Days of the period so far each amount was in force (≤ 0: none), and the numerators of the sums.
    part_days = d.days_between(
        f"CASE WHEN a.next_from IS NULL OR a.next_from > {after} THEN {after} ELSE a.next_from END",
        "CASE WHEN a.effective_from > k.lo THEN a.effective_from ELSE k.lo END",
    )
    numerators = ", ".join(
        f"CAST(SUM(CASE WHEN days > 0 AND {u} IS NOT NULL THEN CAST({u} AS bigint) * days * weight ELSE 0 END) AS bigint) AS {u}_num"
        for u in ("minutes", "pence")
    )
    return (
        f"WITH years AS ({d.years(9)}),"  # noqa: S608 — table names from the models, enum values and fixed text; values are parameters
        # Each amount with the day the next one starts (NULL for the latest).
        f" amounts AS (SELECT a.package_id, a.effective_from, a.minutes, a.pence, a.per,"
        f" p.child_id, p.officer_id, p.starts_on, p.ends_on,"
        f" LEAD(a.effective_from) OVER (PARTITION BY a.package_id ORDER BY a.effective_from) AS next_from"
        f" FROM {amount} a JOIN {package} p ON p.id = a.package_id WHERE {where}),"
        # The amount in force on the day, and its period before clipping.
        f" periods AS (SELECT c.package_id, c.child_id, c.officer_id, c.starts_on, c.ends_on, c.per,"
        f" c.minutes AS current_minutes, c.pence AS current_pence, y.days AS year_days,"
        f" CASE c.per WHEN '{week}' THEN {d.date(4)} WHEN '{month}' THEN {d.date(6)} ELSE y.starts END AS ps,"
        f" CASE c.per WHEN '{week}' THEN {d.date(5)} WHEN '{month}' THEN {d.date(7)} ELSE y.ends END AS pe"
        f" FROM amounts c JOIN years y ON y.md = {d.month_day('c.starts_on')}"
        f" WHERE c.effective_from <= {day} AND (c.next_from IS NULL OR c.next_from > {day})),"
        # Clipped to the package's dates; the common denominator of the three kinds of period.
        f" packages AS (SELECT k.package_id, k.child_id, k.officer_id, k.per, k.current_minutes, k.current_pence, k.year_days,"
        f" CASE WHEN k.ps > k.starts_on THEN k.ps ELSE k.starts_on END AS lo,"
        f" CASE WHEN k.pe < k.ends_on THEN k.pe ELSE k.ends_on END AS hi,"
        f" 7 * {month_days} * k.year_days AS denominator FROM periods k),"
        # Each amount's days in the period so far, and its weight (denominator / its period's length).
        f" parts AS (SELECT k.package_id, a.minutes, a.pence,"
        f" CASE a.per WHEN '{week}' THEN {month_days} * k.year_days WHEN '{month}' THEN 7 * k.year_days"
        f" ELSE 7 * {month_days} END AS weight, {part_days} AS days FROM packages k JOIN amounts a ON a.package_id = k.package_id),"
        f" agreed AS (SELECT package_id,"
        f" {numerators}"
        f" FROM parts GROUP BY package_id),"
        # The child's places in the whole period, by their session's local date.
        # (The bounds on starts_at, two days wider than the local dates, only let the index on
        # (child_id, starts_at) narrow the places read.)
        f" places AS (SELECT k.package_id, {sums} FROM packages k"
        f" JOIN {BookingChild._meta.db_table} bc ON bc.child_id = k.child_id"
        f" AND bc.starts_at >= {d.date_shift('k.lo', -2)} AND bc.starts_at < {d.date_shift('k.hi', 2)}"
        f" JOIN {Session._meta.db_table} s ON s.id = bc.session_id"
        f" JOIN {Booking._meta.db_table} b ON b.id = bc.booking_id"
        f" WHERE s.local_date >= k.lo AND s.local_date <= k.hi GROUP BY k.package_id),"
        f" waits AS (SELECT k.package_id, COUNT(*) AS entries, SUM({d.session_minutes}) AS minutes_waiting,"
        f" SUM(sv.price_pence) AS pence_waiting FROM packages k"
        f" JOIN {WaitingListEntry._meta.db_table} wl ON wl.child_id = k.child_id"
        f" JOIN {Session._meta.db_table} s ON s.id = wl.session_id"
        f" JOIN {Service._meta.db_table} sv ON sv.id = s.service_id"
        f" WHERE wl.status IN ({waiting_statuses}) AND s.local_date >= k.lo AND s.local_date <= k.hi GROUP BY k.package_id),"
        f" totals AS (SELECT k.package_id, k.child_id, k.officer_id, k.per, k.lo AS period_starts, k.hi AS period_ends,"
        f" {d.days_between(after, 'k.lo')} AS days_so_far, k.current_minutes, k.current_pence,"
        f" COALESCE(w.entries, 0) AS waiting_entries, {', '.join(totals)}"
        f" FROM packages k LEFT JOIN agreed g ON g.package_id = k.package_id"
        f" LEFT JOIN places x ON x.package_id = k.package_id LEFT JOIN waits w ON w.package_id = k.package_id)"
        f" SELECT u.*, {percents} FROM (SELECT t.*, {shortfalls} FROM totals t) u ORDER BY u.child_id, u.package_id"
    )


def _date_value(value: Any, postgres: bool) -> Any:
    return value if postgres else value.isoformat()


def council_statement(council_id: UUID, periods: Periods) -> tuple[str, list[Any]]:
    """The statement for every package of the council active on ``periods.day`` and its values ($1 to $9),
    for a caller that reads its rows inside a larger statement (:mod:`entitlements.sufficiency_queries`)."""
    return _statement_and_values(council_id, periods, child_id=None)


def _statement_and_values(council_id: UUID, periods: Periods, *, child_id: UUID | None) -> tuple[str, list[Any]]:
    postgres = _on_postgres()
    dialect = _POSTGRES if postgres else _SQLITE
    day = periods.day
    dates = [day, day.fromordinal(day.toordinal() + 1), *periods.week, *periods.month]
    years = json.dumps(
        [{"md": md, "starts": s.isoformat(), "ends": e.isoformat(), "days": (e - s).days + 1} for md, (s, e) in periods.years.items()]
    )
    values: list[Any] = [council_id, *(_date_value(v, postgres) for v in dates), periods.month_days, years]
    if child_id is not None:
        values.append(child_id)
    return _statement(dialect, one_child=child_id is not None), values


async def read(council_id: UUID, periods: Periods, *, child_id: UUID | None = None) -> list[dict[str, Any]]:
    """The statement's rows for the council's packages active on ``periods.day`` (or one child's)."""
    statement, values = _statement_and_values(council_id, periods, child_id=child_id)
    return await sql.fetch(statement, *values)


def _idle_statement(d: _Dialect) -> str:
    """$1 council, $2 the day, $3 the first day of the window (``weeks`` weeks up to the day)."""
    day, first = d.date(2), d.date(3)
    package = AgreedPackage._meta.db_table
    return (
        f"SELECT p.id AS package_id FROM {package} p"  # noqa: S608 — table names from the models and an enum value; values are parameters
        f" WHERE p.council_id = $1 AND p.starts_on <= {first} AND p.ends_on >= {day}"
        f" AND NOT EXISTS (SELECT 1 FROM {BookingChild._meta.db_table} bc"
        f" JOIN {Session._meta.db_table} s ON s.id = bc.session_id"
        f" WHERE bc.child_id = p.child_id AND bc.starts_at >= {d.date_shift(first, -2)} AND bc.starts_at < {d.date_shift(day, 2)}"
        f" AND bc.attendance = '{Attendance.ATTENDED.value}' AND s.local_date >= {first} AND s.local_date <= {day})"
    )


async def idle_packages(council_id: UUID, day: date, *, weeks: int) -> set[UUID]:
    """The council's packages active on ``day`` that began at least ``weeks`` weeks before it and whose child
    attended nothing in the ``weeks`` weeks up to it (by session date): "weeks with nothing delivered"."""
    postgres = _on_postgres()
    first = day - timedelta(days=7 * weeks - 1)
    rows = await sql.fetch(
        _idle_statement(_POSTGRES if postgres else _SQLITE), council_id, _date_value(day, postgres), _date_value(first, postgres)
    )
    return {sql.uuid_value(r["package_id"]) for r in rows}
