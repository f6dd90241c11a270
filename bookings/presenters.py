"""Turn bookings records into the API's output shapes (shared by the API and the pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from tortoise.exceptions import DoesNotExist

from bookings import permissions, queries, services
from bookings.enums import ACTIVE_STATUSES, BookingStatus, LedgerKind, WaitingStatus
from bookings.errors import AllocationNotForService, AllocationRequired
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
from providers.enums import Need
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
        starts_on=allocation.starts_on,
        ends_on=allocation.ends_on,
        period=services.period_text(allocation.starts_on, allocation.ends_on),
        tier_code=allocation.tier_code,
        service_kinds=list(allocation.service_kinds),
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
_GIVEN_BACK = {
    "cancelled_by_family": "Given back: you cancelled booking {ref}",
    "cancelled_by_provider": "Given back: the provider cancelled booking {ref}",
    "declined": "Given back: the provider declined booking {ref}",
    "released": "Given back: booking {ref} was not paid for in time",
}


def ledger_description(entry: AllocationEntry) -> str:
    """A ledger line as a family reads it: "Grant: Annual short breaks", "Spent: SB-6DPT-SM",
    "Given back: you cancelled booking SB-6DPT-SM".

    Lines about a booking store its reference and a machine word ("SB-6DPT-SM cancelled_by_family");
    the status words must not reach the page.
    """
    reason = (entry.reason or "").strip()
    if entry.kind == LedgerKind.CREDIT:
        ref, _, rest = reason.partition(" ")
        if rest in _GIVEN_BACK:
            return _GIVEN_BACK[rest].format(ref=ref)
        return f"Given back: {reason}" if reason else "Given back"
    label = "Spent" if entry.kind == LedgerKind.DEBIT else entry.kind.value.capitalize()
    return f"{label}: {reason}" if reason else label


# --- the booking page: what this family can do for this session ------------------------------


class Route(StrEnum):
    """How a child's place on a session can be paid for, as the booking page tells the family."""

    ALLOCATION = "allocation"  # the child's allocation covers it
    SHORT = "short"  # the child has an allocation, but not enough left
    PAY = "pay"  # the family pays online
    FREE = "free"  # nothing for the family to pay (a free, grant-funded or council-paid service)
    CONTACT = "contact"  # no allocation, and online payment is not available: ask the council or the provider
    NEEDS_ALLOCATION = "needs_allocation"  # the service is only for children with an allocation, and this child has none
    NOT_COVERED = "not_covered"  # the child's allocation does not pay for this kind of break


@dataclass(frozen=True)
class ChildOption:
    child: Child
    route: Route
    allocation: Allocation | None = None
    minutes: int = 0  # what the allocation pays
    pence: int = 0
    pay_pence: int = 0  # what the family pays online
    why: str = ""  # why the child cannot be booked here (the rule that refuses it)

    @property
    def can_book(self) -> bool:
        return self.route in (Route.ALLOCATION, Route.PAY, Route.FREE)

    @property
    def minutes_after(self) -> int:
        return self.allocation.balance_minutes - self.minutes if self.allocation else 0

    @property
    def pence_after(self) -> int:
        return self.allocation.balance_pence - self.pence if self.allocation else 0


@dataclass(frozen=True)
class BookingChoices:
    options: list[ChildOption]
    booked: list[Child]  # already on this session: not offered again
    needs_allocation: bool  # the service is only for children with a council allocation (targeted or specialist)

    @property
    def bookable(self) -> list[ChildOption]:
        return [o for o in self.options if o.can_book]

    @property
    def stuck(self) -> list[ChildOption]:
        """Children with no way to book here yet: the page says how to get an allocation or contact the provider."""
        return [o for o in self.options if not o.can_book]


async def booking_choices(family_id: UUID, session: Session, *, online_payment: bool) -> BookingChoices:
    """For each of the family's children, how a place on ``session`` would be paid for, as
    :func:`bookings.services.book_places` plans it (:func:`bookings.services.fund_place`, the same
    rules): the allocation when the child has one whose allowance year holds the session's date and
    that pays for this kind of break (enough left, or not), else nothing to pay
    (:func:`bookings.services.family_pays`), else the family pays online when online payment is set
    up, else no way to book yet. A service only for children with an allocation
    (:func:`bookings.services.needs_allocation`) offers nothing else: a child without one (or with
    one that does not pay for it) is told why."""
    children = await queries.list_children(family_id)
    ids = [c.id for c in children]
    allocations = await services.read_allocations(ids, session)
    booked_ids = set(await BookingChild.filter(session_id=session.id, child_id__in=ids, active=True).values_list("child_id", flat=True))
    family_pays = services.family_pays(session)
    options = []
    for child in (c for c in children if c.id not in booked_ids):
        try:
            item = services.fund_place(child, allocations.get(child.id), session, funding=None)
        except AllocationNotForService as exc:
            options.append(ChildOption(child, Route.NOT_COVERED, allocations.get(child.id), why=exc.message))
            continue
        except AllocationRequired as exc:
            options.append(ChildOption(child, Route.NEEDS_ALLOCATION, why=exc.message))
            continue
        allocation = item.allocation
        if allocation is not None:
            enough = allocation.balance_minutes >= item.minutes and allocation.balance_pence >= item.pence
            options.append(ChildOption(child, Route.ALLOCATION if enough else Route.SHORT, allocation, item.minutes, item.pence))
        elif not family_pays:
            options.append(ChildOption(child, Route.FREE))
        elif online_payment:
            options.append(ChildOption(child, Route.PAY, pay_pence=session.service.price_pence))
        else:
            options.append(ChildOption(child, Route.CONTACT))
    return BookingChoices(options, [c for c in children if c.id in booked_ids], services.needs_allocation(session.service))


