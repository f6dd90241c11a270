"""Named read queries for bookings. Family-facing lookups filter by the family, so someone else's
record is simply not found (404). Aggregates are computed in SQL.

For calendar feeds (added from the feeds branch): ``calendar_bookings`` (a family's bookings with
their session, service and provider fields, one query), ``first_names_by_booking`` and
``first_names_by_session`` (children's first names only, one query each; never care details).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from tortoise.expressions import Q, Subquery
from tortoise.functions import Count, Sum

from bookings.enums import ACTIVE_STATUSES, ACTIVE_WAITING_STATUSES, Attendance, BookingStatus
from bookings.models import Allocation, AllocationEntry, Booking, BookingChild, CareProfile, Child, WaitingListEntry
from shortbreaks.accounts.models import User
from shortbreaks.errors import NotFound


async def list_children(family_id: UUID) -> list[Child]:
    return list(await Child.filter(family_id=family_id, erased_at=None).order_by("first_name", "id"))


async def get_family_child(family_id: UUID, child_id: UUID) -> Child:
    child = await Child.get_or_none(id=child_id, family_id=family_id, erased_at=None)
    if child is None:
        raise NotFound("Child not found")
    return child


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
            found[place.booking_id].append(place)  # type: ignore[attr-defined]  # Tortoise FK id
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


async def family_allocations(family_id: UUID) -> list[tuple[Allocation, list[AllocationEntry]]]:
    allocations = list(await Allocation.filter(child__family_id=family_id).select_related("child").order_by("-year", "child__first_name"))
    entries = await AllocationEntry.filter(allocation_id__in=[a.id for a in allocations]).order_by("created_at", "id")
    by_allocation: dict[UUID, list[AllocationEntry]] = {a.id: [] for a in allocations}
    for entry in entries:
        by_allocation[entry.allocation_id].append(entry)  # type: ignore[attr-defined]  # Tortoise FK id
    return [(a, by_allocation[a.id]) for a in allocations]


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


async def export_family_data(family: User) -> dict[str, Any]:
    """Everything we hold about a family, for its own download (JSON-ready)."""
    children = list(await Child.filter(family_id=family.id).order_by("first_name", "id"))
    profiles = {p.child_id: p for p in await CareProfile.filter(child_id__in=[c.id for c in children])}  # type: ignore[attr-defined]
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
                    {"child_id": str(p.child_id), "funding": p.funding_source.value, "attendance": p.attendance}  # type: ignore[attr-defined]
                    for p in places[b.id]
                ],
            }
            for b in bookings
        ],
        "allocations": [
            {
                "id": str(a.id),
                "child_id": str(a.child_id),  # type: ignore[attr-defined]
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
            {"session_id": str(w.session_id), "child_id": str(w.child_id), "status": w.status.value, "joined_at": w.joined_at.isoformat()}  # type: ignore[attr-defined]
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


async def calendar_bookings(
    family_id: UUID, *, ends_after: datetime, changed_since: datetime, child_id: UUID | None = None
) -> list[dict[str, Any]]:
    """A family's bookings for its calendar feed, in one query: live bookings whose session ends
    after ``ends_after``, and ended ones (cancelled, declined) changed since ``changed_since``.
    With ``child_id``, only bookings that child is on.
    """
    query = Booking.filter(family_id=family_id, session__ends_at__gte=ends_after).filter(
        Q(status__in=_LIVE_STATUSES) | Q(cancelled_at__gte=changed_since) | Q(decided_at__gte=changed_since)
    )
    if child_id is not None:
        query = query.filter(id__in=Subquery(BookingChild.filter(child_id=child_id).values("booking_id")))
    return list(await query.order_by("session__starts_at", "id").values(*CALENDAR_BOOKING_FIELDS))


async def get_calendar_booking(family_id: UUID, booking_id: UUID) -> dict[str, Any]:
    """One of the family's bookings with its calendar fields (404 for anyone else's)."""
    rows = await Booking.filter(id=booking_id, family_id=family_id).values(*CALENDAR_BOOKING_FIELDS)
    if not rows:
        raise NotFound("Booking not found")
    return dict(rows[0])


async def first_names_by_booking(booking_ids: list[UUID]) -> dict[UUID, list[str]]:
    """The first names of each booking's children (one query), in a stable order."""
    found: dict[UUID, list[str]] = {}
    if booking_ids:
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
