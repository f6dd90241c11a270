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

from entitlements.enums import StatementStatus, TierKind
from shortbreaks.models import TimestampedModel

if TYPE_CHECKING:  # a model imported here would be registered with the entitlements app too
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

    statements: fields.ReverseRelation[Statement]

    class Meta:
        table = "entitlements_councilprofile"
        constraints = [
            CheckConstraint(
                check="allowance_year_start_month BETWEEN 1 AND 12 AND allowance_year_start_day BETWEEN 1 AND 31",
                name="entitlements_councilprofile_year_start",
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
