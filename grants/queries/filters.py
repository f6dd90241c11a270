"""What a report or export covers: the awards, lines, periods and payments a :class:`ReportQuery` selects."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.expressions import Q

from grants import permissions
from grants.models import Fund
from grants.periods import financial_year_bounds, financial_year_of, quarter_bounds
from grants.schemas import ReportQuery
from shortbreaks.permissions import Principal


def award_filter(fund: Fund, query: ReportQuery, principal: Principal, *, prefix: str = "") -> Q:
    """The awards a report covers: this fund, what ``principal`` may see, and the award-level filters."""
    conditions: dict[str, Any] = {f"{prefix}fund_id": fund.id}
    if query.round_id is not None:
        conditions[f"{prefix}round_id"] = query.round_id
    if query.region is not None:
        conditions[f"{prefix}region"] = query.region
    if query.local_authority_id is not None:
        conditions[f"{prefix}local_authority_id"] = query.local_authority_id
    if query.grantee_id is not None:
        conditions[f"{prefix}recipient_id"] = query.grantee_id
    if permissions.sees_whole_fund(principal, fund.funder_id):
        return Q(**conditions)  # no join to the fund just to find what the fund id already says
    return Q(permissions.award_scope(principal, prefix=prefix), Q(**conditions))


def line_filter(query: ReportQuery) -> dict[str, Any]:
    """Expenditure-line filters: category, financial year and quarter of the date spent."""
    conditions: dict[str, Any] = {}
    if query.category is not None:
        conditions["category"] = query.category
    if query.financial_year is not None:
        conditions["financial_year"] = query.financial_year
    if query.quarter is not None:
        conditions["quarter"] = query.quarter
    return conditions


def period_filter(query: ReportQuery) -> dict[str, Any]:
    """The financial year and quarter filters alone (the report reads one category as its column)."""
    conditions: dict[str, Any] = {}
    if query.financial_year is not None:
        conditions["financial_year"] = query.financial_year
    if query.quarter is not None:
        conditions["quarter"] = query.quarter
    return conditions


def date_range(query: ReportQuery) -> tuple[date, date] | None:
    """The first and last day of the financial year (and quarter) asked for, or ``None`` when no year is."""
    if query.financial_year is None:
        return None
    if query.quarter is not None:
        return quarter_bounds(query.financial_year, query.quarter)
    return financial_year_bounds(query.financial_year)


def paid_window(fund: Fund, query: ReportQuery) -> Q:
    """Tranches paid in the financial year and quarter asked for (a quarter alone: that quarter of every year of the fund)."""
    window = date_range(query)  # None unless a financial year is asked for
    if window is not None:
        return Q(paid_on__gte=window[0], paid_on__lte=window[1])
    if query.quarter is not None:
        years = range(financial_year_of(fund.starts_on), financial_year_of(fund.ends_on) + 1)
        return Q(
            *[Q(paid_on__gte=quarter_bounds(y, query.quarter)[0], paid_on__lte=quarter_bounds(y, query.quarter)[1]) for y in years],
            join_type="OR",
        )
    return Q()
