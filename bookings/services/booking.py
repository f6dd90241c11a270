"""Booking places: one or more of a family's children onto a session, all or none.

Capacity is kept by the database: the places are taken by ``providers.services.take_places`` (a
conditional UPDATE) as the transaction's last statement, allocations are debited with a conditional
UPDATE guarded by a CHECK >= 0, and a child's places are kept unique per session and
non-overlapping by a partial unique index and an exclusion constraint (a trigger on SQLite).
Violations that reach the database become the same 409 problems as the checks in Python.

The private helpers here (planning the funding, loading the applicants, writing the booking) are
shared with :mod:`bookings.services.waiting_list`, whose accepted offers become bookings too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bookings import notifications, queries
from bookings.enums import BookingStatus, FundingSource, LedgerKind
from bookings.errors import (
    AllocationInsufficient,
    AllocationNotForService,
    AllocationRequired,
    DuplicateBooking,
    OutsideAgeRange,
    OverlappingBooking,
    SessionFull,
)
from bookings.models import Allocation, AllocationEntry, Booking, BookingChild, Child
from bookings.payments import records as payment_records
from bookings.payments.errors import OnlinePaymentUnavailable
from bookings.services.allocations import _debit
from bookings.services.common import _get_session, _with_retries
from bookings.services.rules import (
    check_bookable,
    covers,
    kind_label,
    needs_allocation,
    new_reference,
    outside_age_range,
    pick_allocation,
    session_minutes,
)
from providers import services as provider_services
from providers.enums import BookingMode, FundingRoute, ServiceKind
from providers.models import Service, Session
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import require_verified_email
from shortbreaks.errors import FieldError, NotFound, ValidationFailed
from shortbreaks.models import OutboxMessage


@dataclass
class PlanItem:
    """How one child's place is paid for: its allocation (``minutes`` and ``pence`` of it) or the family."""

    child: Child
    source: FundingSource
    allocation: Allocation | None
    minutes: int
    pence: int


def fund_place(child: Child, allocation: Allocation | None, session: Session, *, funding: FundingSource | None) -> PlanItem:
    """How one child's place on ``session`` is paid for, or the rule that refuses it.

    ``allocation``: the child's allocation whose allowance year holds the session's date
    (:func:`~bookings.services.rules.pick_allocation`). An allocation pays only for the kinds of
    break its tier lists (:func:`~bookings.services.rules.covers`); a service for children with an
    allocation (:func:`~bookings.services.rules.needs_allocation`) cannot be paid for by the family.
    Raises ``AllocationRequired`` or ``AllocationNotForService`` (422, naming the child and why).
    """
    service = session.service
    targeted = needs_allocation(service)
    usable = allocation if allocation is not None and covers(allocation, service) else None
    day = session.local_date
    if funding is FundingSource.FAMILY or (funding is None and usable is None):
        if not targeted:
            return PlanItem(child, FundingSource.FAMILY, None, 0, 0)
        if allocation is not None and funding is None:
            raise _not_covered(child, allocation, service)
        if funding is FundingSource.FAMILY:
            message = f"{service.name} is only for children with a council short breaks allocation, so it cannot be paid for by the family"
        else:
            message = (
                f"{service.name} is only for children with a council short breaks allocation,"
                f" and {child.first_name} has none for {_day(day)}"
            )
        # The family asked to pay (an API field), or the child has none (the children chosen, on the booking page).
        raise AllocationRequired(message, errors=[FieldError("funding" if funding is FundingSource.FAMILY else "child_ids", message)])
    if allocation is None:
        raise ValidationFailed.field("funding", f"{child.first_name} has no short breaks allocation for {_day(day)}")
    if usable is None:
        raise _not_covered(child, allocation, service)
    return PlanItem(
        child,
        FundingSource.ALLOCATION,
        usable,
        session_minutes(session.starts_at, session.ends_at) if usable.in_minutes else 0,
        service.price_pence if usable.in_pence else 0,
    )


def _not_covered(child: Child, allocation: Allocation, service: Service) -> AllocationNotForService:
    kinds = ", ".join(kind_label_of(k) for k in allocation.service_kinds)
    message = f"{child.first_name}'s allocation pays for {kinds} only, not {kind_label(service).lower()} ({service.name})"
    return AllocationNotForService(message, errors=[FieldError("child_ids", message)])


