"""A booking after it is made: the provider confirms or declines it, the family cancels it, the
provider cancels the whole session or records attendance; reminders before it starts.

Ending a booking credits its allocation (unless it is a late cancellation), settles its payment
(closes an unpaid one, or queues the refund owed, sent to Stripe after commit) and offers the
freed places to the waiting list first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from bookings import notifications
from bookings.enums import ACTIVE_STATUSES, ACTIVE_WAITING_STATUSES, Attendance, BookingStatus, WaitingStatus
from bookings.errors import InvalidTransition, OutsideAgeRange
from bookings.models import AuthoritySetting, Booking, BookingChild, Child, WaitingListEntry
from bookings.payments import records as payment_records
from bookings.payments.enums import PaymentStatus, RefundReason
from bookings.services.allocations import _credit
from bookings.services.common import _get_session, _places, _transition
from bookings.services.rules import cancellation_deadline, outside_age_range
from bookings.services.waiting_list import _free_places
from providers import services as provider_services
from shortbreaks import audit, mail
from shortbreaks.accounts.models import User
from shortbreaks.errors import FieldError, ValidationFailed
from shortbreaks.models import OutboxMessage


async def confirm_booking(booking: Booking, *, actor: User, now: datetime, override_age: bool = False) -> Booking:
    """The provider confirms a requested booking; a child outside the age range needs ``override_age``."""
    session = await _get_session(booking.session_id)
    places = await _places(booking)
    children = await Child.filter(id__in=[p.child_id for p in places])
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
    await mail.deliver_committed(messages)
    return booking


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
    session = await _get_session(booking.session_id)
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
    await mail.deliver_committed(messages)
    await payment_records.send_refunds_later(refunds)
    return booking


async def decline_booking(booking: Booking, *, actor: User, reason: str, now: datetime) -> Booking:
    """The provider declines a requested booking with a reason; the allocation is credited in full."""
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give the family a reason")
    session = await _get_session(booking.session_id)
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
    await mail.deliver_committed(messages)
    await payment_records.send_refunds_later(refunds)
    return booking


async def record_attendance(booking: Booking, *, actor: User, attendance: dict[UUID, Attendance], now: datetime) -> Booking:
    """The provider records who came, once the session has started; corrections are allowed."""
    if booking.starts_at > now:
        raise InvalidTransition("Attendance can be recorded once the session has started", code="session_not_started")
    places = await _places(booking)
    if set(attendance) != {p.child_id for p in places}:
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
    await mail.deliver_committed(messages)
    await payment_records.send_refunds_later(refunds)
    return len(bookings)


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
        await mail.deliver_committed(messages)
        sent += 1
    return sent
