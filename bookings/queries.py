"""Named read queries for bookings. Family-facing lookups filter by the family, so someone else's
record is simply not found (404). Aggregates are computed in SQL.

For calendar feeds (added from the feeds branch): ``calendar_booking_ids`` then ``calendar_bookings``
(a family's bookings with their session, service and provider fields), ``family_calendar_version``
(a validator for those rows, one small answer), ``first_names_by_booking`` and
``first_names_by_session`` (children's first names only, one query each; never care details).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Count, Sum

from bookings.enums import ACTIVE_STATUSES, ACTIVE_WAITING_STATUSES, Attendance, BookingStatus, LedgerKind
from bookings.models import Allocation, AllocationEntry, Booking, BookingChild, CareProfile, Child, WaitingListEntry
from providers.models import Provider, Service, Session
from shortbreaks import sql
from shortbreaks.accounts.models import User
from shortbreaks.errors import NotFound


async def list_children(family_id: UUID) -> list[Child]:
    return list(await Child.filter(family_id=family_id, erased_at=None).order_by("first_name", "id"))


async def list_children_of(family_ids: list[UUID]) -> dict[UUID, list[Child]]:
    """The children (not erased) of each of ``family_ids``, by first name: one query for a whole list of families."""
    children: dict[UUID, list[Child]] = {family_id: [] for family_id in family_ids}
    if not family_ids:
        return children
    for child in await Child.filter(family_id__in=family_ids, erased_at=None).order_by("first_name", "id"):
        children.setdefault(child.family_id, []).append(child)
    return children


async def get_family_child(family_id: UUID, child_id: UUID) -> Child:
    child = await Child.get_or_none(id=child_id, family_id=family_id, erased_at=None)
    if child is None:
        raise NotFound("Child not found")
    return child


async def list_child_upcoming_bookings(child_id: UUID, *, now: datetime) -> list[Booking]:
    """The bookings still to come that hold a place for this child (held, requested or confirmed), soonest first."""
    return list(
        await Booking.filter(
            children__child_id=child_id, children__active=True, status__in=list(ACTIVE_STATUSES), starts_at__gt=now
        ).order_by("starts_at", "id")
    )


async def get_care_profile(child_id: UUID) -> CareProfile | None:
    return await CareProfile.get_or_none(child_id=child_id)


async def get_family_booking(family_id: UUID, booking_id: UUID) -> Booking:
    booking = await Booking.filter(id=booking_id, family_id=family_id).select_related("service", "session").first()
    if booking is None:
        raise NotFound("Booking not found")
    return booking


async def list_family_bookings(family_id: UUID) -> list[Booking]:
    return list(await Booking.filter(family_id=family_id).select_related("service").order_by("starts_at", "id"))


async def places_by_booking(booking_ids: list[UUID]) -> dict[UUID, list[BookingChild]]:
    """Every booking's children (one query), in a stable order."""
    found: dict[UUID, list[BookingChild]] = {bid: [] for bid in booking_ids}
    if booking_ids:
        for place in await BookingChild.filter(booking_id__in=booking_ids).select_related("child").order_by("created_at", "id"):
            found[place.booking_id].append(place)
    return found


async def get_staff_booking(organisation_ids: list[UUID], booking_id: UUID, *, site_admin: bool = False) -> Booking:
    """A booking for a service of a provider run by one of ``organisation_ids`` (404 otherwise)."""
    query = Booking.filter(id=booking_id)
    if not site_admin:
        query = query.filter(service__provider__organisation_id__in=organisation_ids)
    booking = await query.select_related("service", "session").first()
    if booking is None:
        raise NotFound("Booking not found")
    return booking


async def list_session_bookings(session_id: UUID) -> list[Booking]:
    return list(await Booking.filter(session_id=session_id).order_by("created_at", "id"))


# Lines recorded at the same moment read in this order: the allowance first, then changes to it.
LEDGER_ORDER = {LedgerKind.GRANT: 0, LedgerKind.ADJUSTMENT: 1, LedgerKind.DEBIT: 2, LedgerKind.CREDIT: 3}


async def ledger_entries(allocation_ids: list[UUID]) -> list[AllocationEntry]:
    """The allocations' ledger lines in date order, each with its booking (for its status) when it has one.

    Ties on the moment (a grant and a booking made in the same second, or the demo's data) go by
    :data:`LEDGER_ORDER`, then by id, so the history reads the same on every page load.
    """
    entries = await AllocationEntry.filter(allocation_id__in=allocation_ids).select_related("booking")
    return sorted(entries, key=lambda e: (e.created_at, LEDGER_ORDER[e.kind], str(e.id)))


