"""Entitlements models: a council's profile, its short breaks services statement (versioned) and the statement's tiers.

A statement version is written as a draft, published, and replaced (``superseded``) by the next
published version; every version stays readable. A :class:`Tier` row belongs to one version and
carries a ``code`` that stays the same from version to version ("targeted"), so an allocation or
an application made later can name the tier it came from and still find it in a newer version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from entitlements.enums import (
    ApplicationEventKind,
    ApplicationStatus,
    PackagePeriod,
    PackageSource,
    QuestionKind,
    RefusalReason,
    ReviewStatus,
    ShortfallAction,
    ShortfallEventKind,
    ShortfallStatus,
    ShortfallTrigger,
    StatementStatus,
    TierKind,
)
from shortbreaks.models import TimestampedModel

if TYPE_CHECKING:  # a model imported here would be registered with the entitlements app too
    from bookings.models import Allocation, Child
    from shortbreaks.accounts.models import Organisation, User


class CouncilProfile(TimestampedModel):
    """What a local authority publishes under: its address (``slug``), allowance year and area."""

    id = fields.UUIDField(primary_key=True)
    local_authority: fields.OneToOneRelation[Organisation] = fields.OneToOneField(
        "core.Organisation", related_name="council_profile", on_delete=fields.RESTRICT
    )
    local_authority_id: UUID
    # /councils/<slug>/short-breaks
    slug = fields.CharField(max_length=60, unique=True)
    # The allowance year starts on this day every year: 1 April in most councils, 1 February in some.
    allowance_year_start_month = fields.SmallIntField(default=4)
    allowance_year_start_day = fields.SmallIntField(default=1)
    # Postcode districts ("B15") or areas ("B") the council serves: the checker's "lives in the area".
    postcode_districts: Any = fields.JSONField(default=list)
    # Decision targets in working days (England's bank holidays excluded), counted from submission
    # with the time spent waiting for the family's information left out; renewals have their own.
    decision_target_days = fields.SmallIntField(default=20)
    renewal_target_days = fields.SmallIntField(default=10)
    # How long before the allowance year ends families are invited to renew.
    renewal_invite_weeks = fields.SmallIntField(default=6)
    # When the nightly job opens a shortfall case: a package this many percent behind in its period,
    # or with nothing attended for this many weeks; and after how many working days an open case
    # goes to the manager (``shortfall_manager``, an officer of the council).
    shortfall_percent = fields.SmallIntField(default=25)
    shortfall_idle_weeks = fields.SmallIntField(default=4)
    shortfall_escalate_days = fields.SmallIntField(default=10)
    shortfall_manager: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="shortfall_councils", null=True, on_delete=fields.SET_NULL
    )
    shortfall_manager_id: UUID | None

    statements: fields.ReverseRelation[Statement]

    class Meta:
        table = "entitlements_councilprofile"
        constraints = [
            CheckConstraint(
                check="allowance_year_start_month BETWEEN 1 AND 12 AND allowance_year_start_day BETWEEN 1 AND 31",
                name="entitlements_councilprofile_year_start",
            ),
            CheckConstraint(
                check="decision_target_days > 0 AND renewal_target_days > 0 AND renewal_invite_weeks BETWEEN 1 AND 26",
                name="entitlements_councilprofile_targets",
            ),
            CheckConstraint(
                check=(
                    "shortfall_percent BETWEEN 1 AND 100 AND shortfall_idle_weeks BETWEEN 1 AND 52"
                    " AND shortfall_escalate_days BETWEEN 1 AND 60"
                ),
                name="entitlements_councilprofile_shortfall",
            ),
        ]


class Statement(TimestampedModel):
    """One version of a council's short breaks services statement (the Breaks for Carers Regulations 2011)."""

    id = fields.UUIDField(primary_key=True)
    council: fields.ForeignKeyRelation[CouncilProfile] = fields.ForeignKeyField(
        "entitlements.CouncilProfile", related_name="statements", on_delete=fields.RESTRICT
    )
    council_id: UUID
    # 1, 2, 3… per council: /councils/<slug>/short-breaks/versions/<number>
    number = fields.IntField()
    status = fields.CharEnumField(StatementStatus, max_length=12, default=StatementStatus.DRAFT)
    introduction = fields.TextField(default="")
    # How the breaks meet local carers' needs, and how the statement is reviewed with carers' views.
    local_needs = fields.TextField(default="")
    contact_email = fields.CharField(max_length=254, default="")
    contact_phone = fields.CharField(max_length=40, default="")
    contact_details = fields.TextField(default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="statements_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    published_at = fields.DatetimeField(null=True)
    published_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="statements_published", null=True, on_delete=fields.SET_NULL
    )
    published_by_id: UUID | None

    tiers: fields.ReverseRelation[Tier]

    class Meta:
        table = "entitlements_statement"
        ordering = ["number"]
        constraints = [
            UniqueConstraint(fields=("council_id", "number"), name="entitlements_statement_number_unique"),
            # At most one draft and one published version per council at a time.
            UniqueConstraint(
                fields=("council_id", "status"),
                name="entitlements_statement_one_open",
                condition="status IN ('draft', 'published')",
            ),
            CheckConstraint(check="number >= 1", name="entitlements_statement_number_positive"),
            CheckConstraint(
                check="(status = 'draft') = (published_at IS NULL)",
                name="entitlements_statement_published_at",
            ),
        ]


