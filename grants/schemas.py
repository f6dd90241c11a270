"""Grants input and output schemas: API bodies, page forms and report output alike.

Amounts are integer pence everywhere (``*_pence``); a fractional or negative amount fails
validation before any service runs. Page forms take pounds (``£1,234.50``) and convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, WithJsonSchema

from grants.enums import AwardStatus, BudgetCategory, CostKind, ReturnStatus
from shortbreaks.money import MAX_PENCE, pounds_field

Pence = Annotated[StrictInt, Field(gt=0, le=10**13, description="A whole number of pence, more than zero")]
CountCell = int | Literal["c"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


# Page forms take pounds ("£1,234.50"), through the one parser in the core.
PoundsInPence = Annotated[int, pounds_field("the amount"), Field(gt=0, le=MAX_PENCE)]


# --- report query and output ---------------------------------------------------------------------


# Inline in the schema: the OpenAPI builder lists query parameters one by one, without $defs.
CategoryParameter = Annotated[BudgetCategory, WithJsonSchema({"type": "string", "enum": [c.value for c in BudgetCategory]})]


class ReportQuery(Strict):
    round_id: UUID | None = None
    region: str | None = Field(default=None, max_length=60)
    local_authority_id: UUID | None = None
    grantee_id: UUID | None = Field(default=None, description="The recipient organisation's id")
    category: CategoryParameter | None = None
    financial_year: int | None = Field(default=None, ge=2000, le=2100, description="2025 is April 2025 to March 2026")
    quarter: int | None = Field(default=None, ge=1, le=4, description="1 is April to June")

    @property
    def is_filtered(self) -> bool:
        return any(v is not None for v in self.model_dump().values())


class FundOut(BaseModel):
    id: UUID
    name: str
    funder_name: str
    funder_identifier: str
    total_pence: int
    currency: str
    starts_on: date
    ends_on: date
    awarded_pence: int


class BudgetLineReport(BaseModel):
    category: BudgetCategory
    financial_year: int
    financial_year_label: str
    kind: CostKind | None
    budget_pence: int
    approved_pence: int
    variance_pence: int = Field(description="Budget minus approved spend; negative is over budget")


class BudgetTotals(BaseModel):
    budget_pence: int
    approved_pence: int
    variance_pence: int


class MonthReport(BaseModel):
    month: date
    approved_pence: int
    cumulative_pence: int
    plan_cumulative_pence: int


class ForecastOut(BaseModel):
    budget_pence: int
    spent_pence: int
    months_elapsed: int
    months_remaining: int
    monthly_rate_pence: int
    projected_total_pence: int
    projected_variance_pence: int = Field(description="Positive: projected over-spend; negative: under-spend")


class RegionReport(BaseModel):
    region: str
    awarded_pence: int
    approved_pence: int


class AwardSummary(BaseModel):
    id: UUID
    grant_id: str
    reference: str
    title: str
    round_name: str
    recipient_id: UUID
    recipient_name: str
    recipient_identifier: str
    local_authority_name: str
    region: str
    amount_pence: int
    paid_pence: int
    approved_pence: int
    status: AwardStatus


class OutcomeRow(BaseModel):
    award_id: UUID | None = None
    reference: str
    children: CountCell
    families: CountCell
    sessions: int
    respite_hours: str
    approved_pence: int
    cost_per_respite_hour_pence: int | None = Field(
        description="Approved spend per hour of respite; null with no hours, or when delivery is not recorded for every month with spend"
    )
    enough_delivery: bool = Field(default=True, description="Respite was delivered in every month with approved spend")


class RespiteMonth(BaseModel):
    month: date
    respite_minutes: int
    respite_hours: str


class OutcomesReport(BaseModel):
    available: bool = Field(description="False until the bookings package provides attended bookings")
    threshold: int
    rows: list[OutcomeRow]
    total: OutcomeRow


class FundReport(BaseModel):
    fund: FundOut
    filters: ReportQuery
    as_of: date
    awarded_pence: int
    paid_pence: int | None = Field(description="Tranches paid; null when filtered by category (payments are not split by category)")
    approved_pence: int
    pending_pence: int = Field(description="Submitted, resubmitted or queried, not yet decided")
    remaining_pence: int = Field(description="Awarded minus approved")
    whole_fund: bool = Field(
        default=True, description="True when the report covers the whole fund (a funder, unfiltered); else only the awards it lists"
    )
    percent_of_fund_spent: str = Field(description="Approved spend of the awards covered, as a percentage of the whole fund's total")
    percent_of_awarded_spent: str = Field(
        default="0.0", description="Approved spend as a percentage of the amount awarded to the awards covered"
    )
    budget_lines: list[BudgetLineReport]
    budget_totals: BudgetTotals
    monthly: list[MonthReport]
    forecast: ForecastOut
    by_region: list[RegionReport]
    awards: list[AwardSummary]
    outcomes: OutcomesReport
    respite_by_month: list[RespiteMonth] = []


# --- records ---------------------------------------------------------------------------------------


class FundListItem(BaseModel):
    id: UUID
    name: str
    total_pence: int
    awarded_pence: int
    currency: str
    starts_on: date
    ends_on: date


class ExpenditureLineOut(BaseModel):
    id: int
    spent_on: date
    amount_pence: int
    category: BudgetCategory
    description: str
    evidence_reference: str


class SpendReturnOut(BaseModel):
    id: UUID
    award_id: UUID
    financial_year: int
    quarter: int
    status: ReturnStatus
    total_pence: int
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_reason: str
    over_budget_approved: bool
    lines: list[ExpenditureLineOut]


class TrancheOut(BaseModel):
    id: UUID
    number: int
    amount_pence: int
    due_on: date
    paid_on: date | None


class BudgetLineOut(BaseModel):
    category: BudgetCategory
    financial_year: int
    kind: CostKind
    amount_pence: int


class AwardOut(BaseModel):
    id: UUID
    grant_id: str
    reference: str
    title: str
    description: str
    amount_pence: int
    paid_pence: int
    approved_pence: int
    awarded_on: date
    planned_start: date
    planned_end: date
    region: str
    status: AwardStatus
    recipient_id: UUID
    local_authority_id: UUID
    budget_lines: list[BudgetLineOut]
    tranches: list[TrancheOut]


# --- inputs ----------------------------------------------------------------------------------------


class BudgetLineIn(Strict):
    category: BudgetCategory
    financial_year: int = Field(ge=2000, le=2100)
    kind: CostKind = CostKind.REVENUE
    amount_pence: Annotated[StrictInt, Field(ge=0, le=10**13)]


class AwardIn(Strict):
    recipient_identifier: str = Field(min_length=5, max_length=60)
    local_authority_identifier: str = Field(min_length=5, max_length=60)
    reference: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    amount_pence: Pence
    awarded_on: date
    planned_start: date
    planned_end: date
    budget_lines: list[BudgetLineIn] = Field(default_factory=list, max_length=200)


class TrancheIn(Strict):
    amount_pence: Pence
    due_on: date


class PayTrancheIn(Strict):
    paid_on: date


class VariationIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)
    amount_pence: Pence | None = None
    planned_start: date | None = None
    planned_end: date | None = None
    budget_lines: list[BudgetLineIn] | None = Field(default=None, max_length=200)


class ReturnIn(Strict):
    financial_year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)


class ExpenditureLineIn(Strict):
    spent_on: date
    amount_pence: Pence
    category: BudgetCategory
    description: str = Field(min_length=1, max_length=300)
    evidence_reference: str = Field(default="", max_length=100)


class DecisionIn(Strict):
    reason: str = Field(default="", max_length=2000)
    approve_over_budget: bool = False


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


# --- page forms --------------------------------------------------------------------------------------


class ReturnForm(FormModel):
    """The "Start return" form; each field's title is its label, for error messages."""

    financial_year: int = Field(ge=2000, le=2100, title="Financial year")
    quarter: int = Field(ge=1, le=4, title="Quarter")


