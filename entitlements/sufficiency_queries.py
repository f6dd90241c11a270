"""The sufficiency report's statements: the nightly refresh (set-based writes) and the report's reads.

Hand-written (through :mod:`shortbreaks.sql`) because the ORM cannot say them: the refresh writes
each active package's figures with ``INSERT … SELECT`` straight from the shortfall statement
(:func:`entitlements.shortfall_queries.council_statement`) with window functions over each child's
packages, and the reads are grouped sums over several dimensions in one round trip. The rules are
in :mod:`entitlements.sufficiency`. Column names in the reads come from fixed lists, never from input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from bookings.enums import BookingStatus, WaitingStatus
from bookings.models import Booking, BookingChild, Child, WaitingListEntry
from entitlements import shortfall_queries
from entitlements.enums import PackageSource
from entitlements.models import AgreedPackage, Application, SufficiencyItem, SufficiencyMonth, SufficiencyPackage
from entitlements.shortfall import Periods
from providers.enums import SessionStatus
from providers.models import Provider, Service, Session
from shortbreaks import sql

PACKAGE = SufficiencyPackage._meta.db_table
ITEM = SufficiencyItem._meta.db_table
MONTH = SufficiencyMonth._meta.db_table
DIMENSIONS = ("tier_key", "need", "age_band", "area")
UNITS = ("minutes", "pence")
FIGURES = ("agreed", "attended", "booked", "shortfall")
AMOUNTS = tuple(f"{u}_{f}" for u in UNITS for f in FIGURES)


@dataclass(frozen=True)
class _Dialect:
    date: Callable[[int], str]
    moment: Callable[[int], str]  # a timestamp parameter
    before: Callable[[str, int], str]  # a timestamp column is on or after a timestamp parameter
    json_first: Callable[[str], str]  # the first item of a JSON list column, as text
    json_key: Callable[[str, str], str]  # a key of a JSON object column, as text
    district: Callable[[str], str]  # the postcode district of a postcode ("B15 2TT" -> "B15")


_POSTGRES = _Dialect(
    date=lambda n: f"${n}::date",
    moment=lambda n: f"${n}::timestamptz",
    before=lambda column, n: f"{column} >= ${n}::timestamptz",
    json_first=lambda column: f"({column}->>0)",
    json_key=lambda column, key: f"({column}->>'{key}')",
    district=lambda text: f"split_part({text}, ' ', 1)",
)

_SQLITE = _Dialect(
    date=lambda n: f"${n}",
    moment=lambda n: f"${n}",
    before=lambda column, n: f"julianday({column}) >= julianday(${n})",
    json_first=lambda column: f"json_extract({column}, '$[0]')",
    json_key=lambda column, key: f"json_extract({column}, '$.{key}')",
    district=lambda text: f"(CASE WHEN instr({text}, ' ') > 0 THEN substr({text}, 1, instr({text}, ' ') - 1) ELSE {text} END)",
)


def _postgres(client: BaseDBAsyncClient | None = None) -> bool:
    return bool((client or connections.get("default")).capabilities.dialect == "postgres")


def _dialect(client: BaseDBAsyncClient | None = None) -> _Dialect:
    return _POSTGRES if _postgres(client) else _SQLITE


def _value(value: Any, postgres: bool) -> Any:
    """A date or timestamp parameter: asyncpg takes the object, SQLite text."""
    return value if postgres or not isinstance(value, date | datetime) else value.isoformat()


# --- the refresh -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshParameters:
    council_id: UUID
    local_authority_id: UUID
    day: date
    year_starts: date
    year_ends: date
    # Born after these days: under 5, 11, 16, 18, 26 on the day.
    born_after: tuple[date, date, date, date, date]
    # The London midnights that start the waiting bands: 6, 27 and 90 days before the day.
    waited_since: tuple[datetime, datetime, datetime]
    month: date


def _package_insert(d: _Dialect, shortfall: str) -> str:
    """Each active package's figures and dimensions; $1-$9 the shortfall statement's, then $10 the day,
    $11-$15 the birthdays of the age bands, $16-$18 the waiting bands' starts."""
    day = d.date(10)
    ages = ["0-4", "5-10", "11-15", "16-17", "18-25"]
    age_band = (
        "CASE WHEN c.date_of_birth IS NULL THEN 'unknown' "
        + " ".join(f"WHEN c.date_of_birth > {d.date(11 + i)} THEN '{band}'" for i, band in enumerate(ages))
        + " ELSE '26+' END"
    )
    waiting_band = (
        f"CASE WHEN w.since IS NULL THEN 'none' WHEN {d.before('w.since', 16)} THEN 'week'"
        f" WHEN {d.before('w.since', 17)} THEN 'month' WHEN {d.before('w.since', 18)} THEN 'quarter' ELSE 'longer' END"
    )
    live = ", ".join(f"'{s.value}'" for s in (WaitingStatus.WAITING, WaitingStatus.OFFERED))
    behind = (
        "CASE WHEN (f.current_minutes IS NOT NULL AND f.minutes_shortfall > 0)"
        " OR (f.current_minutes IS NULL AND f.pence_shortfall > 0) THEN 1 ELSE 0 END"
    )
    postcode = d.json_key("a.answers", "postcode")
    amounts = ", ".join(f"f.{a}" for a in AMOUNTS)
    return (
        f"INSERT INTO {PACKAGE} (id, council_id, child_id, day, tier_key, need, age_band, area,"  # noqa: S608 — table names from the models, enum values and fixed text; values are parameters
        f" child_first, child_tier_first, child_behind, child_tier_behind, in_minutes, {', '.join(AMOUNTS)}, waiting_since, waiting_band)"
        f" SELECT x.package_id, $1, x.child_id, {day}, x.tier_key, x.need, x.age_band, x.area,"
        f" ROW_NUMBER() OVER (PARTITION BY x.child_id ORDER BY x.package_id) = 1,"
        f" ROW_NUMBER() OVER (PARTITION BY x.child_id, x.tier_key ORDER BY x.package_id) = 1,"
        f" MAX(x.behind) OVER (PARTITION BY x.child_id) = 1,"
        f" MAX(x.behind) OVER (PARTITION BY x.child_id, x.tier_key) = 1,"
        f" x.in_minutes, {', '.join(f'x.{a}' for a in AMOUNTS)}, w.since, {waiting_band}"
        f" FROM (SELECT f.package_id, f.child_id,"
        f" CASE WHEN p.source = '{PackageSource.TIER_DECISION.value}' AND a.tier_code IS NOT NULL"
        f" THEN a.tier_code ELSE p.source END AS tier_key,"
        f" COALESCE(substr({d.json_first('c.needs')}, 1, 8), 'unknown') AS need,"
        f" {age_band} AS age_band, COALESCE(r.area, 'unknown') AS area, {behind} AS behind,"
        f" f.current_minutes IS NOT NULL AS in_minutes, {amounts}"
        f" FROM ({shortfall}) f"
        f" JOIN {AgreedPackage._meta.db_table} p ON p.id = f.package_id"
        f" LEFT JOIN {Application._meta.db_table} a ON a.id = p.application_id"
        f" JOIN {Child._meta.db_table} c ON c.id = f.child_id"
        # The district of the postcode on the child's latest application to the council that asked for one.
        f" LEFT JOIN (SELECT q.child_id, substr(upper({d.district('q.postcode')}), 1, 8) AS area FROM"
        f" (SELECT a.child_id, {postcode} AS postcode,"
        f" ROW_NUMBER() OVER (PARTITION BY a.child_id ORDER BY a.submitted_at DESC, a.id) AS n"
        f" FROM {Application._meta.db_table} a WHERE a.council_id = $1 AND a.submitted_at IS NOT NULL"
        f" AND {postcode} IS NOT NULL AND {postcode} <> '') q WHERE q.n = 1) r ON r.child_id = f.child_id) x"
        # The longest the child has been waiting: live waiting-list entries and unanswered requests, from the day on.
        f" LEFT JOIN (SELECT z.child_id, MIN(z.since) AS since FROM ("
        f"SELECT wl.child_id, wl.joined_at AS since FROM {WaitingListEntry._meta.db_table} wl"
        f" JOIN {Session._meta.db_table} s ON s.id = wl.session_id WHERE wl.status IN ({live}) AND s.local_date >= {day}"
        f" UNION ALL SELECT bc.child_id, b.created_at AS since FROM {BookingChild._meta.db_table} bc"
        f" JOIN {Booking._meta.db_table} b ON b.id = bc.booking_id JOIN {Session._meta.db_table} s ON s.id = bc.session_id"
        f" WHERE b.status = '{BookingStatus.REQUESTED.value}' AND bc.active AND s.local_date >= {day}) z"
        f" WHERE z.child_id IN (SELECT child_id FROM {AgreedPackage._meta.db_table} WHERE council_id = $1)"
        f" GROUP BY z.child_id) w ON w.child_id = x.child_id"
    )