def _day(day: date) -> str:
    """ "Saturday 31 January 2027"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def kind_label_of(kind: str) -> str:
    try:
        return ServiceKind(kind).label.lower()
    except ValueError:
        return kind


async def read_allocations(child_ids: list[UUID], session: Session, *, conn: BaseDBAsyncClient | None = None) -> dict[UUID, Allocation]:
    """The children's allocations for ``session`` by child id (:func:`~bookings.services.rules.pick_allocation`):
    one read of those whose allowance year holds the session's London date."""
    day = session.local_date
    found: dict[UUID, list[Allocation]] = {}
    for a in await Allocation.filter(child_id__in=child_ids, starts_on__lte=day, ends_on__gte=day).using_db(conn):
        found.setdefault(a.child_id, []).append(a)
    picked = {cid: pick_allocation(rows, session) for cid, rows in found.items()}
    return {cid: a for cid, a in picked.items() if a is not None}


async def plan_funding(
    children: list[Child],
    session: Session,
    *,
    funding: FundingSource | None,
    conn: BaseDBAsyncClient | None = None,
    allocations: dict[UUID, Allocation] | None = None,
) -> list[PlanItem]:
    """How each child's place is paid for (:func:`fund_place`). ``allocations``: the children's
    allocations for the session's allowance year by child id, when the caller has read them already."""
    if allocations is None:
        allocations = await read_allocations([c.id for c in children], session, conn=conn)
    return [fund_place(child, allocations.get(child.id), session, funding=funding) for child in children]


def family_pays(session: Session) -> bool:
    """Whether a child not covered by an allocation costs the family the price: a grant-funded or
    council-only service (or a free one) charges nothing."""
    service = session.service
    return service.price_pence > 0 and FundingRoute.FAMILY_PAYS in service.funding_routes


def payment_due(plan: list[PlanItem], session: Session) -> int:
    """Pence the family pays online: the price for each child not covered by an allocation, when
    :func:`family_pays`."""
    if not family_pays(session):
        return 0
    return session.service.price_pence * sum(1 for item in plan if item.source is FundingSource.FAMILY)


async def _open_payment(
    booking: Booking, plan: list[PlanItem], session: Session, *, payment_hold: timedelta | None, now: datetime, conn: BaseDBAsyncClient
) -> None:
    due = payment_due(plan, session)
    if due and payment_hold is not None:
        await payment_records.open_payment(booking, amount_pence=due, hold=payment_hold, now=now, conn=conn)


def _check_payable(plan: list[PlanItem], session: Session, payment_hold: timedelta | None) -> bool:
    """Whether the booking must be held for a payment; refuses when online payment is not set up."""
    due = payment_due(plan, session)
    if due and payment_hold is None:
        raise OnlinePaymentUnavailable()
    return bool(due)


def _check_child_ids(child_ids: list[UUID]) -> None:
    if not child_ids:
        raise ValidationFailed.field("child_ids", "Choose at least one child")
    if len(set(child_ids)) != len(child_ids):
        raise ValidationFailed.field("child_ids", "Each child can be booked once")


async def _load_children(family: User, child_ids: list[UUID]) -> list[Child]:
    _check_child_ids(child_ids)
    children = await Child.filter(id__in=child_ids, family_id=family.id, erased_at=None)
    if len(children) != len(child_ids):
        raise NotFound("Child not found")
    order = {cid: i for i, cid in enumerate(child_ids)}
    return sorted(children, key=lambda c: order[c.id])


@dataclass
class _Applicants:
    """The children asking for places on a session, read in one go by :func:`_load_applicants`."""

    children: list[Child]
    allocations: dict[UUID, Allocation]  # by child id, for the session's allowance year
    clashes: list[tuple[UUID, UUID]]  # (session id, child id) of their active places on this session or one overlapping it


async def _load_applicants(family: User, child_ids: list[UUID], session: Session) -> _Applicants:
    """:func:`_load_children`, their allocations for the session's allowance year and their clashing
    places in one joined read: the booking and waiting-list hot path (bench/README.md)."""
    _check_child_ids(child_ids)
    rows = await queries.find_applicants(family.id, child_ids, session=session)
    found = {row["c"].id: row for row in rows}
    if len(found) != len(child_ids):
        raise NotFound("Child not found")
    held: dict[UUID, dict[UUID, Allocation]] = {}
    for row in rows:
        if row["a"] is not None:
            held.setdefault(row["c"].id, {})[row["a"].id] = row["a"]
    picked = {cid: pick_allocation(list(by_id.values()), session) for cid, by_id in held.items()}
    return _Applicants(
        children=[found[cid]["c"] for cid in child_ids],
        allocations={cid: a for cid, a in picked.items() if a is not None},
        clashes=list(dict.fromkeys((row["x"].session_id, row["x"].child_id) for row in rows if row["x"] is not None)),
    )


