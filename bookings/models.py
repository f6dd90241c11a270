"""Bookings models: children and their care profiles, allocations and their ledger, bookings, waiting lists.

A ``Booking`` is one family's booking of one or more of its children onto one session (siblings
are booked all or none). Each child on it is a ``BookingChild`` row, which carries the rules
the database enforces: one active place per child per session (a partial unique index) and no
two active places for overlapping sessions (an exclusion constraint on PostgreSQL, a trigger on
SQLite). ``active`` is true while the booking is requested or confirmed.

An ``Allocation`` keeps running balances (``balance_minutes``, ``balance_pence``, CHECK >= 0)
that a conditional UPDATE debits, and every change is an ``AllocationEntry``: the ledger is the
source of truth and the balances always equal its sums.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from bookings.enums import Attendance, BookingStatus, FundingSource, LedgerKind, WaitingStatus
from shortbreaks.models import TimestampedModel

if TYPE_CHECKING:
    from providers.models import Service, Session
    from shortbreaks.accounts.models import Organisation, User


class Child(TimestampedModel):
    """A child a family account looks after. ``needs`` holds DfE primary need codes."""

    id = fields.UUIDField(primary_key=True)
    family: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="children", on_delete=fields.RESTRICT)
    family_id: UUID
    local_authority: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="children", on_delete=fields.RESTRICT
    )
    local_authority_id: UUID
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100, default="")
    date_of_birth = fields.DateField(null=True)
    needs: fields.Field[list[str]] = fields.JSONField(default=list)
    erased_at = fields.DatetimeField(null=True)

    allocations: fields.ReverseRelation[Allocation]

    class Meta:
        table = "bookings_child"
        indexes = [("family_id", "first_name"), ("local_authority_id",)]

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CareProfile(TimestampedModel):
    """Special-category data about a child: shown only to those who need it, never audited."""

    id = fields.UUIDField(primary_key=True)
    child: fields.OneToOneRelation[Child] = fields.OneToOneField("bookings.Child", related_name="care_profile", on_delete=fields.CASCADE)
    child_id: UUID
    communication = fields.TextField(default="")
    medical = fields.TextField(default="")
    dietary = fields.TextField(default="")
    behaviour_support = fields.TextField(default="")
    emergency_contact_name = fields.CharField(max_length=100, default="")
    emergency_contact_phone = fields.CharField(max_length=30, default="")

    class Meta:
        table = "bookings_careprofile"


class AuthoritySetting(TimestampedModel):
    """Per local authority rules. ``late_cancellation_credit``: late cancellations still get the allocation back."""

    id = fields.UUIDField(primary_key=True)
    local_authority: fields.OneToOneRelation[Organisation] = fields.OneToOneField(
        "core.Organisation", related_name="booking_setting", on_delete=fields.CASCADE
    )
    local_authority_id: UUID
    late_cancellation_credit = fields.BooleanField(default=False)

    class Meta:
        table = "bookings_authoritysetting"


class Allocation(TimestampedModel):
    """A child's short-breaks allocation for one allowance year, ``starts_on`` to ``ends_on``.

    The allowance year is the council's (1 April to 31 March in most councils, 1 February to
    31 January in some); ``year`` is the calendar year it starts in, so one allocation per child per
    year. ``service_kinds`` lists the kinds of break (``providers.enums.ServiceKind``) it pays for,
    copied from the statement tier it was approved under (``tier_code``); empty pays for any service
    (an allocation an officer grants by hand).
    """

    id = fields.UUIDField(primary_key=True)
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField(
        "bookings.Child", related_name="allocations", on_delete=fields.RESTRICT
    )
    child_id: UUID
    local_authority: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="allocations", on_delete=fields.RESTRICT
    )
    local_authority_id: UUID
    year = fields.SmallIntField()
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    tier_code = fields.CharField(max_length=40, default="")
    service_kinds: fields.Field[list[str]] = fields.JSONField(default=list)
    in_minutes = fields.BooleanField(default=False)
    in_pence = fields.BooleanField(default=False)
    balance_minutes = fields.IntField(default=0)
    balance_pence = fields.IntField(default=0)

    class Meta:
        table = "bookings_allocation"
        constraints = [
            UniqueConstraint(fields=("child_id", "year"), name="bookings_allocation_child_year"),
            CheckConstraint(check="balance_minutes >= 0 AND balance_pence >= 0", name="bookings_allocation_balance_not_negative"),
            CheckConstraint(check="starts_on < ends_on", name="bookings_allocation_period"),
        ]
        indexes = [("child_id", "starts_on", "ends_on")]


class AllocationEntry(Model):
    """One line of an allocation's ledger: signed minutes and pence."""

    id = fields.UUIDField(primary_key=True)
    allocation: fields.ForeignKeyRelation[Allocation] = fields.ForeignKeyField(
        "bookings.Allocation", related_name="entries", on_delete=fields.CASCADE
    )
    allocation_id: UUID
    kind = fields.CharEnumField(LedgerKind, max_length=12)
    minutes = fields.IntField(default=0)
    pence = fields.IntField(default=0)
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "bookings.Booking", related_name="ledger_entries", null=True, on_delete=fields.SET_NULL
    )
    booking_id: UUID | None
    reason = fields.CharField(max_length=300, default="")
    actor_id = fields.UUIDField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "bookings_allocationentry"
        indexes = [("allocation_id", "created_at")]


