"""Bookings use cases: children, allocations, bookings, waiting lists, cancellation, erasure.

Each function owns its transaction, takes ``now``, writes one audit record per change and sends
email through the outbox (written in the transaction, delivery enqueued after commit).

Capacity and balances are kept by the database: places are taken with
``providers.services.take_places`` (a conditional UPDATE) as the transaction's first statement,
allocation balances are debited with a conditional UPDATE guarded by a CHECK >= 0, and a child's
places are kept unique per session and non-overlapping by a partial unique index and an
exclusion constraint (a trigger on SQLite). Violations that reach the database become the same
409 problems as the checks in Python.

Waiting lists: a freed place is offered to the first in line *inside the transaction that frees
it* and stays taken while the offer is open, so nobody outside the queue can grab it. An offer
that expires passes the place to the next in line, or releases it when nobody is waiting.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DoesNotExist, IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bookings import notifications
from bookings.enums import (
    ACTIVE_STATUSES,
    ACTIVE_WAITING_STATUSES,
    Attendance,
    BookingStatus,
    FundingSource,
    LedgerKind,
    WaitingStatus,
)
from bookings.errors import (
    AllocationInsufficient,
    AlreadyWaiting,
    DuplicateBooking,
    InvalidTransition,
    OfferExpired,
    OutsideAgeRange,
    OverlappingBooking,
    SessionFull,
    SessionHasPlaces,
    SessionNotBookable,
)
from bookings.models import (
    Allocation,
    AllocationEntry,
    AuthoritySetting,
    Booking,
    BookingChild,
    CareProfile,
    Child,
    WaitingListEntry,
)
from bookings.payments import records as payment_records
from bookings.payments.enums import PaymentStatus, RefundReason
from bookings.payments.errors import OnlinePaymentUnavailable
from providers import queries as provider_queries
from providers import services as provider_services
from providers.enums import BookingMode, FundingRoute, Need, SessionStatus
from providers.models import Session
from shortbreaks import audit, privacy, rows
from shortbreaks.accounts import services as account_services
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from shortbreaks.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed
from shortbreaks.models import OutboxMessage
from shortbreaks.rows import select_joined

log = logging.getLogger("bookings")

T = TypeVar("T")

# Unambiguous: no 0/O, 1/I/L, U.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_ATTEMPTS = 5
CARE_FIELDS = ("communication", "medical", "dietary", "behaviour_support", "emergency_contact_name", "emergency_contact_phone")


# --- small rules ------------------------------------------------------------------------------


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


def _constraint_text(exc: BaseException) -> str:
    """The violated constraint's name (asyncpg) or the database message (SQLite), through wrapping."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        name = getattr(current, "constraint_name", None)
        if name:
            return str(name)
        for arg in current.args:
            if isinstance(arg, BaseException):
                name = getattr(arg, "constraint_name", None)
                if name:
                    return str(name)
        current = current.__cause__ or current.__context__
    return " ".join(str(e) for e in seen)


def _sqlstate(exc: BaseException) -> str | None:
    current: BaseException | None = exc
    while current is not None:
        state = getattr(current, "sqlstate", None)
        if state:
            return str(state)
        for arg in current.args:
            state = getattr(arg, "sqlstate", None)
            if state:
                return str(state)
        current = current.__cause__
    return None


class _RetryableClash(Exception):
    """A reference clash, a deadlock or a serialization failure: run the whole transaction again."""


def translate_integrity_error(exc: BaseException) -> Exception:
    """A database rule violation as the 409 problem the Python checks would have raised."""
    text = _constraint_text(exc)
    if "reference" in text:
        return _RetryableClash(text)
    if "no_overlap" in text:
        return OverlappingBooking("A child is already booked on a session at an overlapping time")
    if "one_active_per_session" in text or "bookings_bookingchild.child_id, bookings_bookingchild.session_id" in text:
        return DuplicateBooking("A child is already booked on this session")
    if "places_taken" in text:
        return SessionFull()
    if "balance_not_negative" in text:
        return AllocationInsufficient("The allocation does not cover this booking")
    if "waitinglistentry" in text or "bookings_waitinglistentry" in text:
        return AlreadyWaiting("A child is already on this waiting list")
    return Conflict("That conflicts with another change; try again")