class AllocationUse(StrEnum):
    """What happened to the allocation a booking used, in the family's words."""

    HELD = "held"  # debited while the booking waits for the provider (or a payment): given back if it does not go ahead
    SPENT = "spent"
    RETURNED = "returned"


def allocation_use(booking: Booking, *, credited: bool) -> AllocationUse:
    """A requested or held booking's allocation is held, not spent; an ended one's was given back
    when the ledger credited it (a late cancellation may keep it spent)."""
    if credited:
        return AllocationUse.RETURNED
    if booking.status in (BookingStatus.REQUESTED, BookingStatus.HELD):
        return AllocationUse.HELD
    return AllocationUse.SPENT


# --- the family's allocations page ---------------------------------------------------------------

WAITING_STATUSES = frozenset({BookingStatus.REQUESTED, BookingStatus.HELD})


@dataclass(frozen=True)
class LedgerLine:
    """One line of an allocation's history as the family reads it: a debit for a booking still
    waiting for the provider (or for a payment) is *held*, not spent, until the booking goes ahead."""

    entry: AllocationEntry
    label: str
    held: bool = False


def ledger_lines(entries: list[AllocationEntry]) -> list[LedgerLine]:
    """``entries`` in date order (:func:`bookings.queries.ledger_entries`), each with its booking loaded."""
    lines = []
    for entry in entries:
        booking = entry.booking if entry.booking_id else None
        if entry.kind == LedgerKind.DEBIT and booking is not None and booking.status in WAITING_STATUSES:
            waiting_for = "the provider to confirm" if booking.status == BookingStatus.REQUESTED else "your payment"
            lines.append(LedgerLine(entry, f"Held: {entry.reason}, waiting for {waiting_for}", held=True))
        else:
            lines.append(LedgerLine(entry, ledger_description(entry)))
    return lines


def held_amounts(lines: list[LedgerLine]) -> tuple[int, int]:
    """Minutes and pence held for bookings waiting for the provider (debits are negative)."""
    return -sum(line.entry.minutes for line in lines if line.held), -sum(line.entry.pence for line in lines if line.held)


# --- a provider's working day -----------------------------------------------------------------


def waited(since: datetime, now: datetime) -> str:
    """How long a request has waited, in words: "3 days", "5 hours", "under an hour"."""
    return in_words(now - since)


def in_words(elapsed: timedelta) -> str:
    """A duration in words: "3 days", "5 hours", "under an hour"."""
    if elapsed >= timedelta(days=2):
        return f"{elapsed.days} days"
    hours = int(elapsed.total_seconds() // 3600)
    if hours >= 1:
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "under an hour"


@dataclass(frozen=True)
class PendingRequest:
    """A booking waiting for the provider's decision, as the provider's bookings page shows it."""

    booking: StaffBookingOut
    service_name: str
    session_id: UUID
    requested_at: datetime
    waited: str
    needs: dict[UUID, list[str]]
    # The service's response target, and how far past it the request is (None: within it).
    target_hours: int
    late_by: str | None


def _late_by(booking: Booking, now: datetime) -> str | None:
    """How long a request has waited past its service's response target, in words; None within it."""
    late = now - booking.created_at - timedelta(hours=booking.service.response_target_hours)
    return in_words(late) if late > timedelta(0) else None


async def requests_out(bookings: list[Booking], *, now: datetime) -> list[PendingRequest]:
    """Each request with its children's names, ages, needs and care profile (a requested booking is active)."""
    children = await queries.places_by_booking([b.id for b in bookings])
    labels = {n.value: n.label for n in Need}
    out = []
    for booking in bookings:
        needs = {p.child.id: [labels.get(code, code) for code in p.child.needs] for p in children.get(booking.id, [])}
        out.append(
            PendingRequest(
                booking=await staff_booking_out(booking),
                service_name=booking.service.name,
                session_id=booking.session_id,
                requested_at=booking.created_at,
                waited=waited(booking.created_at, now),
                needs=needs,
                target_hours=booking.service.response_target_hours,
                late_by=_late_by(booking, now),
            )
        )
    return out


@dataclass(frozen=True)
class WaitingChild:
    """A child on a session's waiting list, as the register shows it: first name and age only."""

    position: int
    first_name: str
    age: int | None
    offered: bool
    joined_at: datetime
    offer_expires_at: datetime | None


async def waiting_list_out(session: Session) -> list[WaitingChild]:
    entries = await queries.list_session_waiting_list(session.id)
    return [
        WaitingChild(
            position=i,
            first_name=e.child.first_name,
            age=services.age_on(e.child.date_of_birth, session.local_date) if e.child.date_of_birth else None,
            offered=e.status == WaitingStatus.OFFERED,
            joined_at=e.joined_at,
            offer_expires_at=e.offer_expires_at,
        )
        for i, e in enumerate(entries, start=1)
    ]
