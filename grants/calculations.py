"""Pure arithmetic for grants reports: the straight-line forecast, cost per respite hour.

Disclosure control and percentages live in :mod:`shortbreaks.disclosure`, shared with every report.

No database here, so each rule is tested with plain numbers. Money is integer pence and
every division rounds half up in integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from grants.periods import months_between
from shortbreaks.disclosure import divide_half_up

# --- forecast --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """Spend to date carried forward at its average monthly rate to the end of the period."""

    spent_pence: int
    budget_pence: int
    months_elapsed: int
    months_remaining: int
    monthly_rate_pence: int
    projected_total_pence: int
    # Positive: projected over-spend. Negative: projected under-spend.
    projected_variance_pence: int

    @property
    def is_overspend(self) -> bool:
        return self.projected_variance_pence > 0


def straight_line_forecast(*, spent_pence: int, budget_pence: int, months_elapsed: int, months_remaining: int) -> Forecast:
    """Project ``spent_pence`` over ``months_elapsed`` months on for ``months_remaining`` more."""
    months_elapsed = max(0, months_elapsed)
    months_remaining = max(0, months_remaining)
    if months_elapsed == 0:
        rate = 0
        projected = spent_pence
    else:
        rate = divide_half_up(spent_pence, months_elapsed)
        projected = spent_pence + divide_half_up(spent_pence * months_remaining, months_elapsed)
    return Forecast(
        spent_pence=spent_pence,
        budget_pence=budget_pence,
        months_elapsed=months_elapsed,
        months_remaining=months_remaining,
        monthly_rate_pence=rate,
        projected_total_pence=projected,
        projected_variance_pence=projected - budget_pence,
    )


def forecast_months(starts_on: date, ends_on: date, as_of: date) -> tuple[int, int]:
    """(months elapsed, months remaining) of a period on ``as_of``; the month of ``as_of`` counts as elapsed."""
    total = months_between(starts_on, ends_on)
    if as_of < starts_on:
        return 0, total
    elapsed = min(total, months_between(starts_on, as_of))
    return elapsed, total - elapsed


def straight_line_plan(total_pence: int, months: Sequence[date], *, starts_on: date, ends_on: date) -> list[int]:
    """Cumulative planned spend at the end of each of ``months`` if ``total_pence`` were spent evenly."""
    total_months = months_between(starts_on, ends_on)
    plan = []
    for month in months:
        elapsed = min(total_months, max(0, months_between(starts_on, month)))
        plan.append(total_pence * elapsed // total_months)
    return plan


# --- outcomes ----------------------------------------------------------------------------------


def cost_per_respite_hour(approved_pence: int, respite_minutes: int) -> int | None:
    """Approved spend ÷ hours of respite, in pence an hour (half up); ``None`` with no hours."""
    if respite_minutes <= 0:
        return None
    return divide_half_up(approved_pence * 60, respite_minutes)


def delivery_covers_spend(spend_months: Iterable[date], delivery_months: Iterable[date]) -> bool:
    """Whether respite was delivered in every month that has approved spend (and there is spend).

    Cost per respite hour means something only then: spend for months with no delivery recorded
    would be divided by hours from other months (one award showed £59,682.03 an hour that way).
    """
    spent = set(spend_months)
    return bool(spent) and spent <= set(delivery_months)