class Tier(TimestampedModel):
    """A universal, targeted or specialist offer in one statement version: who it is for, what it gives, how to apply."""

    id = fields.UUIDField(primary_key=True)
    statement: fields.ForeignKeyRelation[Statement] = fields.ForeignKeyField(
        "entitlements.Statement", related_name="tiers", on_delete=fields.CASCADE
    )
    statement_id: UUID
    # Stable across versions ("targeted"): what later records (applications, allocations) name.
    code = fields.CharField(max_length=40)
    kind = fields.CharEnumField(TierKind, max_length=12)
    name = fields.CharField(max_length=120)
    position = fields.SmallIntField(default=0)
    # Who it is for, in words (always shown), and as rules the checker can test (entitlements.rules).
    criteria = fields.TextField(default="")
    rules: Any = fields.JSONField(default=dict)
    # What it gives per allowance year: hours, pounds (pence), either, or neither (universal offers).
    hours_per_year = fields.IntField(null=True)
    pence_per_year = fields.BigIntField(null=True)
    gives = fields.TextField(default="")
    # Which kinds of short break (providers.enums.ServiceKind values) it can be spent on.
    service_kinds: Any = fields.JSONField(default=list)
    how_to_apply = fields.TextField(default="")

    class Meta:
        table = "entitlements_tier"
        ordering = ["position", "code"]
        constraints = [
            UniqueConstraint(fields=("statement_id", "code"), name="entitlements_tier_code_unique"),
            CheckConstraint(
                check="kind = 'universal' OR length(trim(how_to_apply)) > 0",
                name="entitlements_tier_how_to_apply",
            ),
            CheckConstraint(
                check="(hours_per_year IS NULL OR hours_per_year > 0) AND (pence_per_year IS NULL OR pence_per_year > 0)",
                name="entitlements_tier_amounts",
            ),
        ]


class Question(TimestampedModel):
    """A question a council adds to the application form of one of its tiers (by the tier's stable
    ``code``, so it stays through new statement versions)."""

    id = fields.UUIDField(primary_key=True)
    council: fields.ForeignKeyRelation[CouncilProfile] = fields.ForeignKeyField(
        "entitlements.CouncilProfile", related_name="questions", on_delete=fields.CASCADE
    )
    council_id: UUID
    tier_code = fields.CharField(max_length=40)
    position = fields.SmallIntField(default=0)
    kind = fields.CharEnumField(QuestionKind, max_length=12)
    label = fields.CharField(max_length=300)
    hint = fields.TextField(default="")
    # The options of a choice question, in order.
    choices: Any = fields.JSONField(default=list)
    required = fields.BooleanField(default=True)
    archived = fields.BooleanField(default=False)

    class Meta:
        table = "entitlements_question"
        ordering = ["position", "created_at"]
        indexes = [("council_id", "tier_code")]