async def family_allocations(family_id: UUID) -> list[tuple[Allocation, list[AllocationEntry]]]:
    allocations = list(await Allocation.filter(child__family_id=family_id).select_related("child").order_by("-year", "child__first_name"))
    by_allocation: dict[UUID, list[AllocationEntry]] = {a.id: [] for a in allocations}
    for entry in await ledger_entries([a.id for a in allocations]):
        by_allocation[entry.allocation_id].append(entry)
    return [(a, by_allocation[a.id]) for a in allocations]


async def booking_credited(booking_id: UUID) -> bool:
    """Whether a booking's allocation debits were given back (a credit on the ledger)."""
    return await AllocationEntry.filter(booking_id=booking_id, kind=LedgerKind.CREDIT).exists()


async def ledger_totals(allocation_id: UUID) -> tuple[int, int]:
    """The ledger's sums (the source of truth the running balances must equal)."""
    row = (
        await AllocationEntry.filter(allocation_id=allocation_id)
        .annotate(minutes_total=Sum("minutes"), pence_total=Sum("pence"))
        .first()
        .values("minutes_total", "pence_total")
    )
    return int(row["minutes_total"] or 0), int(row["pence_total"] or 0)


async def family_waiting_list(family_id: UUID, *, include_closed: bool = False) -> list[WaitingListEntry]:
    query = WaitingListEntry.filter(family_id=family_id)
    if not include_closed:
        query = query.filter(status__in=list(ACTIVE_WAITING_STATUSES))
    return list(await query.select_related("child", "session__service").order_by("joined_at", "id"))


async def get_family_waiting_entry(family_id: UUID, entry_id: UUID) -> WaitingListEntry:
    entry = await WaitingListEntry.get_or_none(id=entry_id, family_id=family_id)
    if entry is None:
        raise NotFound("Waiting-list entry not found")
    return entry


async def children_in_authorities(authority_ids: list[UUID], child_id: UUID) -> Child:
    child = await Child.get_or_none(id=child_id, local_authority_id__in=authority_ids, erased_at=None)
    if child is None:
        raise NotFound("Child not found")
    return child


async def allocation_in_authorities(authority_ids: list[UUID], allocation_id: UUID) -> Allocation:
    allocation = await Allocation.get_or_none(id=allocation_id, local_authority_id__in=authority_ids)
    if allocation is None:
        raise NotFound("Allocation not found")
    return allocation


async def family_in_authorities(authority_ids: list[UUID], family_id: UUID) -> User:
    from shortbreaks.accounts.enums import Role
    from shortbreaks.accounts.models import Membership

    membership = (
        await Membership.filter(user_id=family_id, role=Role.FAMILY, organisation_id__in=authority_ids).select_related("user").first()
    )
    if membership is None:
        raise NotFound("Family not found")
    return membership.user


async def active_booking_exists(booking_id: UUID) -> bool:
    return await Booking.filter(id=booking_id, status__in=list(ACTIVE_STATUSES)).exists()


async def find_applicants(family_id: UUID, child_ids: list[UUID], *, session: Session) -> list[dict[str, Any]]:
    """The family's children among ``child_ids`` (erased ones left out), each with its allocations
    whose allowance year holds the session's London date and any active place of theirs on
    ``session`` or one overlapping it: rows of ``{"c": Child, "a": Allocation | None, "x":
    BookingChild | None}``, a child once per (allocation, clash) pair (two allocations overlap only
    where an officer's April-to-March grant meets a council's own allowance year).

    Hand-written: every booking and waiting-list request reads this, one joined read instead of
    three through the ORM (bench/README.md).
    """
    marks = ", ".join(f"${i + 6}" for i in range(len(child_ids)))
    return await sql.fetch_models(
        f"SELECT {sql.columns('c', Child)}, {sql.columns('a', Allocation)}, {sql.columns('x', BookingChild)}"  # noqa: S608 — column lists from the models, values are parameters
        " FROM bookings_child c"
        " LEFT JOIN bookings_allocation a ON a.child_id = c.id AND a.starts_on <= $1 AND a.ends_on >= $1"
        " LEFT JOIN bookings_bookingchild x ON x.child_id = c.id AND x.active"
        " AND (x.session_id = $2 OR (x.starts_at < $3 AND x.ends_at > $4))"
        f" WHERE c.family_id = $5 AND c.erased_at IS NULL AND c.id IN ({marks})",
        session.local_date,
        session.id,
        session.ends_at,
        session.starts_at,
        family_id,
        *child_ids,
        models={"c": Child, "a": Allocation, "x": BookingChild},
    )


