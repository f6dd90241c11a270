"""Held bookings, waiting for the family's online payment: paid, released, reclaimed.

Called by :mod:`bookings.payments` inside its own transactions, so each function takes that
transaction's connection (``conn``) and leaves committing, and sending the messages it returns,
to the caller.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from bookings import notifications
from bookings.enums import BookingStatus, LedgerKind
from bookings.models import Allocation, AllocationEntry, Booking, BookingChild
from bookings.services.allocations import _credit
from bookings.services.common import _get_session, _places, _transition
from bookings.services.waiting_list import _free_places
from providers import services as provider_services
from providers.enums import BookingMode, SessionStatus
from shortbreaks import audit
from shortbreaks.models import OutboxMessage


async def mark_paid(booking: Booking, *, now: datetime, conn: BaseDBAsyncClient) -> list[OutboxMessage | None]:
    """A held booking's payment arrived: confirmed (instant services) or requested (approval
    services), and the family is told. Inside the caller's transaction; raises
    ``InvalidTransition`` unless the booking is held.
    """
    session = await _get_session(booking.session_id)
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
    session = await _get_session(booking.session_id)
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
    session = await _get_session(booking.session_id)
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= now:
        return False
    places = await _places(booking, conn)
    if not await provider_services.take_places(session.id, len(places), using_db=conn):
        return False
    child_ids = [p.child_id for p in places]
    clash = await (
        BookingChild.filter(child_id__in=child_ids, active=True, starts_at__lt=session.ends_at, ends_at__gt=session.starts_at)
        .using_db(conn)
        .exists()
    )
    debits_ok = True
    for place in places:
        if place.allocation_id is not None and (place.debited_minutes or place.debited_pence):
            debits_ok = debits_ok and bool(
                await Allocation.filter(
                    id=place.allocation_id,
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
        if place.allocation_id is not None and (place.debited_minutes or place.debited_pence):
            await (
                Allocation.filter(id=place.allocation_id)
                .using_db(conn)
                .update(
                    balance_minutes=F("balance_minutes") - place.debited_minutes, balance_pence=F("balance_pence") - place.debited_pence
                )
            )
            await AllocationEntry.create(
                allocation_id=place.allocation_id,
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
