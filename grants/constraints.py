"""The grants package's named constraints (``shortbreaks.constraints``): what a violation means to the user.

Every CHECK here backs a rule the services check first (an amount, dates, a budget not passed by
a conditional update), so its entry is the error that check raises: a violation means a write
that skipped the service, or a concurrent one that slipped past it. The unique constraints also
catch two requests racing to create the same thing.
"""

from __future__ import annotations

from grants.errors import OverBudget, OverPaid, SpendOverAward
from shortbreaks.constraints import Constraint
from shortbreaks.errors import Conflict, ValidationFailed


def _positive(field: str) -> ValidationFailed:
    return ValidationFailed.field(field, "The amount must be more than zero")


def _dates(field: str) -> ValidationFailed:
    return ValidationFailed.field(field, "The end date must be after the start date")


def _already_done() -> Exception:
    return Conflict("That was done a moment ago by another request; reload the page to see it")


CONSTRAINTS = [
    # Funds and rounds (migration 0001).
    Constraint("grants_fund_total_positive", lambda: _positive("total_pence")),
    Constraint("grants_fund_dates", lambda: _dates("ends_on")),
    Constraint("grants_fund_allocated_within_total", lambda: OverBudget("The rounds' budgets would add up to more than the fund")),
    Constraint("grants_fund_awarded_within_total", lambda: OverBudget("That is more than the fund's remaining budget")),
    Constraint("grants_fund_tolerance", lambda: ValidationFailed.field("line_tolerance_percent", "The tolerance cannot be negative")),
    Constraint("grants_fund_threshold", lambda: ValidationFailed.field("disclosure_threshold", "The threshold must be 1 or more")),
    Constraint(
        "grants_round_code_unique",
        lambda: ValidationFailed.field("code", "The fund already has a round with that code"),
        table="grants_round",
        columns=("fund_id", "code"),
    ),
    Constraint("grants_round_budget_positive", lambda: _positive("budget_pence")),
    Constraint("grants_round_awarded_within_budget", lambda: OverBudget("That is more than the round's remaining budget")),
    Constraint("grants_round_dates", lambda: _dates("ends_on")),
    # Awards, their services and budget lines.
    Constraint(
        "grants_award_reference_unique",
        lambda: ValidationFailed.field("reference", "The fund already has an award with that reference"),
        table="grants_award",
        columns=("fund_id", "reference"),
    ),
    Constraint("grants_award_amount_positive", lambda: _positive("amount_pence")),
    Constraint("grants_award_dates", lambda: _dates("planned_end")),
    Constraint("grants_award_paid_within_amount", OverPaid),
    Constraint("grants_award_approved_within_amount", SpendOverAward),
    Constraint("grants_awardservice_unique", _already_done, table="grants_awardservice", columns=("award_id", "service_id")),
    Constraint(
        "grants_budgetline_unique",
        lambda: ValidationFailed.field("budget_lines", "Each category may appear once a financial year"),
        table="grants_budgetline",
        columns=("award_id", "category", "financial_year"),
    ),
    Constraint("grants_budgetline_amount", lambda: ValidationFailed.field("budget_lines", "The amount cannot be negative")),
    # Spend returns and their lines.
    Constraint(
        "grants_spendreturn_period_unique",
        lambda: ValidationFailed.field("quarter", "There is already a return for that quarter"),
        table="grants_spendreturn",
        columns=("award_id", "financial_year", "quarter"),
    ),
    Constraint("grants_spendreturn_quarter", lambda: ValidationFailed.field("quarter", "Choose quarter 1, 2, 3 or 4")),
    Constraint("grants_expenditureline_amount_positive", lambda: _positive("amount_pence")),
    # The line's quarter is derived from its date, so only a write that skipped the service can break it.
    Constraint("grants_expenditureline_quarter", lambda: ValidationFailed.field("spent_on", "Enter a real date")),
    # Kept by triggers with ON CONFLICT: a violation is two writers racing; run the transaction again.
    Constraint(
        "grants_spendmonth_unique",
        None,
        table="grants_spendmonth",
        columns=("spend_return_id", "financial_year", "quarter", "spent_month"),
    ),
    # Tranches: numbers are given under a lock on the award, so a clash is a race; run it again.
    Constraint("grants_tranche_number_unique", None, table="grants_tranche", columns=("award_id", "number")),
    Constraint("grants_tranche_amount_positive", lambda: _positive("amount_pence")),
]
