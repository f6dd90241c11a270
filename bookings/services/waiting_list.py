"""Waiting lists: join, offers, accept, leave, expiry, priority.

A freed place is offered to the first in line *inside the transaction that frees it* and stays
taken while the offer is open, so nobody outside the queue can grab it. An offer that expires
passes the place to the next in line, or releases it when nobody is waiting. ``_free_places``
runs inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from bookings import notifications
from bookings.enums import ACTIVE_WAITING_STATUSES, BookingStatus, FundingSource, WaitingStatus
from bookings.errors import InvalidTransition, OfferExpired, SessionHasPlaces
from bookings.models import Booking, WaitingListEntry
from bookings.services.booking import (
    _check_payable,
    _insert_booking,
    _load_applicants,
    _load_children,
    _open_payment,
    _precheck_children,
    plan_funding,
)
from bookings.services.common import _get_session, _with_retries
from bookings.services.rules import check_bookable
from providers import services as provider_services
from providers.enums import BookingMode, SessionStatus
from providers.models import Session
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.accounts.services import require_verified_email
from shortbreaks.errors import ValidationFailed
from shortbreaks.models import OutboxMessage


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


async def join_waiting_list(family: User, *, session_id: UUID, child_ids: list[UUID], now: datetime) -> list[WaitingListEntry]:
    """Put children on a full session's waiting list, in order of joining (a family whose email
    address is not confirmed yet is refused, ``EmailNotVerified``, as at booking)."""
    require_verified_email(family)
    session = await _get_session(session_id)
    applicants = await _load_applicants(family, child_ids, session)
    children = applicants.children
    check_bookable(session, now=now)
    approval = session.service.booking_mode == BookingMode.APPROVAL
    await _precheck_children(children, session, allow_age_override=approval, clashes=applicants.clashes)
    if session.places_left >= len(children):
        raise SessionHasPlaces("This session has places: book it instead")
    # A child who could not be booked here (no allocation for a service that needs one) cannot wait for a place either.
    await plan_funding(children, session, funding=None, allocations=applicants.allocations)

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
    session = await _get_session(entry.session_id)
    children = await _load_children(family, [entry.child_id])
    await _precheck_children(children, session, allow_age_override=True)
    plan = await plan_funding(children, session, funding=funding)
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
    await mail.deliver_committed(messages)
    return booking


async def leave_waiting_list(entry: WaitingListEntry, *, family: User, now: datetime) -> None:
    """Withdraw from a waiting list; an open offer passes to the next in line."""
    session = await _get_session(entry.session_id)
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
    await mail.deliver_committed(messages)


async def expire_offer(entry_id: UUID, *, now: datetime) -> bool:
    """Expire one overdue offer and pass its place on; safe to run twice (``False``: nothing to do)."""
    entry = await WaitingListEntry.get_or_none(id=entry_id)
    if entry is None or entry.status != WaitingStatus.OFFERED:
        return False
    session = await _get_session(entry.session_id)
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
    await mail.deliver_committed(messages)
    return True


async def expire_overdue_offers(*, now: datetime) -> int:
    """Expire every offer past its time (the sweep that keeps a lost job from stranding a place)."""
    ids = cast(
        "list[UUID]",
        await WaitingListEntry.filter(status=WaitingStatus.OFFERED, offer_expires_at__lte=now)
        .order_by("offer_expires_at")
        .values_list("id", flat=True),
    )
    count = 0
    for entry_id in ids:
        if await expire_offer(entry_id, now=now):
            count += 1
    return count


async def offer_free_places(*, now: datetime) -> int:
    """Offer places that came free while nobody was waiting to children who joined since."""
    session_ids = set(
        cast(
            "list[UUID]",
            await WaitingListEntry.filter(status=WaitingStatus.WAITING, session__starts_at__gt=now).values_list("session_id", flat=True),
        )
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
        await mail.deliver_committed(messages)
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