async def attended_summary_for_services(
    service_ids: list[UUID], *, since: datetime | None = None, until: datetime | None = None
) -> dict[UUID, dict[str, int]]:
    """Per service: distinct ``children``, ``families`` and ``sessions`` attended, and ``respite_minutes``
    (each attending child's session length, in UTC minutes), in one GROUP BY over attended places.
    Services with nothing attended are absent.
    """
    if not service_ids:
        return {}
    query = BookingChild.filter(attendance=Attendance.ATTENDED, booking__service_id__in=service_ids)
    if since is not None:
        query = query.filter(starts_at__gte=since)
    if until is not None:
        query = query.filter(starts_at__lt=until)
    rows = (
        await query.annotate(
            children=Count("child_id", distinct=True),
            families=Count("booking__family_id", distinct=True),
            sessions=Count("session_id", distinct=True),
            respite_minutes=Sum("booking__minutes"),
        )
        .group_by("booking__service_id")
        .values("booking__service_id", "children", "families", "sessions", "respite_minutes")
    )
    return {
        UUID(str(row["booking__service_id"])): {
            "children": int(row["children"]),
            "families": int(row["families"]),
            "sessions": int(row["sessions"]),
            "respite_minutes": int(row["respite_minutes"] or 0),
        }
        for row in rows
    }


async def attended_minutes_by_start(
    service_ids: list[UUID], *, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[UUID, datetime, int]]:
    """``(service id, session start, respite minutes)`` of attended places, one GROUP BY row per service and
    session start, oldest first: what a report buckets into months in its own time zone."""
    if not service_ids:
        return []
    query = BookingChild.filter(attendance=Attendance.ATTENDED, booking__service_id__in=service_ids)
    if since is not None:
        query = query.filter(starts_at__gte=since)
    if until is not None:
        query = query.filter(starts_at__lt=until)
    rows = (
        await query.annotate(respite_minutes=Sum("booking__minutes"))
        .group_by("booking__service_id", "starts_at")
        .order_by("starts_at")
        .values("booking__service_id", "starts_at", "respite_minutes")
    )
    return [(UUID(str(r["booking__service_id"])), _aware(r["starts_at"]), int(r["respite_minutes"] or 0)) for r in rows]


