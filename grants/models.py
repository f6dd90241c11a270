"""Grants models: funds, rounds, awards, budget lines, tranches, spend returns, variations.

Money is integer pence throughout. Running totals kept on a row (``Fund.awarded_pence``,
``Round.awarded_pence``, ``Award.paid_pence`` and ``Award.approved_pence``) are changed only
by conditional updates in :mod:`grants.services` and are backed by CHECK constraints, so
the database refuses a total that would pass its limit whatever the caller does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from tortoise.models import Model

from grants.enums import AwardStatus, BudgetCategory, CostKind, ReturnStatus
from shortbreaks.models import TimestampedModel

if TYPE_CHECKING:  # a model imported here would be registered with the grants app too
    from shortbreaks.accounts.models import Organisation


class Fund(TimestampedModel):
    """A grant programme with a fixed total, run by a funder."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=200)
    funder: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="funds", on_delete=fields.RESTRICT
    )
    funder_id: UUID
    total_pence = fields.BigIntField()
    currency = fields.CharField(max_length=3, default="GBP")
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    # The funder's registered 360Giving prefix, e.g. 360G-DFE: grant ids are <prefix>-<award reference>.
    grant_id_prefix = fields.CharField(max_length=40)
    # Sum of its rounds' budgets and of its awards' amounts.
    allocated_pence = fields.BigIntField(default=0)
    awarded_pence = fields.BigIntField(default=0)
    # Approved spend may pass a budget line by this many percent before a funder must explicitly approve the excess.
    line_tolerance_percent = fields.IntField(default=10)
    # Counts of children or families below this are shown as "c".
    disclosure_threshold = fields.IntField(default=5)
    # The funder aims to decide a submitted spend return within this many days; later ones are flagged as overdue.
    decision_target_days = fields.IntField(default=20)

    class Meta:
        table = "grants_fund"
        ordering = ["name"]
        constraints = [
            CheckConstraint(check="total_pence > 0", name="grants_fund_total_positive"),
            CheckConstraint(check="starts_on < ends_on", name="grants_fund_dates"),
            CheckConstraint(check="allocated_pence >= 0 AND allocated_pence <= total_pence", name="grants_fund_allocated_within_total"),
            CheckConstraint(check="awarded_pence >= 0 AND awarded_pence <= total_pence", name="grants_fund_awarded_within_total"),
            CheckConstraint(check="line_tolerance_percent >= 0", name="grants_fund_tolerance"),
            CheckConstraint(check="disclosure_threshold >= 1", name="grants_fund_threshold"),
        ]


class Round(TimestampedModel):
    """A funding round with its own budget, usually one per financial year."""

    id = fields.UUIDField(primary_key=True)
    fund: fields.ForeignKeyRelation[Fund] = fields.ForeignKeyField("grants.Fund", related_name="rounds", on_delete=fields.RESTRICT)
    fund_id: UUID
    name = fields.CharField(max_length=200)
    code = fields.CharField(max_length=40)
    budget_pence = fields.BigIntField()
    awarded_pence = fields.BigIntField(default=0)
    starts_on = fields.DateField()
    ends_on = fields.DateField()

    class Meta:
        table = "grants_round"
        ordering = ["starts_on"]
        constraints = [
            UniqueConstraint(fields=("fund_id", "code"), name="grants_round_code_unique"),
            CheckConstraint(check="budget_pence > 0", name="grants_round_budget_positive"),
            CheckConstraint(check="awarded_pence >= 0 AND awarded_pence <= budget_pence", name="grants_round_awarded_within_budget"),
            CheckConstraint(check="starts_on < ends_on", name="grants_round_dates"),
        ]


