"""Provider directory models: providers, their services, availability rules, closures and sessions.

Vocabularies held as bit masks (needs, funding routes, accessibility) are described in
:mod:`providers.enums`. Session times are UTC; ``local_date`` and ``local_weekday`` are the
London date and weekday (0 = Monday) of the start, stored so search filters by them in SQL.
"""

from __future__ import annotations

from uuid import UUID

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from providers.enums import (
    AccessibilityFeature,
    BookingMode,
    FundingRoute,
    Need,
    ProviderStatus,
    ServiceKind,
    SessionStatus,
    StaffRatio,
    from_mask,
)
from shortbreaks.accounts.models import Organisation
from shortbreaks.models import TimestampedModel


class Provider(TimestampedModel):
    """The directory profile of an organisation that runs short breaks."""

    id = fields.UUIDField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="provider_profiles", on_delete=fields.RESTRICT
    )
    organisation_id: UUID
    local_authority: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="area_providers", on_delete=fields.RESTRICT
    )
    local_authority_id: UUID
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    ofsted_urn = fields.CharField(max_length=8, null=True)
    address = fields.CharField(max_length=300, default="")
    postcode = fields.CharField(max_length=8)
    latitude = fields.FloatField()
    longitude = fields.FloatField()
    contact_email = fields.CharField(max_length=254, default="")
    contact_phone = fields.CharField(max_length=30, default="")
    website = fields.CharField(max_length=300, default="")
    accessibility_mask = fields.IntField(default=0)
    languages: fields.Field[list[str]] = fields.JSONField(default=list)
    status = fields.CharEnumField(ProviderStatus, max_length=10, default=ProviderStatus.DRAFT)
    published_at = fields.DatetimeField(null=True)
    # When the provider's staff sent a draft profile to the council for review (the officer then approves it).
    submitted_for_review_at = fields.DatetimeField(null=True)

    services: fields.ReverseRelation[Service]

    class Meta:
        table = "providers_provider"
        indexes = [("status", "latitude", "longitude"), ("local_authority_id", "status")]
        constraints = [UniqueConstraint(fields=("organisation_id",), name="providers_provider_one_per_organisation")]

    @property
    def accessibility(self) -> list[AccessibilityFeature]:
        return from_mask(AccessibilityFeature, self.accessibility_mask)

    def __str__(self) -> str:
        return self.name


class AuthoritySetting(TimestampedModel):
    """A council's choices about its providers. ``review_new_services``: a published provider's new
    services wait for an officer's approval before families can find them (off: they go live at once)."""

    id = fields.UUIDField(primary_key=True)
    local_authority: fields.OneToOneRelation[Organisation] = fields.OneToOneField(
        "core.Organisation", related_name="provider_setting", on_delete=fields.CASCADE
    )
    local_authority_id: UUID
    review_new_services = fields.BooleanField(default=False)

    class Meta:
        table = "providers_authoritysetting"