async def _with_retries(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` (one transaction), translating database rule violations and retrying clashes."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await work()
        except DomainError:
            raise
        except Exception as exc:
            state = _sqlstate(exc) or ""
            if isinstance(exc, IntegrityError) or state.startswith("23"):
                translated = translate_integrity_error(exc)
                if not isinstance(translated, _RetryableClash):
                    raise translated from None
            elif state not in ("40001", "40P01"):
                raise
            if attempt == MAX_ATTEMPTS:
                raise Conflict("That clashed with another change; try again") from exc
            log.info("retrying a transaction after %s", state or "a reference clash")
    raise AssertionError("unreachable")


# --- children -------------------------------------------------------------------------------


def _check_needs(needs: list[str]) -> list[str]:
    valid = {n.value for n in Need}
    bad = [n for n in needs if n not in valid]
    if bad:
        raise ValidationFailed.field("needs", f"Unknown need code: {', '.join(bad)}")
    return sorted(set(needs), key=[n.value for n in Need].index)


async def create_child(
    family: User,
    *,
    local_authority_id: UUID,
    first_name: str,
    last_name: str = "",
    date_of_birth: date,
    needs: list[str],
    care: dict[str, str] | None = None,
    now: datetime,
) -> Child:
    """Add a child to a family account, with an optional care profile (special-category, never audited)."""
    if date_of_birth > now.astimezone(LONDON).date():
        raise ValidationFailed.field("date_of_birth", "Date of birth must be in the past")
    needs = _check_needs(needs)
    async with in_transaction() as conn:
        child = await Child.create(
            family_id=family.id,
            local_authority_id=local_authority_id,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            date_of_birth=date_of_birth,
            needs=needs,
            using_db=conn,
        )
        await CareProfile.create(child=child, **{k: v for k, v in (care or {}).items() if k in CARE_FIELDS}, using_db=conn)
        await audit.record("bookings.child.created", actor=family, record_type="child", record_id=child.id, now=now, using_db=conn)
    return child


async def update_child(
    child: Child,
    *,
    actor: User,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    needs: list[str],
    care: dict[str, str],
    now: datetime,
) -> Child:
    """Change a child's details and care profile. The audit record says what changed, not to what."""
    needs = _check_needs(needs)
    async with in_transaction() as conn:
        child.first_name, child.last_name, child.date_of_birth, child.needs = first_name.strip(), last_name.strip(), date_of_birth, needs
        await child.save(using_db=conn)
        profile, _ = await CareProfile.get_or_create(child_id=child.id, using_db=conn)
        for key in CARE_FIELDS:
            if key in care:
                setattr(profile, key, care[key])
        await profile.save(using_db=conn)
        await audit.record("bookings.child.updated", actor=actor, record_type="child", record_id=child.id, now=now, using_db=conn)
    return child


# --- allocations ------------------------------------------------------------------------------


async def grant_allocation(
    child: Child, *, actor: User, year: int, minutes: int = 0, pence: int = 0, reason: str = "", now: datetime
) -> Allocation:
    """Grant a child hours (as minutes) and/or money for a financial year; a second grant tops it up.

    Only this financial year or the next may be granted.
    """
    errors = []
    if minutes < 0:
        errors.append(FieldError("minutes", "Hours cannot be negative"))
    if pence < 0:
        errors.append(FieldError("pence", "Amount cannot be negative"))
    if not errors and minutes == 0 and pence == 0:
        errors.append(FieldError("minutes", "Grant some hours or an amount"))
    current = financial_year(now.astimezone(LONDON).date())
    if year not in (current, current + 1):
        errors.append(FieldError("year", f"Choose the financial year {current} to {current + 1} or the next one"))
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)

    async def work() -> Allocation:
        async with in_transaction() as conn:
            allocation = await Allocation.filter(child_id=child.id, year=year).using_db(conn).first()
            if allocation is None:
                allocation = await Allocation.create(
                    child_id=child.id,
                    local_authority_id=child.local_authority_id,  # type: ignore[attr-defined]  # Tortoise FK id
                    year=year,
                    in_minutes=minutes > 0,
                    in_pence=pence > 0,
                    balance_minutes=minutes,
                    balance_pence=pence,
                    using_db=conn,
                )
            else:
                await (
                    Allocation.filter(id=allocation.id)
                    .using_db(conn)
                    .update(
                        balance_minutes=F("balance_minutes") + minutes,
                        balance_pence=F("balance_pence") + pence,
                        in_minutes=allocation.in_minutes or minutes > 0,
                        in_pence=allocation.in_pence or pence > 0,
                    )
                )
            await AllocationEntry.create(
                allocation=allocation,
                kind=LedgerKind.GRANT,
                minutes=minutes,
                pence=pence,
                reason=reason,
                actor_id=actor.id,
                created_at=now,
                using_db=conn,
            )
            await audit.record(
                "bookings.allocation.granted",
                actor=actor,
                record_type="allocation",
                record_id=allocation.id,
                now=now,
                after={"year": year, "minutes": minutes, "pence": pence},
                using_db=conn,
            )
            return await Allocation.get(id=allocation.id).using_db(conn)

    return await _with_retries(work)


async def adjust_allocation(
    allocation: Allocation, *, actor: User, minutes: int = 0, pence: int = 0, reason: str, now: datetime
) -> Allocation:
    """Add or take away minutes and pence, with a reason; the balance cannot go below zero."""
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give a reason for the adjustment")
    if minutes == 0 and pence == 0:
        raise ValidationFailed.field("minutes", "Adjust the hours or the amount")
    async with in_transaction() as conn:
        updated = (
            await Allocation.filter(id=allocation.id, balance_minutes__gte=-minutes, balance_pence__gte=-pence)
            .using_db(conn)
            .update(
                balance_minutes=F("balance_minutes") + minutes,
                balance_pence=F("balance_pence") + pence,
                in_minutes=allocation.in_minutes or minutes > 0,
                in_pence=allocation.in_pence or pence > 0,
            )
        )
        if not updated:
            raise AllocationInsufficient("The adjustment would take the balance below zero")
        await AllocationEntry.create(
            allocation_id=allocation.id,
            kind=LedgerKind.ADJUSTMENT,
            minutes=minutes,
            pence=pence,
            reason=reason.strip(),
            actor_id=actor.id,
            created_at=now,
            using_db=conn,
        )
        await audit.record(
            "bookings.allocation.adjusted",
            actor=actor,
            record_type="allocation",
            record_id=allocation.id,
            now=now,
            after={"minutes": minutes, "pence": pence, "reason": reason.strip()},
            using_db=conn,
        )
        return await Allocation.get(id=allocation.id).using_db(conn)


async def _credit(
    place: BookingChild, *, booking: Booking, reason: str, now: datetime, conn: BaseDBAsyncClient, actor: User | None
) -> None:
    """Give a place's debit back to its allocation."""
    if place.allocation_id is None or (place.debited_minutes == 0 and place.debited_pence == 0):  # type: ignore[attr-defined]
        return
    await (
        Allocation.filter(id=place.allocation_id)  # type: ignore[attr-defined]  # Tortoise FK id
        .using_db(conn)
        .update(balance_minutes=F("balance_minutes") + place.debited_minutes, balance_pence=F("balance_pence") + place.debited_pence)
    )
    await AllocationEntry.create(
        allocation_id=place.allocation_id,  # type: ignore[attr-defined]  # Tortoise FK id
        kind=LedgerKind.CREDIT,
        minutes=place.debited_minutes,
        pence=place.debited_pence,
        booking_id=booking.id,
        reason=reason,
        actor_id=getattr(actor, "id", None),
        created_at=now,
        using_db=conn,
    )


# --- booking ----------------------------------------------------------------------------------


@dataclass
class _PlanItem:
    child: Child
    source: FundingSource
    allocation: Allocation | None
    minutes: int
    pence: int


async def _plan_funding(
    children: list[Child],
    session: Session,
    *,
    funding: FundingSource | None,
    conn: BaseDBAsyncClient | None = None,
    allocations: dict[UUID, Allocation] | None = None,
) -> list[_PlanItem]:
    """How each child's place is paid for. ``allocations``: the children's allocations for the
    session's financial year by child id, when the caller has read them already."""
    year = financial_year(session.local_date)
    minutes = session_minutes(session.starts_at, session.ends_at)
    price = session.service.price_pence
    if allocations is None:
        allocations = {
            a.child_id: a  # type: ignore[attr-defined]  # Tortoise FK id
            for a in await Allocation.filter(child_id__in=[c.id for c in children], year=year).using_db(conn)
        }
    plan = []
    for child in children:
        allocation = allocations.get(child.id)
        if funding is FundingSource.FAMILY or (funding is None and allocation is None):
            plan.append(_PlanItem(child, FundingSource.FAMILY, None, 0, 0))
            continue
        if allocation is None:
            raise ValidationFailed.field("funding", f"{child.first_name} has no allocation for the {year} to {year + 1} financial year")
        plan.append(
            _PlanItem(
                child,
                FundingSource.ALLOCATION,
                allocation,
                minutes if allocation.in_minutes else 0,
                price if allocation.in_pence else 0,
            )
        )
    return plan


def payment_due(plan: list[_PlanItem], session: Session) -> int:
    """Pence the family pays online: the price for each child not covered by an allocation, on a
    service that accepts 'family pays' (a grant-funded or council-only service charges nothing).
    """
    service = session.service
    if service.price_pence <= 0 or FundingRoute.FAMILY_PAYS not in service.funding_routes:
        return 0
    return service.price_pence * sum(1 for item in plan if item.source is FundingSource.FAMILY)


async def _open_payment(
    booking: Booking, plan: list[_PlanItem], session: Session, *, payment_hold: timedelta | None, now: datetime, conn: BaseDBAsyncClient
) -> None:
    due = payment_due(plan, session)
    if due and payment_hold is not None:
        await payment_records.open_payment(booking, amount_pence=due, hold=payment_hold, now=now, conn=conn)


def _check_payable(plan: list[_PlanItem], session: Session, payment_hold: timedelta | None) -> bool:
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
    allocations: dict[UUID, Allocation]  # by child id, for the session's financial year
    clashes: list[UUID]  # session ids of their active places on this session or one overlapping it


async def _load_applicants(family: User, child_ids: list[UUID], session: Session) -> _Applicants:
    """:func:`_load_children`, their allocations for the session's year and their clashing places
    in one joined read: the booking and waiting-list hot path (bench/README.md)."""
    _check_child_ids(child_ids)
    marks = ", ".join(f"{{{i + 5}}}" for i in range(len(child_ids)))
    rows = await select_joined(
        "FROM bookings_child c"
        " LEFT JOIN bookings_allocation a ON a.child_id = c.id AND a.year = {0}"
        " LEFT JOIN bookings_bookingchild x ON x.child_id = c.id AND x.active"
        " AND (x.session_id = {1} OR (x.starts_at < {2} AND x.ends_at > {3}))"
        f" WHERE c.family_id = {{4}} AND c.erased_at IS NULL AND c.id IN ({marks})",
        [financial_year(session.local_date), session.id, session.ends_at, session.starts_at, family.id, *child_ids],
        {"c": Child, "a": Allocation, "x": BookingChild},
    )
    found = {row["c"].id: row for row in rows}
    if len(found) != len(child_ids):
        raise NotFound("Child not found")
    return _Applicants(
        children=[found[cid]["c"] for cid in child_ids],
        allocations={cid: row["a"] for cid, row in found.items() if row["a"] is not None},
        clashes=[row["x"].session_id for row in rows if row["x"] is not None],
    )


async def _get_session(session_id: UUID) -> Session:
    try:
        return await provider_queries.get_session_for_booking(session_id)
    except DoesNotExist:
        raise NotFound("Session not found") from None


async def _precheck_children(
    children: list[Child], session: Session, *, allow_age_override: bool, clashes: list[UUID] | None = None
) -> None:
    """No child already on this session or one overlapping it, and each in the age range.
    ``clashes``: their clashing places' session ids, when :func:`_load_applicants` read them."""
    if clashes is None:
        # One query for both rules: an active place on this session, or on one that overlaps it.
        clashes = await (
            BookingChild.filter(
                Q(session_id=session.id) | Q(starts_at__lt=session.ends_at, ends_at__gt=session.starts_at),
                child_id__in=[c.id for c in children],
                active=True,
            )
            .limit(len(children) + 1)
            .values_list("session_id", flat=True)
        )
    if session.id in clashes:
        raise DuplicateBooking("A child is already booked on this session")
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
    plan: list[_PlanItem],
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
        if item.allocation is not None and (item.minutes or item.pence):
            debited = await rows.execute(  # hand-written: every booking runs it (shortbreaks.rows)
                "UPDATE bookings_allocation SET balance_minutes = balance_minutes - {0}, balance_pence = balance_pence - {1}"
                " WHERE id = {2} AND balance_minutes >= {0} AND balance_pence >= {1}",
                [item.minutes, item.pence, item.allocation.id],
                using_db=conn,
            )
            if not debited:
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
    (409 ``session_full``) when the places are gone, with nothing changed.

    When the family has to pay (:func:`payment_due`), the booking is ``held`` for
    ``payment_hold`` with a pending payment and no email yet; without ``payment_hold`` (online
    payment not set up) it raises ``OnlinePaymentUnavailable``.
    """
    session = await _get_session(session_id)
    _check_child_ids(child_ids)
    check_bookable(session, now=now)
    if session.places_left < len(child_ids):
        # Refused early: in a sell-out rush nearly every request ends here, so it costs one query
        # (a family asking again for a place it holds is told so). The conditional UPDATE in the
        # transaction stays the rule; this only saves the work.
        if await BookingChild.filter(child_id__in=child_ids, child__family_id=family.id, session_id=session.id, active=True).exists():
            raise DuplicateBooking("A child is already booked on this session")
        raise SessionFull()
    applicants = await _load_applicants(family, child_ids, session)
    approval = session.service.booking_mode == BookingMode.APPROVAL
    await _precheck_children(applicants.children, session, allow_age_override=approval, clashes=applicants.clashes)
    plan = await _plan_funding(applicants.children, session, funding=funding, allocations=applicants.allocations)
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

    made = await _with_retries(work)
    await notifications.deliver(messages)
    return made


async def _places(booking: Booking, conn: BaseDBAsyncClient | None = None) -> list[BookingChild]:
    return list(await BookingChild.filter(booking_id=booking.id).using_db(conn).order_by("created_at", "id"))


async def _transition(
    booking: Booking, *, allowed: frozenset[BookingStatus], to: BookingStatus, conn: BaseDBAsyncClient, **fields: Any
) -> None:
    updated = await Booking.filter(id=booking.id, status__in=list(allowed)).using_db(conn).update(status=to, **fields)
    if not updated:
        current = await Booking.filter(id=booking.id).using_db(conn).values_list("status", flat=True)
        status = current[0] if current else None
        if status in (BookingStatus.CANCELLED_BY_FAMILY, BookingStatus.CANCELLED_BY_PROVIDER):
            raise InvalidTransition("This booking has already been cancelled", code="already_cancelled")
        raise InvalidTransition(f"This booking is {BookingStatus(status).label.lower() if status else 'gone'}")
    booking.status = to
    for key, value in fields.items():
        setattr(booking, key, value)


async def confirm_booking(booking: Booking, *, actor: User, now: datetime, override_age: bool = False) -> Booking:
    """The provider confirms a requested booking; a child outside the age range needs ``override_age``."""
    session = await _get_session(booking.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    places = await _places(booking)
    children = await Child.filter(id__in=[p.child_id for p in places])  # type: ignore[attr-defined]
    outside = [c for c in children if outside_age_range(c, session)]
    if outside and not override_age:
        raise OutsideAgeRange(
            f"{outside[0].first_name} is outside the service's age range: confirm with the age override to accept",
            errors=[FieldError("override_age", "Tick to accept a child outside the age range")],
        )
    messages: list[OutboxMessage | None] = []
    async with in_transaction() as conn:
        await _transition(booking, allowed=frozenset({BookingStatus.REQUESTED}), to=BookingStatus.CONFIRMED, conn=conn, decided_at=now)
        if outside:
            await BookingChild.filter(booking_id=booking.id, child_id__in=[c.id for c in outside]).using_db(conn).update(age_override=True)
        await audit.record(
            "bookings.booking.confirmed",
            actor=actor,
            record_type="booking",
            record_id=booking.id,
            now=now,
            before={"status": BookingStatus.REQUESTED},
            after={"status": BookingStatus.CONFIRMED, "age_override": bool(outside)},
            using_db=conn,
        )
        messages.append(await notifications.booking_event(booking, "confirmed", service_name=session.service.name, now=now, conn=conn))
    await notifications.deliver(messages)
    return booking


async def _free_places(session: Session, count: int, *, now: datetime, conn: BaseDBAsyncClient) -> list[OutboxMessage | None]:
    """Offer freed places to the waiting list (each offer keeps its place taken); release the rest."""
    messages: list[OutboxMessage | None] = []
    offered = 0
    if session.status == SessionStatus.SCHEDULED and session.starts_at > now:
        hours = session.service.waiting_list_offer_hours
        while offered < count:
            candidates = (
                await WaitingListEntry.filter(session_id=session.id, status=WaitingStatus.WAITING)
                .using_db(conn)
                .order_by("-priority", "joined_at", "id")
                .limit(5)
            )
            if not candidates:
                break
            for entry in candidates:
                expires = min(now + timedelta(hours=hours), session.starts_at)
                claimed = (
                    await WaitingListEntry.filter(id=entry.id, status=WaitingStatus.WAITING)
                    .using_db(conn)
                    .update(status=WaitingStatus.OFFERED, offered_at=now, offer_expires_at=expires)
                )
                if claimed:
                    entry.status, entry.offered_at, entry.offer_expires_at = WaitingStatus.OFFERED, now, expires
                    offered += 1
                    await audit.record(
                        "bookings.waiting_list.offered",
                        actor=None,
                        record_type="waiting_list_entry",
                        record_id=entry.id,
                        now=now,
                        after={"session_id": session.id, "offer_expires_at": expires},
                        using_db=conn,
                    )
                    messages.append(
                        await notifications.waiting_list_event(
                            entry, "offered", service_name=session.service.name, starts_at=session.starts_at, now=now, conn=conn
                        )
                    )
                    break
    if count > offered:
        await provider_services.release_places(session.id, count - offered, using_db=conn)
    return messages


async def _end_booking(
    booking: Booking,
    *,
    to: BookingStatus,
    actor: User | None,
    now: datetime,
    conn: BaseDBAsyncClient,
    credit: bool,
    reason: str = "",
    late: bool = False,
) -> list[BookingChild]:
    await _transition(booking, allowed=ACTIVE_STATUSES, to=to, conn=conn, cancelled_at=now, reason=reason[:300], late_cancellation=late)
    places = await _places(booking, conn)
    await BookingChild.filter(booking_id=booking.id).using_db(conn).update(active=False)
    if credit:
        for place in places:
            await _credit(place, booking=booking, reason=f"{booking.reference} {to.value}", now=now, conn=conn, actor=actor)
    return places


async def _settle_payment_on_end(
    booking: Booking, *, percent: int, reason: RefundReason, actor: User | None, now: datetime, conn: BaseDBAsyncClient
) -> list[UUID]:
    """A booking ended: close its unpaid payment, or queue the refund it is owed (ids to send after commit)."""
    if await payment_records.close_unpaid(booking.id, status=PaymentStatus.CANCELLED, conn=conn):
        return []
    return await payment_records.queue_refund(booking.id, percent=percent, reason=reason, actor=actor, now=now, conn=conn)


async def _refund_note(refund_ids: list[UUID], conn: BaseDBAsyncClient) -> str:
    if not refund_ids:
        return ""
    pence = await payment_records.refunds_total(refund_ids, conn=conn)
    return f"We are refunding {notifications.money(pence)} to the card you paid with."


async def cancel_booking(booking: Booking, *, actor: User, now: datetime, reason: str = "") -> Booking:
    """The family cancels. Before the notice deadline the allocation is credited; after it the
    cancellation is marked late and keeps the debit, unless the family's authority credits late
    cancellations too. The freed places go to the waiting list first.

    A payment is refunded in full before the deadline and by the service's
    ``late_cancellation_refund_percent`` after it (the refund is queued in this transaction and
    sent to Stripe after commit); a held booking's unpaid payment is simply closed.
    """
    session = await _get_session(booking.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    if booking.status in (BookingStatus.CANCELLED_BY_FAMILY, BookingStatus.CANCELLED_BY_PROVIDER):
        raise InvalidTransition("This booking has already been cancelled", code="already_cancelled")
    if session.starts_at <= now:
        raise InvalidTransition("This session has started: it can no longer be cancelled", code="session_started")
    late = now > cancellation_deadline(session.starts_at, session.service.cancellation_notice_hours)
    credit = True
    if late:
        family_authorities = await Child.filter(places__booking_id=booking.id).values_list("local_authority_id", flat=True)
        setting = await AuthoritySetting.filter(local_authority_id__in=list(family_authorities)).first()
        credit = bool(setting and setting.late_cancellation_credit)
    messages: list[OutboxMessage | None] = []
    refund_percent = session.service.late_cancellation_refund_percent if late else 100
    async with in_transaction() as conn:
        before = booking.status
        places = await _end_booking(
            booking, to=BookingStatus.CANCELLED_BY_FAMILY, actor=actor, now=now, conn=conn, credit=credit, reason=reason, late=late
        )
        refunds = await _settle_payment_on_end(
            booking,
            percent=refund_percent,
            reason=RefundReason.CANCELLED_LATE if late else RefundReason.CANCELLED,
            actor=actor,
            now=now,
            conn=conn,
        )
        await audit.record(
            "bookings.booking.cancelled",
            actor=actor,
            record_type="booking",
            record_id=booking.id,
            now=now,
            before={"status": before},
            after={"status": booking.status, "late": late, "credited": credit},
            using_db=conn,
        )
        extra = "This was a late cancellation, so the allocation used is not returned." if late and not credit else ""
        extra = "\n".join(line for line in (extra, await _refund_note(refunds, conn)) if line)
        messages.append(
            await notifications.booking_event(booking, "cancelled", service_name=session.service.name, now=now, conn=conn, extra=extra)
        )
        messages += await _free_places(session, len(places), now=now, conn=conn)
    await notifications.deliver(messages)
    await payment_records.send_refunds_later(refunds)
    return booking


async def decline_booking(booking: Booking, *, actor: User, reason: str, now: datetime) -> Booking:
    """The provider declines a requested booking with a reason; the allocation is credited in full."""
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give the family a reason")
    session = await _get_session(booking.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    messages: list[OutboxMessage | None] = []
    async with in_transaction() as conn:
        await _transition(
            booking,
            allowed=frozenset({BookingStatus.REQUESTED}),
            to=BookingStatus.DECLINED,
            conn=conn,
            decided_at=now,
            reason=reason.strip()[:300],
        )
        places = await _places(booking, conn)
        await BookingChild.filter(booking_id=booking.id).using_db(conn).update(active=False)
        for place in places:
            await _credit(place, booking=booking, reason=f"{booking.reference} declined", now=now, conn=conn, actor=actor)
        refunds = await _settle_payment_on_end(booking, percent=100, reason=RefundReason.DECLINED, actor=actor, now=now, conn=conn)
        await audit.record(
            "bookings.booking.declined",
            actor=actor,
            record_type="booking",
            record_id=booking.id,
            now=now,
            before={"status": BookingStatus.REQUESTED},
            after={"status": BookingStatus.DECLINED},
            using_db=conn,
        )
        extra = "\n".join(line for line in (f"Reason: {reason.strip()}", await _refund_note(refunds, conn)) if line)
        messages.append(
            await notifications.booking_event(booking, "declined", service_name=session.service.name, now=now, conn=conn, extra=extra)
        )
        messages += await _free_places(session, len(places), now=now, conn=conn)
    await notifications.deliver(messages)
    await payment_records.send_refunds_later(refunds)
    return booking


async def record_attendance(booking: Booking, *, actor: User, attendance: dict[UUID, Attendance], now: datetime) -> Booking:
    """The provider records who came, once the session has started; corrections are allowed."""
    if booking.starts_at > now:
        raise InvalidTransition("Attendance can be recorded once the session has started", code="session_not_started")
    places = await _places(booking)
    if set(attendance) != {p.child_id for p in places}:  # type: ignore[attr-defined]  # Tortoise FK id
        raise ValidationFailed.field("attendance", "Record attendance for every child on the booking")
    status = BookingStatus.ATTENDED if Attendance.ATTENDED in attendance.values() else BookingStatus.NO_SHOW
    async with in_transaction() as conn:
        before = booking.status
        await _transition(
            booking,
            allowed=frozenset({BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW}),
            to=status,
            conn=conn,
        )
        for child_id, mark in attendance.items():
            await BookingChild.filter(booking_id=booking.id, child_id=child_id).using_db(conn).update(attendance=mark, active=False)
        await audit.record(
            "bookings.booking.attendance_recorded",
            actor=actor,
            record_type="booking",
            record_id=booking.id,
            now=now,
            before={"status": before},
            after={"status": status, "attendance": {str(k): v for k, v in attendance.items()}},
            using_db=conn,
        )
    return booking


async def cancel_session(session_id: UUID, *, actor: User, reason: str, now: datetime) -> int:
    """The provider cancels a whole session: every active booking is cancelled, credited and
    refunded in full, families are told, and the waiting list is cleared. Returns the bookings cancelled.
    """
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give families a reason")
    session = await _get_session(session_id)
    if session.starts_at <= now:
        raise InvalidTransition("This session has started", code="session_started")
    messages: list[OutboxMessage | None] = []
    refunds: list[UUID] = []
    async with in_transaction() as conn:
        if not await provider_services.mark_session_cancelled(session.id, using_db=conn, now=now):
            raise InvalidTransition("This session is already cancelled", code="already_cancelled")
        held = 0
        bookings = await Booking.filter(session_id=session.id, status__in=list(ACTIVE_STATUSES)).using_db(conn)
        for booking in bookings:
            places = await _end_booking(
                booking, to=BookingStatus.CANCELLED_BY_PROVIDER, actor=actor, now=now, conn=conn, credit=True, reason=reason
            )
            held += len(places)
            booking_refunds = await _settle_payment_on_end(
                booking, percent=100, reason=RefundReason.SESSION_CANCELLED, actor=actor, now=now, conn=conn
            )
            refunds += booking_refunds
            await audit.record(
                "bookings.booking.cancelled_by_provider",
                actor=actor,
                record_type="booking",
                record_id=booking.id,
                now=now,
                after={"status": BookingStatus.CANCELLED_BY_PROVIDER, "session_id": session.id},
                using_db=conn,
            )
            messages.append(
                await notifications.booking_event(
                    booking,
                    "cancelled_by_provider",
                    service_name=session.service.name,
                    now=now,
                    conn=conn,
                    extra="\n".join(line for line in (f"Reason: {reason.strip()}", await _refund_note(booking_refunds, conn)) if line),
                )
            )
        entries = await WaitingListEntry.filter(session_id=session.id, status__in=list(ACTIVE_WAITING_STATUSES)).using_db(conn)
        for entry in entries:
            if entry.status == WaitingStatus.OFFERED:
                held += 1
            await WaitingListEntry.filter(id=entry.id).using_db(conn).update(status=WaitingStatus.CLEARED)
            messages.append(
                await notifications.waiting_list_event(
                    entry, "cleared", service_name=session.service.name, starts_at=session.starts_at, now=now, conn=conn
                )
            )
        if held:
            await provider_services.release_places(session.id, held, using_db=conn)
        await audit.record(
            "bookings.session.cancelled",
            actor=actor,
            record_type="session",
            record_id=session.id,
            now=now,
            after={"bookings_cancelled": len(bookings), "waiting_cleared": len(entries), "reason": reason.strip()},
            using_db=conn,
        )
    await notifications.deliver(messages)
    await payment_records.send_refunds_later(refunds)
    return len(bookings)


# --- held bookings (used by bookings.payments, inside its transactions) ------------------------


async def mark_paid(booking: Booking, *, now: datetime, conn: BaseDBAsyncClient) -> list[OutboxMessage | None]:
    """A held booking's payment arrived: confirmed (instant services) or requested (approval
    services), and the family is told. Inside the caller's transaction; raises
    ``InvalidTransition`` unless the booking is held.
    """
    session = await _get_session(booking.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    instant = session.service.booking_mode == BookingMode.INSTANT
    to = BookingStatus.CONFIRMED if instant else BookingStatus.REQUESTED
    await _transition(booking, allowed=frozenset({BookingStatus.HELD}), to=to, conn=conn, decided_at=now if instant else None)
    await audit.record(
        "bookings.booking.paid",
        actor=None,
        record_type="booking",
        record_id=booking.id,
        now=now,
        before={"status": BookingStatus.HELD},
        after={"status": to},
        using_db=conn,
    )
    event = "confirmed" if instant else "requested"
    return [await notifications.booking_event(booking, event, service_name=session.service.name, now=now, conn=conn)]


async def release_hold(booking: Booking, *, reason: str, now: datetime, conn: BaseDBAsyncClient) -> list[OutboxMessage | None]:
    """A held booking was not paid (the hold ran out, Checkout expired or could not start): the
    booking is released, any allocation it used is credited back, and its places go to the
    waiting list first. Inside the caller's transaction; returns no messages if it was not held.
    """
    updated = (
        await Booking.filter(id=booking.id, status=BookingStatus.HELD)
        .using_db(conn)
        .update(status=BookingStatus.RELEASED, cancelled_at=now, reason=reason[:300])
    )
    if not updated:
        return []
    booking.status, booking.cancelled_at, booking.reason = BookingStatus.RELEASED, now, reason[:300]
    session = await _get_session(booking.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    places = await _places(booking, conn)
    await BookingChild.filter(booking_id=booking.id).using_db(conn).update(active=False)
    for place in places:
        await _credit(place, booking=booking, reason=f"{booking.reference} released", now=now, conn=conn, actor=None)
    await audit.record(
        "bookings.booking.released",
        actor=None,
        record_type="booking",
        record_id=booking.id,
        now=now,
        before={"status": BookingStatus.HELD},
        after={"status": BookingStatus.RELEASED, "reason": reason},
        using_db=conn,
    )
    messages: list[OutboxMessage | None] = [
        await notifications.booking_event(booking, "released", service_name=session.service.name, now=now, conn=conn, extra=reason)
    ]
    messages += await _free_places(session, len(places), now=now, conn=conn)
    return messages


async def reclaim_released(booking: Booking, *, now: datetime, conn: BaseDBAsyncClient) -> bool:
    """A payment arrived after the hold ran out: take the places again if they are still free.

    Inside the caller's transaction, the conditional UPDATE on the session's places first. Returns
    ``False`` (nothing changed) when the session has gone, started or filled, or a child has
    another place at that time, or any allocation used can no longer cover it; the caller refunds.
    """
    if booking.status != BookingStatus.RELEASED:
        return False
    session = await _get_session(booking.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        return False
    places = await _places(booking, conn)
    if not await provider_services.take_places(session.id, len(places), using_db=conn):
        return False
    child_ids = [p.child_id for p in places]  # type: ignore[attr-defined]  # Tortoise FK id
    clash = await (
        BookingChild.filter(child_id__in=child_ids, active=True, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at)
        .using_db(conn)
        .exists()
    )
    debits_ok = True
    for place in places:
        if place.allocation_id is not None and (place.debited_minutes or place.debited_pence):  # type: ignore[attr-defined]
            debits_ok = debits_ok and bool(
                await Allocation.filter(
                    id=place.allocation_id,  # type: ignore[attr-defined]  # Tortoise FK id
                    balance_minutes__gte=place.debited_minutes,
                    balance_pence__gte=place.debited_pence,
                )
                .using_db(conn)
                .exists()
            )
    if clash or not debits_ok:
        await provider_services.release_places(session.id, len(places), using_db=conn)
        return False
    for place in places:
        if place.allocation_id is not None and (place.debited_minutes or place.debited_pence):  # type: ignore[attr-defined]
            await (
                Allocation.filter(id=place.allocation_id)  # type: ignore[attr-defined]  # Tortoise FK id
                .using_db(conn)
                .update(
                    balance_minutes=F("balance_minutes") - place.debited_minutes, balance_pence=F("balance_pence") - place.debited_pence
                )
            )
            await AllocationEntry.create(
                allocation_id=place.allocation_id,  # type: ignore[attr-defined]  # Tortoise FK id
                kind=LedgerKind.DEBIT,
                minutes=-place.debited_minutes,
                pence=-place.debited_pence,
                booking_id=booking.id,
                reason=f"{booking.reference} paid late",
                created_at=now,
                using_db=conn,
            )
    await BookingChild.filter(booking_id=booking.id).using_db(conn).update(active=True)
    await Booking.filter(id=booking.id).using_db(conn).update(status=BookingStatus.HELD, cancelled_at=None, reason="")
    booking.status, booking.cancelled_at, booking.reason = BookingStatus.HELD, None, ""
    await audit.record("bookings.booking.reclaimed", actor=None, record_type="booking", record_id=booking.id, now=now, using_db=conn)
    return True


# --- waiting lists ----------------------------------------------------------------------------


async def join_waiting_list(family: User, *, session_id: UUID, child_ids: list[UUID], now: datetime) -> list[WaitingListEntry]:
    """Put children on a full session's waiting list, in order of joining."""
    session = await _get_session(session_id)
    applicants = await _load_applicants(family, child_ids, session)
    children = applicants.children
    check_bookable(session, now=now)
    approval = session.service.booking_mode == BookingMode.APPROVAL
    await _precheck_children(children, session, allow_age_override=approval, clashes=applicants.clashes)
    if session.places_left >= len(children):
        raise SessionHasPlaces("This session has places: book it instead")

    async def work() -> list[WaitingListEntry]:
        async with in_transaction() as conn:
            entries = []
            for child in children:
                entry = await WaitingListEntry.create(
                    session_id=session.id, family_id=family.id, child_id=child.id, joined_at=now, using_db=conn
                )
                await audit.record(
                    "bookings.waiting_list.joined",
                    actor=family,
                    record_type="waiting_list_entry",
                    record_id=entry.id,
                    now=now,
                    after={"session_id": session.id, "child_id": child.id},
                    using_db=conn,
                )
                entries.append(entry)
            return entries

    return await _with_retries(work)


async def accept_offer(
    entry: WaitingListEntry,
    *,
    family: User,
    now: datetime,
    funding: FundingSource | None = None,
    payment_hold: timedelta | None = None,
) -> Booking:
    """Take up a waiting-list offer: the held place becomes a booking (confirmed or requested,
    or held while the family pays, as in :func:`create_booking`).
    """
    if entry.status != WaitingStatus.OFFERED or entry.offer_expires_at is None or entry.offer_expires_at <= now:
        raise OfferExpired("This offer is no longer open")
    session = await _get_session(entry.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    children = await _load_children(family, [entry.child_id])  # type: ignore[attr-defined]  # Tortoise FK id
    await _precheck_children(children, session, allow_age_override=True)
    plan = await _plan_funding(children, session, funding=funding)
    held = _check_payable(plan, session, payment_hold)
    messages: list[OutboxMessage | None] = []

    async def work() -> Booking:
        messages.clear()
        async with in_transaction() as conn:
            claimed = (
                await WaitingListEntry.filter(id=entry.id, status=WaitingStatus.OFFERED, offer_expires_at__gt=now)
                .using_db(conn)
                .update(status=WaitingStatus.ACCEPTED)
            )
            if not claimed:
                raise OfferExpired("This offer is no longer open")
            booking, _ = await _insert_booking(family, session, plan, now=now, conn=conn, held=held)
            await WaitingListEntry.filter(id=entry.id).using_db(conn).update(booking_id=booking.id)
            await audit.record(
                "bookings.waiting_list.accepted",
                actor=family,
                record_type="waiting_list_entry",
                record_id=entry.id,
                now=now,
                after={"booking_id": booking.id},
                using_db=conn,
            )
            if held:
                await _open_payment(booking, plan, session, payment_hold=payment_hold, now=now, conn=conn)
                return booking
            event = "confirmed" if booking.status == BookingStatus.CONFIRMED else "requested"
            messages.append(await notifications.booking_event(booking, event, service_name=session.service.name, now=now, conn=conn))
            return booking

    booking = await _with_retries(work)
    entry.status = WaitingStatus.ACCEPTED
    await notifications.deliver(messages)
    return booking


async def leave_waiting_list(entry: WaitingListEntry, *, family: User, now: datetime) -> None:
    """Withdraw from a waiting list; an open offer passes to the next in line."""
    session = await _get_session(entry.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    messages: list[OutboxMessage | None] = []
    async with in_transaction() as conn:
        was = await WaitingListEntry.filter(id=entry.id).using_db(conn).values_list("status", flat=True)
        updated = (
            await WaitingListEntry.filter(id=entry.id, status__in=list(ACTIVE_WAITING_STATUSES))
            .using_db(conn)
            .update(status=WaitingStatus.WITHDRAWN)
        )
        if not updated:
            raise InvalidTransition("You are no longer on this waiting list")
        await audit.record(
            "bookings.waiting_list.withdrawn", actor=family, record_type="waiting_list_entry", record_id=entry.id, now=now, using_db=conn
        )
        if was and was[0] == WaitingStatus.OFFERED:
            messages += await _free_places(session, 1, now=now, conn=conn)
    await notifications.deliver(messages)


async def expire_offer(entry_id: UUID, *, now: datetime) -> bool:
    """Expire one overdue offer and pass its place on; safe to run twice (``False``: nothing to do)."""
    entry = await WaitingListEntry.get_or_none(id=entry_id)
    if entry is None or entry.status != WaitingStatus.OFFERED:
        return False
    session = await _get_session(entry.session_id)  # type: ignore[attr-defined]  # Tortoise FK id
    messages: list[OutboxMessage | None] = []
    async with in_transaction() as conn:
        expired = (
            await WaitingListEntry.filter(id=entry.id, status=WaitingStatus.OFFERED, offer_expires_at__lte=now)
            .using_db(conn)
            .update(status=WaitingStatus.EXPIRED)
        )
        if not expired:
            return False
        await audit.record(
            "bookings.waiting_list.offer_expired", actor=None, record_type="waiting_list_entry", record_id=entry.id, now=now, using_db=conn
        )
        messages.append(
            await notifications.waiting_list_event(
                entry, "expired", service_name=session.service.name, starts_at=session.starts_at, now=now, conn=conn
            )
        )
        messages += await _free_places(session, 1, now=now, conn=conn)
    await notifications.deliver(messages)
    return True


async def expire_overdue_offers(*, now: datetime) -> int:
    """Expire every offer past its time (the sweep that keeps a lost job from stranding a place)."""
    ids = (
        await WaitingListEntry.filter(status=WaitingStatus.OFFERED, offer_expires_at__lte=now)
        .order_by("offer_expires_at")
        .values_list("id", flat=True)
    )
    count = 0
    for entry_id in ids:
        if await expire_offer(entry_id, now=now):
            count += 1
    return count


async def offer_free_places(*, now: datetime) -> int:
    """Offer places that came free while nobody was waiting to children who joined since."""
    session_ids = set(
        await WaitingListEntry.filter(status=WaitingStatus.WAITING, session__starts_at__gt=now).values_list("session_id", flat=True)
    )
    offered = 0
    for session_id in session_ids:
        session = await _get_session(session_id)
        if session.status != SessionStatus.SCHEDULED or session.places_left <= 0:
            continue
        messages: list[OutboxMessage | None] = []
        async with in_transaction() as conn:
            free = session.places_left
            waiting = await WaitingListEntry.filter(session_id=session_id, status=WaitingStatus.WAITING).using_db(conn).count()
            count = min(free, waiting)
            if count and await provider_services.take_places(session_id, count, using_db=conn):
                messages = await _free_places(session, count, now=now, conn=conn)
                offered += len(messages)
        await notifications.deliver(messages)
    return offered


async def set_waiting_priority(entry: WaitingListEntry, *, actor: User, priority: int, now: datetime) -> WaitingListEntry:
    """An officer moves a child up (or down) the waiting list: higher priority is offered first."""
    if not -100 <= priority <= 100:
        raise ValidationFailed.field("priority", "Priority must be between -100 and 100")
    async with in_transaction() as conn:
        before = entry.priority
        await WaitingListEntry.filter(id=entry.id).using_db(conn).update(priority=priority)
        await audit.record(
            "bookings.waiting_list.prioritised",
            actor=actor,
            record_type="waiting_list_entry",
            record_id=entry.id,
            now=now,
            before={"priority": before},
            after={"priority": priority},
            using_db=conn,
        )
    entry.priority = priority
    return entry


# --- reminders --------------------------------------------------------------------------------

REMINDER_BEFORE = timedelta(hours=24)


async def send_due_reminders(*, now: datetime) -> int:
    """Remind families of confirmed bookings starting within the next 24 hours (elapsed, in UTC); once each."""
    due = await Booking.filter(
        status=BookingStatus.CONFIRMED, reminder_sent_at=None, starts_at__gt=now, starts_at__lte=now + REMINDER_BEFORE
    ).select_related("service")
    sent = 0
    for booking in due:
        messages: list[OutboxMessage | None] = []
        async with in_transaction() as conn:
            claimed = await Booking.filter(id=booking.id, reminder_sent_at=None).using_db(conn).update(reminder_sent_at=now)
            if not claimed:
                continue
            messages.append(await notifications.booking_event(booking, "reminder", service_name=booking.service.name, now=now, conn=conn))
        await notifications.deliver(messages)
        sent += 1
    return sent


# --- privacy ----------------------------------------------------------------------------------


async def erase_family(family: User, *, now: datetime) -> None:
    """Erase a family's personal data on request: children anonymised, care profiles deleted,
    waiting lists left, the account anonymised. Bookings, ledgers and the audit log stay (without
    personal data) for the figures. Refused while a booking is still requested or confirmed.
    """
    if await Booking.filter(family_id=family.id, status__in=list(ACTIVE_STATUSES)).exists():
        raise Conflict("Cancel your upcoming bookings before asking us to delete your account", code="active_bookings")
    async with in_transaction() as conn:
        child_ids = await Child.filter(family_id=family.id).using_db(conn).values_list("id", flat=True)
        await CareProfile.filter(child_id__in=list(child_ids)).using_db(conn).delete()
        # What the privacy registry says erasure deletes (sent emails, invitations, recovery codes)
        # or revokes (calendar feeds, sessions, API tokens).
        await privacy.erase_registered(family, now=now, using_db=conn)
        await (
            Child.filter(family_id=family.id)
            .using_db(conn)
            .update(first_name="Erased", last_name="", date_of_birth=None, needs=[], erased_at=now)
        )
        await (
            WaitingListEntry.filter(family_id=family.id, status__in=list(ACTIVE_WAITING_STATUSES))
            .using_db(conn)
            .update(status=WaitingStatus.WITHDRAWN)
        )
        await audit.record(
            "bookings.family.erased",
            actor=family,
            record_type="user",
            record_id=family.id,
            now=now,
            after={"children": len(child_ids)},
            using_db=conn,
        )
    await account_services.anonymise_user(family, now=now)
