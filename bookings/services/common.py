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
from typing import Any, TypeVar, cast
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import DoesNotExist, IntegrityError

from bookings.enums import BookingStatus
from bookings.errors import InvalidTransition
from bookings.models import Booking, BookingChild
from providers import queries as provider_queries
from providers.models import Session
from shortbreaks import constraints
from shortbreaks.errors import Conflict, DomainError, NotFound

log = logging.getLogger("bookings")


T = TypeVar("T")


MAX_ATTEMPTS = 5


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


async def _with_retries(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` (one transaction), turning database rule violations into the errors their
    constraints are registered with (:mod:`bookings.constraints`), and running it again after a
    registered clash (a reference taken twice), a deadlock or a serialization failure.

    A violation of a constraint nobody registered is a bug: it raises as it is (a logged 500).
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return await work()
        except DomainError:
            raise
        except Exception as exc:
            state = _sqlstate(exc) or ""
            if isinstance(exc, IntegrityError) or state.startswith("23"):
                translated = constraints.translate(exc)
                if translated is None:
                    raise
                if not isinstance(translated, constraints.Clash):
                    raise translated from None
                reason = f"a clash on {translated.constraint.name}"
            elif state in ("40001", "40P01"):
                reason = f"SQLSTATE {state}"
            else:
                raise
            if attempt == MAX_ATTEMPTS:
                raise Conflict("That clashed with another change; try again") from exc
            log.info("retrying a transaction after %s", reason)
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
        current = cast("list[str]", await Booking.filter(id=booking.id).using_db(conn).values_list("status", flat=True))
        status = current[0] if current else None
        if status in (BookingStatus.CANCELLED_BY_FAMILY, BookingStatus.CANCELLED_BY_PROVIDER):
            raise InvalidTransition("This booking has already been cancelled", code="already_cancelled")
        raise InvalidTransition(f"This booking is {BookingStatus(status).label.lower() if status else 'gone'}")
    booking.status = to
    for key, value in fields.items():
        setattr(booking, key, value)