def _item_inserts(d: _Dialect) -> list[str]:
    """$1 the council, $2/$3 the allowance year's first and last day, ($4 the council's organisation).

    A child's counts are written once for each of the child's tier keys (``p``: the first package of
    each), with the child's dimensions, and ``child_first`` on the row of the child's first package."""
    starts, ends = d.date(2), d.date(3)
    session, booking, place = Session._meta.db_table, Booking._meta.db_table, BookingChild._meta.db_table
    in_year = f"s.local_date >= {starts} AND s.local_date <= {ends}"
    columns = f"INSERT INTO {ITEM} (council_id, child_id, tier_key, need, age_band, area, child_first, section, key, places)"
    child = "p.child_id, p.tier_key, p.need, p.age_band, p.area, p.child_first"
    of_child = f"JOIN {PACKAGE} p ON p.child_id = {{}} AND p.council_id = $1 AND p.child_tier_first"
    not_asked = ", ".join(f"'{s.value}'" for s in (BookingStatus.HELD, BookingStatus.RELEASED))
    live = ", ".join(f"'{s.value}'" for s in (WaitingStatus.WAITING, WaitingStatus.OFFERED))
    reason = "substr(lower(trim(b.reason)), 1, 300)"
    return [
        # Places the provider declined, by the reason given (as written, in lower case).
        f"{columns} SELECT $1, {child}, 'declined', {reason}, COUNT(*)"  # noqa: S608 — table names from the models, enum values and fixed text; values are parameters
        f" FROM {place} bc JOIN {booking} b ON b.id = bc.booking_id JOIN {session} s ON s.id = bc.session_id"
        f" {of_child.format('bc.child_id')}"
        f" WHERE b.status = '{BookingStatus.DECLINED.value}' AND {in_year} GROUP BY {child}, {reason}",
        # Places asked for (whatever came of them; not holds while paying, nor holds that ran out), by kind of break.
        f"{columns} SELECT $1, {child}, 'requested', sv.kind, COUNT(*)"  # noqa: S608 — as above
        f" FROM {place} bc JOIN {booking} b ON b.id = bc.booking_id JOIN {session} s ON s.id = bc.session_id"
        f" JOIN {Service._meta.db_table} sv ON sv.id = s.service_id {of_child.format('bc.child_id')}"
        f" WHERE b.status NOT IN ({not_asked}) AND {in_year} GROUP BY {child}, sv.kind",
        # Places still waited for on waiting lists, by kind of break.
        f"{columns} SELECT $1, {child}, 'waiting', sv.kind, COUNT(*)"  # noqa: S608 — as above
        f" FROM {WaitingListEntry._meta.db_table} wl JOIN {session} s ON s.id = wl.session_id"
        f" JOIN {Service._meta.db_table} sv ON sv.id = s.service_id {of_child.format('wl.child_id')}"
        f" WHERE wl.status IN ({live}) AND {in_year} GROUP BY {child}, sv.kind",
        # Places offered by providers in the council's area (scheduled sessions), by kind of break.
        f"{columns} SELECT $1, NULL, NULL, NULL, NULL, NULL, NULL, 'offered', sv.kind, SUM(s.capacity)"  # noqa: S608 — as above
        f" FROM {session} s JOIN {Service._meta.db_table} sv ON sv.id = s.service_id"
        f" JOIN {Provider._meta.db_table} pr ON pr.id = sv.provider_id"
        f" WHERE pr.local_authority_id = $4 AND s.status = '{SessionStatus.SCHEDULED.value}' AND {in_year} GROUP BY sv.kind",
    ]


