"""Marks for the provider directory's lists: the sessions this family has booked or waits for.

See :mod:`shortbreaks.marks`. Two queries whatever the number of services: the family's
active bookings and its waiting-list entries on those services' sessions still to come.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from bookings.enums import ACTIVE_STATUSES, ACTIVE_WAITING_STATUSES, BookingStatus, WaitingStatus
from bookings.models import Booking, WaitingListEntry
from shortbreaks.accounts.enums import Role
from shortbreaks.marks import Marks
from shortbreaks.permissions import Principal

BOOKING_MARKS = {
    BookingStatus.HELD: "Booked: waiting for your payment",
    BookingStatus.REQUESTED: "Booking requested",
    BookingStatus.CONFIRMED: "Booked",
}
WAITING_MARKS = {WaitingStatus.WAITING: "On the waiting list", WaitingStatus.OFFERED: "A place is offered to you"}


async def session_marks(principal: Principal, service_ids: list[UUID], *, now: datetime) -> Marks:
    """For a family: each coming session of ``service_ids`` it has booked or waits for, and per
    service how many such sessions it has ("You have 2 bookings coming up")."""
    marks = Marks()
    if not principal.has_role(Role.FAMILY):
        return marks
    bookings = await Booking.filter(
        family_id=principal.id, service_id__in=service_ids, status__in=list(ACTIVE_STATUSES), starts_at__gt=now
    ).values("session_id", "service_id", "status")
    entries = await WaitingListEntry.filter(
        family_id=principal.id, session__service_id__in=service_ids, status__in=list(ACTIVE_WAITING_STATUSES), session__starts_at__gt=now
    ).values("session_id", "session__service_id", "status")
    booked: dict[UUID, set[UUID]] = {}
    waiting: dict[UUID, set[UUID]] = {}
    for entry in entries:
        marks.sessions[entry["session_id"]] = WAITING_MARKS[WaitingStatus(entry["status"])]
        waiting.setdefault(entry["session__service_id"], set()).add(entry["session_id"])
    for booking in bookings:  # a booking says more than a waiting-list entry for a brother or sister
        marks.sessions[booking["session_id"]] = BOOKING_MARKS[BookingStatus(booking["status"])]
        booked.setdefault(booking["service_id"], set()).add(booking["session_id"])
    for service_id in booked.keys() | waiting.keys():
        parts = []
        if count := len(booked.get(service_id, ())):
            parts.append(f"{count} booking{'' if count == 1 else 's'} coming up")
        if count := len(waiting.get(service_id, ())):
            parts.append(f"{count} waiting list{'' if count == 1 else 's'}")
        marks.services[service_id] = "You have " + " and ".join(parts)
    return marks