def _aware(value: Any) -> datetime:
    """A datetime from a grouped row: asyncpg gives an aware one, SQLite may give a string."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def export_family_data(family: User) -> dict[str, Any]:
    """Everything we hold about a family, for its own download (JSON-ready)."""
    children = list(await Child.filter(family_id=family.id).order_by("first_name", "id"))
    profiles = {p.child_id: p for p in await CareProfile.filter(child_id__in=[c.id for c in children])}
    bookings = await list_family_bookings(family.id)
    places = await places_by_booking([b.id for b in bookings])
    allocations = await family_allocations(family.id)
    waiting = await family_waiting_list(family.id, include_closed=True)

    def care(child: Child) -> dict[str, str]:
        profile = profiles.get(child.id)
        fields = ("communication", "medical", "dietary", "behaviour_support", "emergency_contact_name", "emergency_contact_phone")
        return {f: getattr(profile, f) for f in fields} if profile else {}

    return {
        "account": {"id": str(family.id), "email": family.email, "display_name": family.display_name},
        "children": [
            {
                "id": str(c.id),
                "first_name": c.first_name,
                "last_name": c.last_name,
                "date_of_birth": c.date_of_birth.isoformat() if c.date_of_birth else None,
                "needs": c.needs,
                "care_profile": care(c),
            }
            for c in children
        ],
        "bookings": [
            {
                "id": str(b.id),
                "reference": b.reference,
                "service": b.service.name,
                "status": b.status.value,
                "starts_at": b.starts_at.isoformat(),
                "ends_at": b.ends_at.isoformat(),
                "late_cancellation": b.late_cancellation,
                "children": [
                    {"child_id": str(p.child_id), "funding": p.funding_source.value, "attendance": p.attendance} for p in places[b.id]
                ],
            }
            for b in bookings
        ],
        "allocations": [
            {
                "id": str(a.id),
                "child_id": str(a.child_id),
                "year": a.year,
                "balance_minutes": a.balance_minutes,
                "balance_pence": a.balance_pence,
                "ledger": [
                    {"kind": e.kind.value, "minutes": e.minutes, "pence": e.pence, "reason": e.reason, "at": e.created_at.isoformat()}
                    for e in entries
                ],
            }
            for a, entries in allocations
        ],
        "waiting_lists": [
            {"session_id": str(w.session_id), "child_id": str(w.child_id), "status": w.status.value, "joined_at": w.joined_at.isoformat()}
            for w in waiting
        ],
    }


CALENDAR_BOOKING_FIELDS = (
    "id",
    "reference",
    "status",
    "created_at",
    "decided_at",
    "cancelled_at",
    "session_id",
    "session__starts_at",
    "session__ends_at",
    "session__status",
    "session__sequence",
    "session__updated_at",
    "service__name",
    "service__what_to_bring",
    "service__updated_at",
    "service__provider__name",
    "service__provider__address",
    "service__provider__postcode",
    "service__provider__contact_email",
    "service__provider__contact_phone",
    "service__provider__updated_at",
)
_LIVE_STATUSES = [*ACTIVE_STATUSES, BookingStatus.ATTENDED, BookingStatus.NO_SHOW]


async def calendar_booking_ids(family_id: UUID, *, changed_since: datetime, child_id: UUID | None = None) -> list[UUID]:
    """The ids of a family's bookings a calendar feed may show (one query on the bookings table alone):
    live bookings, and ended ones (cancelled, declined) changed since ``changed_since``. With
    ``child_id``, only bookings that child is on. :func:`calendar_bookings` then keeps those whose
    session ends late enough.

    Two steps rather than one join, so the plan cannot go wrong: with the family and the session
    window in one query, PostgreSQL guesses the family's row count from the statistics, and when
    they say "a few families hold every booking" (stale, after a burst of bookings, or a new
    database) it hashes the whole sessions table (1M rows: 200 ms). With an id list, it always
    looks the sessions up by primary key.
    """
    # Hand-written (shortbreaks.sql): every feed request starts here.
    statement, values = _calendar_ids_statement(family_id, changed_since=changed_since, child_id=child_id, first=1)
    found = await sql.fetch(statement, *values)
    return [r["id"] if isinstance(r["id"], UUID) else UUID(r["id"]) for r in found]


def _calendar_ids_statement(family_id: UUID, *, changed_since: datetime, child_id: UUID | None, first: int) -> tuple[str, list[Any]]:
    """The ``SELECT`` of :func:`calendar_booking_ids`, its placeholders numbered from ``$first``."""
    values: list[Any] = [family_id, changed_since, *(s.value for s in _LIVE_STATUSES)]
    marks = ", ".join(f"${first + i + 2}" for i in range(len(_LIVE_STATUSES)))
    statement = (
        f"SELECT x.id FROM bookings_booking x WHERE x.family_id = ${first}"  # noqa: S608 — fixed text and numbered placeholders, values are parameters
        f" AND (x.status IN ({marks}) OR x.cancelled_at >= ${first + 1} OR x.decided_at >= ${first + 1})"
    )
    if child_id is not None:
        statement += f" AND x.id IN (SELECT xc.booking_id FROM bookings_bookingchild xc WHERE xc.child_id = ${first + len(values)})"  # noqa: S608 — a numbered placeholder
        values.append(child_id)
    return statement, values


def _on_postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


async def calendar_bookings(booking_ids: list[UUID], *, ends_after: datetime) -> list[dict[str, Any]]:
    """Those of ``booking_ids`` whose session ends after ``ends_after``, with their session, service
    and provider fields (:data:`CALENDAR_BOOKING_FIELDS`), in one query, by session start.

    On PostgreSQL the query is written out with one array parameter and its rows used as asyncpg
    returns them (already ``datetime`` and ``UUID``): the ORM spent 4 ms of CPU building a
    200-placeholder query and converting 4,000 values for a 200-event feed, three times the
    database's time. Elsewhere (SQLite stores datetimes as text) the ORM converts them.
    """
    if not booking_ids:
        return []
    if _on_postgres():
        columns = ", ".join(f'{_calendar_column(f)} AS "{f}"' for f in CALENDAR_BOOKING_FIELDS)
        statement = f"SELECT {columns}{_calendar_from('b.id = ANY($1::uuid[])', '$2', names=False)} ORDER BY s.starts_at, b.id"
        return await sql.fetch(statement, [str(i) for i in booking_ids], ends_after)
    query = Booking.filter(id__in=booking_ids, session__ends_at__gte=ends_after)
    return list(await query.order_by("session__starts_at", "id").values(*CALENDAR_BOOKING_FIELDS))


# Table aliases of the validator's SQL, by the ORM path of CALENDAR_BOOKING_FIELDS (longest first).
_CALENDAR_ALIASES = (("service__provider__", "p"), ("service__", "sv"), ("session__", "s"), ("", "b"))


def _calendar_column(field: str) -> str:
    for prefix, alias in _CALENDAR_ALIASES:
        if field.startswith(prefix):
            return f'{alias}."{field[len(prefix) :]}"'
    raise AssertionError(field)  # pragma: no cover - "" matches every field


# Every value a family feed is written from: CALENDAR_BOOKING_FIELDS, then each child's place
# (id and created_at fix the order of the names) and first name.
_VERSION_COLUMNS = (*(_calendar_column(f) for f in CALENDAR_BOOKING_FIELDS), 'bc."id"', 'bc."created_at"', 'c."first_name"')
# The same values split for PostgreSQL's digest: per booking and child place (with the booking's
# service, to tie the two together), and once per service (with its provider).
_SERVICE_ALIASES = ("sv.", "p.")
_PLACE_VERSION_COLUMNS = (*(c for c in _VERSION_COLUMNS if not c.startswith(_SERVICE_ALIASES)), 'b."service_id"')
_SERVICE_VERSION_COLUMNS = ('sv."id"', *(c for c in _VERSION_COLUMNS if c.startswith(_SERVICE_ALIASES)))
# When a row last changed, for the informational Last-Modified: the booking, its session, service
# and provider, and its children (a renamed child changes the feed).
_CHANGE_COLUMNS = (
    'b."updated_at"',
    'b."created_at"',
    'b."decided_at"',
    'b."cancelled_at"',
    's."updated_at"',
    'sv."updated_at"',
    'p."updated_at"',
    'c."updated_at"',
)


def _calendar_from(ids_match: str, ends_after: str, *, names: bool, services: bool = True) -> str:
    """FROM … WHERE of the calendar rows (and, with ``names``, each child's place and name; without
    ``services``, no service and provider): the same rows as ``Booking.filter(id__in=…,
    session__ends_at__gte=…)`` (every foreign key is NOT NULL).
    """
    sql = f" FROM {Booking._meta.db_table} b JOIN {Session._meta.db_table} s ON s.id = b.session_id"
    if services:
        sql += f" JOIN {Service._meta.db_table} sv ON sv.id = b.service_id JOIN {Provider._meta.db_table} p ON p.id = sv.provider_id"
    if names:
        sql += (
            f" LEFT JOIN {BookingChild._meta.db_table} bc ON bc.booking_id = b.id LEFT JOIN {Child._meta.db_table} c ON c.id = bc.child_id"
        )
    return sql + f" WHERE {ids_match} AND s.ends_at >= {ends_after}"


@dataclass(frozen=True)
class CalendarVersion:
    """A validator for the rows :func:`calendar_bookings` and :func:`first_names_by_booking` return."""

    digest: str
    last_modified: datetime | None


async def family_calendar_version(
    family_id: UUID, *, changed_since: datetime, ends_after: datetime, child_id: UUID | None = None
) -> tuple[CalendarVersion, list[UUID] | None]:
    """A digest of every value a family feed is written from, and the latest change; and the
    feed's booking ids (:func:`calendar_booking_ids`) when they were read.

    The digest covers the rows :func:`calendar_bookings` selects (the same ids and session window)
    with every column of :data:`CALENDAR_BOOKING_FIELDS` (the only values the feed's events read)
    and the children's places and first names, so any change a feed can show changes it, whether
    or not the change touched a timestamp.

    On PostgreSQL one statement, which is all a 304 costs: the database digests the rows into the
    count, the sum and the XOR of two 64-bit hashes of each row (``hash_record_extended``, no text
    formatting: a third of the cost of ``md5`` over the rows as text; a change goes unseen only if
    both 64-bit aggregates collide at once). Bookings, their sessions and children are digested a
    row per child place, with the booking's service id; services and their providers once per
    service, not once per booking (for 200 bookings of one service, 1.08 → 0.84 ms: 199 provider
    lookups and the hashing of 10 columns 199 times saved). The ids go in as ``ARRAY(SELECT …)``,
    an InitPlan run first, so the plan stays primary-key lookups whatever the statistics say about
    the family, and they never travel to Python and back, so they are not returned (``None``): a
    feed that must be built reads them itself. Elsewhere (SQLite) the ids are read first and the
    raw rows digested here (SHA-256).
    """
    if not _on_postgres():
        ids = await calendar_booking_ids(family_id, changed_since=changed_since, child_id=child_id)
        return await _digest_rows_here(ids, ends_after=ends_after), ids
    ids_statement, values = _calendar_ids_statement(family_id, changed_since=changed_since, child_id=child_id, first=2)
    places_from = _calendar_from(f"b.id = ANY(ARRAY({ids_statement}))", "$1", names=True, services=False)
    service_changes = [c for c in _CHANGE_COLUMNS if c.startswith(_SERVICE_ALIASES)]
    place_changes = [c for c in _CHANGE_COLUMNS if not c.startswith(_SERVICE_ALIASES)]
    digest = "count(*) AS n, sum(hash_record_extended(rec, 0)) AS h0, bit_xor(hash_record_extended(rec, 1)) AS h1, max(changed) AS m"
    statement = (
        f"WITH places AS MATERIALIZED (SELECT ROW({', '.join(_PLACE_VERSION_COLUMNS)}) AS rec, b.service_id,"  # noqa: S608 — column lists and table names from the models, values are parameters
        f" greatest({', '.join(place_changes)}) AS changed{places_from}),"
        f" services AS (SELECT ROW({', '.join(_SERVICE_VERSION_COLUMNS)}) AS rec, greatest({', '.join(service_changes)}) AS changed"
        f" FROM {Service._meta.db_table} sv JOIN {Provider._meta.db_table} p ON p.id = sv.provider_id"
        " WHERE sv.id IN (SELECT service_id FROM places))"
        f" SELECT x.n, x.h0, x.h1, y.h0 AS sh0, y.h1 AS sh1, greatest(x.m, y.m) AS last_modified"
        f" FROM (SELECT {digest} FROM places) x, (SELECT {digest} FROM services) y"
    )
    row = (await sql.fetch(statement, ends_after, *values))[0]
    if not row["n"]:
        return CalendarVersion(digest="empty", last_modified=None), None
    digest_value = f"{row['n']}:{row['h0']}:{row['h1']}:{row['sh0']}:{row['sh1']}"
    return CalendarVersion(digest=digest_value, last_modified=row["last_modified"]), None


async def _digest_rows_here(booking_ids: list[UUID], *, ends_after: datetime) -> CalendarVersion:
    """:func:`family_calendar_version` on SQLite: the rows read raw and digested in Python."""
    if not booking_ids:
        return CalendarVersion(digest="empty", last_modified=None)
    # Numbered aliases: the same column names come from several tables.
    selected = ", ".join(f"{column} AS v{n}" for n, column in enumerate((*_VERSION_COLUMNS, *_CHANGE_COLUMNS)))
    statement = f"SELECT {selected}" + _calendar_from("b.id IN (SELECT value FROM json_each($1))", "$2", names=True)  # noqa: S608 — column lists and table names from the models, values are parameters
    ends_after_value = Session._meta.fields_map["ends_at"].to_db_value(ends_after, Session)  # as the ORM stores it
    raw = [tuple(row.values()) for row in await sql.fetch(statement, json.dumps([str(i) for i in booking_ids]), ends_after_value)]
    width = len(_VERSION_COLUMNS)
    records = sorted(repr(r[:width]) for r in raw)
    stamps = [_as_datetime(value) for r in raw for value in r[width:]]
    return CalendarVersion(
        digest=hashlib.sha256("\n".join(records).encode()).hexdigest(),
        last_modified=max((s for s in stamps if s is not None), default=None),
    )


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def get_calendar_booking(family_id: UUID, booking_id: UUID) -> dict[str, Any]:
    """One of the family's bookings with its calendar fields (404 for anyone else's)."""
    rows = await Booking.filter(id=booking_id, family_id=family_id).values(*CALENDAR_BOOKING_FIELDS)
    if not rows:
        raise NotFound("Booking not found")
    return dict(rows[0])


async def first_names_by_booking(booking_ids: list[UUID]) -> dict[UUID, list[str]]:
    """The first names of each booking's children (one query), in a stable order."""
    found: dict[UUID, list[str]] = {}
    if booking_ids and _on_postgres():  # one array parameter, raw rows: see calendar_bookings
        statement = (
            f'SELECT bc.booking_id, c.first_name AS "child__first_name" FROM {BookingChild._meta.db_table} bc'  # noqa: S608 — table names from the models, values are parameters
            f" JOIN {Child._meta.db_table} c ON c.id = bc.child_id WHERE bc.booking_id = ANY($1::uuid[]) ORDER BY bc.created_at, bc.id"
        )
        for row in await sql.fetch(statement, [str(i) for i in booking_ids]):
            found.setdefault(UUID(str(row["booking_id"])), []).append(row["child__first_name"])
    elif booking_ids:
        rows = await BookingChild.filter(booking_id__in=booking_ids).order_by("created_at", "id").values("booking_id", "child__first_name")
        for row in rows:
            found.setdefault(UUID(str(row["booking_id"])), []).append(row["child__first_name"])
    return found