def _month_insert(d: _Dialect) -> str:
    """$1 the council, $2 the month's first day."""
    sums = ", ".join(f"SUM({a})" for a in AMOUNTS)

    def flag(column: str) -> str:
        return f"SUM(CASE WHEN {column} THEN 1 ELSE 0 END)"

    return (
        f"INSERT INTO {MONTH} (council_id, month, {', '.join(DIMENSIONS)}, packages, children, children_tier,"  # noqa: S608 — table names from the models and fixed text
        f" children_behind, children_tier_behind, {', '.join(AMOUNTS)})"
        f" SELECT $1, {d.date(2)}, {', '.join(DIMENSIONS)}, COUNT(*), {flag('child_first')}, {flag('child_tier_first')},"
        f" {flag('child_first AND child_behind')}, {flag('child_tier_first AND child_tier_behind')}, {sums}"
        f" FROM {PACKAGE} WHERE council_id = $1 GROUP BY {', '.join(DIMENSIONS)}"
    )


async def refresh(p: RefreshParameters, periods: Periods, *, using_db: BaseDBAsyncClient) -> int:
    """Replace the council's package rows, counts and this month's trend row; the package rows written."""
    postgres = _postgres(using_db)
    d = _dialect(using_db)
    council = p.council_id
    await sql.execute(f"DELETE FROM {PACKAGE} WHERE council_id = $1", council, using_db=using_db)  # noqa: S608 — a table name from the model
    shortfall, values = shortfall_queries.council_statement(council, periods)
    extra = [p.day, *p.born_after, *p.waited_since]
    await sql.execute(_package_insert(d, shortfall), *values, *(_value(v, postgres) for v in extra), using_db=using_db)
    # Counted, not taken from the driver: asyncpg reports no row count for an INSERT without RETURNING.
    [count] = await sql.fetch(f"SELECT COUNT(*) AS n FROM {PACKAGE} WHERE council_id = $1", council, using_db=using_db)  # noqa: S608 — a table name from the model
    written = int(count["n"])
    await sql.execute(f"DELETE FROM {ITEM} WHERE council_id = $1", council, using_db=using_db)  # noqa: S608 — a table name from the model
    year = [_value(p.year_starts, postgres), _value(p.year_ends, postgres)]
    for statement in _item_inserts(d):
        parameters = [council, *year] + ([p.local_authority_id] if "$4" in statement else [])
        await sql.execute(statement, *parameters, using_db=using_db)
    month = _value(p.month, postgres)
    await sql.execute(f"DELETE FROM {MONTH} WHERE council_id = $1 AND month = {d.date(2)}", council, month, using_db=using_db)  # noqa: S608 — a table name from the model
    await sql.execute(_month_insert(d), council, month, using_db=using_db)
    return written


