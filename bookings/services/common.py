"""What the use cases share: running a transaction again after a clash, and the reads and the
status change every booking use case starts from.

:func:`_with_retries` runs one transaction (a ``work`` function that opens it), turns a database
rule violation into the 409 problem a Python check would have raised, and runs it again after a
reference clash, a deadlock or a serialization failure. ``_places`` and ``_transition`` take the
caller's connection: they run inside its transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DoesNotExist, IntegrityError

from bookings.enums import BookingStatus
from bookings.errors import AllocationInsufficient, AlreadyWaiting, DuplicateBooking, InvalidTransition, OverlappingBooking, SessionFull
from bookings.models import Booking, BookingChild
from providers import queries as provider_queries
from providers.models import Session
from shortbreaks.errors import Conflict, DomainError, NotFound

log = logging.getLogger("bookings")


T = TypeVar("T")


MAX_ATTEMPTS = 5


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


async def _get_session(session_id: UUID) -> Session:
    try:
        return await provider_queries.get_session_for_booking(session_id)
    except DoesNotExist:
        raise NotFound("Session not found") from None


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