class Application(TimestampedModel):
    """A family's application for one tier of a council's statement, for one child.

    ``answers`` maps a question's key (a rule's name, or a council question's id) to the family's
    answer. The decision clock counts working days from ``submitted_at``; the days spent waiting for
    the family's information (from ``paused_at``) are added to ``paused_working_days`` when they answer.
    """

    id = fields.UUIDField(primary_key=True)
    # AP-7K3Q-9M: quoted in emails, letters and phone calls.
    reference = fields.CharField(max_length=12, unique=True)
    council: fields.ForeignKeyRelation[CouncilProfile] = fields.ForeignKeyField(
        "entitlements.CouncilProfile", related_name="applications", on_delete=fields.RESTRICT
    )
    council_id: UUID
    family: fields.ForeignKeyRelation[User] = fields.ForeignKeyField("core.User", related_name="applications", on_delete=fields.RESTRICT)
    family_id: UUID
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField(
        "bookings.Child", related_name="applications", on_delete=fields.RESTRICT
    )
    child_id: UUID
    # The tier applied for, as it read in the statement version the family applied under.
    tier: fields.ForeignKeyRelation[Tier] = fields.ForeignKeyField(
        "entitlements.Tier", related_name="applications", on_delete=fields.RESTRICT
    )
    tier_id: UUID
    tier_code = fields.CharField(max_length=40)
    renewal_of: fields.ForeignKeyNullableRelation[Application] = fields.ForeignKeyField(
        "entitlements.Application", related_name="renewals", null=True, on_delete=fields.SET_NULL
    )
    renewal_of_id: UUID | None
    status = fields.CharEnumField(ApplicationStatus, max_length=12, default=ApplicationStatus.DRAFT)
    answers: Any = fields.JSONField(default=dict)
    submitted_at = fields.DatetimeField(null=True)
    assigned_to: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="applications_assigned", null=True, on_delete=fields.SET_NULL
    )
    assigned_to_id: UUID | None
    # Waiting for the family: what was asked, since when, and the working days waited before.
    info_request = fields.TextField(default="")
    paused_at = fields.DatetimeField(null=True)
    paused_working_days = fields.SmallIntField(default=0)
    # The decision.
    decided_at = fields.DatetimeField(null=True)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="applications_decided", null=True, on_delete=fields.SET_NULL
    )
    decided_by_id: UUID | None
    approved_minutes = fields.IntField(null=True)
    approved_pence = fields.BigIntField(null=True)
    # Why the amount differs from the tier's, or why the application was refused, in the officer's words.
    decision_reason = fields.TextField(default="")
    refusal_reason = fields.CharEnumField(RefusalReason, max_length=24, null=True)
    allocation: fields.ForeignKeyNullableRelation[Allocation] = fields.ForeignKeyField(
        "bookings.Allocation", related_name="applications", null=True, on_delete=fields.RESTRICT
    )
    allocation_id: UUID | None

    events: fields.ReverseRelation[ApplicationEvent]
    evidence: fields.ReverseRelation[Evidence]
    reviews: fields.ReverseRelation[Review]

    class Meta:
        table = "entitlements_application"
        indexes = [("council_id", "status", "submitted_at"), ("family_id", "created_at")]
        constraints = [
            # One open application per child per tier: sending twice, or two tabs, make one.
            UniqueConstraint(
                fields=("child_id", "tier_code"),
                name="entitlements_application_one_open",
                condition="status IN ('draft', 'submitted', 'more_info')",
            ),
            CheckConstraint(
                check="status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL", name="entitlements_application_submitted"
            ),
            CheckConstraint(
                check="status <> 'approved' OR (allocation_id IS NOT NULL AND decided_at IS NOT NULL)",
                name="entitlements_application_approved",
            ),
            CheckConstraint(
                check="status <> 'refused' OR (refusal_reason IS NOT NULL AND decided_at IS NOT NULL)",
                name="entitlements_application_refused",
            ),
            CheckConstraint(check="(status = 'more_info') = (paused_at IS NOT NULL)", name="entitlements_application_paused"),
        ]