class Booking(TimestampedModel):
    """A family's booking of one or more children onto one session, with a short human reference."""

    id = fields.UUIDField(primary_key=True)
    reference = fields.CharField(max_length=12, unique=True)
    family: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="bookings", on_delete=fields.RESTRICT)
    family_id: UUID
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "providers.Session", related_name="bookings", on_delete=fields.RESTRICT
    )
    session_id: UUID
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "providers.Service", related_name="bookings", on_delete=fields.RESTRICT
    )
    service_id: UUID
    status = fields.CharEnumField(BookingStatus, max_length=24)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    minutes = fields.IntField()
    price_pence = fields.IntField(default=0)
    late_cancellation = fields.BooleanField(default=False)
    reason = fields.CharField(max_length=300, default="")
    decided_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    reminder_sent_at = fields.DatetimeField(null=True)

    children: fields.ReverseRelation[BookingChild]

    class Meta:
        table = "bookings_booking"
        indexes = [("family_id", "starts_at"), ("session_id", "status"), ("status", "starts_at")]
        constraints = [CheckConstraint(check="ends_at > starts_at AND minutes > 0", name="bookings_booking_times")]


class BookingChild(TimestampedModel):
    """One child's place on a booking, how it is paid for, and the attendance the provider recorded."""

    id = fields.UUIDField(primary_key=True)
    booking: fields.ForeignKeyRelation[Booking] = fields.ForeignKeyField(
        "bookings.Booking", related_name="children", on_delete=fields.CASCADE
    )
    booking_id: UUID
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField("bookings.Child", related_name="places", on_delete=fields.RESTRICT)
    child_id: UUID
    session_id = fields.UUIDField()
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    active = fields.BooleanField(default=True)
    funding_source = fields.CharEnumField(FundingSource, max_length=12)
    allocation: fields.ForeignKeyNullableRelation[Allocation] = fields.ForeignKeyField(
        "bookings.Allocation", related_name="places", null=True, on_delete=fields.RESTRICT
    )
    allocation_id: UUID | None
    debited_minutes = fields.IntField(default=0)
    debited_pence = fields.IntField(default=0)
    age_override = fields.BooleanField(default=False)
    attendance = fields.CharEnumField(Attendance, max_length=10, null=True)

    class Meta:
        table = "bookings_bookingchild"
        indexes = [("child_id", "starts_at"), ("session_id", "active")]
        constraints = [
            UniqueConstraint(fields=("booking_id", "child_id"), name="bookings_bookingchild_once_per_booking"),
            UniqueConstraint(fields=("child_id", "session_id"), condition="active", name="bookings_bookingchild_one_active_per_session"),
        ]


class WaitingListEntry(TimestampedModel):
    """A child waiting for a place on a full session, first in line first (higher ``priority`` first)."""

    id = fields.UUIDField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "providers.Session", related_name="waiting_list", on_delete=fields.CASCADE
    )
    session_id: UUID
    family: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="waiting_list_entries", on_delete=fields.RESTRICT
    )
    family_id: UUID
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField(
        "bookings.Child", related_name="waiting_list_entries", on_delete=fields.CASCADE
    )
    child_id: UUID
    status = fields.CharEnumField(WaitingStatus, max_length=10, default=WaitingStatus.WAITING)
    priority = fields.SmallIntField(default=0)
    joined_at = fields.DatetimeField()
    offered_at = fields.DatetimeField(null=True)
    offer_expires_at = fields.DatetimeField(null=True)
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "bookings.Booking", related_name="from_waiting_list", null=True, on_delete=fields.SET_NULL
    )
    booking_id: UUID | None

    class Meta:
        table = "bookings_waitinglistentry"
        indexes = [("session_id", "status", "priority", "joined_at"), ("status", "offer_expires_at")]
        constraints = [
            UniqueConstraint(
                fields=("session_id", "child_id"),
                condition="status IN ('waiting', 'offered')",
                name="bookings_waitinglistentry_once_per_session",
            ),
        ]