class Award(TimestampedModel):
    """A grant to one organisation. Its amount and dates change only through a Variation."""

    id = fields.UUIDField(primary_key=True)
    fund: fields.ForeignKeyRelation[Fund] = fields.ForeignKeyField("grants.Fund", related_name="awards", on_delete=fields.RESTRICT)
    fund_id: UUID
    round: fields.ForeignKeyRelation[Round] = fields.ForeignKeyField("grants.Round", related_name="awards", on_delete=fields.RESTRICT)
    round_id: UUID
    recipient: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="grant_awards", on_delete=fields.RESTRICT
    )
    recipient_id: UUID
    local_authority: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "core.Organisation", related_name="grant_awards_in_area", on_delete=fields.RESTRICT
    )
    local_authority_id: UUID
    # The funder's own reference: the 360Giving id is <fund prefix>-<reference>.
    reference = fields.CharField(max_length=40)
    title = fields.CharField(max_length=200)
    description = fields.TextField()
    amount_pence = fields.BigIntField()
    awarded_on = fields.DateField()
    planned_start = fields.DateField()
    planned_end = fields.DateField()
    region = fields.CharField(max_length=60)
    status = fields.CharEnumField(AwardStatus, max_length=10, default=AwardStatus.ACTIVE)
    paid_pence = fields.BigIntField(default=0)
    approved_pence = fields.BigIntField(default=0)

    budget_lines: fields.ReverseRelation[BudgetLine]
    tranches: fields.ReverseRelation[Tranche]
    returns: fields.ReverseRelation[SpendReturn]

    class Meta:
        table = "grants_award"
        indexes = [Index(fields=["fund_id", "region"]), Index(fields=["local_authority_id"]), Index(fields=["recipient_id"])]
        constraints = [
            UniqueConstraint(fields=("fund_id", "reference"), name="grants_award_reference_unique"),
            CheckConstraint(check="amount_pence > 0", name="grants_award_amount_positive"),
            CheckConstraint(check="planned_start < planned_end", name="grants_award_dates"),
            CheckConstraint(check="paid_pence >= 0 AND paid_pence <= amount_pence", name="grants_award_paid_within_amount"),
            CheckConstraint(check="approved_pence >= 0 AND approved_pence <= amount_pence", name="grants_award_approved_within_amount"),
        ]


class BudgetLine(TimestampedModel):
    """The planned spend of an award in one category and financial year (2025 means April 2025 to March 2026)."""

    id = fields.UUIDField(primary_key=True)
    award: fields.ForeignKeyRelation[Award] = fields.ForeignKeyField("grants.Award", related_name="budget_lines", on_delete=fields.CASCADE)
    award_id: UUID
    category = fields.CharEnumField(BudgetCategory, max_length=20)
    financial_year = fields.IntField()
    kind = fields.CharEnumField(CostKind, max_length=10, default=CostKind.REVENUE)
    amount_pence = fields.BigIntField()

    class Meta:
        table = "grants_budgetline"
        constraints = [
            UniqueConstraint(fields=("award_id", "category", "financial_year"), name="grants_budgetline_unique"),
            CheckConstraint(check="amount_pence >= 0", name="grants_budgetline_amount"),
        ]


class Tranche(TimestampedModel):
    """A planned payment to the grantee, and when it was actually paid."""

    id = fields.UUIDField(primary_key=True)
    award: fields.ForeignKeyRelation[Award] = fields.ForeignKeyField("grants.Award", related_name="tranches", on_delete=fields.CASCADE)
    award_id: UUID
    number = fields.IntField()
    amount_pence = fields.BigIntField()
    due_on = fields.DateField()
    paid_on = fields.DateField(null=True)
    paid_by_id = fields.UUIDField(null=True)

    class Meta:
        table = "grants_tranche"
        indexes = [Index(fields=["paid_on"])]
        constraints = [
            UniqueConstraint(fields=("award_id", "number"), name="grants_tranche_number_unique"),
            CheckConstraint(check="amount_pence > 0", name="grants_tranche_amount_positive"),
        ]


class SpendReturn(TimestampedModel):
    """A grantee's quarterly claim of what it spent. Quarter 1 is April to June."""

    id = fields.UUIDField(primary_key=True)
    award: fields.ForeignKeyRelation[Award] = fields.ForeignKeyField("grants.Award", related_name="returns", on_delete=fields.RESTRICT)
    award_id: UUID
    financial_year = fields.IntField()
    quarter = fields.IntField()
    status = fields.CharEnumField(ReturnStatus, max_length=12, default=ReturnStatus.DRAFT)
    created_by_id = fields.UUIDField()
    submitted_at = fields.DatetimeField(null=True)
    submitted_by_id = fields.UUIDField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by_id = fields.UUIDField(null=True)
    decision_reason = fields.TextField(default="")
    # Set when a funder approved spend beyond a budget line's tolerance, with the reason.
    over_budget_approved = fields.BooleanField(default=False)

    class Meta:
        table = "grants_spendreturn"
        indexes = [Index(fields=["award_id", "status"]), Index(fields=["status"])]
        constraints = [
            UniqueConstraint(fields=("award_id", "financial_year", "quarter"), name="grants_spendreturn_period_unique"),
            CheckConstraint(check="quarter BETWEEN 1 AND 4", name="grants_spendreturn_quarter"),
        ]