class ApplicationEvent(TimestampedModel):
    """One step in an application's history (append-only), shown to the family and the officers."""

    id = fields.UUIDField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "entitlements.Application", related_name="events", on_delete=fields.CASCADE
    )
    application_id: UUID
    kind = fields.CharEnumField(ApplicationEventKind, max_length=24)
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="application_events", null=True, on_delete=fields.SET_NULL
    )
    actor_id: UUID | None
    # What was asked, answered or decided, in the words shown on the history.
    detail = fields.TextField(default="")
    # Shown to the family too (an officer's internal note is not).
    shared = fields.BooleanField(default=True)
    at = fields.DatetimeField()

    class Meta:
        table = "entitlements_applicationevent"
        ordering = ["at", "created_at"]
        indexes = [("application_id", "at")]


class Evidence(TimestampedModel):
    """A file a family sent with an application (PDF, JPEG or PNG), kept outside the web root."""

    id = fields.UUIDField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "entitlements.Application", related_name="evidence", on_delete=fields.CASCADE
    )
    application_id: UUID
    # The name the family's device gave it (shown, never used as a path) and what its content is.
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=40)
    size_bytes = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    # Where the storage backend keeps it (a random name): entitlements.storage.
    storage_key = fields.CharField(max_length=100, unique=True)
    uploaded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="evidence_uploaded", null=True, on_delete=fields.SET_NULL
    )
    uploaded_by_id: UUID | None

    class Meta:
        table = "entitlements_evidence"
        ordering = ["created_at"]
        constraints = [CheckConstraint(check="size_bytes > 0", name="entitlements_evidence_size")]


class Review(TimestampedModel):
    """A family's request to review a decision, decided by an officer other than the one who made it."""

    id = fields.UUIDField(primary_key=True)
    application: fields.ForeignKeyRelation[Application] = fields.ForeignKeyField(
        "entitlements.Application", related_name="reviews", on_delete=fields.CASCADE
    )
    application_id: UUID
    grounds = fields.TextField()
    requested_at = fields.DatetimeField()
    # Who made the decision under review: the reviewer must be someone else.
    original_officer_id = fields.UUIDField(null=True)
    reviewer: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="reviews_assigned", null=True, on_delete=fields.SET_NULL
    )
    reviewer_id: UUID | None
    status = fields.CharEnumField(ReviewStatus, max_length=12, default=ReviewStatus.OPEN)
    outcome = fields.TextField(default="")
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "entitlements_review"
        constraints = [
            UniqueConstraint(fields=("application_id",), name="entitlements_review_one_open", condition="status = 'open'"),
            CheckConstraint(
                check="reviewer_id IS NULL OR original_officer_id IS NULL OR reviewer_id <> original_officer_id",
                name="entitlements_review_other_officer",
            ),
            CheckConstraint(check="(status = 'open') = (decided_at IS NULL)", name="entitlements_review_decided"),
        ]