# --- the report's reads -----------------------------------------------------------------------------


class Filter:
    """The dimensions' values to keep (columns from :data:`DIMENSIONS`, values as parameters from $2 on)."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.columns = list(values or {})
        self.given = [str(v) for v in (values or {}).values()]
        if any(column not in DIMENSIONS for column in self.columns):
            raise ValueError(f"not a dimension: {self.columns}")

    @property
    def on_tier(self) -> bool:
        return "tier_key" in self.columns

    def where(self, alias: str, first: int) -> str:
        return "".join(f" AND {alias}.{column} = ${first + i}" for i, column in enumerate(self.columns))

    def values(self) -> list[Any]:
        return list(self.given)


async def read_groups(council_id: UUID, f: Filter) -> list[dict[str, Any]]:
    """Per dimension (and the waiting bands, and the total): children, children behind, packages and the sums.

    Children are counted once: by their first package, or their first in the tier when grouped or
    filtered by tier (a child with packages from two tiers is a child of each)."""
    sums = ", ".join(f"SUM(p.{a}) AS {a}" for a in AMOUNTS)
    parts = []
    for group in (*DIMENSIONS, "waiting_band", None):
        by_tier = group == "tier_key" or f.on_tier
        first, behind = ("child_tier_first", "child_tier_behind") if by_tier else ("child_first", "child_behind")
        key = f"p.{group}" if group else "'total'"
        parts.append(
            f"SELECT '{group or 'total'}' AS dimension, {key} AS key,"  # noqa: S608 — column names from fixed lists; values are parameters
            f" SUM(CASE WHEN p.{first} THEN 1 ELSE 0 END) AS children,"
            f" SUM(CASE WHEN p.{first} AND p.{behind} THEN 1 ELSE 0 END) AS behind,"
            f" COUNT(*) AS packages, {sums} FROM {PACKAGE} p WHERE p.council_id = $1{f.where('p', 2)}"
            + (f" GROUP BY p.{group}" if group else "")
        )
    return await sql.fetch(" UNION ALL ".join(parts), council_id, *f.values())


async def read_items(council_id: UUID, f: Filter) -> list[dict[str, Any]]:
    """The counts by section and key: children and places (of the filtered children; places offered whatever the filter).

    A child has a row per tier key: filtered by tier, the tier's row; else the first package's row."""
    once = "" if f.on_tier else " AND i.child_first"
    return await sql.fetch(
        f"SELECT i.section, i.key, COUNT(i.child_id) AS children, SUM(i.places) AS places FROM {ITEM} i"  # noqa: S608 — table names from the models, columns from a fixed list; values are parameters
        f" WHERE i.council_id = $1 AND (i.child_id IS NULL OR (1 = 1{once}{f.where('i', 2)}))"
        f" GROUP BY i.section, i.key",
        council_id,
        *f.values(),
    )


async def read_months(council_id: UUID, f: Filter) -> list[dict[str, Any]]:
    children, behind = ("children_tier", "children_tier_behind") if f.on_tier else ("children", "children_behind")
    sums = ", ".join(f"SUM(m.{a}) AS {a}" for a in AMOUNTS)
    return await sql.fetch(
        f"SELECT m.month, SUM(m.packages) AS packages, SUM(m.{children}) AS children, SUM(m.{behind}) AS behind, {sums}"  # noqa: S608 — column names from fixed lists; values are parameters
        f" FROM {MONTH} m WHERE m.council_id = $1{f.where('m', 2)} GROUP BY m.month ORDER BY m.month",
        council_id,
        *f.values(),
    )


async def read_found(council_id: UUID, *, using_db: BaseDBAsyncClient | None = None) -> tuple[set[str], set[str]]:
    """The tier keys and the areas (postcode districts) the council's rows hold (the refresh keeps them)."""
    statement = f"SELECT DISTINCT tier_key, area FROM {PACKAGE} WHERE council_id = $1"  # noqa: S608 — a table name from the model
    rows = await sql.fetch(statement, council_id, using_db=using_db)
    return {str(r["tier_key"]) for r in rows}, {str(r["area"]) for r in rows}
