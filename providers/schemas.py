"""Input and output schemas for the provider directory (API bodies, query strings and page forms alike)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from providers.enums import WEEKDAYS, AccessibilityFeature, BookingMode, FundingRoute, Need, ServiceKind, SessionStatus, StaffRatio
from providers.recurrence import parse_rrule

MAX_PAGE_SIZE = 50
MAX_MILES = 100


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Lenient(BaseModel):
    """Query strings and forms may carry extra fields (buttons); those are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


def _iso_date(value: Any) -> Any:
    """Query strings carry dates as ``YYYY-MM-DD`` only (pydantic would read ``0`` as a Unix time)."""
    if isinstance(value, str) and value and not _ISO_DATE.fullmatch(value):
        raise ValueError("Use a date like 2026-06-30")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
QueryDate = Annotated[date, BeforeValidator(_iso_date)]


def _split_list(value: Any) -> Any:
    """``"a,b"`` or ``["a", "b,c"]`` → ``["a", "b", "c"]``: query strings and checkboxes alike."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


# --- providers -----------------------------------------------------------------------------


class ProviderIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    local_authority_id: UUID = Field(description="The local authority whose officers approve this provider")
    organisation_id: UUID | None = Field(default=None, description="Defaults to your organisation when you belong to one")
    description: str = Field(default="", max_length=5000)
    ofsted_urn: str | None = Field(default=None, description="Ofsted unique reference number: SC and 6 digits")
    address: str = Field(default="", max_length=300)
    postcode: str = Field(min_length=2, max_length=10)
    contact_email: str = Field(default="", max_length=254)
    contact_phone: str = Field(default="", max_length=30)
    website: str = Field(default="", max_length=300)
    accessibility: list[AccessibilityFeature] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["English"])

    @field_validator("ofsted_urn")
    @classmethod
    def _urn(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        value = value.upper().replace(" ", "")
        if not re.fullmatch(r"SC[0-9]{6}", value):
            raise ValueError("Enter an Ofsted URN as SC and 6 digits, like SC123456")
        return value

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("Enter a contact email address like name@example.org")
        return value.lower()

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("Enter a website address starting with https://")
        return value

    @field_validator("accessibility", "languages", mode="before")
    @classmethod
    def _lists(cls, value: Any, info: ValidationInfo) -> Any:
        # Forms send "a,b" or repeated checkboxes; a JSON body must send an array.
        return value if info.mode == "json" else _split_list(value)


class ProviderPatch(Strict):
    """Any of :class:`ProviderIn`'s fields; the merged result is validated as a whole."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class ProviderOut(BaseModel):
    id: UUID
    name: str
    organisation_id: UUID
    local_authority_id: UUID
    description: str
    ofsted_urn: str | None
    address: str
    postcode: str
    latitude: float
    longitude: float
    contact_email: str
    contact_phone: str
    website: str
    accessibility: list[AccessibilityFeature]
    languages: list[str]
    status: str


# --- services ------------------------------------------------------------------------------


class ServiceIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: ServiceKind = Field(title="Type")
    description: str = Field(default="", max_length=5000)
    min_age: int = Field(ge=0, le=25, title="Youngest age")
    max_age: int = Field(ge=0, le=25, title="Oldest age")
    needs: list[Need] = Field(default_factory=list, title="Needs supported", description="DfE primary need codes supported")
    staff_ratio: StaffRatio = Field(title="Staff to children")
    group_size: int | None = Field(
        default=None,
        ge=1,
        le=200,
        validate_default=True,
        title="Group size",
        description="Children per session; only for the 'group' ratio",
    )
    price_pence: int = Field(ge=0, le=10_000_000, title="Price")
    funding_routes: list[FundingRoute] = Field(default_factory=list, title="Paid for by")
    booking_mode: BookingMode = Field(default=BookingMode.INSTANT, title="Bookings")
    cancellation_notice_hours: int = Field(default=48, ge=0, le=24 * 60, title="Cancellation notice")
    response_target_hours: int = Field(
        default=48,
        ge=1,
        le=24 * 14,
        title="Hours to answer a booking request",
        description="For a service that approves each booking: how soon the provider aims to answer a request",
    )
    booking_window_days: int = Field(
        default=56,
        ge=1,
        le=366,
        title="Days ahead families may book",
        description="A session opens for booking this many days before it starts",
    )
    waiting_list_offer_hours: int = Field(default=24, ge=1, le=24 * 14, title="Hours to accept a waiting-list offer")
    late_cancellation_refund_percent: int = Field(default=0, ge=0, le=100, title="Refund for late cancellation")
    what_to_bring: str = Field(default="", max_length=2000, title="What to bring")
    closed_on_bank_holidays: bool = Field(default=True, title="Bank holidays")

    @field_validator("max_age")
    @classmethod
    def _ages(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("min_age")
        if low is not None and value < low:
            raise ValueError("The oldest age must be the same as or more than the youngest age")
        return value

    @field_validator("group_size")
    @classmethod
    def _group(cls, value: int | None, info: ValidationInfo) -> int | None:
        ratio = info.data.get("staff_ratio")
        if ratio == StaffRatio.GROUP and value is None:
            raise ValueError("Enter how many children a group session takes")
        return value if ratio == StaffRatio.GROUP else None

    @field_validator("needs", "funding_routes", mode="before")
    @classmethod
    def _lists(cls, value: Any, info: ValidationInfo) -> Any:
        # Forms send "a,b" or repeated checkboxes; a JSON body must send an array.
        return value if info.mode == "json" else _split_list(value)

    @field_validator("closed_on_bank_holidays", mode="before")
    @classmethod
    def _checkbox(cls, value: Any, info: ValidationInfo) -> Any:
        # An unticked checkbox is a blank form field; a JSON body must send a boolean.
        return False if value is None and info.mode == "python" else value


class ServicePatch(Strict):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class ProviderRef(BaseModel):
    id: UUID
    name: str


class NextSession(BaseModel):
    id: UUID
    starts_at: datetime
    places_left: int


class ServiceOut(BaseModel):
    id: UUID
    name: str
    kind: ServiceKind
    description: str
    provider: ProviderRef
    min_age: int
    max_age: int
    needs: list[Need]
    staff_ratio: StaffRatio
    group_size: int | None
    price_pence: int
    funding_routes: list[FundingRoute]
    booking_mode: BookingMode
    cancellation_notice_hours: int
    response_target_hours: int
    booking_window_days: int
    waiting_list_offer_hours: int
    late_cancellation_refund_percent: int
    what_to_bring: str
    closed_on_bank_holidays: bool


class SearchResult(BaseModel):
    id: UUID
    name: str
    kind: ServiceKind
    provider: ProviderRef
    distance_miles: float | None
    next_session: NextSession | None
    price_pence: int
    min_age: int
    max_age: int


class SearchPage(BaseModel):
    items: list[SearchResult]
    page: int
    page_size: int
    total: int


# --- rules, closures, sessions -------------------------------------------------------------


class RuleIn(Strict):
    rrule: str = Field(max_length=300, description="RFC 5545 RRULE: FREQ=DAILY, WEEKLY or MONTHLY, e.g. FREQ=WEEKLY;BYDAY=SA")
    start_time: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="London time, HH:MM")
    duration_minutes: int = Field(ge=15, le=24 * 60 * 3)
    staff_count: int = Field(ge=1, le=100, description="Staff on shift; capacity is staff × children per staff member")
    valid_from: date
    valid_until: date | None = None

    @field_validator("rrule")
    @classmethod
    def _rrule(cls, value: str) -> str:
        return parse_rrule(value)

    @field_validator("valid_until")
    @classmethod
    def _until(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value < start:
            raise ValueError("The end date must be on or after the start date")
        return value


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class RuleFormIn(Lenient):
    """The availability form: days of the week, start and end time, from and until dates and
    "every N weeks" (the service makes the RRULE); a raw RRULE, when given, replaces the days."""

    form_blank_messages: ClassVar[dict[str, str]] = {
        "weekdays": "Select at least one day",
        "start_time": "Enter the start time, like 10:00",
        "end_time": "Enter the end time, like 15:30",
        "staff_count": "Enter how many staff are on shift",
        "valid_from": "Enter the first date, like 2027-01-09",
    }

    rrule: str | None = Field(default=None, max_length=300, title="Repeat rule (advanced)")
    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list, validate_default=True, title="Days"
    )
    every_weeks: int = Field(default=1, ge=1, le=52, title="How often")
    start_time: str = Field(pattern=TIME_PATTERN, title="Start time")
    end_time: str = Field(pattern=TIME_PATTERN, title="End time")
    staff_count: int = Field(ge=1, le=100, title="Staff on shift")
    valid_from: date = Field(title="First date")
    valid_until: date | None = Field(default=None, title="Last date")

    @field_validator("rrule")
    @classmethod
    def _rrule(cls, value: str | None) -> str | None:
        try:
            return parse_rrule(value) if value else None
        except ValueError as exc:
            raise ValueError(f"Repeat rule must be an RFC 5545 rule, like FREQ=WEEKLY;BYDAY=SA ({exc})") from None

    @field_validator("weekdays")
    @classmethod
    def _days(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if not value and not info.data.get("rrule"):
            raise ValueError("Select at least one day")
        return value

    @field_validator("end_time")
    @classmethod
    def _end(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start_time")
        if start is not None and value <= start:
            raise ValueError("The end time must be after the start time")
        return value

    @field_validator("valid_until")
    @classmethod
    def _until(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value < start:
            raise ValueError("The until date must be on or after the from date")
        return value


class PreviewDate(BaseModel):
    """One date a rule would make, with what stops a session on it."""

    starts_at: datetime
    bank_holiday: bool
    closed: bool
    closure_reason: str = ""


class RulePatch(Strict):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class RuleOut(BaseModel):
    id: UUID
    service_id: UUID
    rrule: str
    start_time: str
    duration_minutes: int
    staff_count: int
    valid_from: date
    valid_until: date | None


class ClosureIn(Strict):
    starts_on: date = Field(title="First day closed")
    ends_on: date = Field(title="Last day closed")
    reason: str = Field(default="", max_length=200, title="Reason")

    @field_validator("ends_on")
    @classmethod
    def _order(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("starts_on")
        if start is not None and value < start:
            raise ValueError("The last day must be on or after the first day")
        return value


class ClosureOut(BaseModel):
    id: UUID
    service_id: UUID
    starts_on: date
    ends_on: date
    reason: str


class SessionOut(BaseModel):
    id: UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    places_left: int
    status: SessionStatus


class CalendarSessionOut(SessionOut):
    service_id: UUID
    service_name: str
    places_taken: int
    blocked: bool


class SessionsQuery(Lenient):
    from_: QueryDate | None = Field(default=None, alias="from")
    to: QueryDate | None = None

    @field_validator("to")
    @classmethod
    def _span(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if value is not None and start is not None and value < start:
            raise ValueError("To date must be the same as or after the from date")
        return value


def _inline(enum: Any) -> WithJsonSchema:
    """Enums inlined in query-parameter schemas (the OpenAPI generator does not carry ``$defs`` into parameters)."""
    return WithJsonSchema({"type": "string", "enum": [member.value for member in enum]})


NeedParam = Annotated[Need, _inline(Need)]
FeatureParam = Annotated[AccessibilityFeature, _inline(AccessibilityFeature)]
KindParam = Annotated[ServiceKind, _inline(ServiceKind)]
FundingParam = Annotated[FundingRoute, _inline(FundingRoute)]


class SearchQuery(Lenient):
    """The families' search: the API's query string and the search page's form."""

    postcode: str | None = Field(default=None, max_length=10)
    within_miles: float = Field(default=10, gt=0, le=MAX_MILES)
    age: int | None = Field(default=None, ge=0, le=25)
    needs: list[NeedParam] = Field(default_factory=list)
    kind: KindParam | None = None
    accessibility: list[FeatureParam] = Field(default_factory=list)
    max_price_pence: int | None = Field(default=None, ge=0)
    free_only: bool = False
    funding: FundingParam | None = None
    from_: QueryDate | None = Field(default=None, alias="from")
    to: QueryDate | None = None
    weekdays: list[str] = Field(default_factory=list, description="e.g. sat,sun")
    q: str | None = Field(default=None, max_length=100)
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("needs", "accessibility", "weekdays", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        days = [d.lower()[:3] for d in value]
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"Use mon, tue, wed, thu, fri, sat or sun (not {', '.join(unknown)})")
        return days

    @field_validator("postcode", "q", "kind", "funding", "age", "max_price_pence", "from_", "to", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("within_miles", mode="before")
    @classmethod
    def _blank_miles(cls, value: Any) -> Any:
        return 10 if value in ("", None) else value

    @field_validator("free_only", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if value in (True, "true", "1", "yes", "on"):
            return True
        if value in (False, None, "", "false", "0", "no", "off"):
            return False
        raise ValueError("Use true or false")

    @field_validator("to")
    @classmethod
    def _span(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if value is not None and start is not None and value < start:
            raise ValueError("To date must be the same as or after the from date")
        return value


class StatusChange(Lenient):
    reason: str = Field(default="", max_length=500)