class AgreedPackage(TimestampedModel):
    """What a council has agreed a child gets, from ``starts_on`` to ``ends_on``, and where it comes from.

    The amount lives in :class:`PackageAmount` rows: the first from ``starts_on``, and one for each
    variation from its date (the history is kept; the row in force on a day is the latest
    ``effective_from`` on or before it).
    """

    id = fields.UUIDField(primary_key=True)
    council: fields.ForeignKeyRelation[CouncilProfile] = fields.ForeignKeyField(
        "entitlements.CouncilProfile", related_name="packages", on_delete=fields.RESTRICT
    )
    council_id: UUID
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField("bookings.Child", related_name="packages", on_delete=fields.RESTRICT)
    child_id: UUID
    source = fields.CharEnumField(PackageSource, max_length=16)
    # The application whose approval it records (source tier_decision), or the plan's own reference.
    application: fields.ForeignKeyNullableRelation[Application] = fields.ForeignKeyField(
        "entitlements.Application", related_name="packages", null=True, on_delete=fields.SET_NULL
    )
    application_id: UUID | None
    source_reference = fields.CharField(max_length=100, default="")
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    # How it is meant to be used, in words: "3 hours every Saturday", "2 overnights a month".
    pattern = fields.CharField(max_length=200, default="")
    # The officer responsible for the child (shortfall cases go to them).
    officer: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="packages_held", null=True, on_delete=fields.SET_NULL
    )
    officer_id: UUID | None
    recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="packages_recorded", null=True, on_delete=fields.SET_NULL
    )
    recorded_by_id: UUID | None

    amounts: fields.ReverseRelation[PackageAmount]

    class Meta:
        table = "entitlements_agreedpackage"
        indexes = [("council_id", "starts_on", "ends_on"), ("child_id",)]
        constraints = [CheckConstraint(check="starts_on <= ends_on", name="entitlements_agreedpackage_dates")]


class PackageAmount(TimestampedModel):
    """An agreed package's amount from ``effective_from``: hours (as minutes) or pence, per week, month or year."""

    id = fields.UUIDField(primary_key=True)
    package: fields.ForeignKeyRelation[AgreedPackage] = fields.ForeignKeyField(
        "entitlements.AgreedPackage", related_name="amounts", on_delete=fields.CASCADE
    )
    package_id: UUID
    effective_from = fields.DateField()
    minutes = fields.IntField(null=True)
    pence = fields.BigIntField(null=True)
    per = fields.CharEnumField(PackagePeriod, max_length=8)
    # Why it changed (empty for the first amount).
    reason = fields.TextField(default="")
    recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="package_amounts_recorded", null=True, on_delete=fields.SET_NULL
    )
    recorded_by_id: UUID | None

    class Meta:
        table = "entitlements_packageamount"
        ordering = ["effective_from"]
        constraints = [
            UniqueConstraint(fields=("package_id", "effective_from"), name="entitlements_packageamount_once_a_day"),
            CheckConstraint(
                check="(minutes IS NULL OR minutes > 0) AND (pence IS NULL OR pence > 0) AND (minutes IS NOT NULL OR pence IS NOT NULL)",
                name="entitlements_packageamount_positive",
            ),
        ]