def _names(names: list[str]) -> str:
    """``["Aarav"]`` → ``Aarav``; ``["Aarav", "Anika", "Ravi"]`` → ``Aarav, Anika and Ravi``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def already_booked(names: list[str]) -> DuplicateBooking:
    """ "Aarav is already booked on this session", naming the children (the form's children field)."""
    message = f"{_names(names)} {'is' if len(names) == 1 else 'are'} already booked on this session"
    return DuplicateBooking(message, errors=[FieldError("child_ids", message)])


async def _already_booked(child_ids: list[UUID], session_id: UUID, *, family_id: UUID | None = None) -> DuplicateBooking | None:
    """The error naming which of ``child_ids`` (of ``family_id``'s) hold an active place on the session, or None."""
    query = Child.filter(id__in=child_ids, places__session_id=session_id, places__active=True)
    if family_id is not None:
        query = query.filter(family_id=family_id)
    names = await query.order_by("first_name")
    return already_booked(list(dict.fromkeys(c.first_name for c in names))) if names else None


async def _precheck_children(
    children: list[Child], session: Session, *, allow_age_override: bool, clashes: list[tuple[UUID, UUID]] | None = None
) -> None:
    """No child already on this session or one overlapping it, and each in the age range.
    ``clashes``: their clashing places' (session id, child id), when :func:`_load_applicants` read them."""
    if clashes is None:
        # One query for both rules: an active place on this session, or on one that overlaps it.
        clashes = cast(
            "list[tuple[UUID, UUID]]",
            await BookingChild.filter(
                Q(session_id=session.id) | Q(starts_at__lt=session.ends_at, ends_at__gt=session.starts_at),
                child_id__in=[c.id for c in children],
                active=True,
            )
            .limit(len(children) + 1)
            .values_list("session_id", "child_id"),
        )
    on_session = {child_id for session_id, child_id in clashes if session_id == session.id}
    if on_session:
        raise already_booked([c.first_name for c in children if c.id in on_session])
    if clashes:
        raise OverlappingBooking("A child is already booked on a session at an overlapping time")
    for child in children:
        if outside_age_range(child, session) and not allow_age_override:
            service = session.service
            raise OutsideAgeRange(
                f"{child.first_name} is outside the age range for {service.name} ({service.min_age} to {service.max_age})",
                errors=[FieldError("child_ids", f"{child.first_name} is outside the age range ({service.min_age} to {service.max_age})")],
            )


async def _insert_booking(
    family: User,
    session: Session,
    plan: list[PlanItem],
    *,
    now: datetime,
    conn: BaseDBAsyncClient,
    held: bool = False,
) -> tuple[Booking, list[BookingChild]]:
    """Inside the caller's transaction: debit allocations and write the booking. A new booking's
    caller then takes the places with :func:`_take_places` as its last statement; an accepted
    waiting-list offer already holds its place.

    ``held``: the family still has to pay, so the booking is held until the payment arrives.
    Returns the booking with its ``service`` set and its places (children loaded).
    """
    for item in plan:
        if item.allocation is None or not (item.minutes or item.pence):
            continue
        if not await _debit(item.allocation.id, minutes=item.minutes, pence=item.pence, conn=conn):
            raise AllocationInsufficient(f"{item.child.first_name}'s allocation does not cover this booking")
    service = session.service
    instant = service.booking_mode == BookingMode.INSTANT
    status = BookingStatus.HELD if held else BookingStatus.CONFIRMED if instant else BookingStatus.REQUESTED
    booking = await Booking.create(
        reference=new_reference(),
        family_id=family.id,
        session_id=session.id,
        service_id=service.id,
        status=status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        minutes=session_minutes(session.starts_at, session.ends_at),
        price_pence=service.price_pence,
        decided_at=now if instant and not held else None,
        created_at=now,  # the request's moment on the service's clock: how long it has waited is counted from it
        using_db=conn,
    )
    booking.service = service
    places = []
    for item in plan:
        place = await BookingChild.create(
            booking=booking,
            child_id=item.child.id,
            session_id=session.id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            active=True,
            funding_source=item.source,
            allocation_id=item.allocation.id if item.allocation else None,
            debited_minutes=item.minutes,
            debited_pence=item.pence,
            using_db=conn,
        )
        place.child = item.child
        places.append(place)
        if item.allocation is not None and (item.minutes or item.pence):
            await AllocationEntry.create(
                allocation_id=item.allocation.id,
                kind=LedgerKind.DEBIT,
                minutes=-item.minutes,
                pence=-item.pence,
                booking_id=booking.id,
                reason=booking.reference,
                actor_id=family.id,
                created_at=now,
                using_db=conn,
            )
    await audit.record(
        "bookings.booking.created",
        actor=family,
        record_type="booking",
        record_id=booking.id,
        now=now,
        after={
            "reference": booking.reference,
            "status": booking.status,
            "session_id": session.id,
            "child_ids": [item.child.id for item in plan],
            "funding": [item.source for item in plan],
        },
        using_db=conn,
    )
    return booking, places


async def _take_places(session: Session, count: int, *, conn: BaseDBAsyncClient) -> None:
    """The conditional UPDATE that takes the places, as the transaction's last statement.

    Last, so the session's row is locked only from here to COMMIT rather than across every insert:
    in a rush hundreds of bookings queue on a few sessions' rows, and that lock is what they queue
    for. When the places are gone it raises ``SessionFull`` and the transaction rolls back
    everything written before it.
    """
    if not await provider_services.take_places(session.id, count, using_db=conn):
        raise SessionFull()


async def create_booking(
    family: User,
    *,
    session_id: UUID,
    child_ids: list[UUID],
    now: datetime,
    funding: FundingSource | None = None,
    payment_hold: timedelta | None = None,
) -> Booking:
    """Book one or more of a family's children onto a session, all or none (see :func:`book_places`)."""
    booking, _ = await book_places(family, session_id=session_id, child_ids=child_ids, now=now, funding=funding, payment_hold=payment_hold)
    return booking


async def book_places(
    family: User,
    *,
    session_id: UUID,
    child_ids: list[UUID],
    now: datetime,
    funding: FundingSource | None = None,
    payment_hold: timedelta | None = None,
) -> tuple[Booking, list[BookingChild]]:
    """Book one or more of a family's children onto a session, all or none; the booking (its
    ``service`` and ``session`` set) and its places (their ``child`` set), so a caller can show it
    without loading it again.

    Confirmed at once for instant services; requested for approval services (a child outside
    the age range may be requested there, and the provider decides). Raises ``SessionFull``
    (409 ``session_full``) when the places are gone, with nothing changed, and ``EmailNotVerified``
    (403) for a family that has not confirmed its email address yet.

    When the family has to pay (:func:`payment_due`), the booking is ``held`` for
    ``payment_hold`` with a pending payment and no email yet; without ``payment_hold`` (online
    payment not set up) it raises ``OnlinePaymentUnavailable``.
    """
    require_verified_email(family)
    session = await _get_session(session_id)
    _check_child_ids(child_ids)
    check_bookable(session, now=now)
    if session.places_left < len(child_ids):
        # Refused early: in a sell-out rush nearly every request ends here, so it costs one query
        # (a family asking again for a place it holds is told so). The conditional UPDATE in the
        # transaction stays the rule; this only saves the work.
        duplicate = await _already_booked(child_ids, session.id, family_id=family.id)
        if duplicate is not None:
            raise duplicate
        raise SessionFull()
    applicants = await _load_applicants(family, child_ids, session)
    approval = session.service.booking_mode == BookingMode.APPROVAL
    await _precheck_children(applicants.children, session, allow_age_override=approval, clashes=applicants.clashes)
    plan = await plan_funding(applicants.children, session, funding=funding, allocations=applicants.allocations)
    held = _check_payable(plan, session, payment_hold)
    messages: list[OutboxMessage | None] = []

    async def work() -> tuple[Booking, list[BookingChild]]:
        messages.clear()
        async with in_transaction() as conn:
            booking, places = await _insert_booking(family, session, plan, now=now, conn=conn, held=held)
            if held:
                await _open_payment(booking, plan, session, payment_hold=payment_hold, now=now, conn=conn)
            else:
                event = "confirmed" if booking.status == BookingStatus.CONFIRMED else "requested"
                messages.append(
                    await notifications.booking_event(
                        booking, event, service_name=session.service.name, now=now, conn=conn, new_booking_by=family
                    )
                )
            await _take_places(session, len(plan), conn=conn)
            booking.session = session
            return booking, places

    try:
        made = await _with_retries(work)
    except OverlappingBooking:
        # A session overlaps itself, and the database's no-overlap rule fires before its
        # one-place-per-session index: a concurrent booking of the same child on this very session
        # reaches us as an overlap. Say what it is.
        duplicate = await _already_booked(child_ids, session.id)
        if duplicate is not None:
            raise duplicate from None
        raise
    await mail.deliver_committed(messages)
    return made