async def first_names_by_session(*, provider_id: UUID, ends_after: datetime) -> dict[UUID, list[str]]:
    """First names of the children holding an active place on each of a provider's sessions ending
    after ``ends_after`` (one query). First names only: never care details.
    """
    rows = (
        await BookingChild.filter(active=True, ends_at__gte=ends_after, booking__service__provider_id=provider_id)
        .order_by("starts_at", "child__first_name", "id")
        .values("session_id", "child__first_name")
    )
    found: dict[UUID, list[str]] = {}
    for row in rows:
        found.setdefault(UUID(str(row["session_id"])), []).append(row["child__first_name"])
    return found


async def debit_allocation(allocation_id: UUID, *, minutes: int, pence: int, conn: BaseDBAsyncClient) -> bool:
    """Take ``minutes`` and ``pence`` from an allocation if its balance covers both, inside the
    caller's transaction (``conn``): whether it did. A state change, hand-written for the booking hot path:
    through the ORM this conditional update cost about 0.2 ms more CPU per booking, and with the
    other two hot ones the rushes ran 15 % slower (bench/README.md, 2026-12-07);
    the credit that gives it back stays in the ORM."""
    debited = await sql.execute(
        "UPDATE bookings_allocation SET balance_minutes = balance_minutes - $1, balance_pence = balance_pence - $2"
        " WHERE id = $3 AND balance_minutes >= $1 AND balance_pence >= $2",
        minutes,
        pence,
        allocation_id,
        using_db=conn,
    )
    return debited > 0


