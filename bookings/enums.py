"""Vocabularies for bookings, children, allocations and waiting lists."""

from __future__ import annotations

from enum import StrEnum


class BookingStatus(StrEnum):
    """A booking's lifecycle: requested → confirmed → attended | no_show, or declined / cancelled.

    A booking the family pays for starts ``held`` (the place is taken while they pay) and moves on
    to confirmed (or requested, for approval services) when the payment arrives, or to ``released``
    when the hold runs out unpaid.
    """

    HELD = "held"
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    DECLINED = "declined"
    CANCELLED_BY_FAMILY = "cancelled_by_family"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"
    RELEASED = "released"

    @property
    def is_active(self) -> bool:
        return self in ACTIVE_STATUSES

    @property
    def label(self) -> str:
        return BOOKING_STATUS_LABELS[self]


ACTIVE_STATUSES = frozenset({BookingStatus.HELD, BookingStatus.REQUESTED, BookingStatus.CONFIRMED})

BOOKING_STATUS_LABELS = {
    BookingStatus.HELD: "Held while you pay",
    BookingStatus.REQUESTED: "Waiting for the provider",
    BookingStatus.CONFIRMED: "Confirmed",
    BookingStatus.ATTENDED: "Attended",
    BookingStatus.NO_SHOW: "Did not attend",
    BookingStatus.DECLINED: "Declined",
    BookingStatus.CANCELLED_BY_FAMILY: "Cancelled by you",
    BookingStatus.CANCELLED_BY_PROVIDER: "Cancelled by the provider",
    BookingStatus.RELEASED: "Place released: not paid",
}


class Attendance(StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"


class FundingSource(StrEnum):
    ALLOCATION = "allocation"
    FAMILY = "family"


class LedgerKind(StrEnum):
    GRANT = "grant"
    DEBIT = "debit"
    CREDIT = "credit"
    ADJUSTMENT = "adjustment"


class WaitingStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    CLEARED = "cleared"


ACTIVE_WAITING_STATUSES = frozenset({WaitingStatus.WAITING, WaitingStatus.OFFERED})