class ExpenditureLineForm(FormModel):
    """The "Add spend" form; each field's title is its label, for error messages."""

    spent_on: date = Field(title="Date spent")
    amount: PoundsInPence = Field(title="Amount in pounds")
    category: BudgetCategory = Field(title="Category")
    description: str = Field(min_length=1, max_length=300, title="What it was spent on")
    evidence_reference: str = Field(default="", max_length=100, title="Evidence reference")


class DecisionForm(FormModel):
    """The funder's decision on a spend return; each field's title is its label, for error messages."""

    form_blank_messages: ClassVar[dict[str, str]] = {"decision": "Select your decision"}

    decision: Literal["approve", "reject", "query"] = Field(title="Your decision")
    reason: str = Field(default="", max_length=2000, title="Reason")
    approve_over_budget: bool = Field(default=False, title="Approve spend over a budget line's tolerance")


@dataclass(frozen=True)
class GrantRecord:
    """What the 360Giving export needs of one award (all organisational, no personal data)."""

    grant_id: str
    title: str
    description: str
    currency: str
    amount_pence: int
    awarded_on: date
    planned_start: date
    planned_end: date
    recipient_name: str
    recipient_identifier: str
    funder_name: str
    funder_identifier: str
    local_authority_name: str
    local_authority_identifier: str
    region: str
    programme_code: str
    programme_title: str
    modified_at: datetime