class ExpenditureLine(Model):
    """One item of spend in a return. Financial year, quarter and month are derived from spent_on when written."""

    id = fields.BigIntField(primary_key=True)
    spend_return: fields.ForeignKeyRelation[SpendReturn] = fields.ForeignKeyField(
        "grants.SpendReturn", related_name="lines", on_delete=fields.CASCADE
    )
    spend_return_id: UUID
    spent_on = fields.DateField()
    amount_pence = fields.BigIntField()
    category = fields.CharEnumField(BudgetCategory, max_length=20)
    description = fields.CharField(max_length=300)
    evidence_reference = fields.CharField(max_length=100, default="")
    financial_year = fields.IntField()
    quarter = fields.IntField()
    # The first day of the month of spent_on, for monthly burn.
    spent_month = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "grants_expenditureline"
        indexes = [
            Index(fields=["spend_return_id"]),
            Index(fields=["category", "spent_on"]),
            Index(fields=["financial_year", "quarter"]),
        ]
        constraints = [
            CheckConstraint(check="amount_pence > 0", name="grants_expenditureline_amount_positive"),
            CheckConstraint(check="quarter BETWEEN 1 AND 4", name="grants_expenditureline_quarter"),
        ]


class Variation(Model):
    """A formal, funder-approved change to an award's amount, dates or budget, with what it was before."""

    id = fields.UUIDField(primary_key=True)
    award: fields.ForeignKeyRelation[Award] = fields.ForeignKeyField("grants.Award", related_name="variations", on_delete=fields.RESTRICT)
    award_id: UUID
    reason = fields.TextField()
    before: fields.JSONField[dict[str, Any]] = fields.JSONField()
    after: fields.JSONField[dict[str, Any]] = fields.JSONField()
    approved_by_id = fields.UUIDField()
    approved_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "grants_variation"
        ordering = ["approved_at"]


class AwardService(Model):
    """A service (providers package) that an award funds.

    service_id has no database foreign key yet because the providers package is built in
    parallel. When it lands this becomes a ForeignKeyField to providers.Service.
    """

    id = fields.UUIDField(primary_key=True)
    award: fields.ForeignKeyRelation[Award] = fields.ForeignKeyField("grants.Award", related_name="services", on_delete=fields.CASCADE)
    award_id: UUID
    service_id = fields.UUIDField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "grants_awardservice"
        indexes = [Index(fields=["service_id"])]
        constraints = [UniqueConstraint(fields=("award_id", "service_id"), name="grants_awardservice_unique")]


class SpendMonth(Model):
    """Spend per return and month, one column per category, kept by database triggers on grants_expenditureline.

    The fund report reads this: a return has at most three months, so the whole fund is a row
    per return and month (about 27,000 rows for 1,000 awards over three years, against 240,000
    rows a row per category would need), and one ``GROUP BY`` gives spend by
    status, by month and by category and year at once. The triggers (migration 0006) add and
    subtract each line as it is written, however it is written; ``amount_pence`` is the sum of
    the category columns. Nothing in Python writes this table. Totals equal the lines' to the
    penny (tested). A new :class:`grants.enums.BudgetCategory` needs a column here and in the
    triggers (a test fails until it has one).
    """

    id = fields.BigIntField(primary_key=True)
    spend_return: fields.ForeignKeyRelation[SpendReturn] = fields.ForeignKeyField(
        "grants.SpendReturn", related_name="months", on_delete=fields.CASCADE
    )
    spend_return_id: UUID
    # The return's award and status, copied by the triggers (and kept by a trigger on
    # grants_spendreturn when they change), so the report joins only the awards.
    award: fields.ForeignKeyRelation[Award] = fields.ForeignKeyField("grants.Award", related_name="spend_months", on_delete=fields.CASCADE)
    award_id: UUID
    status = fields.CharEnumField(ReturnStatus, max_length=12)
    financial_year = fields.IntField()
    quarter = fields.IntField()
    spent_month = fields.DateField()
    staffing_pence = fields.BigIntField(default=0)
    activities_pence = fields.BigIntField(default=0)
    transport_pence = fields.BigIntField(default=0)
    equipment_pence = fields.BigIntField(default=0)
    premises_pence = fields.BigIntField(default=0)
    training_pence = fields.BigIntField(default=0)
    evaluation_pence = fields.BigIntField(default=0)
    management_pence = fields.BigIntField(default=0)
    amount_pence = fields.BigIntField()
    line_count = fields.IntField()

    class Meta:
        table = "grants_spendmonth"
        constraints = [
            UniqueConstraint(fields=("spend_return_id", "financial_year", "quarter", "spent_month"), name="grants_spendmonth_unique")
        ]


def category_column(category: BudgetCategory) -> str:
    """The :class:`SpendMonth` column holding one category's spend."""
    return f"{category.value}_pence"
