"""Emails about bookings, written to the outbox inside the change's transaction.

One message per event (``dedupe_key``), delivered after commit by the core's ``deliver_email``
job. Bodies name the service, the time and the reference; never needs or care details.
"""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from bookings.models import Booking, WaitingListEntry
from shortbreaks import mail
from shortbreaks.accounts.models import User
from shortbreaks.clock import LONDON
from shortbreaks.models import OutboxMessage
from shortbreaks.money import format_pence

log = logging.getLogger("bookings.notifications")


def money(pence: int) -> str:
    """``£1,234.50`` from pence (the core's one formatter, :func:`shortbreaks.money.format_pence`)."""
    return format_pence(pence)


def when(at: datetime) -> str:
    text = at.astimezone(LONDON).strftime("%A %-d %B %Y at %-I:%M%p")
    return text.replace("AM", "am").replace("PM", "pm")


async def _family_email(family_id: object, conn: BaseDBAsyncClient) -> str | None:
    user = await User.filter(id=family_id).using_db(conn).first()
    if user is None or not user.is_active:
        return None
    return user.email


async def booking_event(
    booking: Booking,
    event: str,
    *,
    service_name: str,
    now: datetime,
    conn: BaseDBAsyncClient,
    extra: str = "",
    new_booking_by: User | None = None,
) -> OutboxMessage | None:
    """``event``: confirmed, requested, declined, cancelled, cancelled_by_provider, reminder, released.

    ``new_booking_by``: the booking was made in this transaction by this (active, signed-in) family
    account, so its address is at hand and no message for the booking can exist yet: two lookups
    saved on the booking rush's hot path.
    """
    if new_booking_by is not None:
        to: str | None = new_booking_by.email
    else:
        to = await _family_email(booking.family_id, conn)
    if to is None:
        return None
    subjects = {
        "requested": f"Booking request sent: {service_name}",
        "confirmed": f"Booking confirmed: {service_name}",
        "declined": f"Booking declined: {service_name}",
        "cancelled": f"Booking cancelled: {service_name}",
        "cancelled_by_provider": f"Session cancelled by the provider: {service_name}",
        "reminder": f"Reminder: {service_name} tomorrow",
        "released": f"Place released: {service_name}",
    }
    lines = [
        f"Booking reference: {booking.reference}",
        f"Service: {service_name}",
        f"When: {when(booking.starts_at)}",
    ]
    if extra:
        lines += ["", extra]
    return await mail.queue_email(
        to=to,
        subject=subjects[event],
        body="\n".join(lines) + "\n",
        dedupe_key=f"booking-{event}:{booking.id}",
        now=now,
        using_db=conn,
        new_record=new_booking_by is not None,
    )


async def waiting_list_event(
    entry: WaitingListEntry, event: str, *, service_name: str, starts_at: datetime, now: datetime, conn: BaseDBAsyncClient
) -> OutboxMessage | None:
    """``event``: offered, expired, cleared. An entry is offered at most once."""
    to = await _family_email(entry.family_id, conn)
    if to is None:
        return None
    if event == "offered":
        assert entry.offer_expires_at is not None
        subject = f"A place is free: {service_name}"
        text = (
            f"A place has come up on {service_name}, {when(starts_at)}.\n"
            f"It is held for you until {when(entry.offer_expires_at)}. Accept it on your bookings page.\n"
        )
    elif event == "expired":
        subject = f"Waiting-list offer expired: {service_name}"
        text = (
            f"The place we offered you on {service_name}, {when(starts_at)}, was not accepted in time,"
            " so it has been offered to the next family.\n"
        )
    else:
        subject = f"Session cancelled: {service_name}"
        text = f"{service_name}, {when(starts_at)}, has been cancelled by the provider, so its waiting list has closed.\n"
    return await mail.queue_email(to=to, subject=subject, body=text, dedupe_key=f"waiting-{event}:{entry.id}", now=now, using_db=conn)