class Service(TimestampedModel):
    """What a family books: capacity per session is staff on shift × children per staff member, or the group size."""

    id = fields.UUIDField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "providers.Provider", related_name="services", on_delete=fields.CASCADE
    )
    provider_id: UUID
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(ServiceKind, max_length=20)
    description = fields.TextField(default="")
    min_age = fields.SmallIntField()
    max_age = fields.SmallIntField()
    needs_mask = fields.IntField(default=0)
    staff_ratio = fields.CharEnumField(StaffRatio, max_length=5)
    # Only for the "group" ratio: children per session, whatever the number of staff.
    group_size = fields.SmallIntField(null=True)
    price_pence = fields.IntField(default=0)
    funding_mask = fields.IntField(default=0)
    booking_mode = fields.CharEnumField(BookingMode, max_length=10, default=BookingMode.INSTANT)
    cancellation_notice_hours = fields.IntField(default=48)
    # For a service that approves each booking: how soon the provider aims to confirm or decline a request.
    response_target_hours = fields.IntField(default=48)
    # A session opens for booking this many days before it starts.
    booking_window_days = fields.IntField(default=56)
    waiting_list_offer_hours = fields.IntField(default=24)
    late_cancellation_refund_percent = fields.SmallIntField(default=0)
    what_to_bring = fields.TextField(default="")
    # Skip England and Wales bank holidays when materialising sessions.
    closed_on_bank_holidays = fields.BooleanField(default=True)
    # A new service of a published provider, in a council that reviews new services, waiting for an officer's approval.
    awaiting_review = fields.BooleanField(default=False)

    rules: fields.ReverseRelation[AvailabilityRule]
    closures: fields.ReverseRelation[Closure]

    class Meta:
        table = "providers_service"
        indexes = [("provider_id", "name")]
        constraints = [
            CheckConstraint(check="min_age >= 0 AND max_age <= 25 AND min_age <= max_age", name="providers_service_ages"),
            CheckConstraint(check="price_pence >= 0", name="providers_service_price"),
            CheckConstraint(check="late_cancellation_refund_percent BETWEEN 0 AND 100", name="providers_service_refund_percent"),
        ]

    @property
    def needs(self) -> list[Need]:
        return from_mask(Need, self.needs_mask)

    @property
    def funding_routes(self) -> list[FundingRoute]:
        return from_mask(FundingRoute, self.funding_mask)

    def capacity_for(self, staff_count: int) -> int:
        """Places in a session with ``staff_count`` staff on shift."""
        per_staff = StaffRatio(self.staff_ratio).children_per_staff
        if per_staff is None:
            return int(self.group_size or 0)
        return staff_count * per_staff


class AvailabilityRule(TimestampedModel):
    """When a service runs: an RFC 5545 RRULE over London dates, a local start time and a duration."""

    id = fields.UUIDField(primary_key=True)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "providers.Service", related_name="rules", on_delete=fields.CASCADE
    )
    service_id: UUID
    rrule = fields.CharField(max_length=300)
    start_time = fields.CharField(max_length=5)
    duration_minutes = fields.IntField()
    staff_count = fields.SmallIntField()
    valid_from = fields.DateField()
    valid_until = fields.DateField(null=True)

    class Meta:
        table = "providers_availabilityrule"
        constraints = [
            CheckConstraint(check="duration_minutes > 0 AND staff_count > 0", name="providers_availabilityrule_positive"),
        ]


class Closure(TimestampedModel):
    """Dates (inclusive, London) on which a service does not run."""

    id = fields.UUIDField(primary_key=True)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "providers.Service", related_name="closures", on_delete=fields.CASCADE
    )
    service_id: UUID
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    reason = fields.CharField(max_length=200, default="")

    class Meta:
        table = "providers_closure"
        indexes = [("service_id", "starts_on")]
        constraints = [CheckConstraint(check="starts_on <= ends_on", name="providers_closure_dates")]


class Session(TimestampedModel):
    """One bookable occurrence. The database keeps places_taken between 0 and capacity."""

    id = fields.UUIDField(primary_key=True)
    service: fields.ForeignKeyRelation[Service] = fields.ForeignKeyField(
        "providers.Service", related_name="sessions", on_delete=fields.CASCADE
    )
    service_id: UUID
    rule: fields.ForeignKeyNullableRelation[AvailabilityRule] = fields.ForeignKeyField(
        "providers.AvailabilityRule", related_name="sessions", null=True, on_delete=fields.SET_NULL
    )
    rule_id: UUID | None
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    local_date = fields.DateField()
    local_weekday = fields.SmallIntField()
    capacity = fields.IntField()
    places_taken = fields.IntField(default=0)
    status = fields.CharEnumField(SessionStatus, max_length=10, default=SessionStatus.SCHEDULED)
    blocked = fields.BooleanField(default=False)
    # Bumped on every change a calendar subscriber should see (RFC 5545 SEQUENCE).
    sequence = fields.IntField(default=0)

    class Meta:
        table = "providers_session"
        constraints = [
            UniqueConstraint(fields=("rule_id", "starts_at"), name="providers_session_rule_start"),
            CheckConstraint(check="capacity > 0", name="providers_session_capacity_positive"),
            CheckConstraint(check="places_taken >= 0 AND places_taken <= capacity", name="providers_session_places_taken"),
            CheckConstraint(check="ends_at > starts_at", name="providers_session_times"),
        ]

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.places_taken)