# --- a provider's working day -----------------------------------------------------------------


def _staff_bookings(organisation_ids: list[UUID], *, site_admin: bool) -> Any:
    query = Booking.all()
    if not site_admin:
        query = query.filter(service__provider__organisation_id__in=organisation_ids)
    return query


async def list_requests_waiting(organisation_ids: list[UUID], *, site_admin: bool = False) -> list[Booking]:
    """Bookings waiting for the provider's decision, oldest request first, with their service and session."""
    query = _staff_bookings(organisation_ids, site_admin=site_admin).filter(status=BookingStatus.REQUESTED)
    return list(await query.order_by("created_at", "id").select_related("service", "session"))


async def count_requests_waiting(organisation_ids: list[UUID], *, site_admin: bool = False) -> int:
    return await _staff_bookings(organisation_ids, site_admin=site_admin).filter(status=BookingStatus.REQUESTED).count()


async def list_upcoming_confirmed(
    organisation_ids: list[UUID], *, now: datetime, until: datetime, site_admin: bool = False
) -> list[Booking]:
    """Confirmed bookings starting between ``now`` and ``until``, earliest first."""
    query = _staff_bookings(organisation_ids, site_admin=site_admin).filter(
        status=BookingStatus.CONFIRMED, starts_at__gte=now, starts_at__lt=until
    )
    return list(await query.order_by("starts_at", "created_at").select_related("service"))


async def list_session_waiting_list(session_id: UUID) -> list[WaitingListEntry]:
    """The session's waiting list in the order places are offered (priority, then first to join), with each child."""
    query = WaitingListEntry.filter(session_id=session_id, status__in=list(ACTIVE_WAITING_STATUSES))
    return list(await query.order_by("-priority", "joined_at", "id").select_related("child"))
