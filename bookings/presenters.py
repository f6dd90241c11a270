"""Turn bookings records into the API's output shapes (shared by the API and the pages)."""

from __future__ import annotations

from uuid import UUID

from tortoise.exceptions import DoesNotExist

from bookings import permissions, queries, services
from bookings.enums import ACTIVE_STATUSES
from bookings.models import Allocation, AllocationEntry, Booking, BookingChild, Child, WaitingListEntry
from bookings.schemas import (
    AllocationOut,
    BookingOut,
    CareProfileIn,
    ChildOut,
    FundingOut,
    LedgerEntryOut,
    StaffBookingOut,
    StaffChildOut,
    WaitingEntryOut,
)
from providers import queries as provider_queries
from providers.models import Session
from shortbreaks.errors import NotFound
from shortbreaks.permissions import Principal


async def care_out(child_id: UUID) -> CareProfileIn | None:
    profile = await queries.get_care_profile(child_id)
    if profile is None:
        return None
    return CareProfileIn(
        communication=profile.communication,
        medical=profile.medical,
        dietary=profile.dietary,
        behaviour_support=profile.behaviour_support,
        emergency_contact_name=profile.emergency_contact_name,
        emergency_contact_phone=profile.emergency_contact_phone,
    )


async def child_out(child: Child, *, with_care: bool = True) -> ChildOut:
    return ChildOut(
        id=child.id,
        first_name=child.first_name,
        last_name=child.last_name,
        date_of_birth=child.date_of_birth,
        needs=list(child.needs),
        care_profile=await care_out(child.id) if with_care else None,
    )


def booking_out(booking: Booking, places: list[BookingChild]) -> BookingOut:
    return BookingOut(
        id=booking.id,
        reference=booking.reference,
        status=booking.status,
        session_id=booking.session_id,
        service_id=booking.service_id,
        service_name=booking.service.name,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        child_ids=[p.child_id for p in places],
        funding=[
            FundingOut(
                child_id=p.child_id,
                source=p.funding_source,
                allocation_id=p.allocation_id,
                minutes=p.debited_minutes,
                pence=p.debited_pence,
            )
            for p in places
        ],
        late_cancellation=booking.late_cancellation,
        reason=booking.reason,
        cancellation_deadline=services.cancellation_deadline(booking.starts_at, booking.service.cancellation_notice_hours),
    )


async def bookings_out(bookings: list[Booking]) -> list[BookingOut]:
    places = await queries.places_by_booking([b.id for b in bookings])
    return [booking_out(b, places[b.id]) for b in bookings]


def entry_out(entry: WaitingListEntry) -> WaitingEntryOut:
    return WaitingEntryOut(
        id=entry.id,
        session_id=entry.session_id,
        child_id=entry.child_id,
        status=entry.status,
        priority=entry.priority,
        joined_at=entry.joined_at,
        offer_expires_at=entry.offer_expires_at,
        booking_id=entry.booking_id,
    )


def allocation_out(allocation: Allocation, entries: list[AllocationEntry]) -> AllocationOut:
    return AllocationOut(
        id=allocation.id,
        child_id=allocation.child_id,
        year=allocation.year,
        in_minutes=allocation.in_minutes,
        in_pence=allocation.in_pence,
        balance_minutes=allocation.balance_minutes,
        balance_pence=allocation.balance_pence,
        ledger=[
            LedgerEntryOut(
                kind=e.kind,
                minutes=e.minutes,
                pence=e.pence,
                reason=e.reason,
                booking_id=e.booking_id,
                created_at=e.created_at,
            )
            for e in entries
        ],
    )


async def staff_booking_out(booking: Booking) -> StaffBookingOut:
    """Name, age and care profile only while the booking is requested or confirmed; afterwards the register's needs."""
    places = (await queries.places_by_booking([booking.id]))[booking.id]
    active = booking.status in ACTIVE_STATUSES
    children = []
    for place in places:
        child = place.child
        age = services.age_on(child.date_of_birth, booking.starts_at.date()) if child.date_of_birth and active else None
        children.append(
            StaffChildOut(
                child_id=child.id,
                name=child.name,
                age=age,
                attendance=place.attendance,
                care_profile=await care_out(child.id) if active else None,
            )
        )
    return StaffBookingOut(
        id=booking.id,
        reference=booking.reference,
        status=booking.status,
        session_id=booking.session_id,
        starts_at=booking.starts_at,
        children=children,
    )


def home_authority(principal: Principal) -> UUID:
    authority = permissions.home_authority_id(principal)
    if authority is None:
        raise NotFound()
    return authority


async def staff_session(principal: Principal, session_id: UUID) -> Session:
    try:
        session = await provider_queries.get_session_for_booking(session_id)
    except DoesNotExist:
        raise NotFound("Session not found") from None
    if not permissions.can_act_for_provider(principal, session.service.provider.organisation_id):
        raise NotFound("Session not found")
    return session


async def staff_booking(principal: Principal, booking_id: UUID) -> Booking:
    return await queries.get_staff_booking(permissions.staff_organisation_ids(principal), booking_id, site_admin=principal.is_site_admin)


# What a ledger line's stored reason says after the booking's reference, in a family's words.
_LEDGER_REASONS = {
    "cancelled_by_family": "given back: you cancelled booking {ref}",
    "cancelled_by_provider": "given back: the provider cancelled booking {ref}",
    "declined": "given back: the provider declined booking {ref}",
    "released": "given back: booking {ref} was not paid for in time",
    "paid late": "used for booking {ref}",
}


def ledger_description(entry: AllocationEntry) -> str:
    """A ledger line as a family reads it: "Used for booking SB-6DPT-SM", "Given back: you
    cancelled booking SB-6DPT-SM", "Given by the council: Annual allocation".

    Lines about a booking store its reference and a machine word ("SB-6DPT-SM cancelled_by_family");
    the status words must not reach the page.
    """
    reason = (entry.reason or "").strip()
    if entry.kind.value == "grant":
        return "Given by the council" + (f": {reason}" if reason else "")
    if entry.kind.value == "adjustment":
        return "Changed by the council" + (f": {reason}" if reason else "")
    ref, _, rest = reason.partition(" ")
    if not ref.startswith("SB-"):
        return ("Used" if entry.kind.value == "debit" else "Given back") + (f": {reason}" if reason else "")
    if rest in _LEDGER_REASONS:
        text = _LEDGER_REASONS[rest].format(ref=ref)
        return text[:1].upper() + text[1:]
    if entry.kind.value == "debit":
        return f"Used for booking {ref}"
    return f"Given back from booking {ref}"