class ShortfallCase(TimestampedModel):
    """A child's package that fell behind: opened by the nightly job, worked by the child's officer.

    The figures are the package's period so far on the night it was opened (in the unit of the
    amount then in force: minutes when ``in_minutes``, else pence); pages show today's beside them.
    At most one case per package is open or escalated at a time.
    """

    id = fields.UUIDField(primary_key=True)
    council: fields.ForeignKeyRelation[CouncilProfile] = fields.ForeignKeyField(
        "entitlements.CouncilProfile", related_name="shortfall_cases", on_delete=fields.RESTRICT
    )
    council_id: UUID
    package: fields.ForeignKeyRelation[AgreedPackage] = fields.ForeignKeyField(
        "entitlements.AgreedPackage", related_name="shortfall_cases", on_delete=fields.RESTRICT
    )
    package_id: UUID
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField(
        "bookings.Child", related_name="shortfall_cases", on_delete=fields.RESTRICT
    )
    child_id: UUID
    # The child's officer (the package's), who works the case.
    officer: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="shortfall_cases", null=True, on_delete=fields.SET_NULL
    )
    officer_id: UUID | None
    status = fields.CharEnumField(ShortfallStatus, max_length=10, default=ShortfallStatus.OPEN)
    trigger = fields.CharEnumField(ShortfallTrigger, max_length=8)
    opened_on = fields.DateField()
    opened_at = fields.DatetimeField()
    period_starts = fields.DateField()
    period_ends = fields.DateField()
    in_minutes = fields.BooleanField()
    agreed = fields.BigIntField()
    delivered = fields.BigIntField()
    shortfall = fields.BigIntField()
    percent_behind = fields.SmallIntField()
    escalated_at = fields.DatetimeField(null=True)
    escalated_to: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="shortfall_cases_escalated", null=True, on_delete=fields.SET_NULL
    )
    escalated_to_id: UUID | None
    closed_at = fields.DatetimeField(null=True)
    closed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="shortfall_cases_closed", null=True, on_delete=fields.SET_NULL
    )
    closed_by_id: UUID | None

    events: fields.ReverseRelation[ShortfallEvent]

    class Meta:
        table = "entitlements_shortfallcase"
        ordering = ["opened_at"]
        indexes = [("council_id", "status", "opened_on"), ("child_id", "opened_at")]
        constraints = [
            # One case at a time per package: the nightly job running twice opens one.
            UniqueConstraint(fields=("package_id",), name="entitlements_shortfallcase_one_open", condition="status <> 'closed'"),
            CheckConstraint(check="(status = 'closed') = (closed_at IS NOT NULL)", name="entitlements_shortfallcase_closed"),
            CheckConstraint(check="status <> 'escalated' OR escalated_at IS NOT NULL", name="entitlements_shortfallcase_escalated"),
        ]


class ShortfallEvent(TimestampedModel):
    """One step of a shortfall case (append-only): opened, who was told, escalated, each action, closed."""

    id = fields.UUIDField(primary_key=True)
    case: fields.ForeignKeyRelation[ShortfallCase] = fields.ForeignKeyField(
        "entitlements.ShortfallCase", related_name="events", on_delete=fields.CASCADE
    )
    case_id: UUID
    kind = fields.CharEnumField(ShortfallEventKind, max_length=16)
    # What the officer did (kind ``action`` only).
    action = fields.CharEnumField(ShortfallAction, max_length=24, null=True)
    note = fields.TextField(default="")
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "core.User", related_name="shortfall_events", null=True, on_delete=fields.SET_NULL
    )
    actor_id: UUID | None
    at = fields.DatetimeField()

    class Meta:
        table = "entitlements_shortfallevent"
        ordering = ["at", "created_at"]
        indexes = [("case_id", "at")]
        constraints = [CheckConstraint(check="(kind = 'action') = (action IS NOT NULL)", name="entitlements_shortfallevent_action")]


class SufficiencyRefresh(TimestampedModel):
    """When a council's sufficiency figures were last worked out (:mod:`entitlements.sufficiency`), and for which day."""

    id = fields.UUIDField(primary_key=True)
    council: fields.OneToOneRelation[CouncilProfile] = fields.OneToOneField(
        "entitlements.CouncilProfile", related_name="sufficiency_refresh", on_delete=fields.CASCADE
    )
    council_id: UUID
    day = fields.DateField()
    # The allowance year the places, requests and declines are counted in.
    year_starts = fields.DateField()
    year_ends = fields.DateField()
    packages = fields.IntField(default=0)
    # The tier keys and areas found (the filters' options beside the council's own tiers and districts).
    tier_keys: Any = fields.JSONField(default=list)
    areas: Any = fields.JSONField(default=list)

    class Meta:
        table = "entitlements_sufficiencyrefresh"


