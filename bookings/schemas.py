"""Input and output shapes for the bookings API and forms."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from bookings.enums import Attendance, BookingStatus, FundingSource, LedgerKind, WaitingStatus
from providers.enums import Need


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CareProfileIn(Strict):
    communication: str = Field(default="", max_length=2000)
    medical: str = Field(default="", max_length=2000)
    dietary: str = Field(default="", max_length=2000)
    behaviour_support: str = Field(default="", max_length=2000)
    emergency_contact_name: str = Field(default="", max_length=100)
    emergency_contact_phone: str = Field(default="", max_length=30)


class ChildIn(Strict):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field("", max_length=100)
    date_of_birth: date
    needs: list[Need] = Field(default_factory=list)
    care_profile: CareProfileIn = Field(default_factory=CareProfileIn)


class ChildOut(BaseModel):
    id: UUID
    first_name: str
    last_name: str
    date_of_birth: date | None
    needs: list[str]
    care_profile: CareProfileIn | None = None


class BookingIn(Strict):
    session_id: UUID
    child_ids: list[UUID] = Field(min_length=1, max_length=10)
    funding: FundingSource | None = None


class FundingOut(BaseModel):
    child_id: UUID
    source: FundingSource
    allocation_id: UUID | None
    minutes: int
    pence: int


class BookingOut(BaseModel):
    id: UUID
    reference: str
    status: BookingStatus
    session_id: UUID
    service_id: UUID
    service_name: str
    starts_at: datetime
    ends_at: datetime
    child_ids: list[UUID]
    funding: list[FundingOut]
    late_cancellation: bool
    reason: str
    cancellation_deadline: datetime


class CancelIn(Strict):
    reason: str = Field("", max_length=300)


class WaitingListIn(Strict):
    child_ids: list[UUID] = Field(min_length=1, max_length=10)


class WaitingEntryOut(BaseModel):
    id: UUID
    session_id: UUID
    child_id: UUID
    status: WaitingStatus
    priority: int
    joined_at: datetime
    offer_expires_at: datetime | None
    booking_id: UUID | None


class AcceptOfferIn(Strict):
    funding: FundingSource | None = None


class LedgerEntryOut(BaseModel):
    kind: LedgerKind
    minutes: int
    pence: int
    reason: str
    booking_id: UUID | None
    created_at: datetime


class AllocationOut(BaseModel):
    id: UUID
    child_id: UUID
    year: int = Field(description="The calendar year its allowance year starts in (one allocation per child per year)")
    starts_on: date = Field(description="The first day of its allowance year")
    ends_on: date = Field(description="The last day of its allowance year: a session on a later day is paid from the next year's")
    period: str = Field(description='Its allowance year in words: "1 February 2027 to 31 January 2028"')
    tier_code: str = Field(description="The statement tier it was approved under (empty for an officer's grant by hand)")
    service_kinds: list[str] = Field(description="The kinds of break it pays for (empty: any service)")
    in_minutes: bool
    in_pence: bool
    balance_minutes: int
    balance_pence: int
    ledger: list[LedgerEntryOut]


class GrantIn(Strict):
    year: int
    minutes: int = 0
    pence: int = 0
    reason: str = Field("", max_length=300)


class AdjustIn(Strict):
    minutes: int = 0
    pence: int = 0
    reason: str = Field(max_length=300)


class DeclineIn(Strict):
    reason: str = Field(min_length=1, max_length=300)


class ConfirmIn(Strict):
    override_age: bool = False


class AttendanceIn(Strict):
    attendance: dict[UUID, Attendance]


class CancelSessionIn(Strict):
    reason: str = Field(min_length=1, max_length=300)


class PriorityIn(Strict):
    priority: int


class StaffChildOut(BaseModel):
    """What provider staff see of a child: the care profile only while the booking is active."""

    child_id: UUID
    name: str
    age: int | None
    attendance: Attendance | None
    care_profile: CareProfileIn | None


class StaffBookingOut(BaseModel):
    id: UUID
    reference: str
    status: BookingStatus
    session_id: UUID
    starts_at: datetime
    children: list[StaffChildOut]