class SufficiencyPackage(Model):
    """One active package's figures on the day of the council's last refresh, with the report's dimensions
    written onto it (``id`` is the package's id). Replaced whole at every refresh; read by the report."""

    id = fields.UUIDField(primary_key=True)
    council_id = fields.UUIDField()
    child: fields.ForeignKeyRelation[Child] = fields.ForeignKeyField(
        "bookings.Child", related_name="sufficiency_packages", on_delete=fields.CASCADE
    )
    child_id: UUID
    day = fields.DateField()
    # The tier's code for a tier decision, else the package's source (tier codes never hold "_").
    tier_key = fields.CharField(max_length=40)
    need = fields.CharField(max_length=8)
    age_band = fields.CharField(max_length=8)
    area = fields.CharField(max_length=8)
    # The child's first package (by id), and first in its tier_key: counting these counts children once.
    child_first = fields.BooleanField()
    child_tier_first = fields.BooleanField()
    # Behind in any of the child's packages (of this tier_key, for the second).
    child_behind = fields.BooleanField()
    child_tier_behind = fields.BooleanField()
    in_minutes = fields.BooleanField()
    minutes_agreed = fields.BigIntField()
    minutes_attended = fields.BigIntField()
    minutes_booked = fields.BigIntField()
    minutes_shortfall = fields.BigIntField()
    pence_agreed = fields.BigIntField()
    pence_attended = fields.BigIntField()
    pence_booked = fields.BigIntField()
    pence_shortfall = fields.BigIntField()
    # The earliest the child's waiting-list entries or unanswered requests (live, from the day on) began.
    waiting_since = fields.DatetimeField(null=True)
    # How long that is, in whole days to the refresh day: none, week (0-6), month (7-27), quarter (28-90), longer.
    waiting_band = fields.CharField(max_length=8)

    class Meta:
        table = "entitlements_sufficiencypackage"
        indexes = [("council_id", "tier_key"), ("council_id", "need"), ("council_id", "age_band"), ("council_id", "area"), ("child_id",)]


class SufficiencyItem(Model):
    """A count behind the report's other tables, for one child of the last refresh (``child_id``) or the council's
    whole area (no child): places declined by reason, places asked for and waited for by kind of break, places offered."""

    id = fields.BigIntField(primary_key=True)
    council_id = fields.UUIDField()
    child: fields.ForeignKeyNullableRelation[Child] = fields.ForeignKeyField(
        "bookings.Child", related_name="sufficiency_items", null=True, on_delete=fields.CASCADE
    )
    child_id: UUID | None
    # The child's dimensions (as on SufficiencyPackage): a row for each of the child's tier keys, and
    # ``child_first`` on one of them, so children are counted by rows, once, without a join.
    tier_key = fields.CharField(max_length=40, null=True)
    need = fields.CharField(max_length=8, null=True)
    age_band = fields.CharField(max_length=8, null=True)
    area = fields.CharField(max_length=8, null=True)
    child_first = fields.BooleanField(null=True)
    # declined (key: the reason as written, lower case), requested / waiting / offered (key: the kind of break).
    section = fields.CharField(max_length=12)
    key = fields.CharField(max_length=300)
    places = fields.BigIntField()

    class Meta:
        table = "entitlements_sufficiencyitem"
        indexes = [("council_id", "section"), ("child_id",)]


class SufficiencyMonth(Model):
    """A month's figures (as at the last refresh in it) for each mix of dimensions, for the trend."""

    id = fields.BigIntField(primary_key=True)
    council_id = fields.UUIDField()
    month = fields.DateField()  # its first day
    tier_key = fields.CharField(max_length=40)
    need = fields.CharField(max_length=8)
    age_band = fields.CharField(max_length=8)
    area = fields.CharField(max_length=8)
    packages = fields.IntField()
    children = fields.IntField()
    children_tier = fields.IntField()
    children_behind = fields.IntField()
    children_tier_behind = fields.IntField()
    minutes_agreed = fields.BigIntField()
    minutes_attended = fields.BigIntField()
    minutes_booked = fields.BigIntField()
    minutes_shortfall = fields.BigIntField()
    pence_agreed = fields.BigIntField()
    pence_attended = fields.BigIntField()
    pence_booked = fields.BigIntField()
    pence_shortfall = fields.BigIntField()

    class Meta:
        table = "entitlements_sufficiencymonth"
        indexes = [("council_id", "month")]
